"""Start-up wiring and the command line: connects ingest → detectors → alerts → the world."""

"""Rules turn tracked objects into findings. Each is pure: observation and time in, verdict out."""

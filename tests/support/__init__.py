"""Helpers the tests share: a real RTSP server, an MQTT collector, process runners, factories."""

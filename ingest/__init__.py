"""Cameras: opening, reconnecting, pacing, and handing the latest frame to detection."""

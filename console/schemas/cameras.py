"""Cameras with their live status."""

from __future__ import annotations

from datetime import datetime

from pydantic import Field

from console.schemas.common import Out


class CameraOut(Out):
    name: str
    location: str
    state: str = Field(description="online, reconnecting, offline, or unknown before start.")
    fps: float = Field(description="Pictures decoded per second, last 5 s.")
    frames_total: int
    frames_dropped: int = Field(description="Frames replaced before detection took them.")
    reconnects: int
    last_frame_at: datetime | None
    error: str | None
    recording_error: str | None
    width: int | None
    height: int | None
    codec: str | None
    frame_url: str
    live_url: str

"""Camera status: what a control room needs to know about a camera, without its pictures."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class CameraState(StrEnum):
    ONLINE = "online"
    OFFLINE = "offline"
    RECONNECTING = "reconnecting"


@dataclass(frozen=True, slots=True)
class CameraStatus:
    """What a control room needs to know about a camera right now."""

    camera: str
    state: CameraState
    fps: float
    frames_total: int
    frames_dropped: int
    reconnects: int
    last_frame_at: datetime | None
    error: str | None
    width: int | None = None
    height: int | None = None
    codec: str | None = None
    recording_error: str | None = None
    packet_buffer_bytes: int | None = None
    source_fps: float | None = None  # pictures a second the stream itself sends (last 5 s)
    skipped_gops: int = 0  # groups of pictures left undecoded so the analysis stays live
    record: StreamStatus | None = None  # the record stream, when it is a separate one
    node: str | None = None  # where the camera runs (a host, or a node of a cluster)


@dataclass(frozen=True, slots=True)
class StreamStatus:
    """A camera's record stream: read for its packets only, never decoded."""

    state: CameraState
    source_fps: float
    packets_total: int
    reconnects: int
    last_packet_at: datetime | None
    error: str | None
    width: int | None = None
    height: int | None = None
    codec: str | None = None

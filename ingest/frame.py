"""Frames and camera status: the values ingest hands to later stages."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

import numpy as np
import numpy.typing as npt

Image = npt.NDArray[np.uint8]


@dataclass(frozen=True, slots=True)
class Frame:
    """One decoded picture. `image` is BGR, shape (height, width, 3)."""

    camera: str
    seq: int
    captured_at: datetime
    monotonic_s: float
    image: Image
    video_offset_s: float

    @property
    def width(self) -> int:
        return int(self.image.shape[1])

    @property
    def height(self) -> int:
        return int(self.image.shape[0])


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

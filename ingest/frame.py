"""Frames and camera status: the values ingest hands to later stages."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

import numpy as np
import numpy.typing as npt

Image = npt.NDArray[np.uint8]


@dataclass(frozen=True, slots=True)
class Luma:
    """A picture's luma plane as the decoder wrote it (no copy).

    `full_range`: values span 0–255 (JPEG-style); otherwise 16–235, as most cameras send.
    """

    plane: Image
    full_range: bool


class Pixels:
    """One picture's pixels, converted to BGR the first time someone asks and then kept.

    Decoded pictures stay in the decoder's YUV until the detector, a snapshot or the live view
    needs colour. Motion reads the luma plane, so a frame the motion gate turns away is never
    converted. Safe to share between threads: the conversion runs once.
    """

    __slots__ = ("_bgr", "_lock", "_to_bgr", "height", "luma", "width")

    def __init__(
        self, to_bgr: Callable[[], Image], width: int, height: int, luma: Luma | None = None
    ) -> None:
        self._to_bgr: Callable[[], Image] | None = to_bgr
        self._bgr: Image | None = None
        self._lock = threading.Lock()
        self.width = width
        self.height = height
        self.luma = luma

    @classmethod
    def of(cls, image: Image) -> Pixels:
        """Pixels already in BGR, shape (height, width, 3)."""
        pixels = cls(lambda: image, int(image.shape[1]), int(image.shape[0]))
        pixels._bgr = image
        return pixels

    def bgr(self) -> Image:
        with self._lock:
            if self._bgr is None:
                assert self._to_bgr is not None
                self._bgr = self._to_bgr()
                self._to_bgr = None
            return self._bgr


@dataclass(frozen=True, slots=True)
class Frame:
    """One decoded picture of a camera, with when it was captured."""

    camera: str
    seq: int
    captured_at: datetime
    monotonic_s: float
    pixels: Pixels
    video_offset_s: float

    @property
    def image(self) -> Image:
        """BGR, shape (height, width, 3); converted on first use."""
        return self.pixels.bgr()

    @property
    def width(self) -> int:
        return self.pixels.width

    @property
    def height(self) -> int:
        return self.pixels.height


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

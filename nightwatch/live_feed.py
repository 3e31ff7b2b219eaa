"""What the pipeline shows while it runs: each camera's latest picture, and live events.

Camera workers hand in frames and events on their own threads; the console reads JPEGs and
listens for events on others. Everything here is safe to call from any thread.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

import numpy as np

from alerts.payloads import AlertPayload
from ingest.frame import Frame
from ingest.images import encode_jpeg
from ingest.status import CameraStatus

log = logging.getLogger(__name__)

LiveEvent = AlertPayload | CameraStatus
LiveListener = Callable[[LiveEvent], None]


@dataclass(frozen=True, slots=True)
class LatestPicture:
    """A camera's newest analysed frame as JPEG (scaled down for live view)."""

    camera: str
    seq: int
    captured_at: datetime
    jpeg: bytes


class LiveFeed:
    """Latest frames (encoded once per frame, on demand) and event listeners."""

    def __init__(self, max_width_px: int = 1280, quality: int = 80) -> None:
        self.max_width_px = max_width_px
        self.quality = quality
        self._lock = threading.Lock()
        self._frames: dict[str, Frame] = {}
        self._pictures: dict[str, LatestPicture] = {}
        self._listeners: list[LiveListener] = []

    def keep_frame(self, frame: Frame) -> None:
        """Remember the newest frame of its camera (only a reference: nothing is copied)."""
        with self._lock:
            self._frames[frame.camera] = frame

    def latest_picture(self, camera: str) -> LatestPicture | None:
        """The newest frame of `camera` as JPEG, or None before its first frame."""
        with self._lock:
            frame = self._frames.get(camera)
            cached = self._pictures.get(camera)
        if frame is None:
            return None
        if cached is not None and cached.seq == frame.seq:
            return cached
        picture = LatestPicture(camera, frame.seq, frame.captured_at, self._encode(frame))
        with self._lock:
            self._pictures[camera] = picture
        return picture

    def subscribe(self, listener: LiveListener) -> Callable[[], None]:
        """Call `listener` with every alert message and camera status; returns unsubscribe."""
        with self._lock:
            self._listeners.append(listener)

        def unsubscribe() -> None:
            with self._lock:
                if listener in self._listeners:
                    self._listeners.remove(listener)

        return unsubscribe

    def notify(self, event: LiveEvent) -> None:
        """Hand `event` to every listener; a failing listener is logged, never raised."""
        with self._lock:
            listeners = list(self._listeners)
        for listener in listeners:
            try:
                listener(event)
            except Exception:
                log.exception("live listener %r failed", listener)

    def _encode(self, frame: Frame) -> bytes:
        image = frame.image
        step = -(-frame.width // self.max_width_px)  # ceiling: 1920 px wide → every 2nd pixel
        if step > 1:
            image = np.ascontiguousarray(image[::step, ::step])
        return encode_jpeg(image, self.quality)

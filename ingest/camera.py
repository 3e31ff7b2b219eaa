"""A camera reader thread: reconnects with backoff, samples frames, never builds a backlog."""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

from ingest.frame import Frame
from ingest.recording import Recorder
from ingest.source import Picture, SourceError, SourceSettings, StreamInfo, VideoSource, describe
from ingest.status import CameraState, CameraStatus

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class ReaderSettings:
    """How one camera is read. Times in seconds."""

    camera: str
    source: SourceSettings
    sample_fps: float
    reconnect_initial_s: float = 1.0
    reconnect_max_s: float = 30.0
    status_interval_s: float = 5.0


def sample(pictures: Iterable[Picture], fps: float) -> Iterator[Picture]:
    """Keep pictures at most `fps` per second of video time (the first is always kept)."""
    interval_s = 1.0 / fps
    next_due_s: float | None = None
    for picture in pictures:
        if next_due_s is None or picture.offset_s >= next_due_s - 1e-6:
            # Schedule from the due time, not the picture time, so 30 fps sampled at 7 fps
            # averages 7 rather than rounding down to 6.
            base = (
                picture.offset_s
                if next_due_s is None
                else max(next_due_s, picture.offset_s - interval_s)
            )
            next_due_s = base + interval_s
            yield picture


class LatestFrameSlot:
    """Holds one frame. A new frame replaces an unread one, and the replacement is counted."""

    def __init__(self) -> None:
        self._frame: Frame | None = None
        self._condition = threading.Condition()
        self.dropped = 0

    def put(self, frame: Frame) -> None:
        with self._condition:
            if self._frame is not None:
                self.dropped += 1
            self._frame = frame
            self._condition.notify()

    def take(self, timeout_s: float) -> Frame | None:
        """The newest unread frame, or None after `timeout_s` without one."""
        with self._condition:
            if self._frame is None:
                self._condition.wait(timeout_s)
            frame, self._frame = self._frame, None
            return frame


class _RateMeter:
    def __init__(self, window_s: float = 5.0) -> None:
        self._times: deque[float] = deque()
        self._window_s = window_s

    def tick(self, now: float) -> None:
        self._times.append(now)
        while self._times and now - self._times[0] > self._window_s:
            self._times.popleft()

    def rate(self, now: float) -> float:
        while self._times and now - self._times[0] > self._window_s:
            self._times.popleft()
        if len(self._times) < 2:
            return 0.0
        return (len(self._times) - 1) / max(self._times[-1] - self._times[0], 1e-6)


StatusListener = Callable[[CameraStatus], None]


class CameraReader:
    """Reads one camera on its own thread into a LatestFrameSlot and reports status changes."""

    def __init__(
        self, settings: ReaderSettings, on_status: StatusListener, recorder: Recorder | None = None
    ) -> None:
        self.settings = settings
        self.recorder = recorder
        self.slot = LatestFrameSlot()
        self._on_status = on_status
        self._stop = threading.Event()
        self._thread = threading.Thread(
            target=self._run, name=f"camera-{settings.camera}", daemon=True
        )
        self._meter = _RateMeter()
        self._state = CameraState.OFFLINE
        self._frames_total = 0
        self._reconnects = 0
        self._last_frame_at: datetime | None = None
        self._error: str | None = None
        self._info: StreamInfo | None = None
        self._seq = 0

    def start(self) -> None:
        self._thread.start()

    def stop(self, timeout_s: float = 5.0) -> None:
        self._stop.set()
        self._thread.join(timeout_s)

    @property
    def finished(self) -> bool:
        """True once a non-looping file has been read to the end (or the reader stopped)."""
        return not self._thread.is_alive()

    def status(self) -> CameraStatus:
        info = self._info
        return CameraStatus(
            camera=self.settings.camera,
            state=self._state,
            fps=round(self._meter.rate(time.monotonic()), 2),
            frames_total=self._frames_total,
            frames_dropped=self.slot.dropped,
            reconnects=self._reconnects,
            last_frame_at=self._last_frame_at,
            error=self._error,
            width=info.width if info else None,
            height=info.height if info else None,
            codec=info.codec if info else None,
            recording_error=self.recorder.problem if self.recorder else None,
            packet_buffer_bytes=self.recorder.ring.size_bytes if self.recorder else None,
        )

    def _set_state(self, state: CameraState, error: str | None) -> None:
        changed = state != self._state or error != self._error
        self._state, self._error = state, error
        if changed:
            self._on_status(self.status())

    def _run(self) -> None:
        delay_s = self.settings.reconnect_initial_s
        while not self._stop.is_set():
            try:
                source = VideoSource(
                    self.settings.source, self.recorder.packet if self.recorder else None
                )
            except SourceError as error:
                delay_s = self._back_off(str(error), delay_s)
                continue
            self._info = source.info
            log.info(
                "camera %s online: %s %dx%d",
                self.settings.camera,
                source.info.codec,
                source.info.width,
                source.info.height,
            )
            self._set_state(CameraState.ONLINE, None)
            delay_s = self.settings.reconnect_initial_s
            if self.recorder is not None:
                self.recorder.session_opened(source.stream)
            try:
                self._read(source)
            except SourceError as error:
                delay_s = self._back_off(str(error), delay_s)
                continue
            finally:
                if self.recorder is not None:
                    self.recorder.session_closed()
                source.close()
            if self._stop.is_set():  # shutting down: not a lost stream, so no reconnecting
                break
            if not source.is_live:  # a file that reached its end (and does not loop)
                self._set_state(CameraState.OFFLINE, "end of file")
                return
            delay_s = self._back_off(
                f"{describe(self.settings.source.url)} ended the stream", delay_s
            )

        # Stopped on purpose: say so, so a retained status does not claim the camera is live.
        self._set_state(CameraState.OFFLINE, "stopped")

    def _back_off(self, error: str, delay_s: float) -> float:
        log.warning("camera %s: %s; retrying in %.1f s", self.settings.camera, error, delay_s)
        self._reconnects += 1
        self._set_state(CameraState.RECONNECTING, error)
        self._stop.wait(delay_s)
        return min(delay_s * 2.0, self.settings.reconnect_max_s)

    def _read(self, source: VideoSource) -> None:
        next_status_s = time.monotonic() + self.settings.status_interval_s
        for picture in self._counted(source.pictures()):
            if self._stop.is_set():
                return
            image = picture.to_image()
            now_s = time.monotonic()
            self._seq += 1
            self._last_frame_at = datetime.now(UTC)
            self.slot.put(
                Frame(
                    self.settings.camera,
                    self._seq,
                    self._last_frame_at,
                    now_s,
                    image,
                    picture.offset_s,
                )
            )
            if now_s >= next_status_s:
                next_status_s = now_s + self.settings.status_interval_s
                self._on_status(self.status())

    def _counted(self, pictures: Iterator[Picture]) -> Iterator[Picture]:
        def counting() -> Iterator[Picture]:
            for picture in pictures:
                self._frames_total += 1
                self._meter.tick(time.monotonic())
                yield picture

        return sample(counting(), self.settings.sample_fps)

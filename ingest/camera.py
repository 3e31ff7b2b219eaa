"""A camera: its streams read on their own threads, with reconnects, sampling and no backlog.

A camera has one stream, decoded for analysis and copied for clips, or two: a small detect
stream (decoded) and a full record stream (packets only, for clips). Each stream reconnects
on its own; the camera's status tells both.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from ingest.frame import Frame
from ingest.meter import RateMeter
from ingest.recording import Recorder
from ingest.source import Picture, SourceError, SourceSettings, StreamInfo, VideoSource, describe
from ingest.status import CameraState, CameraStatus, StreamStatus

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class ReaderSettings:
    """How one camera is read. Times in seconds. `record`: a separate record stream."""

    camera: str
    source: SourceSettings
    sample_fps: float
    reconnect_initial_s: float = 1.0
    reconnect_max_s: float = 30.0
    status_interval_s: float = 5.0
    record: SourceSettings | None = None


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


Change = Callable[[], None]


class StreamReader:
    """Reads one stream on its own thread, reconnecting with backoff until stopped.

    `on_picture` set: the stream is decoded and its sampled pictures handed over; None: only
    its packets are read (for the recorder). `on_change` is called when the state changes.
    """

    def __init__(
        self,
        name: str,
        source: SourceSettings,
        settings: ReaderSettings,
        on_change: Change,
        recorder: Recorder | None,
        on_picture: Callable[[Picture], None] | None,
    ) -> None:
        self.name = name
        self.source = source
        self.settings = settings
        self.recorder = recorder
        self._on_change = on_change
        self._on_picture = on_picture
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"camera-{name}", daemon=True)
        self.decoded = RateMeter()
        self.delivered = RateMeter()  # packets the stream sent, decoded or not
        self.state = CameraState.OFFLINE
        self.error: str | None = None
        self.reconnects = 0
        self.info: StreamInfo | None = None
        self.skipped_gops = 0
        self.packets_total = 0
        self.decoded_total = 0
        self.last_packet_at: datetime | None = None
        self._open: VideoSource | None = None
        self._counted = (0, 0, 0)  # the open source's (packets, decoded, skipped) seen so far

    def start(self) -> None:
        self._thread.start()

    def request_stop(self) -> None:
        self._stop.set()

    def stop(self, timeout_s: float) -> None:
        self._stop.set()
        self._thread.join(timeout_s)

    @property
    def alive(self) -> bool:
        return self._thread.is_alive()

    @property
    def stopping(self) -> bool:
        return self._stop.is_set()

    def _set_state(self, state: CameraState, error: str | None) -> None:
        changed = state != self.state or error != self.error
        self.state, self.error = state, error
        if changed:
            self._on_change()

    def _run(self) -> None:
        delay_s = self.settings.reconnect_initial_s
        while not self._stop.is_set():
            try:
                source = VideoSource(self.source, self.recorder.packet if self.recorder else None)
            except SourceError as error:
                delay_s = self._back_off(str(error), delay_s)
                continue
            self.info = source.info
            log.info(
                "camera %s online: %s %dx%d",
                self.name,
                source.info.codec,
                source.info.width,
                source.info.height,
            )
            self._set_state(CameraState.ONLINE, None)
            delay_s = self.settings.reconnect_initial_s
            ended = self._read_session(source)
            if ended is not None:
                delay_s = self._back_off(ended, delay_s)
                continue
            if self._stop.is_set():  # shutting down: not a lost stream, so no reconnecting
                break
            if not source.is_live:  # a file that reached its end (and does not loop)
                self._set_state(CameraState.OFFLINE, "end of file")
                return
            delay_s = self._back_off(f"{describe(self.source.url)} ended the stream", delay_s)
        # Stopped on purpose: say so, so a retained status does not claim the camera is live.
        self._set_state(CameraState.OFFLINE, "stopped")

    def _read_session(self, source: VideoSource) -> str | None:
        """Read until the stream ends (None) or fails (the reason)."""
        if self.recorder is not None:
            self.recorder.session_opened(source.stream)
        self._open, self._counted = source, (0, 0, 0)
        try:
            if self._on_picture is None:
                for _ in source.packets():
                    self._tally()
                    if self._stop.is_set():
                        break
            else:
                self._decode(source)
        except SourceError as error:
            return str(error)
        finally:
            self._tally()
            self._open = None
            if self.recorder is not None:
                self.recorder.session_closed()
            source.close()
        return None

    def _decode(self, source: VideoSource) -> None:
        assert self._on_picture is not None
        for picture in sample(self._tallied(source.pictures()), self.settings.sample_fps):
            if self._stop.is_set():
                return
            self._on_picture(picture)

    def _tallied(self, pictures: Iterator[Picture]) -> Iterator[Picture]:
        for picture in pictures:
            self._tally()
            yield picture

    def _tally(self) -> None:
        """Move the open source's counters into the stream's meters and totals."""
        source = self._open
        if source is None:
            return
        counters = source.counters
        packets, decoded, skipped = self._counted
        now = time.monotonic()
        self.delivered.tick(now, counters.packets - packets)
        self.decoded.tick(now, counters.decoded - decoded)
        self.packets_total += counters.packets - packets
        self.decoded_total += counters.decoded - decoded
        self.skipped_gops += counters.skipped_gops - skipped
        if counters.packets > packets:
            self.last_packet_at = datetime.now(UTC)
        self._counted = (counters.packets, counters.decoded, counters.skipped_gops)

    def _back_off(self, error: str, delay_s: float) -> float:
        log.warning("camera %s: %s; retrying in %.1f s", self.name, error, delay_s)
        self.reconnects += 1
        self._set_state(CameraState.RECONNECTING, error)
        self._stop.wait(delay_s)
        return min(delay_s * 2.0, self.settings.reconnect_max_s)

    def stream_status(self) -> StreamStatus:
        info = self.info
        return StreamStatus(
            state=self.state,
            source_fps=round(self.delivered.rate(time.monotonic()), 2),
            packets_total=self.packets_total,
            reconnects=self.reconnects,
            last_packet_at=self.last_packet_at,
            error=self.error,
            width=info.width if info else None,
            height=info.height if info else None,
            codec=info.codec if info else None,
        )


StatusListener = Callable[[CameraStatus], None]


class CameraReader:
    """Reads one camera into a LatestFrameSlot and reports status changes.

    The detect stream is decoded; with a separate record stream, that one feeds the recorder
    and the detect stream's packets go nowhere else.
    """

    def __init__(
        self, settings: ReaderSettings, on_status: StatusListener, recorder: Recorder | None = None
    ) -> None:
        self.settings = settings
        self.recorder = recorder
        self.slot = LatestFrameSlot()
        self._on_status = on_status
        self._seq = 0
        self._last_frame_at: datetime | None = None
        self._next_status_s = time.monotonic() + settings.status_interval_s
        split = settings.record is not None
        self.detect = StreamReader(
            settings.camera,
            settings.source,
            settings,
            self._changed,
            None if split else recorder,
            self._picture,
        )
        self.record = None
        if settings.record is not None:
            self.record = StreamReader(
                f"{settings.camera}/record",
                settings.record,
                settings,
                self._changed,
                recorder,
                None,
            )

    def start(self) -> None:
        self.detect.start()
        if self.record is not None:
            self.record.start()

    def stop(self, timeout_s: float = 5.0) -> None:
        for stream in (self.detect, self.record):
            if stream is not None:
                stream.request_stop()
        self.detect.stop(timeout_s)
        if self.record is not None:
            self.record.stop(timeout_s)

    @property
    def finished(self) -> bool:
        """True once a non-looping file has been read to the end (or the reader stopped)."""
        return not self.detect.alive

    def status(self) -> CameraStatus:
        detect = self.detect
        info = detect.info
        now = time.monotonic()
        return CameraStatus(
            camera=self.settings.camera,
            state=detect.state,
            fps=round(detect.decoded.rate(now), 2),
            frames_total=detect.decoded_total,
            frames_dropped=self.slot.dropped,
            reconnects=detect.reconnects,
            last_frame_at=self._last_frame_at,
            error=detect.error,
            width=info.width if info else None,
            height=info.height if info else None,
            codec=info.codec if info else None,
            recording_error=self.recorder.problem if self.recorder else None,
            packet_buffer_bytes=self.recorder.ring.size_bytes if self.recorder else None,
            source_fps=round(detect.delivered.rate(now), 2),
            skipped_gops=detect.skipped_gops,
            record=None if self.record is None else self.record.stream_status(),
        )

    def _changed(self) -> None:
        self._on_status(self.status())

    def _picture(self, picture: Picture) -> None:
        """A sampled picture of the detect stream: into the slot, as taken `lag_s` ago."""
        image = picture.to_image()
        now_s = time.monotonic()
        self._seq += 1
        captured_at = datetime.now(UTC) - timedelta(seconds=picture.lag_s)
        self._last_frame_at = captured_at
        self.slot.put(
            Frame(
                self.settings.camera,
                self._seq,
                captured_at,
                now_s - picture.lag_s,
                image,
                picture.offset_s,
            )
        )
        if now_s >= self._next_status_s:
            self._next_status_s = now_s + self.settings.status_interval_s
            self._changed()

"""Open a camera or video file with PyAV and iterate its decoded pictures.

PyAV (FFmpeg) is used rather than OpenCV's VideoCapture because it gives the compressed
packets as well as the pictures: clips are written from the camera's own packets later.
"""

from __future__ import annotations

import contextlib
import time
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from fractions import Fraction
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import av
import av.error
import numpy as np

from ingest.frame import Image

PacketListener = Callable[[Any, datetime], None]  # (av.Packet, arrival time)


class SourceError(Exception):
    """A camera or file that cannot be opened or read; the message says what to check."""


@dataclass(frozen=True, slots=True)
class SourceSettings:
    """How to open one source. Times in seconds."""

    url: str
    rtsp_transport: str = "tcp"
    loop: bool = False
    realtime: bool = True
    open_timeout_s: float = 10.0
    read_timeout_s: float = 10.0
    # Live streams and files played in real time: decoding that falls this far behind the
    # stream skips to the next keyframe instead of building a backlog. None: never skip.
    max_lag_s: float | None = 0.5


@dataclass(frozen=True, slots=True)
class Picture:
    """A decoded picture; `to_image` converts it to BGR only when someone needs the pixels.

    `lag_s`: how long after the stream delivered it the picture was decoded (0 for files read
    as fast as they decode), so its capture time is now minus that.
    """

    to_image: Callable[[], Image]
    offset_s: float
    keyframe: bool
    width: int
    height: int
    lag_s: float = 0.0


@dataclass(slots=True)
class SourceCounters:
    """What the reading did so far; read by the camera's status from another thread."""

    packets: int = 0  # video packets the stream delivered (one per picture)
    decoded: int = 0  # pictures decoded
    skipped_gops: int = 0  # groups of pictures left undecoded to stay live


class StreamClock:
    """How far the reading is behind the stream's own clock.

    Each packet's arrival offset (now minus its stream time) is compared with the smallest
    offset of the last `window_s` seconds, the offset of packets read as soon as they came:
    the difference is the reading's lag. The window lets the camera's clock drift from ours.
    """

    def __init__(self, window_s: float = 30.0, jump_s: float = 10.0) -> None:
        self.window_s = window_s
        self.jump_s = jump_s
        self._offsets: deque[tuple[float, float]] = deque()  # (now, offset), offsets rising
        self._last_offset: float | None = None

    def lag_s(self, stream_s: float, now_s: float) -> float:
        offset = now_s - stream_s
        if self._last_offset is not None and abs(offset - self._last_offset) > self.jump_s:
            self._offsets.clear()  # the stream's timestamps jumped (restart, wrap): start over
        self._last_offset = offset
        while self._offsets and self._offsets[-1][1] >= offset:
            self._offsets.pop()
        self._offsets.append((now_s, offset))
        while self._offsets[0][0] < now_s - self.window_s:
            self._offsets.popleft()
        return offset - self._offsets[0][1]


@dataclass(frozen=True, slots=True)
class StreamInfo:
    codec: str
    width: int
    height: int
    fps: float


def describe(url: str) -> str:
    """The source without its password, for logs and status."""
    parsed = urlparse(url)
    if parsed.password:
        return url.replace(f":{parsed.password}@", ":***@")
    return url


def _usb_device(url: str) -> str | None:
    if url.startswith("usb:"):
        return f"/dev/video{url.removeprefix('usb:')}"
    if url.startswith("/dev/video"):
        return url
    return None


class VideoSource:
    """One opened source. Iterate `pictures()`, then `close()` it (from any thread).

    `clock` and `sleep` pace a file in real time (tests pass their own)."""

    def __init__(
        self,
        settings: SourceSettings,
        on_packet: PacketListener | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.settings = settings
        self._on_packet = on_packet
        self._clock = clock
        self._sleep = sleep
        self.counters = SourceCounters()
        self._lag = StreamClock()
        self._skipping = False
        self._container = self._open()
        stream = self._container.streams.video[0]
        # One decoding thread per stream: a node's parallelism is its many cameras, and the
        # model keeps every core busy. Frame threads cost about a fifth more CPU a picture
        # and hold a picture each; slice threads help only streams cut into several slices,
        # which cameras rarely send. Decoding then shows in its reader thread's CPU time.
        stream.codec_context.thread_count = 1
        self._stream = stream
        rate = stream.average_rate or stream.guessed_rate or Fraction(25)
        self.info = StreamInfo(
            codec=str(stream.codec_context.name),
            width=int(stream.codec_context.width),
            height=int(stream.codec_context.height),
            fps=float(rate),
        )

    @property
    def stream(self) -> av.VideoStream:
        """The open video stream (a template for clips while the source is open)."""
        return self._stream

    @property
    def is_live(self) -> bool:
        return urlparse(self.settings.url).scheme in ("rtsp", "rtsps", "http", "https") or (
            _usb_device(self.settings.url) is not None
        )

    def _open(self) -> av.container.InputContainer:
        url = self.settings.url
        device = _usb_device(url)
        options: dict[str, str] = {}
        open_format: str | None = None
        scheme = urlparse(url).scheme
        if scheme in ("rtsp", "rtsps"):
            options = {"rtsp_transport": self.settings.rtsp_transport, "fflags": "nobuffer"}
        elif device is not None:
            url, open_format = device, "v4l2"
        elif scheme in ("", "file"):
            path = Path(url.removeprefix("file://"))
            if not path.is_file():
                raise SourceError(
                    f"video file {path} does not exist; check the camera's source path"
                )
        try:
            return av.open(
                url,
                format=open_format,
                options=options,
                timeout=(self.settings.open_timeout_s, self.settings.read_timeout_s),
            )
        except (av.error.FFmpegError, OSError) as error:
            reason = error.strerror or str(error)  # FFmpeg's text repeats the URL, password too
            raise SourceError(f"cannot open {describe(self.settings.url)}: {reason}") from error

    def pictures(self) -> Iterator[Picture]:
        """Decoded pictures in order; loops files when asked; paces files when realtime."""
        started = self._clock()
        loop_offset_s = 0.0
        while True:
            last_offset_s = 0.0
            for picture in self._decode(loop_offset_s):
                last_offset_s = picture.offset_s
                if self.settings.realtime and not self.is_live:
                    delay = started + picture.offset_s - self._clock()
                    if delay > 0:
                        self._sleep(delay)
                yield picture
            if not self.settings.loop or self.is_live:
                return
            loop_offset_s = last_offset_s + 1.0 / self.info.fps
            self._container.seek(0, stream=self._stream)

    def packets(self) -> Iterator[int]:
        """Read without decoding (a record stream): each packet goes to the packet listener;
        yields the running packet count, so a caller can stop between packets."""
        try:
            for packet in self._container.demux(self._stream):
                if packet.size == 0:
                    continue
                if self._on_packet is not None:
                    self._on_packet(packet, datetime.now(UTC))
                self.counters.packets += 1
                yield self.counters.packets
        except av.error.EOFError:
            return
        except (av.error.FFmpegError, OSError) as error:
            reason = error.strerror or str(error)
            raise SourceError(f"reading {describe(self.settings.url)} failed: {reason}") from error

    @property
    def _keeps_up(self) -> bool:
        """Whether decoding may skip to stay live: live streams and files paced in real time."""
        return self.settings.max_lag_s is not None and (self.is_live or self.settings.realtime)

    def _decode(self, loop_offset_s: float) -> Iterator[Picture]:
        time_base = float(self._stream.time_base or Fraction(1, 90000))
        first_pts: int | None = None
        try:
            for packet in self._container.demux(self._stream):
                if packet.size == 0:
                    continue
                if self._on_packet is not None:
                    self._on_packet(packet, datetime.now(UTC))
                self.counters.packets += 1
                stamp = packet.pts if packet.pts is not None else packet.dts
                if first_pts is None and stamp is not None:
                    first_pts = stamp
                stream_s = loop_offset_s + ((stamp or 0) - (first_pts or 0)) * time_base
                lag_s = self._lag.lag_s(stream_s, self._clock()) if self._keeps_up else 0.0
                if self._skip(packet.is_keyframe, lag_s):
                    continue
                for frame in packet.decode():
                    self.counters.decoded += 1
                    pts = frame.pts if frame.pts is not None else 0
                    if first_pts is None:
                        first_pts = pts
                    yield Picture(
                        to_image=_converter(frame),
                        offset_s=loop_offset_s + (pts - first_pts) * time_base,
                        keyframe=bool(frame.key_frame),
                        width=frame.width,
                        height=frame.height,
                        lag_s=lag_s,
                    )
        except av.error.EOFError:
            return
        except (av.error.FFmpegError, OSError) as error:
            reason = error.strerror or str(error)
            raise SourceError(f"reading {describe(self.settings.url)} failed: {reason}") from error

    def _skip(self, keyframe: bool, lag_s: float) -> bool:
        """Whether to leave this packet undecoded: decoding fell `max_lag_s` behind, and the
        rest of the group of pictures goes, up to a keyframe that finds the reading caught up
        (within half the allowance); each group left out is counted."""
        limit = self.settings.max_lag_s
        if limit is None:
            return False
        if self._skipping:
            if keyframe and lag_s <= limit / 2:
                self._skipping = False
                return False
            if keyframe:
                self.counters.skipped_gops += 1
            return True
        if lag_s > limit:
            self._skipping = True
            self.counters.skipped_gops += 1
            return True
        return False

    def close(self) -> None:
        with contextlib.suppress(av.error.FFmpegError, OSError):
            self._container.close()


def _converter(frame: av.VideoFrame) -> Callable[[], Image]:
    def to_image() -> Image:
        image: Image = np.asarray(frame.to_ndarray(format="bgr24"), np.uint8)
        return image

    return to_image

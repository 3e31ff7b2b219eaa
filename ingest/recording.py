"""Alert clips cut from the camera's own packets: stream copy for H.264/H.265, else re-encoded.

The recorder lives on the camera's reader thread, which owns the open stream; other threads
only queue start and stop requests. A clip runs from the keyframe at or before the start it
is given to the last packet received by the end it is given (the span is the alert's
decision, see alerts/evidence.py), and its MP4 index is written at the front (faststart) so
browsers play it while it downloads.
"""

from __future__ import annotations

import contextlib
import errno
import logging
import queue
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from fractions import Fraction
from pathlib import Path
from typing import Any

import av
import numpy as np

from ingest.capture import CapturedFile
from ingest.frame import Image
from ingest.packets import PacketRing, StoredPacket

log = logging.getLogger(__name__)

COPYABLE_CODECS = frozenset({"h264", "hevc"})


@dataclass(frozen=True, slots=True)
class RecorderSettings:
    """Clip settings. Times in seconds."""

    media_dir: Path
    keep_s: float = 5.0  # the packet ring holds at least this much (a clip's earliest start)
    max_ring_bytes: int = 64 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class Clip:
    """A finished clip file."""

    alert_id: str
    camera: str
    path: Path
    started_at: datetime
    ended_at: datetime
    codec: str
    width: int
    height: int
    packets: int
    reencoded: bool

    @property
    def evidence(self) -> CapturedFile:
        """The clip as an evidence file of its alert."""
        return CapturedFile(
            self.alert_id,
            "clip",
            self.path,
            self.started_at,
            self.ended_at,
            self.codec,
            self.width,
            self.height,
        )


@dataclass(slots=True)
class _Request:
    alert_id: str
    at: datetime
    stop: bool


@dataclass(slots=True)
class _OpenClip:
    alert_id: str
    path: Path
    output: Any
    stream: Any
    first_dts: int | None = None
    started_at: datetime | None = None
    last_at: datetime | None = None
    stop_after: datetime | None = None
    packets: int = 0
    transcoder: Any = None
    frames_encoded: int = 0


ClipListener = Callable[[Clip], None]
ProblemListener = Callable[[str | None], None]


class Recorder:
    """Keeps a packet ring for one camera and writes clips for alerts."""

    def __init__(
        self,
        camera: str,
        settings: RecorderSettings,
        on_clip: ClipListener,
        on_problem: ProblemListener,
    ) -> None:
        self.camera = camera
        self.settings = settings
        self.ring = PacketRing(settings.keep_s, settings.max_ring_bytes)
        self._on_clip = on_clip
        self._on_problem = on_problem
        self._requests: queue.SimpleQueue[_Request] = queue.SimpleQueue()
        self._open: dict[str, _OpenClip] = {}
        self._stream: Any = None
        self._last_dts: int | None = None
        self._dts_shift = 0
        self._decoder_spec: tuple[str, bytes] | None = None  # codec name, extradata
        self.problem: str | None = None

    # Any thread -------------------------------------------------------------------------
    def picture_at(self, at: datetime) -> tuple[Image, datetime] | None:
        """Decode the picture received nearest after `at` from the packet ring (from the
        keyframe before it), with its arrival time; None when the ring no longer holds it.

        For snapshots from a record stream, which is otherwise never decoded; call it off the
        camera's threads (decoding up to a group of pictures takes a while)."""
        spec = self._decoder_spec
        packets = list(self.ring.since(at))
        if spec is None or not packets:
            return None
        decoder: Any = av.CodecContext.create(spec[0], "r")
        if spec[1]:
            decoder.extradata = spec[1]
        best: tuple[Image, datetime] | None = None
        try:
            for stored in packets:
                packet = av.Packet(stored.data)
                packet.pts, packet.dts, packet.time_base = stored.pts, stored.dts, stored.time_base
                for frame in decoder.decode(packet):
                    best = (
                        np.asarray(frame.to_ndarray(format="bgr24"), np.uint8),
                        stored.received_at,
                    )
                if stored.received_at >= at and best is not None:
                    return best
        except av.error.FFmpegError as error:
            log.warning("camera %s: no picture decoded for a snapshot: %s", self.camera, error)
        return best

    def start_clip(self, alert_id: str, start_at: datetime) -> None:
        """Begin a clip at the keyframe at or before `start_at` (or the oldest held)."""
        self._requests.put(_Request(alert_id, start_at, stop=False))

    def stop_clip(self, alert_id: str, end_at: datetime) -> None:
        """End the clip once a packet received after `end_at` arrives."""
        self._requests.put(_Request(alert_id, end_at, stop=True))

    # Reader thread ----------------------------------------------------------------------
    def session_opened(self, stream: Any) -> None:
        self._stream = stream
        context = stream.codec_context
        self._decoder_spec = (str(context.name), bytes(context.extradata or b""))
        self._restart()

    def session_closed(self) -> None:
        """The stream ended or broke: finish every open clip with what it has."""
        self._restart()
        self._stream = None

    def _restart(self) -> None:
        for clip in list(self._open.values()):
            self._finish(clip)
        self.ring.clear()
        self._last_dts = None
        self._dts_shift = 0

    def packet(self, packet: Any, received_at: datetime) -> None:
        if packet.size == 0:
            return
        duration = int(packet.duration or 0)
        went_back = (
            self._last_dts is not None
            and packet.dts is not None
            and packet.dts + self._dts_shift <= self._last_dts
        )
        if went_back:
            # A looping file started again: keep timestamps rising so clips stay playable.
            assert self._last_dts is not None
            self._dts_shift = self._last_dts + max(duration, 1) - packet.dts
        shift = self._dts_shift
        stored = StoredPacket(
            data=bytes(packet),
            pts=None if packet.pts is None else packet.pts + shift,
            dts=None if packet.dts is None else packet.dts + shift,
            duration=duration,
            time_base=packet.time_base,
            keyframe=bool(packet.is_keyframe),
            received_at=received_at,
        )
        self._last_dts = stored.dts
        self._serve_requests()  # before adding: a new clip takes the ring, then this packet
        self.ring.add(stored)
        for clip in list(self._open.values()):
            if clip.stop_after is not None and received_at > clip.stop_after:
                self._finish(clip)
            else:
                self._write(clip, stored)

    def _serve_requests(self) -> None:
        while True:
            try:
                request = self._requests.get_nowait()
            except queue.Empty:
                return
            if request.stop:
                clip = self._open.get(request.alert_id)
                if clip is not None:
                    clip.stop_after = request.at
            elif request.alert_id not in self._open and self._stream is not None:
                self._begin(request.alert_id, request.at)

    def _begin(self, alert_id: str, start: datetime) -> None:
        day = start.strftime("%Y-%m-%d")
        path = self.settings.media_dir / "clips" / self.camera / day / f"{alert_id}.mp4"
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            clip = self._open_output(alert_id, path)
        except (OSError, av.error.FFmpegError) as error:
            self._report(error, alert_id)
            return
        self._open[alert_id] = clip
        for stored in list(self.ring.since(start)):
            if alert_id not in self._open:
                return  # writing failed and the clip was abandoned: never touch it again
            self._write(clip, stored)

    def _open_output(self, alert_id: str, path: Path) -> _OpenClip:
        partial = path.with_suffix(".mp4.partial")
        output = av.open(str(partial), "w", format="mp4", options={"movflags": "+faststart"})
        codec = self._stream.codec_context.name
        if codec in COPYABLE_CODECS:
            stream = output.add_stream_from_template(self._stream)
            if codec == "hevc":
                stream.codec_tag = "hvc1"  # what Safari and most players want for HEVC in MP4
            return _OpenClip(alert_id, path, output, stream)
        rate = round(self._stream.average_rate or 25)
        stream = output.add_stream("libx264", rate=rate)
        stream.codec_context.time_base = Fraction(1, rate)
        stream.width = self._stream.codec_context.width
        stream.height = self._stream.codec_context.height
        stream.pix_fmt = "yuv420p"
        stream.options = {"preset": "veryfast", "crf": "23"}
        decoder = av.CodecContext.create(codec, "r")
        decoder.extradata = self._stream.codec_context.extradata
        return _OpenClip(alert_id, path, output, stream, transcoder=decoder)

    def _write(self, clip: _OpenClip, stored: StoredPacket) -> None:
        if clip.packets == 0 and not stored.keyframe:
            return  # a clip begun before the ring held a keyframe starts at the next one
        try:
            if clip.transcoder is not None:
                self._transcode(clip, stored)
            else:
                self._copy(clip, stored)
        except (OSError, av.error.FFmpegError) as error:
            self._abandon(clip, error)
            return
        clip.started_at = clip.started_at or stored.received_at
        clip.last_at = stored.received_at
        clip.packets += 1

    def _copy(self, clip: _OpenClip, stored: StoredPacket) -> None:
        if clip.first_dts is None:
            clip.first_dts = stored.dts if stored.dts is not None else (stored.pts or 0)
        packet = av.Packet(stored.data)
        packet.pts = None if stored.pts is None else stored.pts - clip.first_dts
        packet.dts = None if stored.dts is None else stored.dts - clip.first_dts
        packet.duration = stored.duration
        packet.time_base = stored.time_base
        packet.is_keyframe = stored.keyframe
        packet.stream = clip.stream
        clip.output.mux(packet)

    def _transcode(self, clip: _OpenClip, stored: StoredPacket) -> None:
        packet = av.Packet(stored.data)
        packet.pts, packet.dts, packet.time_base = stored.pts, stored.dts, stored.time_base
        for frame in clip.transcoder.decode(packet):
            frame.pts = clip.frames_encoded
            clip.frames_encoded += 1
            frame.time_base = clip.stream.codec_context.time_base
            for encoded in clip.stream.encode(frame.reformat(format="yuv420p")):
                clip.output.mux(encoded)

    def _finish(self, clip: _OpenClip) -> None:
        self._open.pop(clip.alert_id, None)
        try:
            if clip.transcoder is not None:
                for encoded in clip.stream.encode(None):
                    clip.output.mux(encoded)
            clip.output.close()
            if clip.packets == 0 or clip.started_at is None or clip.last_at is None:
                clip.path.with_suffix(".mp4.partial").unlink(missing_ok=True)
                return
            clip.path.with_suffix(".mp4.partial").replace(clip.path)
        except (OSError, av.error.FFmpegError) as error:
            self._report(error, clip.alert_id)
            clip.path.with_suffix(".mp4.partial").unlink(missing_ok=True)
            return
        context = clip.stream.codec_context
        self._set_problem(None)
        self._on_clip(
            Clip(
                alert_id=clip.alert_id,
                camera=self.camera,
                path=clip.path,
                started_at=clip.started_at,
                ended_at=clip.last_at,
                codec=str(context.name).replace("libx264", "h264"),
                width=int(context.width),
                height=int(context.height),
                packets=clip.packets,
                reencoded=clip.transcoder is not None,
            )
        )

    def _abandon(self, clip: _OpenClip, error: Exception) -> None:
        self._open.pop(clip.alert_id, None)
        with contextlib.suppress(OSError, av.error.FFmpegError):
            clip.output.close()
        clip.path.with_suffix(".mp4.partial").unlink(missing_ok=True)
        self._report(error, clip.alert_id)

    def _report(self, error: Exception, alert_id: str) -> None:
        full = isinstance(error, OSError) and error.errno == errno.ENOSPC
        reason = "disk full" if full else f"clip writing failed: {error}"
        log.error("camera %s: no clip for alert %s: %s", self.camera, alert_id, reason)
        self._set_problem(f"{reason} ({self.settings.media_dir})")

    def _set_problem(self, problem: str | None) -> None:
        if problem != self.problem:
            self.problem = problem
            self._on_problem(problem)

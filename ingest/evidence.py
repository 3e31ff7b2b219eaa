"""Evidence done by ingest: snapshots from the pictures it holds, clips from its packets.

What to capture is decided elsewhere (alerts/evidence.py); this module keeps the pictures
those decisions may still ask for, writes JPEG snapshots and passes clip requests to each
camera's recorder: `alerts.evidence.EvidenceCapture`, done.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable, Collection, Mapping
from datetime import datetime
from pathlib import Path

from ingest.capture import CapturedFile, SnapshotRequest
from ingest.frame import Frame, Image
from ingest.images import BoxAnnotation, annotate, encode_jpeg
from ingest.recording import Recorder

log = logging.getLogger(__name__)


class FrameKeeper:
    """Each camera's newest analysed picture, and the older ones still referenced.

    The camera's worker offers every analysed frame and then says which references open
    alerts still hold (`retain`); nothing else is kept, so memory stays at a picture per open
    alert and camera. Safe to call from any thread.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._frames: dict[str, dict[int, Frame]] = {}

    def offer(self, frame: Frame) -> None:
        with self._lock:
            self._frames.setdefault(frame.camera, {})[frame.seq] = frame

    def retain(self, camera: str, seqs: Collection[int]) -> None:
        """Keep the camera's newest picture and those numbered in `seqs`; drop the rest."""
        with self._lock:
            frames = self._frames.get(camera)
            if not frames:
                return
            newest = max(frames)
            for seq in [seq for seq in frames if seq != newest and seq not in seqs]:
                del frames[seq]

    def get(self, camera: str, seq: int) -> Frame | None:
        with self._lock:
            return self._frames.get(camera, {}).get(seq)


FileListener = Callable[[CapturedFile], None]
# How long a record-stream snapshot waits for that stream's packets to reach the moment
# (the two streams of a camera arrive with their own delays).
RECORD_WAIT_S = 3.0


class EvidenceCapture:
    """Snapshots and clips for alerts; every finished file goes to `on_file`.

    Snapshots come from the frame keeper's analysed picture, or, for the cameras named in
    `from_record`, from their record stream: one picture near the moment is decoded from the
    recorder's packets on this object's own thread, never on a camera's.
    """

    def __init__(
        self,
        media_dir: Path,
        frames: FrameKeeper,
        recorders: Mapping[str, Recorder],
        on_file: FileListener,
        from_record: Collection[str] = (),
    ) -> None:
        self.media_dir = media_dir
        self.frames = frames
        self.recorders = recorders
        self.on_file = on_file
        self.from_record = frozenset(from_record)
        self._record_requests: queue.SimpleQueue[SnapshotRequest | None] = queue.SimpleQueue()
        self._record_thread: threading.Thread | None = None

    def stop(self) -> None:
        """Finish the record-stream snapshots asked for so far."""
        if self._record_thread is not None:
            self._record_requests.put(None)
            self._record_thread.join(10)

    def snapshot(self, request: SnapshotRequest) -> bool:
        """Write (or start writing) the snapshot; False when its picture is no longer held."""
        view = request.view
        recorder = self.recorders.get(view.camera)
        if view.camera in self.from_record and recorder is not None:
            if self._record_thread is None:
                self._record_thread = threading.Thread(
                    target=self._serve_record_snapshots, name="snapshots", daemon=True
                )
                self._record_thread.start()
            self._record_requests.put(request)
            return True
        frame = self.frames.get(view.camera, view.seq)
        if frame is None:
            return False
        self._write(request, frame.image, frame.captured_at, 1.0)
        return True

    def _serve_record_snapshots(self) -> None:
        while (request := self._record_requests.get()) is not None:
            view = request.view
            recorder = self.recorders[view.camera]
            ring = recorder.ring
            deadline = time.monotonic() + RECORD_WAIT_S
            while (
                (newest := ring.newest_at) is None or newest < view.captured_at
            ) and time.monotonic() < deadline:
                time.sleep(0.05)
            picture = recorder.picture_at(view.captured_at)
            frame = self.frames.get(view.camera, view.seq)
            if picture is not None:
                image, received_at = picture
                self._write(request, image, received_at, image.shape[1] / view.width)
            elif frame is not None:  # the record stream is away: the analysed picture will do
                self._write(request, frame.image, frame.captured_at, 1.0)
            else:
                log.error("alert %s: no picture for its snapshot", request.alert_id)

    def _write(self, request: SnapshotRequest, image: Image, at: datetime, scale: float) -> None:
        """The clean and the annotated JPEG; boxes scaled from the analysed picture's pixels."""
        view = request.view
        folder = self.media_dir / "snapshots" / view.camera / f"{request.started_at:%Y-%m-%d}"
        boxes = [
            BoxAnnotation(
                (
                    caption.xyxy[0] * scale,
                    caption.xyxy[1] * scale,
                    caption.xyxy[2] * scale,
                    caption.xyxy[3] * scale,
                ),
                caption.text,
            )
            for caption in request.captions
        ]
        height, width = image.shape[:2]
        try:
            folder.mkdir(parents=True, exist_ok=True)
            for kind in ("snapshot", "snapshot_annotated"):
                clean = kind == "snapshot"
                picture = image if clean else annotate(image, boxes, request.zone)
                suffix = "" if clean else "-annotated"
                path = folder / f"{request.alert_id}-{request.number}{suffix}.jpg"
                path.write_bytes(encode_jpeg(picture))
                self.on_file(
                    CapturedFile(request.alert_id, kind, path, at, at, "jpeg", width, height)
                )
        except OSError as error:
            log.error("alert %s: snapshot not written: %s", request.alert_id, error)

    def start_clip(self, camera: str, alert_id: str, start_at: datetime) -> None:
        recorder = self.recorders.get(camera)
        if recorder is not None:
            recorder.start_clip(alert_id, start_at)

    def end_clip(self, camera: str, alert_id: str, end_at: datetime) -> None:
        recorder = self.recorders.get(camera)
        if recorder is not None:
            recorder.stop_clip(alert_id, end_at)

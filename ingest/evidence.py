"""Evidence done by ingest: snapshots from the pictures it holds, clips from its packets.

What to capture is decided elsewhere (alerts/evidence.py); this module keeps the pictures
those decisions may still ask for, writes JPEG snapshots and passes clip requests to each
camera's recorder: `alerts.evidence.EvidenceCapture`, done.
"""

from __future__ import annotations

import threading
from collections.abc import Collection, Mapping
from datetime import datetime
from pathlib import Path

from ingest.capture import CapturedFile, SnapshotRequest
from ingest.frame import Frame
from ingest.images import BoxAnnotation, annotate, encode_jpeg
from ingest.recording import Recorder


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


class EvidenceCapture:
    """Snapshots from the frame keeper, clips from the cameras' recorders."""

    def __init__(
        self, media_dir: Path, frames: FrameKeeper, recorders: Mapping[str, Recorder]
    ) -> None:
        self.media_dir = media_dir
        self.frames = frames
        self.recorders = recorders

    def snapshot(self, request: SnapshotRequest) -> list[CapturedFile]:
        """Write the clean and annotated JPEGs; [] when the picture is no longer held."""
        view = request.view
        frame = self.frames.get(view.camera, view.seq)
        if frame is None:
            return []
        day = f"{request.started_at:%Y-%m-%d}"
        folder = self.media_dir / "snapshots" / view.camera / day
        folder.mkdir(parents=True, exist_ok=True)
        boxes = [BoxAnnotation(caption.xyxy, caption.text) for caption in request.captions]
        versions = {
            "snapshot": encode_jpeg(frame.image),
            "snapshot_annotated": encode_jpeg(annotate(frame.image, boxes, request.zone)),
        }
        written = []
        for kind, jpeg in versions.items():
            suffix = "" if kind == "snapshot" else "-annotated"
            path = folder / f"{request.alert_id}-{request.number}{suffix}.jpg"
            path.write_bytes(jpeg)
            written.append(
                CapturedFile(
                    request.alert_id,
                    kind,
                    path,
                    frame.captured_at,
                    frame.captured_at,
                    "jpeg",
                    frame.width,
                    frame.height,
                )
            )
        return written

    def start_clip(self, camera: str, alert_id: str, start_at: datetime) -> None:
        recorder = self.recorders.get(camera)
        if recorder is not None:
            recorder.start_clip(alert_id, start_at)

    def end_clip(self, camera: str, alert_id: str, end_at: datetime) -> None:
        recorder = self.recorders.get(camera)
        if recorder is not None:
            recorder.stop_clip(alert_id, end_at)

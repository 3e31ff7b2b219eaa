"""Evidence for each alert: snapshots when it starts or finds a better view, a clip when it ends."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Protocol

from alerts.lifecycle import AlertEvent, AlertKey, AlertLifecycle, AlertType, LifecycleSettings
from config.schema import CameraConfig, NightwatchConfig
from ingest.frame import Frame
from ingest.images import BoxAnnotation, annotate, encode_jpeg
from ingest.recording import Clip, Recorder, RecorderSettings

log = logging.getLogger(__name__)

Polygon = tuple[tuple[float, float], ...]


class EvidenceStore(Protocol):
    """The part of the store evidence needs (alerts.store.EvidenceRepository)."""

    def add(
        self,
        alert_id: str,
        kind: str,
        path: Path,
        started_at: datetime,
        ended_at: datetime,
        codec: str | None,
        width: int | None,
        height: int | None,
    ) -> object: ...


@dataclass(slots=True)
class _Written:
    frame_seq: int
    count: int


class EvidenceWriter:
    """Writes snapshots on the worker thread and asks each camera's recorder for clips."""

    def __init__(
        self,
        media_dir: Path,
        store: EvidenceStore,
        recorders: Mapping[str, Recorder],
        zones: Mapping[tuple[str, str], Polygon],
    ) -> None:
        self.media_dir = media_dir
        self.store = store
        self.recorders = recorders
        self.zones = zones
        self._snapshots: dict[str, _Written] = {}

    def on_event(self, event: AlertEvent) -> None:
        """React to one alert event (called after it was stored and published)."""
        recorder = self.recorders.get(event.key.camera)
        if event.type is AlertType.NEW and recorder is not None:
            recorder.start_clip(event.id, event.started_at)
        self._snapshot_if_better(event)
        if event.type is AlertType.END:
            self._snapshots.pop(event.id, None)
            if recorder is not None and event.ended_at is not None:
                recorder.stop_clip(event.id, event.ended_at)

    def on_clip(self, clip: Clip) -> None:
        """A recorder finished a clip (called on the camera's reader thread)."""
        self.store.add(
            clip.alert_id,
            "clip",
            clip.path,
            clip.started_at,
            clip.ended_at,
            clip.codec,
            clip.width,
            clip.height,
        )

    def _snapshot_if_better(self, event: AlertEvent) -> None:
        frame = event.best_frame
        if frame is None:
            return
        written = self._snapshots.get(event.id)
        if written is not None and written.frame_seq == frame.seq:
            return
        count = 1 if written is None else written.count + 1
        try:
            self._write_snapshots(event, frame, count)
        except OSError as error:
            log.error("alert %s: snapshot not written: %s", event.id, error)
            return
        self._snapshots[event.id] = _Written(frame.seq, count)

    def _write_snapshots(self, event: AlertEvent, frame: Frame, count: int) -> None:
        folder = self.media_dir / "snapshots" / event.key.camera / f"{event.started_at:%Y-%m-%d}"
        folder.mkdir(parents=True, exist_ok=True)
        objects = event.best_objects
        boxes = [
            BoxAnnotation(
                tuple(float(v) for v in objects.xyxy[index]),  # type: ignore[arg-type]
                f"{objects.label[index]} #{objects.track_id[index]} {objects.score[index]:.2f}",
            )
            for index in range(len(objects))
        ]
        zone = self.zones.get((event.key.camera, event.key.zone))
        versions = {
            "snapshot": encode_jpeg(frame.image),
            "snapshot_annotated": encode_jpeg(annotate(frame.image, boxes, zone)),
        }
        for kind, jpeg in versions.items():
            suffix = "" if kind == "snapshot" else "-annotated"
            path = folder / f"{event.id}-{count}{suffix}.jpg"
            path.write_bytes(jpeg)
            self.store.add(
                event.id,
                kind,
                path,
                frame.captured_at,
                frame.captured_at,
                "jpeg",
                frame.width,
                frame.height,
            )


def recorder_settings(camera: CameraConfig, media_dir: Path) -> RecorderSettings:
    record = camera.record
    return RecorderSettings(
        media_dir=media_dir,
        pre_capture_s=record.pre_capture_s,
        post_capture_s=record.post_capture_s,
        max_ring_bytes=record.max_buffer_mb * 2**20,
    )


def zone_polygons(config: NightwatchConfig) -> dict[tuple[str, str], Polygon]:
    """Each camera's zones by name, to draw on annotated snapshots."""
    return {
        (name, zone_name): zone.polygon
        for name, camera in config.cameras.items()
        for zone_name, zone in camera.zones.items()
    }


def storage_health(camera: str) -> AlertLifecycle:
    """The lifecycle of a camera's 'recording' alert: raised while clips cannot be written."""
    settings = LifecycleSettings(
        severity="high", clear_s=0.0, cooldown_s=0.0, update_interval_s=60.0
    )
    return AlertLifecycle(AlertKey(camera, "recording", "frame"), "storage", settings)

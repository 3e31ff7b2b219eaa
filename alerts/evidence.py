"""Evidence decisions: which picture becomes an alert's snapshot, which span its clip covers.

The decisions are made here, from alert events alone; the pictures and packets are ingest's,
which writes the files behind the small `EvidenceCapture` interface and hands each finished
file to `EvidenceDirector.register`, which records it in the store (hashed and audited).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from alerts.lifecycle import AlertEvent, AlertKey, AlertLifecycle, AlertType, LifecycleSettings
from detectors.observation import Detections
from ingest.capture import Caption, CapturedFile, FrameRef, Polygon, SnapshotRequest

log = logging.getLogger(__name__)


class EvidenceCapture(Protocol):
    """What ingest does for evidence: it holds the pictures and the packets."""

    def snapshot(self, request: SnapshotRequest) -> bool:
        """Write the snapshot files (now or soon: they are handed to `register` when done);
        False when the picture is no longer held."""
        ...

    def start_clip(self, camera: str, alert_id: str, start_at: datetime) -> None:
        """Begin a clip with the packets from `start_at` (or the oldest still held)."""
        ...

    def end_clip(self, camera: str, alert_id: str, end_at: datetime) -> None:
        """End the clip with the last packet received at or before `end_at`."""
        ...


class EvidenceRegistry(Protocol):
    """The part of the store evidence needs."""

    def add_evidence(self, file: CapturedFile) -> object: ...


@dataclass(frozen=True, slots=True)
class ClipSpan:
    """How much a camera's clips cover around their alert, seconds."""

    before_s: float
    after_s: float


@dataclass(slots=True)
class _Snapshots:
    view: FrameRef
    count: int


class EvidenceDirector:
    """Decides, per alert event, what to capture, and registers what ingest wrote."""

    def __init__(
        self,
        capture: EvidenceCapture,
        registry: EvidenceRegistry,
        spans: Mapping[str, ClipSpan],
        zones: Mapping[tuple[str, str], Polygon],
    ) -> None:
        """`spans`: the cameras that record, by name; `zones`: polygons by (camera, zone)."""
        self.capture = capture
        self.registry = registry
        self.spans = spans
        self.zones = zones
        self._snapshots: dict[str, _Snapshots] = {}

    def on_event(self, event: AlertEvent) -> None:
        """React to one alert event (called after it was stored and published)."""
        camera = event.key.camera
        span = self.spans.get(camera)
        if span is None:
            return
        if event.type is AlertType.NEW:
            start_at = event.started_at - timedelta(seconds=span.before_s)
            self.capture.start_clip(camera, event.id, start_at)
        self._snapshot_if_better(event)
        if event.type is AlertType.END:
            self._snapshots.pop(event.id, None)
            if event.ended_at is not None:
                end_at = event.ended_at + timedelta(seconds=span.after_s)
                self.capture.end_clip(camera, event.id, end_at)

    def register(self, file: CapturedFile) -> None:
        """A file ingest finished: a snapshot, or a clip (on the camera's reader thread)."""
        self.registry.add_evidence(file)

    def _snapshot_if_better(self, event: AlertEvent) -> None:
        view = event.best_view
        if view is None:
            return
        written = self._snapshots.get(event.id)
        if written is not None and written.view == view:
            return
        number = 1 if written is None else written.count + 1
        zone = self.zones.get((event.key.camera, event.key.zone))
        request = SnapshotRequest(
            event.id, event.started_at, number, view, captions(event.best_objects), zone
        )
        if self.capture.snapshot(request):
            self._snapshots[event.id] = _Snapshots(view, number)


def captions(objects: Detections) -> tuple[Caption, ...]:
    """Each object's box with its label, track id and score."""
    return tuple(
        Caption(
            (
                float(objects.xyxy[index][0]),
                float(objects.xyxy[index][1]),
                float(objects.xyxy[index][2]),
                float(objects.xyxy[index][3]),
            ),
            f"{objects.label[index]} #{objects.track_id[index]} {objects.score[index]:.2f}",
        )
        for index in range(len(objects))
    )


def storage_health(camera: str) -> AlertLifecycle:
    """The lifecycle of a camera's 'recording' alert: raised while clips cannot be written."""
    settings = LifecycleSettings(
        severity="high", clear_s=0.0, cooldown_s=0.0, update_interval_s=60.0
    )
    return AlertLifecycle(AlertKey(camera, "recording", "frame"), "storage", settings)

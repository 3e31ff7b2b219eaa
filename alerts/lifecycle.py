"""The alert lifecycle: new → update … → end; stable id, rate-limited updates, cooldown."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum

from alerts.rules.base import Verdict
from detectors.observation import Detections
from ingest.capture import FrameRef


class AlertType(StrEnum):
    NEW = "new"
    UPDATE = "update"
    END = "end"


@dataclass(frozen=True, slots=True)
class AlertKey:
    camera: str
    rule: str
    zone: str


@dataclass(frozen=True, slots=True)
class LifecycleSettings:
    severity: str
    clear_s: float
    cooldown_s: float
    update_interval_s: float


@dataclass(frozen=True, slots=True)
class AlertEvent:
    """One step of an alert's life, ready to publish and store."""

    id: str
    type: AlertType
    key: AlertKey
    severity: str
    rule_type: str
    started_at: datetime
    frame_time: datetime
    ended_at: datetime | None
    objects: Detections
    best_view: FrameRef | None  # the picture that shows the alert best so far
    best_objects: Detections  # the objects as that picture shows them
    details: Mapping[str, object] = field(default_factory=dict)


@dataclass(slots=True)
class _OpenAlert:
    id: str
    started_at: datetime
    last_active_at: datetime
    last_sent_at: datetime
    sent_track_ids: frozenset[int]
    best_score: float
    best_view: FrameRef | None
    best_objects: Detections
    pending_change: bool = False


class AlertLifecycle:
    """Turns a rule's frame-by-frame verdicts into alert events for one camera, rule and zone."""

    SNAPSHOT_GAIN = 0.05  # a best-snapshot change worth an update: score up by this much

    def __init__(self, key: AlertKey, rule_type: str, settings: LifecycleSettings) -> None:
        self.key = key
        self.rule_type = rule_type
        self.settings = settings
        self._open: _OpenAlert | None = None
        self._cooldown_until: datetime | None = None

    @property
    def is_open(self) -> bool:
        return self._open is not None

    @property
    def best_view(self) -> FrameRef | None:
        """The picture the open alert's snapshot is (or will be) taken from."""
        return None if self._open is None else self._open.best_view

    def step(
        self, verdict: Verdict, now: datetime, view: FrameRef | None = None
    ) -> list[AlertEvent]:
        """Advance by one frame; returns the events to publish (usually none)."""
        alert = self._open
        if alert is None:
            if verdict.active and (self._cooldown_until is None or now >= self._cooldown_until):
                return [self._start(verdict, now, view)]
            return []
        if verdict.active:
            alert.last_active_at = now
            self._note_changes(alert, verdict, view)
            interval = timedelta(seconds=self.settings.update_interval_s)
            if alert.pending_change and now - alert.last_sent_at >= interval:
                return [self._update(alert, verdict, now)]
            return []
        if now - alert.last_active_at >= timedelta(seconds=self.settings.clear_s):
            return [self.close(now)]
        return []

    def close(self, now: datetime) -> AlertEvent:
        """End the open alert now (its rule was switched off, or the process stops)."""
        alert = self._open
        assert alert is not None, "no open alert to close"
        self._open = None
        self._cooldown_until = now + timedelta(seconds=self.settings.cooldown_s)
        return self._event(alert, AlertType.END, Detections.empty(), now, ended_at=now)

    def _start(self, verdict: Verdict, now: datetime, view: FrameRef | None) -> AlertEvent:
        alert = _OpenAlert(
            id=str(uuid.uuid4()),
            started_at=now,
            last_active_at=now,
            last_sent_at=now,
            sent_track_ids=_ids(verdict.objects),
            best_score=_best_score(verdict.objects),
            best_view=view,
            best_objects=verdict.objects,
        )
        self._open = alert
        return self._event(alert, AlertType.NEW, verdict.objects, now, details=verdict.details)

    def _note_changes(self, alert: _OpenAlert, verdict: Verdict, view: FrameRef | None) -> None:
        score = _best_score(verdict.objects)
        if score >= alert.best_score + self.SNAPSHOT_GAIN:
            alert.best_score, alert.best_view, alert.best_objects = score, view, verdict.objects
            alert.pending_change = True
        if len(verdict.objects) and _ids(verdict.objects) != alert.sent_track_ids:
            alert.pending_change = True

    def _update(self, alert: _OpenAlert, verdict: Verdict, now: datetime) -> AlertEvent:
        alert.last_sent_at = now
        alert.sent_track_ids = _ids(verdict.objects)
        alert.pending_change = False
        return self._event(alert, AlertType.UPDATE, verdict.objects, now, details=verdict.details)

    def _event(
        self,
        alert: _OpenAlert,
        kind: AlertType,
        objects: Detections,
        now: datetime,
        ended_at: datetime | None = None,
        details: Mapping[str, object] | None = None,
    ) -> AlertEvent:
        return AlertEvent(
            id=alert.id,
            type=kind,
            key=self.key,
            severity=self.settings.severity,
            rule_type=self.rule_type,
            started_at=alert.started_at,
            frame_time=now,
            ended_at=ended_at,
            objects=objects,
            best_view=alert.best_view,
            best_objects=alert.best_objects,
            details=dict(details or {}),
        )


def _ids(objects: Detections) -> frozenset[int]:
    return frozenset(int(track_id) for track_id in objects.track_id)


def _best_score(objects: Detections) -> float:
    return float(objects.score.max()) if len(objects) else 0.0

"""Alerts as the API shows them: summaries for lists, detail with evidence and timeline."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import Field

from console.ports import Outcome
from console.schemas.common import Body, Out
from console.schemas.dispatch import DispatchOut


class ObjectOut(Out):
    track_id: int
    label: str
    score: float
    box: tuple[float, float, float, float] = Field(description="x1, y1, x2, y2 in pixels.")


class Disposition(Out):
    """What the control room did about the alert itself (dispatches are listed apart)."""

    acknowledged_by: str | None = None
    acknowledged_at: datetime | None = None
    resolved_by: str | None = None
    resolved_at: datetime | None = None
    outcome: Outcome | None = None
    note: str | None = None


class AlertSummary(Out):
    id: str
    camera: str
    location: str = Field(description="The camera's location, as configured.")
    rule: str
    rule_type: str
    zone: str
    severity: str
    state: str = Field(description="open while the rule still holds, ended after.")
    started_at: datetime
    ended_at: datetime | None
    updated_at: datetime
    category: str
    legal_hold: bool
    objects: int = Field(description="Objects in the last message.")
    disposition: Disposition
    snapshot_url: str
    url: str = Field(description="The alert's page.")


class AlertPage(Out):
    items: list[AlertSummary]
    next_cursor: str | None = Field(description="Pass as `cursor` for the next page.")
    total: int | None = Field(None, description="Matching alerts; only with count=true.")


class EvidenceOut(Out):
    id: int
    kind: str
    url: str
    size_bytes: int
    sha256: str
    started_at: datetime
    ended_at: datetime
    width: int | None
    height: int | None


class TimelineEntry(Out):
    at: datetime
    actor: str
    action: str
    details: dict[str, Any]
    source: str | None


class AlertDetail(AlertSummary):
    object_list: list[ObjectOut]
    evidence: list[EvidenceOut]
    clip_url: str | None
    timeline: list[TimelineEntry]
    dispatches: list[DispatchOut]


class AcknowledgeBody(Body):
    note: str | None = Field(None, max_length=500)


class ResolveBody(Body):
    outcome: Outcome
    note: str | None = Field(None, max_length=1000)

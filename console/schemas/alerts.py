"""Alerts as the API shows them: the store's records, with where to find their pictures."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import Field

from alerts.store import AlertRecord, EvidenceRecord
from console.ports import Outcome
from console.schemas.common import Body, Hidden, Out, hidden
from console.schemas.dispatch import DispatchOut


class ObjectOut(Out):
    track_id: int
    label: str
    score: float
    box: tuple[float, float, float, float] = Field(description="x1, y1, x2, y2 in pixels.")


class AlertSummary(AlertRecord):
    """An alert as listed (its last message's objects are in the detail)."""

    payload: Hidden = hidden()
    location: str = Field(description="The camera's location, as configured.")
    objects: int = Field(description="Objects in the last message.")
    snapshot_url: str
    url: str = Field(description="The alert's page.")


class AlertPage(Out):
    items: list[AlertSummary]
    next_cursor: str | None = Field(description="Pass as `cursor` for the next page.")
    total: int | None = Field(None, description="Matching alerts; only with count=true.")


class EvidenceOut(EvidenceRecord):
    """An evidence file, served from `url` (where it is kept is the store's business)."""

    path: Hidden = hidden()
    deleted_at: Hidden = hidden()
    url: str


class TimelineEntry(Out):
    """An audit record or a dispatch step, in the alert's timeline."""

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

"""Alerts as the API shows them: the store's records, with where to find their pictures."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import AwareDatetime, Field

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
    case_url: str | None = Field(None, description="The follow-up case it belongs to, if any.")


class AcknowledgeBody(Body):
    note: str | None = Field(None, max_length=500)


class CaseOpenBody(Body):
    """The case a resolution opens; each field has a default (see docs/console.md)."""

    owner: str | None = Field(None, min_length=1, max_length=128)
    due_at: AwareDatetime | None = Field(None, description="Must be in the future.")
    title: str | None = Field(None, min_length=1, max_length=256)


class ResolveBody(Body):
    outcome: Outcome
    note: str | None = Field(None, max_length=1000)
    case: CaseOpenBody | None = Field(
        None,
        description="Referred and needs_follow_up open a case: its owner, due date and "
        "title (defaults: you, cases.due_after_h from now, the rule and place).",
    )
    case_id: str | None = Field(
        None,
        pattern=r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$",
        description="Add the alert to this open case instead of opening one.",
    )

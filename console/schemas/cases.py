"""Follow-up cases as the API shows them (alerts/cases.py), and the bodies that change them."""

from __future__ import annotations

from datetime import datetime

from pydantic import AwareDatetime, Field

from alerts.cases import CaseNote, CaseRecord
from console.schemas.alerts import AlertSummary, EvidenceOut, TimelineEntry
from console.schemas.common import Body, Out


class CaseOut(CaseRecord):
    overdue: bool = Field(description="Open and past its due date.")
    url: str = Field(description="The case's page.")


class CaseList(Out):
    items: list[CaseOut]
    now: datetime = Field(description="The time `overdue` was judged at.")


class CaseAlert(AlertSummary):
    evidence: list[EvidenceOut]


class CaseDetail(CaseOut):
    alerts: list[CaseAlert]
    notes: list[CaseNote]
    timeline: list[TimelineEntry] = Field(description="Every audit record of the case.")


class CaseNoteBody(Body):
    text: str = Field(min_length=1, max_length=2000)


class CaseAlertBody(Body):
    alert_id: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")


class CaseChangeBody(Body):
    owner: str | None = Field(None, min_length=1, max_length=128)
    due_at: AwareDatetime | None = Field(None, description="Must be in the future.")


class CaseCloseBody(Body):
    result: str = Field(min_length=1, max_length=2000, description="What came of it.")

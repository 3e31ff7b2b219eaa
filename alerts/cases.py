"""Follow-up cases: what happens after an alert is resolved as referred or needing follow-up.

Resolving an alert as referred to the police, the fire brigade or market supervision, or as
needing follow-up, opens a case (or adds the alert to an open one: the same stall, the same
venue). A case has an owner, a due date and notes; once its due date passes it is overdue and
is escalated to the supervisor once; it closes only with a result. Every change is an audit
record filed under the case's id, and a message on `<prefix>/cases/<id>`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from alerts.dispatch.records import Outcome


class CaseKind(StrEnum):
    REFERRED_POLICE = "referred_police"
    REFERRED_FIRE = "referred_fire"
    REFERRED_MARKET_SUPERVISION = "referred_market_supervision"
    FOLLOW_UP = "follow_up"


class CaseState(StrEnum):
    OPEN = "open"
    CLOSED = "closed"


# The outcomes that leave work to do, and the kind of case each opens.
CASE_KIND_OF: dict[Outcome, CaseKind] = {
    Outcome.REFERRED_POLICE: CaseKind.REFERRED_POLICE,
    Outcome.REFERRED_FIRE: CaseKind.REFERRED_FIRE,
    Outcome.REFERRED_MARKET_SUPERVISION: CaseKind.REFERRED_MARKET_SUPERVISION,
    Outcome.NEEDS_FOLLOW_UP: CaseKind.FOLLOW_UP,
}

# Audit actions, each filed under the case's id.
OPEN, ALERT_ADDED, NOTE, REASSIGN, DUE_CHANGED, ESCALATE, CLOSE = (
    "case.open",
    "case.alert_added",
    "case.note",
    "case.reassign",
    "case.due_changed",
    "case.escalate",
    "case.close",
)
CASE_ACTIONS = (OPEN, ALERT_ADDED, NOTE, REASSIGN, DUE_CHANGED, ESCALATE, CLOSE)


class CaseError(Exception):
    """A case change that cannot be made; the message says why and what to do."""

    code = "case_error"


class UnknownCaseError(CaseError, LookupError):
    code = "unknown_case"


class CaseClosedError(CaseError):
    code = "case_closed"


class AlertInAnotherCaseError(CaseError):
    code = "alert_in_another_case"


class DueInThePastError(CaseError, ValueError):
    code = "due_in_the_past"


class CaseNote(BaseModel):
    model_config = ConfigDict(frozen=True, from_attributes=True)

    id: int
    at: datetime
    actor: str
    text: str


class CaseRecord(BaseModel):
    """A case as stored; `overdue_at(now)` says whether it is overdue."""

    model_config = ConfigDict(frozen=True, from_attributes=True)

    id: str
    site: str
    kind: CaseKind
    title: str
    owner: str = Field(description="The user or team who follows it through.")
    state: CaseState
    opened_by: str
    opened_at: datetime
    due_at: datetime
    escalated_at: datetime | None = Field(description="When the supervisor was told it is late.")
    closed_by: str | None
    closed_at: datetime | None
    result: str | None = Field(description="What came of it; a case closes only with one.")
    updated_at: datetime
    alert_ids: tuple[str, ...] = ()

    def overdue_at(self, now: datetime) -> bool:
        return self.state is CaseState.OPEN and self.due_at <= now


@dataclass(frozen=True, slots=True)
class CasePlan:
    """The case a resolution opens: defaults are filled by the caller (owner: the one who
    resolves; due: the configured time after now; title: the alert's rule and place)."""

    owner: str
    due_at: datetime
    title: str


@dataclass(frozen=True, slots=True)
class CaseQuery:
    state: CaseState | None = None
    owner: str | None = None
    overdue_at: datetime | None = None  # only cases open and due before this time
    limit: int = 200

"""What a dispatch is: its states, outcomes, record, and the errors refusing a change.

Pure data: the store reads these from its rows (by attribute name), the state machine and the
service pass them on, the console shows them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict


class DispatchState(StrEnum):
    DISPATCHED = "dispatched"
    ESCALATED = "escalated"
    ACKNOWLEDGED = "acknowledged"
    EN_ROUTE = "en_route"
    ON_SCENE = "on_scene"
    RESOLVED = "resolved"
    CANCELLED = "cancelled"


class Outcome(StrEnum):
    HANDLED = "handled"
    FALSE_ALARM = "false_alarm"
    REFERRED_POLICE = "referred_police"
    REFERRED_FIRE = "referred_fire"
    REFERRED_MARKET_SUPERVISION = "referred_market_supervision"
    NEEDS_FOLLOW_UP = "needs_follow_up"


AWAITING_ACK = frozenset({DispatchState.DISPATCHED, DispatchState.ESCALATED})
CLOSED = frozenset({DispatchState.RESOLVED, DispatchState.CANCELLED})
OPEN = frozenset(DispatchState) - CLOSED
# What a team may report about its own dispatch (escalating and cancelling are not theirs).
TEAM_STATES = frozenset(
    {
        DispatchState.ACKNOWLEDGED,
        DispatchState.EN_ROUTE,
        DispatchState.ON_SCENE,
        DispatchState.RESOLVED,
    }
)


class DispatchStep(BaseModel):
    """One change of a dispatch, for its timeline (every step also has an audit record)."""

    model_config = ConfigDict(frozen=True, from_attributes=True)

    state: DispatchState
    at: datetime
    team: str
    actor: str
    source: str | None = None
    note: str | None = None
    outcome: Outcome | None = None
    escalation: int = 0


class DispatchRecord(BaseModel):
    model_config = ConfigDict(frozen=True, from_attributes=True)

    id: str
    alert_id: str
    team: str  # the team it is with now (it moves on escalation)
    state: DispatchState
    chain: tuple[str, ...]  # teams in escalation order; chain[0] got the first order
    escalations: int
    ack_deadline: datetime | None  # escalate if still unacknowledged then; None: never
    created_at: datetime
    updated_at: datetime
    created_by: str
    outcome: Outcome | None = None
    note: str | None = None
    history: tuple[DispatchStep, ...] = ()

    @property
    def is_open(self) -> bool:
        return self.state in OPEN


@dataclass(frozen=True, slots=True)
class DispatchChange:
    """What one transition does to a dispatch; built by the pure state machine."""

    state: DispatchState
    team: str
    escalations: int
    ack_deadline: datetime | None
    at: datetime
    actor: str
    source: str | None
    outcome: Outcome | None = None
    note: str | None = None

    def applied_to(self, record: DispatchRecord) -> DispatchRecord:
        """The record as it reads after this change (history gains one step)."""
        step = DispatchStep(
            state=self.state,
            at=self.at,
            team=self.team,
            actor=self.actor,
            source=self.source,
            note=self.note,
            outcome=self.outcome,
            escalation=self.escalations,
        )
        return record.model_copy(
            update={
                "team": self.team,
                "state": self.state,
                "escalations": self.escalations,
                "ack_deadline": self.ack_deadline,
                "updated_at": self.at,
                "outcome": self.outcome or record.outcome,
                "note": self.note if self.note is not None else record.note,
                "history": (*record.history, step),
            }
        )


@dataclass(frozen=True, slots=True)
class DispatchQuery:
    """Filters for listing dispatches, newest first."""

    team: str | None = None
    states: tuple[DispatchState, ...] | None = None
    alert_id: str | None = None
    limit: int = 100


class DispatchError(Exception):
    """A request the dispatcher refuses; `code` names the reason in published errors."""

    code = "refused"


class MalformedReplyError(DispatchError):
    code = "malformed"


class UnknownTeamError(DispatchError, LookupError):
    code = "unknown_team"


class UnknownDispatchError(DispatchError, LookupError):
    code = "unknown_dispatch"


class UnknownAlertForDispatchError(DispatchError, LookupError):
    code = "unknown_alert"


class DispatchConflictError(DispatchError):
    """Not allowed from the dispatch's current state, or not for this team."""

    code = "conflict"


class WrongTeamError(DispatchConflictError):
    code = "wrong_team"


class ClosedDispatchError(DispatchConflictError):
    code = "closed"


class IllegalTransitionError(DispatchConflictError):
    code = "illegal_transition"


class OutcomeRequiredError(DispatchConflictError):
    code = "outcome_required"


class AlreadyInStateError(DispatchConflictError):
    """Asked for the state the dispatch is in, where a repeat is not taken as harmless."""

    code = "already_in_state"

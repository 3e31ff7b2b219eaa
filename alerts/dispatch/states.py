"""The dispatch state machine, pure: a record and a request in, a change (or a refusal) out.

    dispatched ─┬─► acknowledged ─► en_route ─► on_scene ─► resolved (with an outcome)
    escalated ──┘   (a team may skip ahead, never go back)
    any open state ─► cancelled (the control room only)

`escalated` is set by the escalation timer (see escalation.py), never by a reply.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from alerts.dispatch.records import (
    AWAITING_ACK,
    CLOSED,
    TEAM_STATES,
    AlreadyInStateError,
    ClosedDispatchError,
    DispatchChange,
    DispatchRecord,
    DispatchState,
    IllegalTransitionError,
    Outcome,
    OutcomeRequiredError,
    WrongTeamError,
)

# How far along a dispatch is; a transition may only move forward.
_PROGRESS = {
    DispatchState.DISPATCHED: 0,
    DispatchState.ESCALATED: 0,
    DispatchState.ACKNOWLEDGED: 1,
    DispatchState.EN_ROUTE: 2,
    DispatchState.ON_SCENE: 3,
    DispatchState.RESOLVED: 4,
}


@dataclass(frozen=True, slots=True)
class TransitionRequest:
    """Someone asks to move a dispatch on. `team` set: a team speaking for itself.

    `allow_repeat`: asking for the current state changes nothing and is no error (a resent
    reply); without it, it is a conflict (the console: someone else did it first).
    """

    state: DispatchState
    actor: str
    team: str | None
    source: str | None
    outcome: Outcome | None = None
    note: str | None = None
    allow_repeat: bool = True


def plan_transition(
    record: DispatchRecord, request: TransitionRequest, now: datetime
) -> DispatchChange | None:
    """The change `request` makes, or None for an allowed repeat of the current state.

    Raises WrongTeamError, ClosedDispatchError, IllegalTransitionError, OutcomeRequiredError
    or AlreadyInStateError.
    """
    if request.team is not None and request.team != record.team:
        raise WrongTeamError(
            f"dispatch {record.id} is with team {record.team}, not {request.team}"
            + (" (it was escalated)" if record.escalations else "")
        )
    if record.state in CLOSED:
        raise ClosedDispatchError(f"dispatch {record.id} is already {record.state}")
    if request.state == DispatchState.CANCELLED and request.team is None:
        return plan_cancel(record, request.actor, request.note, request.source, now)
    if request.state not in TEAM_STATES:
        raise IllegalTransitionError(
            f"{request.state} is not a state to report; use acknowledged, en_route, on_scene "
            "or resolved"
        )
    if request.state == record.state:
        if request.allow_repeat:
            return None
        raise AlreadyInStateError(f"dispatch {record.id} is {record.state} already")
    if _PROGRESS[request.state] < _PROGRESS[record.state]:
        raise IllegalTransitionError(
            f"dispatch {record.id} is {record.state}; it cannot go back to {request.state}"
        )
    if request.state == DispatchState.RESOLVED and request.outcome is None:
        raise OutcomeRequiredError(
            "resolved needs an outcome: " + ", ".join(outcome.value for outcome in Outcome)
        )
    if request.outcome is not None and request.state != DispatchState.RESOLVED:
        raise IllegalTransitionError("an outcome goes with resolved only")
    return DispatchChange(
        state=request.state,
        team=record.team,
        escalations=record.escalations,
        ack_deadline=None,  # acknowledged (or further): nothing left to escalate
        at=now,
        actor=request.actor,
        source=request.source,
        outcome=request.outcome,
        note=request.note,
    )


def plan_cancel(
    record: DispatchRecord, actor: str, note: str | None, source: str | None, now: datetime
) -> DispatchChange:
    """Call the patrol off; any open dispatch may be cancelled by the control room."""
    if record.state in CLOSED:
        raise ClosedDispatchError(f"dispatch {record.id} is already {record.state}")
    return DispatchChange(
        state=DispatchState.CANCELLED,
        team=record.team,
        escalations=record.escalations,
        ack_deadline=None,
        at=now,
        actor=actor,
        source=source,
        note=note,
    )


def awaiting_acknowledgement(record: DispatchRecord) -> bool:
    return record.state in AWAITING_ACK

"""The dispatch state machine, pure: every state in order, and every refusal."""

from __future__ import annotations

import pytest

from alerts.dispatch.records import (
    AlreadyInStateError,
    ClosedDispatchError,
    DispatchRecord,
    DispatchState,
    IllegalTransitionError,
    Outcome,
    OutcomeRequiredError,
    WrongTeamError,
)
from alerts.dispatch.states import TransitionRequest, plan_cancel, plan_transition
from tests.alerts.dispatch.support import make_record
from tests.support.factories import at

S = DispatchState


def reply(
    state: DispatchState, team: str | None = "alpha", outcome: Outcome | None = None
) -> TransitionRequest:
    return TransitionRequest(state, "Zhang Wei", team, "mqtt:alpha", outcome, note="ok")


def walk(record: DispatchRecord, *requests: TransitionRequest) -> DispatchRecord:
    for index, request in enumerate(requests, start=1):
        change = plan_transition(record, request, at(index))
        assert change is not None
        record = change.applied_to(record)
    return record


def test_a_team_moves_its_dispatch_through_every_state() -> None:
    done = walk(
        make_record(),
        reply(S.ACKNOWLEDGED),
        reply(S.EN_ROUTE),
        reply(S.ON_SCENE),
        reply(S.RESOLVED, outcome=Outcome.REFERRED_POLICE),
    )

    assert [step.state for step in done.history] == [
        S.DISPATCHED,
        S.ACKNOWLEDGED,
        S.EN_ROUTE,
        S.ON_SCENE,
        S.RESOLVED,
    ]
    assert (done.state, done.outcome, done.ack_deadline) == (
        S.RESOLVED,
        Outcome.REFERRED_POLICE,
        None,
    )
    assert done.history[-1].at == at(4) and done.history[-1].actor == "Zhang Wei"


def test_acknowledging_stops_the_escalation_clock() -> None:
    change = plan_transition(make_record(), reply(S.ACKNOWLEDGED), at(5))

    assert change is not None and change.ack_deadline is None


def test_an_escalated_dispatch_is_acknowledged_by_its_new_team() -> None:
    record = make_record(S.ESCALATED, team="bravo", escalations=1)

    change = plan_transition(record, reply(S.ACKNOWLEDGED, team="bravo"), at(70))

    assert change is not None and (change.state, change.team) == (S.ACKNOWLEDGED, "bravo")


def test_a_team_may_skip_ahead() -> None:
    change = plan_transition(make_record(), reply(S.ON_SCENE), at(1))

    assert change is not None and change.state == S.ON_SCENE


def test_the_same_state_again_is_a_harmless_repeat() -> None:
    acknowledged = walk(make_record(), reply(S.ACKNOWLEDGED))

    assert plan_transition(acknowledged, reply(S.ACKNOWLEDGED), at(9)) is None


def test_where_a_repeat_is_not_allowed_it_is_a_conflict() -> None:
    acknowledged = walk(make_record(), reply(S.ACKNOWLEDGED))
    again = TransitionRequest(S.ACKNOWLEDGED, "op", None, "console", allow_repeat=False)

    with pytest.raises(AlreadyInStateError, match="acknowledged already"):
        plan_transition(acknowledged, again, at(9))


@pytest.mark.parametrize(
    ("record", "request_", "error", "words"),
    [
        (make_record(), reply(S.ACKNOWLEDGED, team="bravo"), WrongTeamError, "with team alpha"),
        (
            make_record(S.ESCALATED, team="bravo", escalations=1),
            reply(S.ACKNOWLEDGED, team="alpha"),
            WrongTeamError,
            "escalated",
        ),
        (make_record(S.ON_SCENE), reply(S.EN_ROUTE), IllegalTransitionError, "cannot go back"),
        (make_record(S.EN_ROUTE), reply(S.RESOLVED), OutcomeRequiredError, "false_alarm"),
        (
            make_record(),
            reply(S.ACKNOWLEDGED, outcome=Outcome.HANDLED),
            IllegalTransitionError,
            "resolved only",
        ),
        (make_record(), reply(S.ESCALATED), IllegalTransitionError, "not a state to report"),
        (make_record(), reply(S.CANCELLED), IllegalTransitionError, "not a state to report"),
        (make_record(S.RESOLVED), reply(S.ACKNOWLEDGED), ClosedDispatchError, "already resolved"),
        (make_record(S.CANCELLED), reply(S.ON_SCENE), ClosedDispatchError, "already cancelled"),
    ],
)
def test_refusals_say_why(
    record: DispatchRecord, request_: TransitionRequest, error: type[Exception], words: str
) -> None:
    with pytest.raises(error, match=words):
        plan_transition(record, request_, at(1))


def test_the_control_room_may_move_any_team_s_dispatch_and_cancel_it() -> None:
    record = make_record(team="bravo")

    moved = plan_transition(record, reply(S.EN_ROUTE, team=None), at(1))
    cancelled = plan_transition(record, reply(S.CANCELLED, team=None), at(2))

    assert moved is not None and moved.state == S.EN_ROUTE
    assert cancelled is not None and (cancelled.state, cancelled.ack_deadline) == (
        S.CANCELLED,
        None,
    )


def test_a_closed_dispatch_cannot_be_cancelled() -> None:
    with pytest.raises(ClosedDispatchError):
        plan_cancel(make_record(S.RESOLVED), "operator", None, "console", at(1))

"""Escalation decisions, pure: the time is passed in."""

from __future__ import annotations

from datetime import timedelta

from alerts.dispatch.escalation import EscalationPolicy, plan_escalation
from alerts.dispatch.records import DispatchRecord, DispatchState
from tests.alerts.dispatch.support import make_record
from tests.support.factories import at

POLICY = EscalationPolicy(after_s=60, max_escalations=3)


def escalate(record: DispatchRecord, seconds: float) -> DispatchRecord:
    change = plan_escalation(record, at(seconds), POLICY)
    assert change is not None, f"no escalation at {seconds} s"
    return change.applied_to(record)


def test_silence_escalates_to_the_next_team_at_the_deadline_not_before() -> None:
    record = make_record(deadline=at(60))

    assert plan_escalation(record, at(59.9), POLICY) is None
    escalated = escalate(record, 60)

    assert (escalated.state, escalated.team, escalated.escalations) == (
        DispatchState.ESCALATED,
        "bravo",
        1,
    )
    assert escalated.ack_deadline == at(60) + timedelta(seconds=60)
    assert "alpha" in (escalated.history[-1].note or "")


def test_past_the_chain_the_supervisor_is_called_again_up_to_the_limit() -> None:
    record = make_record(deadline=at(60))
    teams = []
    for seconds in (60, 120, 180):
        record = escalate(record, seconds)
        teams.append(record.team)

    assert teams == ["bravo", "chief", "chief"]
    assert record.escalations == 3 and record.ack_deadline is None
    assert plan_escalation(record, at(10_000), POLICY) is None


def test_an_acknowledged_dispatch_never_escalates() -> None:
    for state in (DispatchState.ACKNOWLEDGED, DispatchState.ON_SCENE, DispatchState.CANCELLED):
        record = make_record(state, deadline=at(60))
        assert plan_escalation(record, at(600), POLICY) is None


def test_without_escalations_there_is_no_deadline() -> None:
    assert EscalationPolicy(after_s=60, max_escalations=0).deadline(at(0), 0) is None
    assert POLICY.deadline(at(0), 2) == at(60)
    assert POLICY.deadline(at(0), 3) is None

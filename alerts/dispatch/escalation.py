"""When silence escalates, pure: a dispatch and the time in, the escalation (if due) out."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from alerts.dispatch.records import AWAITING_ACK, DispatchChange, DispatchRecord, DispatchState

ESCALATION_ACTOR = "nightwatch"
ESCALATION_SOURCE = "escalation"


@dataclass(frozen=True, slots=True)
class EscalationPolicy:
    after_s: float
    max_escalations: int

    def deadline(self, now: datetime, escalations: int) -> datetime | None:
        """When a dispatch escalated `escalations` times so far escalates next; None: never."""
        if escalations >= self.max_escalations:
            return None
        return now + timedelta(seconds=self.after_s)


def plan_escalation(
    record: DispatchRecord, now: datetime, policy: EscalationPolicy
) -> DispatchChange | None:
    """The escalation due at `now`, or None.

    Escalation n goes to chain[n]; past the end of the chain its last team (the supervisor,
    when one is configured) gets the order again, until `max_escalations`.
    """
    if record.state not in AWAITING_ACK or record.ack_deadline is None:
        return None
    if now < record.ack_deadline:
        return None
    escalations = record.escalations + 1
    team = record.chain[min(escalations, len(record.chain) - 1)]
    return DispatchChange(
        state=DispatchState.ESCALATED,
        team=team,
        escalations=escalations,
        ack_deadline=policy.deadline(now, escalations),
        at=now,
        actor=ESCALATION_ACTOR,
        source=ESCALATION_SOURCE,
        note=f"no acknowledgement from {record.team} within {policy.after_s:g} s",
    )

"""Dispatches as the API shows them, and the requests that move them."""

from __future__ import annotations

from datetime import datetime

from pydantic import Field

from console.ports import DispatchState, Outcome
from console.schemas.common import ID_PATTERN, Body, Out


class DispatchStepOut(Out):
    state: DispatchState
    at: datetime
    team: str
    actor: str
    note: str | None
    outcome: Outcome | None


class DispatchOut(Out):
    id: str
    alert_id: str
    team: str = Field(description="The team it is with now (it moves on escalation).")
    state: DispatchState
    escalations: int
    ack_deadline: datetime | None = Field(description="Escalated if not acknowledged by then.")
    created_at: datetime
    updated_at: datetime
    created_by: str
    outcome: Outcome | None
    note: str | None
    history: list[DispatchStepOut]
    camera: str | None = Field(None, description="The alert's camera.")
    location: str | None = Field(None, description="Where the camera is.")
    rule: str | None = None
    severity: str | None = None
    snapshot_url: str


class DispatchCreate(Body):
    team: str = Field(pattern=ID_PATTERN, description="The patrol team to send.")


class TransitionBody(Body):
    state: DispatchState
    outcome: Outcome | None = Field(None, description="Required when state is resolved.")
    note: str | None = Field(None, max_length=1000)


class CancelBody(Body):
    note: str | None = Field(None, max_length=500)


class TeamsOut(Out):
    teams: list[str]

"""Dispatches as the API shows them (the dispatch package's records), and the requests that
move them."""

from __future__ import annotations

from pydantic import Field

from console.ports import DispatchRecord, DispatchState, DispatchStep, Outcome
from console.schemas.common import ID_PATTERN, Body, Hidden, Out, hidden


class DispatchStepOut(DispatchStep):
    source: Hidden = hidden()  # where a request came from: in the audit log, for auditors


class DispatchOut(DispatchRecord):
    """The dispatch with where and what its alert is, for a patrol on the way."""

    history: tuple[DispatchStepOut, ...] = ()
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

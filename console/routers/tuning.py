"""Tuning proposals: an operator's false alarm proposes a mask or a threshold for its camera
and rule; an admin applies it to the configuration file, or dismisses it. Nothing changes by
itself, and an applied change takes effect when Nightwatch next starts."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Request, status
from fastapi import Path as PathParam
from pydantic import Field

from alerts.dispatch.records import Outcome
from alerts.store import Store
from alerts.tuning import (
    ProposalKind,
    ProposalState,
    TuningError,
    TuningProposal,
    objects_seen,
    proposed_change,
)
from config.editing import EditError, apply_to_file
from console.deps import AlertActor, Services, TuningAdmin, TuningReader, client_address
from console.schemas.common import AlertId, Body, Out
from console.services import ConsoleServices

router = APIRouter(prefix="/api/v1", tags=["tuning"])
ProposalId = Annotated[int, PathParam(ge=1, description="Proposal id.")]


class ProposeBody(Body):
    kind: ProposalKind
    reason: str | None = Field(None, max_length=1000)


class DecideBody(Body):
    note: str | None = Field(None, max_length=1000)


class ProposalList(Out):
    items: list[TuningProposal]
    applies_to: str | None = Field(description="The file applied proposals are written to.")


@router.post("/alerts/{alert_id}/proposals", response_model=TuningProposal, status_code=201)
def propose(
    alert_id: AlertId,
    body: ProposeBody,
    principal: AlertActor,
    request: Request,
    services: Services,
) -> TuningProposal:
    """From an alert resolved as a false alarm: the change that would have kept it quiet."""
    store = services.store
    alert = store.alerts.get(alert_id)
    if alert is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "no such alert")
    if alert.disposition.outcome is not Outcome.FALSE_ALARM:
        raise HTTPException(
            status.HTTP_409_CONFLICT,
            "only an alert resolved as false_alarm proposes a change; resolve it so first",
        )
    camera = services.config.cameras.get(alert.camera)
    if camera is None:
        raise HTTPException(status.HTTP_409_CONFLICT, f"camera {alert.camera} is not configured")
    messages = [item.payload for item in store.alerts.transitions(alert_id)]
    try:
        change = proposed_change(
            body.kind, objects_seen(messages), camera, _picture_size(store, alert_id)
        )
    except TuningError as error:
        raise HTTPException(status.HTTP_409_CONFLICT, str(error)) from None
    return store.tuning.propose(
        alert_id, alert.camera, alert.rule, body.kind, change, principal.name, body.reason,
        client_address(request),
    )  # fmt: skip


@router.get("/proposals", response_model=ProposalList)
def list_proposals(
    _user: TuningReader, services: Services, state: ProposalState | None = None
) -> ProposalList:
    """Newest first; `state=proposed` for those waiting for an admin."""
    file = services.config_file
    return ProposalList(items=services.store.tuning.query(state), applies_to=_name(file))


@router.post("/proposals/{proposal_id}/apply", response_model=TuningProposal)
def apply(
    proposal_id: ProposalId,
    body: DecideBody,
    principal: TuningAdmin,
    request: Request,
    services: Services,
) -> TuningProposal:
    """Write the change into the configuration file (comments and `${VAR}` kept; the result
    must load). It takes effect when Nightwatch next starts."""
    proposal = _waiting(services, proposal_id)
    if services.config_file is None:
        raise HTTPException(
            status.HTTP_409_CONFLICT,
            "this console does not write the configuration (a cluster's lives with the "
            f"operator): make the change by hand, then start again: {_describe(proposal)}",
        )
    try:
        apply_to_file(services.config_file, proposal.camera, proposal.rule, proposal.change)
    except EditError as error:
        raise HTTPException(status.HTTP_409_CONFLICT, str(error)) from None
    details: dict[str, Any] = {"file": str(services.config_file), "change": proposal.change}
    return _decide(
        services, proposal_id, ProposalState.APPLIED, principal.name, body, request, details
    )


@router.post("/proposals/{proposal_id}/dismiss", response_model=TuningProposal)
def dismiss(
    proposal_id: ProposalId,
    body: DecideBody,
    principal: TuningAdmin,
    request: Request,
    services: Services,
) -> TuningProposal:
    _waiting(services, proposal_id)
    return _decide(services, proposal_id, ProposalState.DISMISSED, principal.name, body, request)


def _waiting(services: ConsoleServices, proposal_id: int) -> TuningProposal:
    proposal = services.store.tuning.get(proposal_id)
    if proposal is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no proposal {proposal_id}")
    if proposal.state is not ProposalState.PROPOSED:
        raise HTTPException(
            status.HTTP_409_CONFLICT, f"proposal {proposal_id} was {proposal.state}"
        )
    return proposal


def _decide(
    services: ConsoleServices,
    proposal_id: int,
    state: ProposalState,
    actor: str,
    body: DecideBody,
    request: Request,
    details: dict[str, Any] | None = None,
) -> TuningProposal:
    try:
        return services.store.tuning.decide(
            proposal_id, state, actor, body.note, details, client_address(request)
        )
    except TuningError as error:
        raise HTTPException(status.HTTP_409_CONFLICT, str(error)) from None


def _picture_size(store: Store, alert_id: str) -> tuple[int, int] | None:
    for item in store.evidence.for_alert(alert_id):
        if item.kind == "snapshot" and item.width and item.height:
            return (item.width, item.height)
    return None


def _describe(proposal: TuningProposal) -> str:
    return f"cameras.{proposal.camera}, rule {proposal.rule}: {proposal.change}"


def _name(file: Path | None) -> str | None:
    return None if file is None else str(file)

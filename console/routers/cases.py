"""Follow-up cases: list and detail (a patrol sees the cases it owns), notes, gathered alerts,
owner and due date, and closing with a result. Cases are opened by resolving an alert as
referred or needing follow-up (POST /api/v1/alerts/{id}/resolve)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, status

from alerts.case_service import CaseService
from alerts.cases import (
    AlertInAnotherCaseError,
    CaseClosedError,
    CaseError,
    CaseQuery,
    CaseRecord,
    CaseState,
    DueInThePastError,
    UnknownCaseError,
)
from alerts.store import UnknownAlertError
from alerts.store.case_repository import Announce, CaseRepository
from console.deps import CaseActor, CaseReader, Principal, Services
from console.schemas.alerts import TimelineEntry
from console.schemas.cases import (
    CaseAlert,
    CaseAlertBody,
    CaseChangeBody,
    CaseCloseBody,
    CaseDetail,
    CaseList,
    CaseNoteBody,
    CaseOut,
)
from console.schemas.common import CaseIdPath
from console.services import ConsoleServices
from console.views import alert_summary, evidence_out

router = APIRouter(prefix="/api/v1/cases", tags=["cases"])
CaseId = CaseIdPath
_REFUSALS: dict[int | str, dict[str, str]] = {
    404: {"description": "No such case (or not yours)"},
    409: {"description": "Closed, or the alert belongs to another case"},
    422: {"description": "A due date in the past, or an empty result"},
}


def case_service(services: ConsoleServices) -> CaseService:
    return CaseService(services.config, services.store)


def owned_by(principal: Principal) -> set[str] | None:
    """Whose cases this visitor sees: None for all; a patrol, its team's and its own."""
    user = principal.user
    if user.role != "patrol":
        return None
    return {name for name in (user.name, user.team) if name}


def case_out(case: CaseRecord, service: CaseService) -> CaseOut:
    body = {**dict(case), "overdue": case.overdue_at(service.now()), "url": f"/cases/{case.id}"}
    return CaseOut.model_validate(body)


@router.get("", response_model=CaseList)
def list_cases(
    principal: CaseReader,
    services: Services,
    state: CaseState | None = None,
    overdue: bool = False,
    owner: Annotated[str | None, Query(max_length=128)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 200,
) -> CaseList:
    """Cases by due date, soonest first; `overdue=true`: open ones past their due date."""
    service = case_service(services)
    now = service.now()
    query = CaseQuery(state=state, owner=owner, overdue_at=now if overdue else None, limit=limit)
    mine = owned_by(principal)
    found = [
        case for case in services.store.cases.query(query) if mine is None or case.owner in mine
    ]
    return CaseList(items=[case_out(case, service) for case in found], now=now)


@router.get("/{case_id}", response_model=CaseDetail, responses=_REFUSALS)
def get_case(case_id: CaseId, principal: CaseReader, services: Services) -> CaseDetail:
    """The case with its alerts and their evidence, its notes and its audit timeline."""
    service = case_service(services)
    case = _visible(service, case_id, principal)
    alerts = []
    for alert_id in case.alert_ids:
        record = services.store.alerts.get(alert_id)
        if record is None:
            continue  # removed by retention; the case keeps its id in the timeline
        evidence = [evidence_out(item) for item in services.store.evidence.for_alert(alert_id)]
        summary = alert_summary(record, services.config)
        alerts.append(CaseAlert.model_validate({**dict(summary), "evidence": evidence}))
    trail = services.store.audit.for_target(case.id)
    timeline = [TimelineEntry.model_validate(item, from_attributes=True) for item in trail]
    return CaseDetail.model_validate(
        {
            **dict(case_out(case, service)),
            "alerts": alerts,
            "notes": services.store.cases.notes(case.id),
            "timeline": timeline,
        }
    )


@router.post("/{case_id}/notes", response_model=CaseOut, responses=_REFUSALS)
def add_note(
    case_id: CaseId, body: CaseNoteBody, principal: CaseActor, services: Services
) -> CaseOut:
    return _change(
        services, case_id, principal,
        lambda cases, say: cases.add_note(case_id, principal.name, body.text, say),
    )  # fmt: skip


@router.post("/{case_id}/alerts", response_model=CaseOut, responses=_REFUSALS)
def add_alert(
    case_id: CaseId, body: CaseAlertBody, principal: CaseActor, services: Services
) -> CaseOut:
    """Gather another alert into the case (the same stall, the same venue)."""
    return _change(
        services, case_id, principal,
        lambda cases, say: cases.add_alert(case_id, body.alert_id, principal.name, say),
    )  # fmt: skip


@router.patch("/{case_id}", response_model=CaseOut, responses=_REFUSALS)
def change_case(
    case_id: CaseId, body: CaseChangeBody, principal: CaseActor, services: Services
) -> CaseOut:
    """A new owner or due date (a later due date lets an escalated case escalate again)."""
    return _change(
        services, case_id, principal,
        lambda cases, say: cases.reassign(
            case_id, principal.name, say, owner=body.owner, due_at=body.due_at
        ),
    )  # fmt: skip


@router.post("/{case_id}/close", response_model=CaseOut, responses=_REFUSALS)
def close_case(
    case_id: CaseId, body: CaseCloseBody, principal: CaseActor, services: Services
) -> CaseOut:
    """Close with what came of it; a closed case takes no further change."""
    return _change(
        services, case_id, principal,
        lambda cases, say: cases.close(case_id, principal.name, body.result, say),
    )  # fmt: skip


def _visible(service: CaseService, case_id: str, principal: Principal) -> CaseRecord:
    try:
        case = service.store.cases.get(case_id)
    except UnknownCaseError:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no case {case_id}") from None
    mine = owned_by(principal)
    if mine is not None and case.owner not in mine:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no case {case_id}")
    return case


def _change(
    services: ConsoleServices,
    case_id: str,
    principal: Principal,
    change: Callable[[CaseRepository, Announce], CaseRecord],
) -> CaseOut:
    """Make `change` to a case this visitor may see, announcing it; refusals as HTTP errors."""
    service = case_service(services)
    _visible(service, case_id, principal)
    try:
        return case_out(change(services.store.cases, service.announce), service)
    except CaseError as error:
        raise http_error(error) from None
    except UnknownAlertError as error:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, f"no alert {error}") from None
    except ValueError as error:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, str(error)) from None


def http_error(error: CaseError) -> HTTPException:
    """The answer to a refused case change."""
    if isinstance(error, UnknownCaseError):
        return HTTPException(status.HTTP_404_NOT_FOUND, str(error))
    if isinstance(error, CaseClosedError | AlertInAnotherCaseError):
        return HTTPException(status.HTTP_409_CONFLICT, str(error))
    if isinstance(error, DueInThePastError):
        return HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, str(error))
    return HTTPException(status.HTTP_409_CONFLICT, str(error))

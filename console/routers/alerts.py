"""Alerts: filtered, keyset-paged lists; detail with evidence and timeline; acknowledge, resolve."""

from __future__ import annotations

import base64
import binascii
import json
from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, HTTPException, Query, Request, status

from alerts.cases import CASE_KIND_OF, CaseError
from alerts.store import (
    AlertQuery,
    AlertRecord,
    AlreadyResolvedError,
    Category,
    Disposition,
    Store,
    UnknownAlertError,
)
from console.deps import AlertActor, AlertReader, HubDep, Services, client_address
from console.event_hub import LiveMessage
from console.ports import DispatchQuery
from console.routers.cases import case_service, http_error
from console.schemas.alerts import (
    AcknowledgeBody,
    AlertDetail,
    AlertPage,
    CaseOpenBody,
    ResolveBody,
)
from console.schemas.common import ID_PATTERN, AlertId
from console.views import alert_summary, dispatches_out, evidence_out, merged_timeline

router = APIRouter(prefix="/api/v1/alerts", tags=["alerts"])
Severity = Literal["low", "medium", "high", "critical"]
Name = Annotated[str | None, Query(pattern=ID_PATTERN)]


def encode_cursor(record: AlertRecord) -> str:
    raw = json.dumps([record.started_at.isoformat(), record.id]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, str]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        started_at, alert_id = json.loads(raw)
        moment = datetime.fromisoformat(started_at)
        if moment.tzinfo is None or not isinstance(alert_id, str):
            raise ValueError(cursor)
        return moment, alert_id
    except (ValueError, TypeError, binascii.Error, json.JSONDecodeError):
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, "bad cursor") from None


def _aware(moment: datetime | None, name: str) -> datetime | None:
    if moment is not None and moment.tzinfo is None:
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT, f"{name} needs a time zone (…Z or +08:00)"
        )
    return moment


@router.get("", response_model=AlertPage)
def list_alerts(
    _user: AlertReader,
    services: Services,
    since: Annotated[datetime | None, Query(description="Started at or after (ISO 8601).")] = None,
    until: Annotated[datetime | None, Query(description="Started before (ISO 8601).")] = None,
    camera: Name = None,
    rule: Name = None,
    zone: Name = None,
    severity: Annotated[list[Severity] | None, Query()] = None,
    state: Literal["open", "ended"] | None = None,
    category: Category | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    cursor: Annotated[str | None, Query(max_length=400)] = None,
    count: bool = False,
) -> AlertPage:
    """Newest first. Page with `cursor` (from next_cursor): as fast on page 100 as on page 1."""
    query = AlertQuery(
        since=_aware(since, "since"),
        until=_aware(until, "until"),
        camera=camera,
        rule=rule,
        zone=zone,
        severity=tuple(severity) if severity else None,
        state=state,
        category=category,
        limit=limit,
        before=decode_cursor(cursor) if cursor else None,
    )
    alerts = services.store.alerts
    records = alerts.query(query)
    following = query.next_page(records)
    return AlertPage(
        items=[alert_summary(record, services.config) for record in records],
        next_cursor=encode_cursor(records[-1]) if following is not None else None,
        total=alerts.count(query) if count else None,
    )


def _alert(store: Store, alert_id: str) -> AlertRecord:
    record = store.alerts.get(alert_id)
    if record is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "no such alert")
    return record


@router.get("/{alert_id}", response_model=AlertDetail)
def alert_detail(_user: AlertReader, alert_id: AlertId, services: Services) -> AlertDetail:
    """The alert, its objects, evidence files, full audit timeline and dispatches."""
    store = services.store
    record = _alert(store, alert_id)
    trail = store.audit.for_target(alert_id)
    files = store.evidence.for_alert(alert_id)
    clips = [item for item in files if item.kind == "clip"]
    views = []
    if services.dispatcher is not None:
        views = list(services.dispatcher.list(DispatchQuery(alert_id=alert_id)))
    summary = alert_summary(record, services.config)
    # The end message names nobody; the most objects any message named is the useful count.
    counts = [len(item.payload.get("objects", [])) for item in store.alerts.transitions(alert_id)]
    return AlertDetail.model_validate(
        {
            **dict(summary),
            "objects": max(counts, default=summary.objects),
            "object_list": list(record.payload.get("objects", [])),
            "evidence": [evidence_out(item) for item in files],
            "clip_url": f"/api/v1/alerts/{alert_id}/clip" if clips else None,
            "timeline": merged_timeline(trail, views),
            "dispatches": dispatches_out(views, store, services.config),
            "case_url": f"/cases/{case.id}" if (case := store.cases.for_alert(alert_id)) else None,
        }
    )


@router.post("/{alert_id}/acknowledge", response_model=Disposition)
def acknowledge(
    principal: AlertActor,
    alert_id: AlertId,
    body: AcknowledgeBody,
    request: Request,
    services: Services,
    hub: HubDep,
) -> Disposition:
    """Say the control room has seen the alert (audited with the operator's name)."""
    source = client_address(request)
    try:
        record = services.store.alerts.acknowledge(alert_id, principal.name, body.note, source)
    except UnknownAlertError:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "no such alert") from None
    return _announce(hub, record)


@router.post(
    "/{alert_id}/resolve",
    response_model=Disposition,
    responses={409: {"description": "Resolved already"}},
)
def resolve(
    principal: AlertActor,
    alert_id: AlertId,
    body: ResolveBody,
    request: Request,
    services: Services,
    hub: HubDep,
) -> Disposition:
    """Close the alert with an outcome and a note. A false alarm is kept for the shorter
    false-alarm retention period. Referred and needs_follow_up open a follow-up case (or add
    the alert to `case_id`) in the same write. Of two resolving at once, one is answered 409."""
    source = client_address(request)
    if (body.case is not None or body.case_id is not None) and body.outcome not in CASE_KIND_OF:
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT,
            f"outcome {body.outcome.value} opens no case: use a referred_* outcome or "
            "needs_follow_up, or leave out case and case_id",
        )
    opening = body.case or CaseOpenBody()
    try:
        record, _case = case_service(services).resolve(
            alert_id, principal.name, body.outcome, body.note, source,
            case_id=body.case_id, owner=opening.owner, due_at=opening.due_at, title=opening.title,
        )  # fmt: skip
    except UnknownAlertError:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "no such alert") from None
    except AlreadyResolvedError as error:
        raise HTTPException(status.HTTP_409_CONFLICT, str(error)) from None
    except CaseError as error:
        raise http_error(error) from None
    except ValueError as error:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, str(error)) from None
    return _announce(hub, record)


def _announce(hub: HubDep, record: AlertRecord) -> Disposition:
    state = record.disposition
    data = json.dumps({"alert_id": record.id, "disposition": state.model_dump(mode="json")})
    hub.publish(LiveMessage("disposition", data))
    return state

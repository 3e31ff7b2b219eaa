"""Dispatches: send a patrol to an alert, follow it, move it on, cancel it.

A patrol user sees and moves only its own team's dispatches; another team's answer 404, as if
they did not exist.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Path, Query, Request, status
from fastapi.responses import FileResponse

from console.deps import (
    DispatcherDep,
    DispatchReader,
    DispatchSender,
    DispatchUpdater,
    Principal,
    Services,
    ViewerDep,
    client_address,
)
from console.media import evidence_response, latest_evidence
from console.ports import (
    OPEN_DISPATCH_STATES,
    PATROL_STATES,
    DispatchConflictError,
    DispatchControl,
    DispatchError,
    DispatchQuery,
    DispatchState,
    DispatchView,
    UnknownDispatchError,
)
from console.schemas.common import ID_PATTERN, AlertId, DispatchId
from console.schemas.dispatch import (
    CancelBody,
    DispatchCreate,
    DispatchOut,
    TeamsOut,
    TransitionBody,
)
from console.views import dispatches_out

router = APIRouter(prefix="/api/v1", tags=["dispatches"])
_REFUSALS: dict[int | str, dict[str, Any]] = {
    404: {"description": "No such dispatch"},
    409: {"description": "Not now"},
}


def _team_scope(principal: Principal) -> str | None:
    """The team a user is confined to (patrols), or None for the control room."""
    return principal.user.team if principal.user.role == "patrol" else None


def _visible(dispatcher: DispatchControl, dispatch_id: str, principal: Principal) -> DispatchView:
    view = dispatcher.get(dispatch_id)
    scope = _team_scope(principal)
    if view is None or (principal.user.role == "patrol" and view.team != scope):
        raise HTTPException(status.HTTP_404_NOT_FOUND, "no such dispatch")
    return view


def _one(view: DispatchView, services: Services) -> DispatchOut:
    return dispatches_out([view], services.store, services.config)[0]


def _refused(error: DispatchError) -> HTTPException:
    if isinstance(error, UnknownDispatchError):
        return HTTPException(status.HTTP_404_NOT_FOUND, str(error))
    if isinstance(error, DispatchConflictError):
        return HTTPException(status.HTTP_409_CONFLICT, str(error))
    return HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, str(error))


@router.get("/dispatches", response_model=list[DispatchOut])
def list_dispatches(
    principal: DispatchReader,
    services: Services,
    dispatcher: DispatcherDep,
    state: Annotated[list[DispatchState] | None, Query()] = None,
    open_only: Annotated[bool, Query(alias="open")] = False,
    team: Annotated[str | None, Query(pattern=ID_PATTERN)] = None,
    alert_id: Annotated[str | None, Query(pattern=ID_PATTERN)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[DispatchOut]:
    """Newest first. `open=true`: those not yet resolved or cancelled. Patrols: own team."""
    states = tuple(state) if state else (OPEN_DISPATCH_STATES if open_only else None)
    scope = _team_scope(principal)
    query = DispatchQuery(team=scope or team, states=states, alert_id=alert_id, limit=limit)
    return dispatches_out(list(dispatcher.list(query)), services.store, services.config)


@router.get("/dispatches/{dispatch_id}", response_model=DispatchOut, responses=_REFUSALS)
def get_dispatch(
    principal: DispatchReader,
    dispatch_id: DispatchId,
    services: Services,
    dispatcher: DispatcherDep,
) -> DispatchOut:
    return _one(_visible(dispatcher, dispatch_id, principal), services)


@router.post(
    "/alerts/{alert_id}/dispatch",
    response_model=DispatchOut,
    status_code=status.HTTP_201_CREATED,
    responses=_REFUSALS,
)
def dispatch_alert(
    principal: DispatchSender,
    alert_id: AlertId,
    body: DispatchCreate,
    services: Services,
    dispatcher: DispatcherDep,
) -> DispatchOut:
    """Send a patrol team to the alert."""
    if services.store.alerts.get(alert_id) is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "no such alert")
    try:
        view = dispatcher.dispatch_alert(alert_id, body.team, principal.name)
    except DispatchError as error:
        raise _refused(error) from None
    return _one(view, services)


@router.post(
    "/dispatches/{dispatch_id}/transition", response_model=DispatchOut, responses=_REFUSALS
)
def transition(
    principal: DispatchUpdater,
    dispatch_id: DispatchId,
    body: TransitionBody,
    request: Request,
    services: Services,
    dispatcher: DispatcherDep,
) -> DispatchOut:
    """Acknowledged, en route, on scene, resolved (with an outcome): patrols move their own."""
    _visible(dispatcher, dispatch_id, principal)
    scope = _team_scope(principal)
    if scope is not None and body.state not in PATROL_STATES:
        raise HTTPException(status.HTTP_403_FORBIDDEN, f"a patrol may not set {body.state}")
    if body.state == "resolved" and body.outcome is None:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, "resolving needs an outcome")
    try:
        view = dispatcher.transition(
            dispatch_id,
            body.state,
            principal.name,
            scope,
            body.outcome,
            body.note,
            source=f"console@{client_address(request)}",
            allow_repeat=False,  # of two pressing the same button at once, one is told so
        )
    except DispatchError as error:
        raise _refused(error) from None
    return _one(view, services)


@router.post("/dispatches/{dispatch_id}/cancel", response_model=DispatchOut, responses=_REFUSALS)
def cancel(
    principal: DispatchSender,
    dispatch_id: DispatchId,
    body: CancelBody,
    services: Services,
    dispatcher: DispatcherDep,
) -> DispatchOut:
    """Call the patrol off."""
    _visible(dispatcher, dispatch_id, principal)
    try:
        view = dispatcher.cancel(dispatch_id, principal.name, body.note)
    except DispatchError as error:
        raise _refused(error) from None
    return _one(view, services)


@router.get(
    "/dispatches/{dispatch_id}/snapshot",
    response_class=FileResponse,
    responses={200: {"content": {"image/jpeg": {}}}, **_REFUSALS},
)
def dispatch_snapshot(
    principal: DispatchReader,
    dispatch_id: DispatchId,
    request: Request,
    services: Services,
    dispatcher: DispatcherDep,
    viewer: ViewerDep,
) -> FileResponse:
    """The dispatched alert's snapshot, for the patrol on its way (the view is audited)."""
    view = _visible(dispatcher, dispatch_id, principal)
    evidence = latest_evidence(services.store, view.alert_id, ("snapshot_annotated", "snapshot"))
    response = evidence_response(services.store, evidence)
    viewer.viewed(principal.name, evidence, client_address(request))
    return response


@router.get(
    "/dispatches/{dispatch_id}/voice/{file}",
    response_class=FileResponse,
    responses={200: {"content": {"audio/wav": {}}}, **_REFUSALS},
)
def voice_order(
    principal: DispatchReader,
    dispatch_id: DispatchId,
    file: Annotated[str, Path(pattern=r"^[A-Za-z0-9_-]{1,80}\.wav$")],
    services: Services,
    dispatcher: DispatcherDep,
) -> FileResponse:
    """The order as spoken for the radio (WAV), one per team the dispatch went to."""
    _visible(dispatcher, dispatch_id, principal)
    folder = (services.store.media_dir / "voice").resolve()
    path = (folder / file).resolve()
    if not file.startswith(f"{dispatch_id}-") or path.parent != folder or not path.is_file():
        raise HTTPException(status.HTTP_404_NOT_FOUND, "no such spoken order")
    return FileResponse(path, media_type="audio/wav", headers={"Cache-Control": "private"})


@router.get("/teams", response_model=TeamsOut)
def teams(_user: DispatchSender, services: Services) -> TeamsOut:
    """Teams a dispatch can go to: the dispatcher's, or else those of patrol users."""
    if services.dispatcher is not None:
        return TeamsOut(teams=list(services.dispatcher.teams()))
    return TeamsOut(teams=services.users.teams())

"""An alert's snapshot and clip. Clips answer HTTP Range requests, so a browser can seek.

Every view is an audit record naming the user (see media.ViewAuditor for what one view is).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse

from console.deps import EvidenceViewer, Services, ViewerDep, client_address
from console.media import evidence_response, latest_evidence
from console.schemas.common import AlertId

router = APIRouter(prefix="/api/v1/alerts", tags=["evidence"])
_FILE: dict[int | str, dict[str, Any]] = {
    404: {"description": "No such alert, or it has no such file"}
}


@router.get(
    "/{alert_id}/snapshot",
    response_class=FileResponse,
    responses={200: {"content": {"image/jpeg": {}}}, **_FILE},
)
def snapshot(
    principal: EvidenceViewer,
    alert_id: AlertId,
    request: Request,
    services: Services,
    viewer: ViewerDep,
    plain: bool = False,
) -> FileResponse:
    """The alert's best snapshot: with boxes and zone drawn, or as captured (`plain=true`)."""
    kinds = ("snapshot", "snapshot_annotated") if plain else ("snapshot_annotated", "snapshot")
    evidence = latest_evidence(services.store, alert_id, kinds)
    response = evidence_response(services.store, evidence)
    viewer.viewed(principal.name, evidence, client_address(request))
    return response


@router.get(
    "/{alert_id}/clip",
    response_class=FileResponse,
    responses={
        200: {"content": {"video/mp4": {}}},
        206: {"description": "The requested byte range"},
        416: {"description": "Range outside the file"},
        **_FILE,
    },
)
def clip(
    principal: EvidenceViewer,
    alert_id: AlertId,
    request: Request,
    services: Services,
    viewer: ViewerDep,
) -> FileResponse:
    """The alert's clip (MP4, H.264 as the camera sent it)."""
    evidence = latest_evidence(services.store, alert_id, ("clip",))
    response = evidence_response(services.store, evidence)
    viewer.viewed(principal.name, evidence, client_address(request))
    return response

"""The audit log: search it, verify the chain and every evidence file, export a bundle."""

from __future__ import annotations

import shutil
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, Request, status
from fastapi.responses import FileResponse
from starlette.background import BackgroundTask

from alerts.store import AuditSearch, StoreError, UnknownAlertError
from alerts.store.bundle import export_bundle
from alerts.store.verify import verify_store
from console.deps import Auditor, Exporter, Services, client_address
from console.schemas.audit import AuditPage, ProblemOut, Verification
from console.schemas.common import AlertId

router = APIRouter(prefix="/api/v1/audit", tags=["audit"])
Text = Annotated[str | None, Query(min_length=1, max_length=256)]


@router.get("", response_model=AuditPage)
def search(
    _user: Auditor,
    services: Services,
    actor: Text = None,
    action: Annotated[
        str | None, Query(max_length=64, description="Exact, or a prefix ending in '.'.")
    ] = None,
    target: Text = None,
    since: datetime | None = None,
    until: datetime | None = None,
    before_id: Annotated[int | None, Query(ge=1, le=2**62)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> AuditPage:
    """Records newest first; page with `before_id` (from next_before_id)."""
    for name, moment in (("since", since), ("until", until)):
        if moment is not None and moment.tzinfo is None:
            raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, f"{name} needs a zone")
    query = AuditSearch(actor, action or None, target, since, until, before_id, limit)
    records = services.store.audit.search(query)
    following = records[-1].id if len(records) == limit else None
    return AuditPage(items=records, next_before_id=following)


@router.get("/verification", response_model=Verification)
def verification(_user: Auditor, services: Services) -> Verification:
    """Walk the whole hash chain and re-hash every evidence file now (as `audit verify`)."""
    report = verify_store(services.store)
    head_id, head_hash = services.store.audit.head()
    return Verification(
        ok=report.ok,
        records_checked=report.records_checked,
        files_checked=report.files_checked,
        problems=[
            ProblemOut(where=item.where, what=item.what, detail=item.detail)
            for item in report.problems[:200]
        ],
        chain_head_id=head_id,
        chain_head_hash=head_hash,
        checked_at=datetime.now(UTC),
    )


@router.get(
    "/export/{alert_id}",
    response_class=FileResponse,
    responses={200: {"content": {"application/zip": {}}}, 404: {"description": "No alert"}},
)
def export(
    principal: Exporter, alert_id: AlertId, request: Request, services: Services
) -> FileResponse:
    """The alert's evidence bundle (.zip, checkable with `nightwatch audit verify-bundle`).
    The export is itself audited, with the manifest's SHA-256 and the user's name."""
    folder = Path(tempfile.mkdtemp(prefix="nightwatch-export-"))
    out = folder / f"evidence-{alert_id}.zip"
    source = f"console@{client_address(request)}"
    try:
        result = export_bundle(services.store, alert_id, out, principal.name, source)
    except UnknownAlertError:
        shutil.rmtree(folder, ignore_errors=True)
        raise HTTPException(status.HTTP_404_NOT_FOUND, "no such alert") from None
    except (StoreError, OSError) as error:
        shutil.rmtree(folder, ignore_errors=True)
        raise HTTPException(status.HTTP_409_CONFLICT, str(error)) from None
    return FileResponse(
        out,
        media_type="application/zip",
        filename=out.name,
        headers={"X-Manifest-SHA256": result.manifest_sha256, "Cache-Control": "no-store"},
        background=BackgroundTask(shutil.rmtree, folder, ignore_errors=True),
    )

"""Serving evidence files: found through the store only, kept inside the media folder, and
every view audited with the user who looked."""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from pathlib import Path

from fastapi import HTTPException, status
from fastapi.responses import FileResponse

from alerts.audit import AuditEntry
from alerts.store import EvidenceRecord, Store

_MEDIA_TYPES = {"clip": "video/mp4", "snapshot": "image/jpeg", "snapshot_annotated": "image/jpeg"}


class ViewAuditor:
    """Appends `evidence.view` records, one per user and file per window.

    A video player asks for a clip in many range requests while it plays and seeks; those
    make one view. The memory it keeps is bounded (oldest entries go first).
    """

    def __init__(self, store: Store, window_s: float, capacity: int = 10_000) -> None:
        self._store = store
        self._window_s = window_s
        self._capacity = capacity
        self._seen: OrderedDict[tuple[str, int], float] = OrderedDict()
        self._lock = threading.Lock()

    def viewed(self, actor: str, evidence: EvidenceRecord, source: str) -> None:
        key = (actor, evidence.id)
        now = time.monotonic()
        with self._lock:
            last = self._seen.get(key)
            if last is not None and now - last < self._window_s:
                return
            self._seen[key] = now
            self._seen.move_to_end(key)
            while len(self._seen) > self._capacity:
                self._seen.popitem(last=False)
        details = {"evidence_id": evidence.id, "kind": evidence.kind, "path": evidence.path}
        entry = AuditEntry(
            actor, "evidence.view", evidence.alert_id, details, source, evidence.sha256
        )
        self._store.audit.append(entry)


def latest_evidence(store: Store, alert_id: str, kinds: tuple[str, ...]) -> EvidenceRecord:
    """The newest live file of the first of `kinds` the alert has; 404 when none."""
    if store.alerts.get(alert_id) is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "no such alert")
    files = store.evidence.for_alert(alert_id)
    for kind in kinds:
        matching = [item for item in files if item.kind == kind]
        if matching:
            return max(matching, key=lambda item: (item.created_at, item.id))
    raise HTTPException(status.HTTP_404_NOT_FOUND, f"the alert has no {kinds[0]}")


def evidence_response(store: Store, evidence: EvidenceRecord) -> FileResponse:
    """The file, with Range support (seeking in clips); 404 if it is gone or out of bounds."""
    media = store.media_dir.resolve()
    path = (media / evidence.path).resolve()
    if not path.is_relative_to(media) or not path.is_file():
        # A stored path can only point outside through tampering; never follow it.
        raise HTTPException(status.HTTP_404_NOT_FOUND, "the evidence file is missing")
    return FileResponse(
        path,
        media_type=_MEDIA_TYPES.get(evidence.kind, "application/octet-stream"),
        headers={"Cache-Control": "private, max-age=300", "X-Content-Type-Options": "nosniff"},
        content_disposition_type="inline",
        filename=Path(evidence.path).name,
    )

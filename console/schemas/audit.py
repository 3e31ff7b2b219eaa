"""The audit log and its verification, as the API shows them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import Field

from console.schemas.common import Out


class AuditRecordOut(Out):
    id: int
    at: datetime
    actor: str
    action: str
    target: str
    details: dict[str, Any]
    source: str | None
    evidence_sha256: str | None
    prev_hash: str
    hash: str


class AuditPage(Out):
    items: list[AuditRecordOut]
    next_before_id: int | None = Field(description="Pass as `before_id` for the next page.")


class ProblemOut(Out):
    where: str
    what: str
    detail: str


class Verification(Out):
    ok: bool
    records_checked: int
    files_checked: int
    problems: list[ProblemOut]
    chain_head_id: int
    chain_head_hash: str
    checked_at: datetime

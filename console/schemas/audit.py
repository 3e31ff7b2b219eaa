"""The audit log and its verification, as the API shows them (records as the store keeps them)."""

from __future__ import annotations

from datetime import datetime

from pydantic import Field

from alerts.audit import AuditRecord
from console.schemas.common import Out


class AuditPage(Out):
    items: list[AuditRecord]
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

"""Searching the audit log for the console: filters, newest first, keyset pages by id."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from alerts.audit import AuditRecord
from alerts.store.models import AuditRow
from alerts.store.repository import Store
from alerts.store.rows import to_audit

_IN_CHUNK = 500


@dataclass(frozen=True, slots=True)
class AuditSearch:
    """All filters optional, combined with AND. `action` ending in '.' matches a prefix
    ('alert.' finds alert.new, alert.end, …). `before_id` pages: pass the last id seen."""

    actor: str | None = None
    action: str | None = None
    target: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    before_id: int | None = None
    limit: int = 100

    def __post_init__(self) -> None:
        if not 1 <= self.limit <= 1000:
            raise ValueError(f"limit must be 1-1000, got {self.limit}")


def search_audit(store: Store, search: AuditSearch) -> list[AuditRecord]:
    """One page of matching audit records, newest first."""
    statement = select(AuditRow)
    if search.actor is not None:
        statement = statement.where(AuditRow.actor == search.actor)
    if search.action is not None:
        if search.action.endswith("."):
            statement = statement.where(AuditRow.action.startswith(search.action, autoescape=True))
        else:
            statement = statement.where(AuditRow.action == search.action)
    if search.target is not None:
        statement = statement.where(AuditRow.target == search.target)
    if search.since is not None:
        statement = statement.where(AuditRow.at >= search.since)
    if search.until is not None:
        statement = statement.where(AuditRow.at < search.until)
    if search.before_id is not None:
        statement = statement.where(AuditRow.id < search.before_id)
    statement = statement.order_by(AuditRow.id.desc()).limit(search.limit)
    with store._reader() as session:
        return [to_audit(row) for row in session.scalars(statement)]


def actions_for(
    store: Store, targets: Collection[str], actions: Collection[str]
) -> dict[str, list[AuditRecord]]:
    """The records with one of `actions` about each of `targets`, oldest first per target."""
    found: dict[str, list[AuditRecord]] = {}
    ordered = sorted(targets)
    for start in range(0, len(ordered), _IN_CHUNK):
        statement = (
            select(AuditRow)
            .where(
                AuditRow.target.in_(ordered[start : start + _IN_CHUNK]),
                AuditRow.action.in_(list(actions)),
            )
            .order_by(AuditRow.id)
        )
        with store._reader() as session:
            for row in session.scalars(statement):
                found.setdefault(row.target, []).append(to_audit(row))
    return found

"""The audit log: appending human actions, reading the chain, and searching it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, select

from alerts.audit import AuditEntry, AuditRecord
from alerts.store.database import Database
from alerts.store.models import AuditHeadRow, AuditRow


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


class AuditRepository:
    """Get it as `store.audit`. Records are only ever appended (the table refuses the rest)."""

    def __init__(self, database: Database) -> None:
        self._database = database

    def append(self, entry: AuditEntry) -> AuditRecord:
        """Append a record of a human action: viewed a clip, exported, …"""
        with self._database.writing() as (_session, chain):
            return chain.append(entry)

    def records(self, after_id: int = 0, limit: int = 1000) -> list[AuditRecord]:
        """Audit records with id > after_id, in id order, one page at a time."""
        statement = select(AuditRow).where(AuditRow.id > after_id).order_by(AuditRow.id)
        return self._all(statement.limit(limit))

    def for_target(self, target: str) -> list[AuditRecord]:
        """Every audit record about one alert (or other target), in order."""
        return self._all(select(AuditRow).where(AuditRow.target == target).order_by(AuditRow.id))

    def targets(self, action: str) -> set[str]:
        """The targets of every audit record with this action."""
        statement = select(AuditRow.target).where(AuditRow.action == action).distinct()
        with self._database.reading() as session:
            return set(session.scalars(statement))

    def find_by_hash(self, digest: str) -> AuditRecord | None:
        """The first record carrying this hash (for telling a reordered record apart)."""
        statement = select(AuditRow).where(AuditRow.hash == digest).order_by(AuditRow.id)
        found = self._all(statement.limit(1))
        return found[0] if found else None

    def head(self) -> tuple[int, str]:
        """The chain head: the last record's id and hash (write it down to anchor the log)."""
        with self._database.reading() as session:
            head = session.execute(select(AuditHeadRow).where(AuditHeadRow.id == 1)).scalar_one()
            return head.last_id, head.last_hash

    def search(self, search: AuditSearch) -> list[AuditRecord]:
        """One page of matching audit records, newest first."""
        statement = select(AuditRow)
        if search.actor is not None:
            statement = statement.where(AuditRow.actor == search.actor)
        if search.action is not None:
            if search.action.endswith("."):
                statement = statement.where(
                    AuditRow.action.startswith(search.action, autoescape=True)
                )
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
        return self._all(statement.order_by(AuditRow.id.desc()).limit(search.limit))

    def _all(self, statement: Select[AuditRow]) -> list[AuditRecord]:
        with self._database.reading() as session:
            return [AuditRecord.model_validate(row) for row in session.scalars(statement)]

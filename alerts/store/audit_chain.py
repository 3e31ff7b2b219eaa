"""Appending to the hash-chained audit log inside a write transaction."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from alerts.audit import AuditEntry, AuditRecord, chain_hash, jsonable
from alerts.store.models import AuditHeadRow, AuditRow


class AuditChain:
    """Appends to the chain inside one write transaction (get one from `Database.writing`).

    Creating it locks the chain-head row (SELECT … FOR UPDATE on PostgreSQL; SQLite's write
    transaction is already exclusive), so concurrent appends queue and the chain never forks.
    """

    def __init__(self, session: Session, clock: Callable[[], datetime]) -> None:
        self._session = session
        self._clock = clock
        statement = select(AuditHeadRow).where(AuditHeadRow.id == 1).with_for_update()
        self._head = session.execute(statement).scalar_one()
        self._last_id, self._last_hash = self._head.last_id, self._head.last_hash

    @property
    def next_id(self) -> int:
        """The id the next appended record will get (appends are serialized)."""
        return self._last_id + 1

    def append(self, entry: AuditEntry) -> AuditRecord:
        at = self._clock().astimezone(UTC)
        digest = chain_hash(entry, at, self._last_hash)
        row = AuditRow(
            id=self.next_id,
            at=at,
            actor=entry.actor,
            action=entry.action,
            target=entry.target,
            details=jsonable(entry.details),
            source=entry.source,
            evidence_sha256=entry.evidence_sha256,
            prev_hash=self._last_hash,
            hash=digest,
        )
        self._session.add(row)  # inserted with the transaction's next flush, in id order
        self._last_id, self._last_hash = row.id, digest
        return AuditRecord.model_validate(row)

    def close(self) -> None:
        """Move the head to the last appended record; call once, before commit."""
        self._head.last_id, self._head.last_hash = self._last_id, self._last_hash

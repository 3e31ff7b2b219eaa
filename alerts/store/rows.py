"""Rows to records, the alert query as SQL, and appending to the audit chain."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import cast

from sqlalchemy import Select, and_, or_, select
from sqlalchemy.orm import Session

from alerts.audit import AuditEntry, AuditRecord, chain_hash, jsonable
from alerts.store.models import AlertRow, AuditHeadRow, AuditRow, EvidenceRow, TransitionRow
from alerts.store.records import (
    AlertQuery,
    AlertRecord,
    AlertState,
    Category,
    EvidenceKind,
    EvidenceRecord,
    TransitionRecord,
    TransitionType,
)

Clock = Callable[[], datetime]


class AuditChain:
    """Appends to the chain inside one write transaction.

    Creating it locks the chain-head row (SELECT … FOR UPDATE on PostgreSQL; SQLite's write
    transaction is already exclusive), so concurrent appends queue and the chain never forks.
    """

    def __init__(self, session: Session, clock: Clock) -> None:
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
        return to_audit(row)

    def close(self) -> None:
        """Move the head to the last appended record; call once, before commit."""
        self._head.last_id, self._head.last_hash = self._last_id, self._last_hash


def alert_select(query: AlertQuery) -> Select[AlertRow]:
    """The query as SQL, newest first; each single-field filter has an index to match."""
    statement = select(AlertRow)
    equal = {
        AlertRow.camera: query.camera,
        AlertRow.rule: query.rule,
        AlertRow.zone: query.zone,
        AlertRow.state: query.state,
        AlertRow.category: query.category,
        AlertRow.legal_hold: query.legal_hold,
    }
    for column, value in equal.items():
        if value is not None:
            statement = statement.where(column == value)
    if isinstance(query.severity, str):
        statement = statement.where(AlertRow.severity == query.severity)
    elif query.severity is not None:
        statement = statement.where(AlertRow.severity.in_(query.severity))
    if query.since is not None:
        statement = statement.where(AlertRow.started_at >= query.since)
    if query.until is not None:
        statement = statement.where(AlertRow.started_at < query.until)
    if query.before is not None:
        started_at, alert_id = query.before
        statement = statement.where(
            or_(
                AlertRow.started_at < started_at,
                and_(AlertRow.started_at == started_at, AlertRow.id < alert_id),
            )
        )
    ordered = statement.order_by(AlertRow.started_at.desc(), AlertRow.id.desc())
    return ordered.limit(query.limit).offset(query.offset)


def to_alert(row: AlertRow) -> AlertRecord:
    return AlertRecord(
        id=row.id,
        site=row.site,
        camera=row.camera,
        rule=row.rule,
        rule_type=row.rule_type,
        zone=row.zone,
        severity=row.severity,
        state=cast(AlertState, row.state),
        started_at=row.started_at,
        ended_at=row.ended_at,
        updated_at=row.updated_at,
        category=cast(Category, row.category),
        legal_hold=row.legal_hold,
        payload=row.payload,
    )


def to_transition(row: TransitionRow) -> TransitionRecord:
    return TransitionRecord(
        id=row.id,
        alert_id=row.alert_id,
        type=cast(TransitionType, row.type),
        frame_time=row.frame_time,
        recorded_at=row.recorded_at,
        payload=row.payload,
        audit_id=row.audit_id,
    )


def to_evidence(row: EvidenceRow) -> EvidenceRecord:
    return EvidenceRecord(
        id=row.id,
        alert_id=row.alert_id,
        kind=cast(EvidenceKind, row.kind),
        path=row.path,
        size_bytes=row.size_bytes,
        sha256=row.sha256,
        started_at=row.started_at,
        ended_at=row.ended_at,
        codec=row.codec,
        width=row.width,
        height=row.height,
        created_at=row.created_at,
        deleted_at=row.deleted_at,
    )


def to_audit(row: AuditRow) -> AuditRecord:
    return AuditRecord(
        id=row.id,
        at=row.at,
        actor=row.actor,
        action=row.action,
        target=row.target,
        details=row.details,
        source=row.source,
        evidence_sha256=row.evidence_sha256,
        prev_hash=row.prev_hash,
        hash=row.hash,
    )

"""Alerts, their messages (transitions) and what the control room decided about them.

Every change is one audited write: the row, its audit record (and, for a message, the outbox
row publishing it) commit together, and a decision is checked inside that same transaction.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import Select, and_, delete, func, or_, select
from sqlalchemy.orm import Session

from alerts.audit import AuditEntry, canonical_json, sha256_text
from alerts.dispatch.records import Outcome
from alerts.store.audit_chain import AuditChain
from alerts.store.database import Database
from alerts.store.evidence_repository import EvidenceRepository, alert_row, remove_file
from alerts.store.models import AlertRow, EvidenceRow, TransitionRow
from alerts.store.outbox_repository import add_messages
from alerts.store.records import (
    CATEGORIES,
    AlertQuery,
    AlertRecord,
    AlreadyResolvedError,
    Category,
    EvidenceRecord,
    LegalHoldError,
    StoreError,
    TransitionRecord,
)

if TYPE_CHECKING:
    from alerts.outbox import OutboxMessage
    from alerts.payloads import AlertPayload

PIPELINE_SOURCE = "pipeline"
ACKNOWLEDGE = "alert.acknowledge"
RESOLVE = "alert.resolve"
_IN_CHUNK = 500  # ids per IN (...) list, well under SQLite's bound-parameter limit


class AlertRepository:
    """Get it as `store.alerts`."""

    def __init__(self, database: Database, evidence: EvidenceRepository) -> None:
        self._database = database
        self._evidence = evidence

    def record(self, *payloads: AlertPayload, queued: Sequence[OutboxMessage] = ()) -> None:
        """Insert or update each alert, keep each message as a transition, and audit it.

        `queued`: the messages publishing them, added to the outbox in the same transaction.
        """
        now = self._database.now()
        with self._database.writing() as (session, chain), session.no_autoflush:
            rows = _existing_alerts(session, {payload.id for payload in payloads})
            for payload in payloads:
                row = rows.get(payload.id)
                if row is None:
                    row = AlertRow(id=payload.id, category="normal", legal_hold=False)
                    row.state = "open"
                    session.add(row)
                rows[payload.id] = row
                _record_message(row, session, chain, payload, now)
            add_messages(session, queued, now)

    def get(self, alert_id: str) -> AlertRecord | None:
        """The alert, or None when there is none (any more) with this id."""
        with self._database.reading() as session:
            row = session.get(AlertRow, alert_id)
            return None if row is None else AlertRecord.model_validate(row)

    def query(self, query: AlertQuery) -> list[AlertRecord]:
        """One page of alerts matching `query`, newest first."""
        with self._database.reading() as session:
            return [AlertRecord.model_validate(row) for row in session.scalars(_select(query))]

    def count(self, query: AlertQuery) -> int:
        """How many alerts match the filters of `query` (its paging is ignored)."""
        statement = _select(query).limit(None).offset(None).order_by(None)
        with self._database.reading() as session:
            return session.scalar(select(func.count()).select_from(statement.subquery())) or 0

    def transitions(self, alert_id: str) -> list[TransitionRecord]:
        """Every new/update/end message of an alert, in the order they were recorded."""
        statement = (
            select(TransitionRow)
            .where(TransitionRow.alert_id == alert_id)
            .order_by(TransitionRow.id)
        )
        with self._database.reading() as session:
            return [TransitionRecord.model_validate(row) for row in session.scalars(statement)]

    def transitions_by_audit_id(self, audit_ids: Collection[int]) -> dict[int, TransitionRecord]:
        """The stored messages vouched for by these audit records, by audit id (for checks)."""
        statement = select(TransitionRow).where(TransitionRow.audit_id.in_(list(audit_ids)))
        with self._database.reading() as session:
            rows = session.scalars(statement)
            return {row.audit_id: TransitionRecord.model_validate(row) for row in rows}

    def expired(self, category: Category, ended_before: datetime, limit: int) -> list[AlertRecord]:
        """Ended alerts of a category that ended before `ended_before`, legal holds excepted."""
        statement = (
            select(AlertRow)
            .where(
                AlertRow.category == category,
                AlertRow.state == "ended",
                AlertRow.ended_at < ended_before,
                AlertRow.legal_hold.is_(False),
            )
            .order_by(AlertRow.ended_at, AlertRow.id)
            .limit(limit)
        )
        with self._database.reading() as session:
            return [AlertRecord.model_validate(row) for row in session.scalars(statement)]

    def acknowledge(
        self, alert_id: str, actor: str, note: str | None, source: str | None
    ) -> AlertRecord:
        """Say the control room has seen the alert; the first acknowledgement is kept."""
        with self._database.writing() as (session, chain):
            row = _locked_alert(session, alert_id)
            details = {"note": note} if note else {}
            record = chain.append(AuditEntry(actor, ACKNOWLEDGE, alert_id, details, source))
            if row.acknowledged_by is None:
                row.acknowledged_by, row.acknowledged_at = actor, record.at
            return AlertRecord.model_validate(row)

    def resolve(
        self, alert_id: str, actor: str, outcome: Outcome, note: str | None, source: str | None
    ) -> AlertRecord:
        """Close the alert with an outcome; raises AlreadyResolvedError if it is closed.

        Resolving acknowledges too; a false alarm moves to the false-alarm retention. The
        check and the change are one transaction: of two resolving at once, one is refused.
        """
        with self._database.writing() as (session, chain):
            row = resolve_alert(session, chain, alert_id, actor, outcome, note, source)
            return AlertRecord.model_validate(row)

    def set_legal_hold(
        self, alert_id: str, hold: bool, actor: str, source: str | None = None
    ) -> None:
        """Put an alert under legal hold (retention never deletes it) or release it."""
        with self._database.writing() as (session, chain):
            row = alert_row(session, alert_id)
            details = {"legal_hold": hold, "previous": row.legal_hold}
            row.legal_hold = hold
            chain.append(AuditEntry(actor, "alert.legal_hold", alert_id, details, source))

    def set_category(
        self, alert_id: str, category: Category, actor: str, source: str | None = None
    ) -> None:
        """Classify an alert (normal, false_alarm, dispatched, flagged); sets its retention."""
        if category not in CATEGORIES:
            raise StoreError(f"category {category!r} is not one of {', '.join(CATEGORIES)}")
        with self._database.writing() as (session, chain):
            _set_category(alert_row(session, alert_id), chain, category, actor, source)

    def delete(self, alert_id: str, actor: str, reason: str) -> list[EvidenceRecord]:
        """Delete an alert, its transitions and evidence files; the audit log keeps the trace."""
        with self._database.writing() as write:
            session, chain = write
            alert = alert_row(session, alert_id)
            if alert.legal_hold:
                raise LegalHoldError(alert_id)
            live = select(EvidenceRow).where(
                EvidenceRow.alert_id == alert_id, EvidenceRow.deleted_at.is_(None)
            )
            media_dir = self._evidence.media_dir
            deleted = [
                remove_file(write, row, actor, reason, media_dir)
                for row in session.scalars(live.order_by(EvidenceRow.id))
            ]
            details = {
                "category": alert.category,
                "ended_at": alert.ended_at,
                "reason": reason,
                "files_deleted": len(deleted),
            }
            chain.append(AuditEntry(actor, "alert.delete", alert_id, details, actor))
            for table in (EvidenceRow, TransitionRow):
                session.execute(delete(table).where(table.alert_id == alert_id))
            session.delete(alert)
            return deleted


def _record_message(
    row: AlertRow, session: Session, chain: AuditChain, payload: AlertPayload, now: datetime
) -> None:
    document: dict[str, Any] = payload.model_dump(mode="json", by_alias=True)
    row.site, row.camera, row.rule = payload.site, payload.camera, payload.rule
    row.rule_type, row.zone, row.severity = payload.rule_type, payload.zone, payload.severity
    row.started_at, row.updated_at, row.payload = payload.started_at, now, document
    if payload.type == "end":
        row.state, row.ended_at = "ended", payload.ended_at or payload.frame_time
    session.add(
        TransitionRow(
            alert_id=payload.id,
            type=payload.type,
            frame_time=payload.frame_time,
            recorded_at=now,
            payload=document,
            audit_id=chain.next_id,
        )
    )
    details = {
        "camera": payload.camera,
        "rule": payload.rule,
        "zone": payload.zone,
        "severity": payload.severity,
        "payload_sha256": sha256_text(canonical_json(document)),
    }
    action = f"alert.{payload.type}"
    chain.append(AuditEntry("system", action, payload.id, details, PIPELINE_SOURCE))


def resolve_alert(
    session: Session,
    chain: AuditChain,
    alert_id: str,
    actor: str,
    outcome: Outcome,
    note: str | None,
    source: str | None,
) -> AlertRow:
    """Resolve inside the caller's audited write (see AlertRepository.resolve)."""
    row = _locked_alert(session, alert_id)
    if row.resolved_by is not None:
        raise AlreadyResolvedError(alert_id)
    details = {"outcome": outcome, "note": note}
    record = chain.append(AuditEntry(actor, RESOLVE, alert_id, details, source))
    row.resolved_by, row.resolved_at = actor, record.at
    row.outcome, row.note = outcome.value, note
    if row.acknowledged_by is None:
        row.acknowledged_by, row.acknowledged_at = actor, record.at
    if outcome == Outcome.FALSE_ALARM:
        _set_category(row, chain, "false_alarm", actor, source)
    return row


def _set_category(
    row: AlertRow, chain: AuditChain, category: Category, actor: str, source: str | None
) -> None:
    details = {"category": category, "previous": row.category}
    row.category = category
    chain.append(AuditEntry(actor, "alert.category", row.id, details, source))


def _locked_alert(session: Session, alert_id: str) -> AlertRow:
    """The row, locked until commit (PostgreSQL; SQLite's write transaction is exclusive)."""
    row = session.get(AlertRow, alert_id, with_for_update=True)
    if row is None:
        return alert_row(session, alert_id)  # raises UnknownAlertError
    return row


def _existing_alerts(session: Session, ids: Iterable[str]) -> dict[str, AlertRow]:
    ordered = sorted(ids)
    rows: dict[str, AlertRow] = {}
    for start in range(0, len(ordered), _IN_CHUNK):
        chunk = ordered[start : start + _IN_CHUNK]
        rows.update(
            (row.id, row) for row in session.scalars(select(AlertRow).where(AlertRow.id.in_(chunk)))
        )
    return rows


def _select(query: AlertQuery) -> Select[AlertRow]:
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

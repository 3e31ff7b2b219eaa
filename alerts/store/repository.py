"""The store: alerts, their transitions, evidence files and the audit log, one session a call.

Safe to share between camera threads: every call opens its own session, and every write
takes the audit chain's head lock first (plus a process lock and BEGIN IMMEDIATE on SQLite).
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager, nullcontext
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import delete, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from alerts.audit import AuditEntry, AuditRecord, canonical_json, sha256_file, sha256_text
from alerts.store.dispatch_rows import DispatchTable
from alerts.store.engine import WRITE_OPTION
from alerts.store.models import AlertRow, EvidenceRow, TransitionRow
from alerts.store.outbox_rows import OutboxTable, add_messages
from alerts.store.reads import StoreReads
from alerts.store.records import (
    CATEGORIES,
    EVIDENCE_KINDS,
    Category,
    EvidenceRecord,
    LegalHoldError,
    StoreError,
    UnknownAlertError,
)
from alerts.store.rows import AuditChain, Clock, to_evidence
from alerts.store.webhook_rows import WebhookTable

if TYPE_CHECKING:
    from alerts.outbox import OutboxMessage
    from alerts.payloads import AlertPayload

PIPELINE_SOURCE = "pipeline"
_IN_CHUNK = 500  # ids per IN (...) list, well under SQLite's bound-parameter limit


def utc_now() -> datetime:
    return datetime.now(UTC)


class Store(StoreReads):
    """Open with `open_store`; close with `close()` when the process stops."""

    def __init__(self, engine: Engine, media_dir: Path, clock: Clock = utc_now) -> None:
        super().__init__(sessionmaker(engine, expire_on_commit=False))
        self.media_dir = media_dir
        self._engine = engine
        self._clock = clock
        writer = engine.execution_options(**{WRITE_OPTION: True})
        self._writer = sessionmaker(writer, expire_on_commit=False)
        sqlite = engine.dialect.name == "sqlite"
        self._lock: AbstractContextManager[object] = threading.Lock() if sqlite else nullcontext()

    def close(self) -> None:
        self._engine.dispose()

    @contextmanager
    def _writing(self) -> Iterator[tuple[Session, AuditChain]]:
        with self._lock, self._writer.begin() as session:
            chain = AuditChain(session, self._clock)
            yield session, chain
            chain.close()

    def record_alert(self, payload: AlertPayload) -> None:
        """Insert or update the alert, keep the message as a transition, and audit it."""
        self.record_alerts((payload,))

    def record_alerts(self, payloads: Iterable[AlertPayload]) -> None:
        """`record_alert` for many messages in one transaction (replays, imports)."""
        now = self._clock()
        payloads = list(payloads)
        with self._writing() as (session, chain), session.no_autoflush:
            rows = _existing_alerts(session, {payload.id for payload in payloads})
            for payload in payloads:
                row = rows.get(payload.id)
                if row is None:
                    row = AlertRow(id=payload.id, category="normal", legal_hold=False)
                    row.state = "open"
                    session.add(row)
                rows[payload.id] = row
                self._record(row, session, chain, payload, now)

    def _record(
        self,
        row: AlertRow,
        session: Session,
        chain: AuditChain,
        payload: AlertPayload,
        now: datetime,
    ) -> None:
        document: dict[str, Any] = payload.model_dump(mode="json", by_alias=True)
        _apply(row, payload, document, now)
        if payload.type == "end":
            row.state, row.ended_at = "ended", payload.ended_at or payload.frame_time
        transition = TransitionRow(
            alert_id=payload.id,
            type=payload.type,
            frame_time=payload.frame_time,
            recorded_at=now,
            payload=document,
            audit_id=chain.next_id,
        )
        session.add(transition)
        details = {
            "camera": payload.camera,
            "rule": payload.rule,
            "zone": payload.zone,
            "severity": payload.severity,
            "payload_sha256": sha256_text(canonical_json(document)),
        }
        action = f"alert.{payload.type}"
        entry = AuditEntry("system", action, payload.id, details, PIPELINE_SOURCE)
        chain.append(entry)

    def add_evidence(
        self,
        alert_id: str,
        kind: str,
        path: Path,
        started_at: datetime,
        ended_at: datetime,
        codec: str | None,
        width: int | None,
        height: int | None,
    ) -> EvidenceRecord:
        """Register a written file (under media_dir): hash it, store it, audit its hash."""
        if kind not in EVIDENCE_KINDS:
            raise StoreError(f"evidence kind {kind!r} is not one of {', '.join(EVIDENCE_KINDS)}")
        relative = self.relative_path(path)
        digest, size = sha256_file(self.media_dir / relative)  # before locking: clips are big
        with self._writing() as (session, chain):
            _alert_row(session, alert_id)
            row = EvidenceRow(
                alert_id=alert_id,
                kind=kind,
                path=relative,
                size_bytes=size,
                sha256=digest,
                started_at=started_at,
                ended_at=ended_at,
                codec=codec,
                width=width,
                height=height,
                created_at=self._clock(),
            )
            session.add(row)
            session.flush()
            details = {"evidence_id": row.id, "kind": kind, "path": relative, "size_bytes": size}
            entry = AuditEntry("system", "evidence.add", alert_id, details, PIPELINE_SOURCE, digest)
            chain.append(entry)
            return to_evidence(row)

    def audit(
        self,
        actor: str,
        action: str,
        target: str,
        details: Mapping[str, Any],
        source: str | None,
        evidence_sha256: str | None = None,
    ) -> AuditRecord:
        """Append a record of a human action: viewed a clip, exported, acknowledged, …"""
        with self._writing() as (_session, chain):
            entry = AuditEntry(actor, action, target, details, source, evidence_sha256)
            return chain.append(entry)

    def set_legal_hold(
        self, alert_id: str, hold: bool, actor: str, source: str | None = None
    ) -> None:
        """Put an alert under legal hold (retention never deletes it) or release it."""
        with self._writing() as (session, chain):
            row = _alert_row(session, alert_id)
            details = {"legal_hold": hold, "previous": row.legal_hold}
            row.legal_hold = hold
            chain.append(AuditEntry(actor, "alert.legal_hold", alert_id, details, source))

    def set_category(
        self, alert_id: str, category: Category, actor: str, source: str | None = None
    ) -> None:
        """Classify an alert (normal, false_alarm, dispatched, flagged); sets its retention."""
        if category not in CATEGORIES:
            raise StoreError(f"category {category!r} is not one of {', '.join(CATEGORIES)}")
        with self._writing() as (session, chain):
            row = _alert_row(session, alert_id)
            details = {"category": category, "previous": row.category}
            row.category = category
            chain.append(AuditEntry(actor, "alert.category", alert_id, details, source))

    def delete_evidence(self, evidence_id: int, actor: str, reason: str) -> EvidenceRecord:
        """Delete one evidence file, keep its row marked deleted, and audit it with its hash."""
        with self._writing() as (session, chain):
            row = session.get(EvidenceRow, evidence_id)
            if row is None or row.deleted_at is not None:
                raise StoreError(f"no evidence file {evidence_id} to delete")
            if _alert_row(session, row.alert_id).legal_hold:
                raise LegalHoldError(row.alert_id)
            self._delete_file(session, chain, row, actor, reason)
            return to_evidence(row)

    def delete_alert(self, alert_id: str, actor: str, reason: str) -> list[EvidenceRecord]:
        """Delete an alert, its transitions and evidence files; the audit log keeps the trace."""
        with self._writing() as (session, chain):
            alert = _alert_row(session, alert_id)
            if alert.legal_hold:
                raise LegalHoldError(alert_id)
            live = select(EvidenceRow).where(
                EvidenceRow.alert_id == alert_id, EvidenceRow.deleted_at.is_(None)
            )
            deleted = [
                self._delete_file(session, chain, row, actor, reason)
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

    def _delete_file(
        self, session: Session, chain: AuditChain, row: EvidenceRow, actor: str, reason: str
    ) -> EvidenceRecord:
        row.deleted_at = self._clock()
        details = {
            "evidence_id": row.id,
            "path": row.path,
            "size_bytes": row.size_bytes,
            "reason": reason,
        }
        entry = AuditEntry(actor, "evidence.delete", row.alert_id, details, actor, row.sha256)
        chain.append(entry)
        session.flush()
        # Unlinked inside the transaction: if it fails, nothing is recorded as deleted.
        (self.media_dir / row.path).unlink(missing_ok=True)
        return to_evidence(row)

    def relative_path(self, path: Path) -> str:
        """`path` relative to media_dir, with forward slashes; refuses a path outside it."""
        absolute = path if path.is_absolute() else Path.cwd() / path
        try:
            return absolute.resolve().relative_to(self.media_dir.resolve()).as_posix()
        except ValueError:
            raise StoreError(f"{path} is not inside the media folder {self.media_dir}") from None

    # Dispatch: the outbox, dispatches and webhook deliveries (alerts/store/*_rows.py).

    @property
    def outbox(self) -> OutboxTable:
        """Messages stored before they are published (see alerts/outbox.py)."""
        return OutboxTable(self._writing, self._plain_writing, self._reader, self._clock)

    @property
    def dispatches(self) -> DispatchTable:
        return DispatchTable(self._writing, self._reader)

    @property
    def webhooks(self) -> WebhookTable:
        return WebhookTable(self._writing, self._reader)

    def record_alert_queued(self, payload: AlertPayload, message: OutboxMessage) -> None:
        """`record_alert`, with the message publishing it queued in the same transaction."""
        now = self._clock()
        with self._writing() as (session, chain), session.no_autoflush:
            row = _existing_alerts(session, {payload.id}).get(payload.id)
            if row is None:
                row = AlertRow(id=payload.id, category="normal", legal_hold=False)
                row.state = "open"
                session.add(row)
            self._record(row, session, chain, payload, now)
            add_messages(session, (message,), now)

    @contextmanager
    def _plain_writing(self) -> Iterator[Session]:
        """A write transaction that appends nothing to the audit chain (outbox bookkeeping)."""
        with self._lock, self._writer.begin() as session:
            yield session


def _apply(row: AlertRow, payload: AlertPayload, document: dict[str, Any], now: datetime) -> None:
    row.site, row.camera, row.rule = payload.site, payload.camera, payload.rule
    row.rule_type, row.zone, row.severity = payload.rule_type, payload.zone, payload.severity
    row.started_at, row.updated_at, row.payload = payload.started_at, now, document


def _existing_alerts(session: Session, ids: set[str]) -> dict[str, AlertRow]:
    ordered = sorted(ids)
    rows: dict[str, AlertRow] = {}
    for start in range(0, len(ordered), _IN_CHUNK):
        chunk = ordered[start : start + _IN_CHUNK]
        rows.update(
            (row.id, row) for row in session.scalars(select(AlertRow).where(AlertRow.id.in_(chunk)))
        )
    return rows


def _alert_row(session: Session, alert_id: str) -> AlertRow:
    row = session.get(AlertRow, alert_id)
    if row is None:
        raise UnknownAlertError(alert_id)
    return row

"""The store's read side: each call opens a short read-only session."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session, sessionmaker

from alerts.audit import AuditRecord
from alerts.store.models import AlertRow, AuditHeadRow, AuditRow, EvidenceRow, TransitionRow
from alerts.store.records import (
    AlertQuery,
    AlertRecord,
    Category,
    EvidenceRecord,
    TransitionRecord,
)
from alerts.store.rows import alert_select, to_alert, to_audit, to_evidence, to_transition


class StoreReads:
    def __init__(self, reader: sessionmaker[Session]) -> None:
        self._reader = reader

    def get_alert(self, alert_id: str) -> AlertRecord | None:
        with self._reader() as session:
            row = session.get(AlertRow, alert_id)
            return None if row is None else to_alert(row)

    def query_alerts(self, query: AlertQuery) -> list[AlertRecord]:
        """One page of alerts matching `query`, newest first."""
        with self._reader() as session:
            return [to_alert(row) for row in session.scalars(alert_select(query))]

    def count_alerts(self, query: AlertQuery) -> int:
        """How many alerts match the filters of `query` (its paging is ignored)."""
        statement = alert_select(query).limit(None).offset(None).order_by(None)
        with self._reader() as session:
            return session.scalar(select(func.count()).select_from(statement.subquery())) or 0

    def transitions(self, alert_id: str) -> list[TransitionRecord]:
        """Every new/update/end message of an alert, in the order they were recorded."""
        statement = (
            select(TransitionRow)
            .where(TransitionRow.alert_id == alert_id)
            .order_by(TransitionRow.id)
        )
        with self._reader() as session:
            return [to_transition(row) for row in session.scalars(statement)]

    def evidence_for(self, alert_id: str, include_deleted: bool = False) -> list[EvidenceRecord]:
        """An alert's evidence files, oldest first; deleted ones only when asked."""
        statement = select(EvidenceRow).where(EvidenceRow.alert_id == alert_id)
        if not include_deleted:
            statement = statement.where(EvidenceRow.deleted_at.is_(None))
        with self._reader() as session:
            rows = session.scalars(statement.order_by(EvidenceRow.started_at, EvidenceRow.id))
            return [to_evidence(row) for row in rows]

    def get_evidence(self, evidence_id: int) -> EvidenceRecord | None:
        with self._reader() as session:
            row = session.get(EvidenceRow, evidence_id)
            return None if row is None else to_evidence(row)

    def live_evidence(self, after_id: int = 0, limit: int = 1000) -> list[EvidenceRecord]:
        """Evidence files not deleted, by id, one page at a time (for checks)."""
        statement = (
            select(EvidenceRow)
            .where(EvidenceRow.deleted_at.is_(None), EvidenceRow.id > after_id)
            .order_by(EvidenceRow.id)
            .limit(limit)
        )
        with self._reader() as session:
            return [to_evidence(row) for row in session.scalars(statement)]

    def oldest_evidence(
        self, limit: int, after: tuple[datetime, int] | None = None
    ) -> list[EvidenceRecord]:
        """Live evidence files of alerts not under legal hold, oldest capture first."""
        statement = (
            select(EvidenceRow)
            .join(AlertRow, AlertRow.id == EvidenceRow.alert_id)
            .where(EvidenceRow.deleted_at.is_(None), AlertRow.legal_hold.is_(False))
        )
        if after is not None:
            started_at, evidence_id = after
            statement = statement.where(
                or_(
                    EvidenceRow.started_at > started_at,
                    and_(EvidenceRow.started_at == started_at, EvidenceRow.id > evidence_id),
                )
            )
        statement = statement.order_by(EvidenceRow.started_at, EvidenceRow.id).limit(limit)
        with self._reader() as session:
            return [to_evidence(row) for row in session.scalars(statement)]

    def expired_alerts(
        self, category: Category, ended_before: datetime, limit: int
    ) -> list[AlertRecord]:
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
        with self._reader() as session:
            return [to_alert(row) for row in session.scalars(statement)]

    def audit_records(self, after_id: int = 0, limit: int = 1000) -> list[AuditRecord]:
        """Audit records with id > after_id, in id order, one page at a time."""
        statement = select(AuditRow).where(AuditRow.id > after_id).order_by(AuditRow.id)
        with self._reader() as session:
            return [to_audit(row) for row in session.scalars(statement.limit(limit))]

    def audit_for(self, target: str) -> list[AuditRecord]:
        """Every audit record about one alert (or other target), in order."""
        statement = select(AuditRow).where(AuditRow.target == target).order_by(AuditRow.id)
        with self._reader() as session:
            return [to_audit(row) for row in session.scalars(statement)]

    def audit_targets(self, action: str) -> set[str]:
        """The targets of every audit record with this action."""
        statement = select(AuditRow.target).where(AuditRow.action == action).distinct()
        with self._reader() as session:
            return set(session.scalars(statement))

    def find_audit_by_hash(self, digest: str) -> AuditRecord | None:
        statement = select(AuditRow).where(AuditRow.hash == digest).order_by(AuditRow.id)
        with self._reader() as session:
            row = session.scalars(statement.limit(1)).first()
            return None if row is None else to_audit(row)

    def audit_head(self) -> tuple[int, str]:
        """The chain head: the last record's id and hash (write it down to anchor the log)."""
        with self._reader() as session:
            head = session.execute(select(AuditHeadRow).where(AuditHeadRow.id == 1)).scalar_one()
            return head.last_id, head.last_hash

    def transitions_by_audit_id(self, audit_ids: Collection[int]) -> dict[int, TransitionRecord]:
        """The stored messages vouched for by these audit records, by audit id (for checks)."""
        statement = select(TransitionRow).where(TransitionRow.audit_id.in_(list(audit_ids)))
        with self._reader() as session:
            return {row.audit_id: to_transition(row) for row in session.scalars(statement)}

"""Tables of the store (the console keeps its accounts apart, in console/accounts/).

Times are timezone-aware UTC on every database (see UtcDateTime).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    BigInteger,
    DateTime,
    Dialect,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

Document = dict[str, Any]
# SQLite numbers rows itself only for an INTEGER PRIMARY KEY.
BIG_ID = BigInteger().with_variant(Integer(), "sqlite")


class UtcDateTime(TypeDecorator[datetime]):
    """Stores UTC; returns aware UTC datetimes. SQLite keeps naive text, so naive is refused."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: store timezone-aware UTC times")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    type_annotation_map: ClassVar[dict[Any, Any]] = {datetime: UtcDateTime(), Document: JSON()}


class DispositionColumns:
    """What the control room decided about an alert, written with its audit record."""

    acknowledged_by: Mapped[str | None] = mapped_column(String(128))
    acknowledged_at: Mapped[datetime | None]
    resolved_by: Mapped[str | None] = mapped_column(String(128))
    resolved_at: Mapped[datetime | None]
    outcome: Mapped[str | None] = mapped_column(String(64))
    note: Mapped[str | None] = mapped_column(String(1000))

    @property
    def disposition(self) -> DispositionColumns:
        """These columns, as records.Disposition reads them (by attribute name)."""
        return self


class AlertRow(DispositionColumns, Base):
    __tablename__ = "alerts"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    site: Mapped[str] = mapped_column(String(128))
    camera: Mapped[str] = mapped_column(String(64))
    rule: Mapped[str] = mapped_column(String(128))
    rule_type: Mapped[str] = mapped_column(String(64))
    zone: Mapped[str] = mapped_column(String(64))
    severity: Mapped[str] = mapped_column(String(16))
    state: Mapped[str] = mapped_column(String(8))
    started_at: Mapped[datetime]
    ended_at: Mapped[datetime | None]
    updated_at: Mapped[datetime]
    payload: Mapped[Document]
    category: Mapped[str] = mapped_column(String(32))
    legal_hold: Mapped[bool]

    # Listings are newest first, filtered by one field: (field, started_at, id) serves each.
    __table_args__ = (
        Index("ix_alerts_started", "started_at", "id"),
        Index("ix_alerts_camera", "camera", "started_at", "id"),
        Index("ix_alerts_rule", "rule", "started_at", "id"),
        Index("ix_alerts_zone", "zone", "started_at", "id"),
        Index("ix_alerts_severity", "severity", "started_at", "id"),
        Index("ix_alerts_state", "state", "started_at", "id"),
        Index("ix_alerts_retention", "category", "ended_at"),
    )


class TransitionRow(Base):
    __tablename__ = "alert_transitions"

    id: Mapped[int] = mapped_column(BIG_ID, primary_key=True, autoincrement=True)
    alert_id: Mapped[str] = mapped_column(
        String(64), ForeignKey("alerts.id", ondelete="CASCADE"), index=True
    )
    type: Mapped[str] = mapped_column(String(8))
    frame_time: Mapped[datetime]
    recorded_at: Mapped[datetime]
    payload: Mapped[Document]
    audit_id: Mapped[int] = mapped_column(BigInteger, unique=True)  # the record vouching for it


class EvidenceRow(Base):
    __tablename__ = "evidence"

    id: Mapped[int] = mapped_column(BIG_ID, primary_key=True, autoincrement=True)
    alert_id: Mapped[str] = mapped_column(
        String(64), ForeignKey("alerts.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(32))
    path: Mapped[str] = mapped_column(String(512), unique=True)
    size_bytes: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64))
    started_at: Mapped[datetime]
    ended_at: Mapped[datetime]
    codec: Mapped[str | None] = mapped_column(String(32))
    width: Mapped[int | None]
    height: Mapped[int | None]
    created_at: Mapped[datetime]
    deleted_at: Mapped[datetime | None]

    __table_args__ = (Index("ix_evidence_age", "deleted_at", "started_at", "id"),)


class AuditRow(Base):
    """Append-only: the migration adds triggers that refuse UPDATE and DELETE."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    at: Mapped[datetime]
    actor: Mapped[str] = mapped_column(String(128))
    action: Mapped[str] = mapped_column(String(64))
    target: Mapped[str] = mapped_column(String(256), index=True)
    details: Mapped[Document]
    source: Mapped[str | None] = mapped_column(String(256))
    evidence_sha256: Mapped[str | None] = mapped_column(String(64))
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), index=True)


class AuditHeadRow(Base):
    """One row (id 1): the last record's id and hash. Locking it serializes appends."""

    __tablename__ = "audit_chain_head"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    last_id: Mapped[int] = mapped_column(BigInteger)
    last_hash: Mapped[str] = mapped_column(String(64))


# Dispatch: the outbox of messages for the broker, dispatches and their steps, webhooks.


class OutboxRow(Base):
    """A message waiting for the broker (or sent: `delivered_at` is set on PUBACK).

    AUTOINCREMENT on SQLite too: ids never go back after pruning, so id order is send order.
    """

    __tablename__ = "outbox"

    id: Mapped[int] = mapped_column(BIG_ID, primary_key=True, autoincrement=True)
    message_id: Mapped[str] = mapped_column(String(64), unique=True)
    topic: Mapped[str] = mapped_column(String(512))
    payload: Mapped[str] = mapped_column(String())
    qos: Mapped[int]
    retain: Mapped[bool]
    response_topic: Mapped[str | None] = mapped_column(String(512))
    correlation: Mapped[str | None] = mapped_column(String(128))
    created_at: Mapped[datetime]
    delivered_at: Mapped[datetime | None]
    failure: Mapped[str | None] = mapped_column(String(256))

    __table_args__ = (
        Index("ix_outbox_pending", "delivered_at", "id"),
        {"sqlite_autoincrement": True},
    )


class DispatchRow(Base):
    __tablename__ = "dispatches"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    alert_id: Mapped[str] = mapped_column(
        String(64), ForeignKey("alerts.id", ondelete="CASCADE"), index=True
    )
    team: Mapped[str] = mapped_column(String(64))
    state: Mapped[str] = mapped_column(String(16))
    chain: Mapped[Document]  # {"teams": [...]}: the escalation order
    escalations: Mapped[int]
    ack_deadline: Mapped[datetime | None]
    outcome: Mapped[str | None] = mapped_column(String(64))
    note: Mapped[str | None] = mapped_column(String(2000))
    created_by: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]

    __table_args__ = (
        Index("ix_dispatches_created", "created_at", "id"),
        Index("ix_dispatches_team", "team", "created_at"),
        Index("ix_dispatches_deadline", "ack_deadline"),
    )


class DispatchEventRow(Base):
    """One step of a dispatch; `audit_id` is the audit record vouching for it."""

    __tablename__ = "dispatch_events"

    id: Mapped[int] = mapped_column(BIG_ID, primary_key=True, autoincrement=True)
    dispatch_id: Mapped[str] = mapped_column(
        String(64), ForeignKey("dispatches.id", ondelete="CASCADE"), index=True
    )
    at: Mapped[datetime]
    state: Mapped[str] = mapped_column(String(16))
    team: Mapped[str] = mapped_column(String(64))
    actor: Mapped[str] = mapped_column(String(128))
    source: Mapped[str | None] = mapped_column(String(256))
    note: Mapped[str | None] = mapped_column(String(2000))
    outcome: Mapped[str | None] = mapped_column(String(64))
    escalation: Mapped[int]
    audit_id: Mapped[int] = mapped_column(BigInteger)


class WebhookDeliveryRow(Base):
    """One POST to make (and retry) for a dispatch; every attempt is a WebhookAttemptRow."""

    __tablename__ = "webhook_deliveries"

    id: Mapped[int] = mapped_column(BIG_ID, primary_key=True, autoincrement=True)
    dispatch_id: Mapped[str | None] = mapped_column(
        String(64), ForeignKey("dispatches.id", ondelete="CASCADE"), index=True
    )
    subject: Mapped[str] = mapped_column(String(64), index=True)  # what its audit is filed under
    team: Mapped[str] = mapped_column(String(64))
    url: Mapped[str] = mapped_column(String(1024))
    message_id: Mapped[str] = mapped_column(String(64))
    body: Mapped[str] = mapped_column(String())
    state: Mapped[str] = mapped_column(String(16))  # pending, delivered, failed
    attempts: Mapped[int]
    next_attempt_at: Mapped[datetime | None]
    created_at: Mapped[datetime]
    finished_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(String(512))

    __table_args__ = (Index("ix_webhook_deliveries_due", "state", "next_attempt_at"),)


class WebhookAttemptRow(Base):
    __tablename__ = "webhook_attempts"

    id: Mapped[int] = mapped_column(BIG_ID, primary_key=True, autoincrement=True)
    delivery_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("webhook_deliveries.id", ondelete="CASCADE"), index=True
    )
    attempt: Mapped[int]
    at: Mapped[datetime]
    status_code: Mapped[int | None]
    error: Mapped[str | None] = mapped_column(String(512))
    duration_ms: Mapped[int]


class CaseRow(Base):
    """A follow-up case: a referral or a matter to come back to, open until closed with a
    result; overdue once `due_at` passes, escalated to the supervisor once (`escalated_at`)."""

    __tablename__ = "cases"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    site: Mapped[str] = mapped_column(String(128))
    kind: Mapped[str] = mapped_column(String(32))
    title: Mapped[str] = mapped_column(String(256))
    owner: Mapped[str] = mapped_column(String(128))
    state: Mapped[str] = mapped_column(String(8))
    opened_by: Mapped[str] = mapped_column(String(128))
    opened_at: Mapped[datetime]
    due_at: Mapped[datetime]
    escalated_at: Mapped[datetime | None]
    closed_by: Mapped[str | None] = mapped_column(String(128))
    closed_at: Mapped[datetime | None]
    result: Mapped[str | None] = mapped_column(String(2000))
    updated_at: Mapped[datetime]

    __table_args__ = (
        Index("ix_cases_due", "state", "due_at"),
        Index("ix_cases_owner", "owner", "state"),
    )


class CaseAlertRow(Base):
    """An alert gathered into a case (an alert belongs to one case at most)."""

    __tablename__ = "case_alerts"

    case_id: Mapped[str] = mapped_column(
        String(64), ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True
    )
    alert_id: Mapped[str] = mapped_column(
        String(64), ForeignKey("alerts.id", ondelete="CASCADE"), primary_key=True
    )
    added_by: Mapped[str] = mapped_column(String(128))
    added_at: Mapped[datetime]

    __table_args__ = (UniqueConstraint("alert_id", name="uq_case_alerts_alert"),)


class CaseNoteRow(Base):
    __tablename__ = "case_notes"

    id: Mapped[int] = mapped_column(BIG_ID, primary_key=True, autoincrement=True)
    case_id: Mapped[str] = mapped_column(
        String(64), ForeignKey("cases.id", ondelete="CASCADE"), index=True
    )
    at: Mapped[datetime]
    actor: Mapped[str] = mapped_column(String(128))
    text: Mapped[str] = mapped_column(String(2000))


class TuningProposalRow(Base):
    """A false alarm's suggested change to its camera's rule, until an admin decides."""

    __tablename__ = "tuning_proposals"

    id: Mapped[int] = mapped_column(BIG_ID, primary_key=True, autoincrement=True)
    alert_id: Mapped[str] = mapped_column(String(64))
    camera: Mapped[str] = mapped_column(String(64))
    rule: Mapped[str] = mapped_column(String(128))
    kind: Mapped[str] = mapped_column(String(16))
    change: Mapped[Document]
    reason: Mapped[str | None] = mapped_column(String(1000))
    state: Mapped[str] = mapped_column(String(16))
    proposed_by: Mapped[str] = mapped_column(String(128))
    proposed_at: Mapped[datetime]
    decided_by: Mapped[str | None] = mapped_column(String(128))
    decided_at: Mapped[datetime | None]
    decision_note: Mapped[str | None] = mapped_column(String(1000))

    __table_args__ = (
        Index("ix_tuning_proposals_state", "state", "proposed_at"),
        {"sqlite_autoincrement": True},
    )

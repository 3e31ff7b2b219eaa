"""Webhook deliveries (one per POST to make) and their attempts; see alerts/webhooks.py."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from alerts.audit import AuditEntry
from alerts.store.database import Database
from alerts.store.models import WebhookAttemptRow, WebhookDeliveryRow
from alerts.webhooks import AttemptResult, WebhookJob, WebhookRequest

PENDING, DELIVERED, FAILED = "pending", "delivered", "failed"


@dataclass(frozen=True, slots=True)
class WebhookAttempt:
    attempt: int
    at: datetime
    status_code: int | None
    error: str | None
    duration_ms: int


@dataclass(frozen=True, slots=True)
class WebhookDelivery:
    id: int
    subject: str
    team: str
    url: str
    message_id: str
    body: str
    state: str  # pending, delivered or failed
    attempts: tuple[WebhookAttempt, ...]
    last_error: str | None


def add_webhooks(
    session: Session,
    subject: str,
    requests: Sequence[WebhookRequest],
    now: datetime,
    dispatch_id: str | None = None,
) -> None:
    """Queue POSTs inside the caller's transaction; the first is due at once. `subject` is
    the id they report on (a dispatch, a case, a report), under which their outcome is
    audited; `dispatch_id` ties them to a dispatch, removed with it."""
    for request in requests:
        session.add(
            WebhookDeliveryRow(
                dispatch_id=dispatch_id,
                subject=subject,
                team=request.team,
                url=request.url,
                message_id=request.message_id,
                body=request.body,
                state=PENDING,
                attempts=0,
                next_attempt_at=now,
                created_at=now,
            )
        )


class WebhookRepository:
    """Get it as `store.webhooks` (alerts.webhooks.WebhookTable)."""

    def __init__(self, database: Database) -> None:
        self._database = database

    def due(self, now: datetime, limit: int) -> list[WebhookJob]:
        statement = (
            select(WebhookDeliveryRow)
            .where(WebhookDeliveryRow.state == PENDING, WebhookDeliveryRow.next_attempt_at <= now)
            .order_by(WebhookDeliveryRow.next_attempt_at, WebhookDeliveryRow.id)
            .limit(limit)
        )
        with self._database.reading() as session:
            rows = session.scalars(statement).all()
        return [
            WebhookJob(
                row.id, row.subject, row.team, row.url, row.message_id, row.body, row.attempts
            )
            for row in rows
        ]

    def record_attempt(
        self,
        job: WebhookJob,
        result: AttemptResult,
        at: datetime,
        next_attempt_at: datetime | None,
    ) -> None:
        """Keep the attempt; reschedule, or finish the delivery (and audit how it ended)."""
        attempt = job.attempts + 1
        state = DELIVERED if result.ok else (PENDING if next_attempt_at is not None else FAILED)
        with self._database.writing() as (session, chain):
            session.add(
                WebhookAttemptRow(
                    delivery_id=job.id,
                    attempt=attempt,
                    at=at,
                    status_code=result.status_code,
                    error=result.error,
                    duration_ms=result.duration_ms,
                )
            )
            values = {
                "attempts": attempt,
                "state": state,
                "next_attempt_at": next_attempt_at,
                "last_error": result.error,
                "finished_at": None if state == PENDING else at,
            }
            statement = update(WebhookDeliveryRow).where(WebhookDeliveryRow.id == job.id)
            session.execute(statement.values(**values))
            if state != PENDING:
                details = {
                    "delivery_id": job.id,
                    "team": job.team,
                    "url": job.url,
                    "message_id": job.message_id,
                    "attempts": attempt,
                    "status_code": result.status_code,
                    "error": result.error,
                }
                chain.append(AuditEntry("nightwatch", f"webhook.{state}", job.subject, details))

    def deliveries(self, subject: str) -> list[WebhookDelivery]:
        """The webhook deliveries reporting on `subject` (a dispatch or case id) with every
        attempt, oldest first."""
        with self._database.reading() as session:
            rows = session.scalars(
                select(WebhookDeliveryRow)
                .where(WebhookDeliveryRow.subject == subject)
                .order_by(WebhookDeliveryRow.id)
            ).all()
            attempts = session.scalars(
                select(WebhookAttemptRow)
                .where(WebhookAttemptRow.delivery_id.in_([row.id for row in rows]))
                .order_by(WebhookAttemptRow.id)
            ).all()
        return [
            WebhookDelivery(
                row.id,
                row.subject,
                row.team,
                row.url,
                row.message_id,
                row.body,
                row.state,
                tuple(
                    WebhookAttempt(a.attempt, a.at, a.status_code, a.error, a.duration_ms)
                    for a in attempts
                    if a.delivery_id == row.id
                ),
                row.last_error,
            )
            for row in rows
        ]

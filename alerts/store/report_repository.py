"""Shift reports published: each at most once per site and date, whatever restarts between.

The audit log (never pruned, unlike delivered outbox rows) holds a `report.published` record
filed under the report's message id; the check for it, the outbox message and the webhook
POSTs are one write transaction, which holds the audit chain's lock, so two publishers (a
restart racing an old process, two coordinators) cannot both queue it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from alerts.audit import AuditEntry
from alerts.outbox import OutboxMessage
from alerts.store.database import Database
from alerts.store.models import AuditRow, OutboxRow
from alerts.store.outbox_repository import add_messages
from alerts.store.webhook_repository import add_webhooks
from alerts.webhooks import WebhookRequest

PUBLISHED = "report.published"


class ReportRepository:
    """Build with the store's database: `ReportRepository(store.database)`."""

    def __init__(self, database: Database) -> None:
        self._database = database

    def was_published(self, message_id: str) -> bool:
        with self._database.reading() as session:
            return _published(session, message_id)

    def publish_once(
        self,
        message: OutboxMessage,
        details: Mapping[str, Any],
        webhooks: Sequence[WebhookRequest] = (),
    ) -> bool:
        """Queue `message` (and its webhook POSTs) and audit it, unless a message with its id
        was published already; returns whether it was queued now."""
        with self._database.writing() as (session, chain):
            if _published(session, message.message_id):
                return False
            now = self._database.now()
            add_messages(session, [message], now)
            add_webhooks(session, message.message_id, webhooks, now)
            entry = AuditEntry("nightwatch", PUBLISHED, message.message_id, dict(details), "report")
            chain.append(entry)
            return True


def _published(session: Session, message_id: str) -> bool:
    audited = select(AuditRow.id).where(AuditRow.target == message_id, AuditRow.action == PUBLISHED)
    queued = select(OutboxRow.id).where(OutboxRow.message_id == message_id)
    return (
        session.scalars(audited.limit(1)).first() is not None
        or session.scalars(queued.limit(1)).first() is not None
    )

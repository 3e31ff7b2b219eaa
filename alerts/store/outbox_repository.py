"""The outbox table: messages stored before they are published (see alerts/outbox.py).

Rows are added inside the write transaction of what they report, which holds the audit
chain's lock: ids are therefore handed out in commit order, and id order is send order.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Sequence
from datetime import datetime

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from alerts.outbox import OutboxMessage, OutboxRecord
from alerts.store.database import Database
from alerts.store.models import OutboxRow


def add_messages(session: Session, messages: Sequence[OutboxMessage], now: datetime) -> None:
    """Queue messages inside the caller's transaction."""
    for message in messages:
        session.add(
            OutboxRow(
                message_id=message.message_id,
                topic=message.topic,
                payload=message.payload,
                qos=message.qos,
                retain=message.retain,
                response_topic=message.response_topic,
                correlation=message.correlation,
                created_at=now,
            )
        )


def _to_record(row: OutboxRow) -> OutboxRecord:
    message = OutboxMessage(
        topic=row.topic,
        payload=row.payload,
        message_id=row.message_id,
        qos=row.qos,
        retain=row.retain,
        response_topic=row.response_topic,
        correlation=row.correlation,
    )
    return OutboxRecord(row.id, message, row.created_at, row.delivered_at, row.failure)


class OutboxRepository:
    """Reads and bookkeeping of the outbox; get it as `store.outbox` (alerts.outbox.OutboxTable)."""

    def __init__(self, database: Database) -> None:
        self._database = database

    def add(self, messages: Sequence[OutboxMessage]) -> None:
        """Queue messages on their own (in a transaction that takes the chain's lock, so
        ids stay in commit order)."""
        with self._database.writing() as (session, _chain):
            add_messages(session, messages, self._database.now())

    def pending(self, limit: int, skip: Collection[int] = ()) -> list[OutboxRecord]:
        """The oldest `limit` messages not yet delivered, leaving out the ids in `skip`."""
        statement = select(OutboxRow).where(
            OutboxRow.delivered_at.is_(None), OutboxRow.failure.is_(None)
        )
        if skip:
            statement = statement.where(OutboxRow.id.not_in(list(skip)))
        with self._database.reading() as session:
            rows = session.scalars(statement.order_by(OutboxRow.id).limit(limit))
            return [_to_record(row) for row in rows]

    def mark_delivered(self, ids: Collection[int], at: datetime) -> None:
        if not ids:
            return
        with self._database.plain_writing() as session:
            statement = update(OutboxRow).where(OutboxRow.id.in_(list(ids)))
            session.execute(statement.values(delivered_at=at))

    def mark_failed(self, row_id: int, reason: str, at: datetime) -> None:
        """A message the client will never send (too big, bad topic): set aside, not retried."""
        with self._database.plain_writing() as session:
            statement = update(OutboxRow).where(OutboxRow.id == row_id)
            session.execute(statement.values(delivered_at=at, failure=reason[:256]))

    def depth(self) -> int:
        """Messages waiting for the broker's acknowledgement."""
        statement = select(func.count()).where(
            OutboxRow.delivered_at.is_(None), OutboxRow.failure.is_(None)
        )
        with self._database.reading() as session:
            return int(session.scalar(statement) or 0)

    def prune(self, before: datetime) -> int:
        """Delete messages delivered before `before`; returns how many."""
        with self._database.plain_writing() as session:
            statement = delete(OutboxRow).where(OutboxRow.delivered_at < before)
            return int(session.execute(statement).rowcount)  # type: ignore[attr-defined]

    def all(self) -> Iterator[OutboxRecord]:
        """Every message still in the table, in send order (for checks and tests)."""
        with self._database.reading() as session:
            rows = session.scalars(select(OutboxRow).order_by(OutboxRow.id)).all()
        yield from (_to_record(row) for row in rows)

"""Dispatches and their steps. Each step is one transaction: the dispatch row, the step, its
audit record, the messages reporting it (outbox) and the POSTs to make (webhooks)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from alerts.audit import AuditEntry
from alerts.dispatch.records import (
    AWAITING_ACK,
    DispatchChange,
    DispatchQuery,
    DispatchRecord,
    DispatchState,
    DispatchStep,
    Outcome,
    UnknownAlertForDispatchError,
    UnknownDispatchError,
)
from alerts.outbox import OutboxMessage
from alerts.store.models import AlertRow, DispatchEventRow, DispatchRow
from alerts.store.outbox_rows import Writing, add_messages
from alerts.store.records import AlertRecord
from alerts.store.rows import AuditChain, to_alert
from alerts.store.webhook_rows import add_webhooks
from alerts.webhooks import WebhookRequest


@dataclass(frozen=True, slots=True)
class Planned:
    """A change and everything that reports it, decided inside the transaction."""

    change: DispatchChange
    messages: Sequence[OutboxMessage] = ()
    webhooks: Sequence[WebhookRequest] = ()
    details: Mapping[str, Any] = field(default_factory=dict)  # extra audit details


Plan = Callable[[DispatchRecord, AlertRecord], Planned | None]


class DispatchTable:
    """Get it as `store.dispatches`."""

    def __init__(self, writing: Writing, reader: sessionmaker[Session]) -> None:
        self._writing = writing
        self._reader = reader

    def create(self, record: DispatchRecord, plan: Plan) -> DispatchRecord:
        """Insert a new dispatch (its one history step is the first order)."""
        with self._writing() as (session, chain):
            alert = session.get(AlertRow, record.alert_id)
            if alert is None:
                raise UnknownAlertForDispatchError(f"no alert with id {record.alert_id!r}")
            planned = plan(record, to_alert(alert))
            assert planned is not None, "a new dispatch always has its first step"
            session.add(
                DispatchRow(
                    id=record.id,
                    alert_id=record.alert_id,
                    team=record.team,
                    state=record.state.value,
                    chain={"teams": list(record.chain)},
                    escalations=0,
                    ack_deadline=record.ack_deadline,
                    note=record.note,
                    created_by=record.created_by,
                    created_at=record.created_at,
                    updated_at=record.created_at,
                )
            )
            session.flush()  # the row exists before its steps refer to it
            _record_step(session, chain, record.id, alert.id, planned)
            if alert.category == "normal":  # a patrol was sent: kept as long as dispatched ones
                alert.category = "dispatched"
                details = {"category": "dispatched", "previous": "normal", "dispatch": record.id}
                chain.append(AuditEntry("nightwatch", "alert.category", alert.id, details))
            return planned.change.applied_to(record)

    def change(self, dispatch_id: str, plan: Plan) -> tuple[DispatchRecord, bool]:
        """Apply `plan` to the dispatch as it is now; returns it and whether it changed.

        `plan` runs inside the write transaction, so no other change can slip in between
        reading the state and changing it; an exception from it changes nothing.
        """
        with self._writing() as (session, chain):
            row = session.get(DispatchRow, dispatch_id, with_for_update=True)
            if row is None:
                raise UnknownDispatchError(f"no dispatch with id {dispatch_id!r}")
            record = _to_record(row, _events(session, [dispatch_id]).get(dispatch_id, []))
            alert = session.get(AlertRow, row.alert_id)
            assert alert is not None  # the foreign key sees to that
            planned = plan(record, to_alert(alert))
            if planned is None:
                return record, False
            change = planned.change
            row.state, row.team = change.state.value, change.team
            row.escalations, row.ack_deadline = change.escalations, change.ack_deadline
            row.updated_at = change.at
            if change.outcome is not None:
                row.outcome = change.outcome.value
            if change.note is not None and change.actor != "nightwatch":
                row.note = change.note
            _record_step(session, chain, dispatch_id, row.alert_id, planned)
            return change.applied_to(record), True

    def reject(self, entry: AuditEntry, messages: Sequence[OutboxMessage], now: datetime) -> None:
        """Keep a refused request in the audit log, and queue the messages saying so."""
        with self._writing() as (session, chain):
            chain.append(entry)
            add_messages(session, messages, now)

    def get(self, dispatch_id: str) -> DispatchRecord | None:
        with self._reader() as session:
            row = session.get(DispatchRow, dispatch_id)
            if row is None:
                return None
            return _to_record(row, _events(session, [dispatch_id]).get(dispatch_id, []))

    def query(self, query: DispatchQuery) -> list[DispatchRecord]:
        """Dispatches matching `query`, newest first, each with its history."""
        statement = select(DispatchRow)
        if query.team is not None:
            statement = statement.where(DispatchRow.team == query.team)
        if query.states is not None:
            statement = statement.where(DispatchRow.state.in_([s.value for s in query.states]))
        if query.alert_id is not None:
            statement = statement.where(DispatchRow.alert_id == query.alert_id)
        statement = statement.order_by(DispatchRow.created_at.desc(), DispatchRow.id.desc())
        with self._reader() as session:
            rows = session.scalars(statement.limit(query.limit)).all()
            events = _events(session, [row.id for row in rows])
            return [_to_record(row, events.get(row.id, [])) for row in rows]

    def due_escalations(self, now: datetime, limit: int = 100) -> list[str]:
        """Ids of dispatches still unacknowledged whose deadline has passed."""
        statement = (
            select(DispatchRow.id)
            .where(DispatchRow.ack_deadline <= now)
            .where(DispatchRow.state.in_([state.value for state in AWAITING_ACK]))
            .order_by(DispatchRow.ack_deadline)
            .limit(limit)
        )
        with self._reader() as session:
            return list(session.scalars(statement))

    def next_deadline(self) -> datetime | None:
        awaiting = [state.value for state in AWAITING_ACK]
        statement = select(func.min(DispatchRow.ack_deadline)).where(
            DispatchRow.state.in_(awaiting)
        )
        with self._reader() as session:
            value: datetime | None = session.scalar(statement)
            return value


def _record_step(
    session: Session, chain: AuditChain, dispatch_id: str, alert_id: str, planned: Planned
) -> None:
    change = planned.change
    details = {
        "alert_id": alert_id,
        "team": change.team,
        "escalation": change.escalations,
        "ack_deadline": change.ack_deadline,
        "outcome": change.outcome.value if change.outcome else None,
        "note": change.note,
        **planned.details,
    }
    action = f"dispatch.{change.state.value}"
    audit = chain.append(AuditEntry(change.actor, action, dispatch_id, details, change.source))
    session.add(
        DispatchEventRow(
            dispatch_id=dispatch_id,
            at=change.at,
            state=change.state.value,
            team=change.team,
            actor=change.actor,
            source=change.source,
            note=change.note,
            outcome=change.outcome.value if change.outcome else None,
            escalation=change.escalations,
            audit_id=audit.id,
        )
    )
    add_messages(session, planned.messages, change.at)
    add_webhooks(session, dispatch_id, planned.webhooks, change.at)


def _events(session: Session, ids: Sequence[str]) -> dict[str, list[DispatchEventRow]]:
    if not ids:
        return {}
    statement = select(DispatchEventRow).where(DispatchEventRow.dispatch_id.in_(list(ids)))
    found: dict[str, list[DispatchEventRow]] = {}
    for row in session.scalars(statement.order_by(DispatchEventRow.id)):
        found.setdefault(row.dispatch_id, []).append(row)
    return found


def _to_record(row: DispatchRow, events: Sequence[DispatchEventRow]) -> DispatchRecord:
    history = tuple(
        DispatchStep(
            state=DispatchState(event.state),
            at=event.at,
            team=event.team,
            actor=event.actor,
            source=event.source,
            note=event.note,
            outcome=Outcome(event.outcome) if event.outcome else None,
            escalation=event.escalation,
        )
        for event in events
    )
    return DispatchRecord(
        id=row.id,
        alert_id=row.alert_id,
        team=row.team,
        state=DispatchState(row.state),
        chain=tuple(row.chain.get("teams", ())),
        escalations=row.escalations,
        ack_deadline=row.ack_deadline,
        created_at=row.created_at,
        updated_at=row.updated_at,
        created_by=row.created_by,
        outcome=Outcome(row.outcome) if row.outcome else None,
        note=row.note,
        history=history,
    )

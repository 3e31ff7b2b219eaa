"""Dispatches and their steps. Each step is one transaction: the dispatch row, the step, its
audit record, the messages reporting it (outbox) and the POSTs to make (webhooks)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from alerts.audit import AuditEntry
from alerts.dispatch.records import (
    AWAITING_ACK,
    DispatchQuery,
    DispatchRecord,
    DispatchStep,
    UnknownAlertForDispatchError,
    UnknownDispatchError,
)
from alerts.dispatch.storage import Plan, Planned
from alerts.outbox import OutboxMessage
from alerts.store.audit_chain import AuditChain
from alerts.store.database import Database
from alerts.store.models import AlertRow, DispatchEventRow, DispatchRow
from alerts.store.outbox_repository import add_messages
from alerts.store.records import AlertRecord
from alerts.store.webhook_repository import add_webhooks


class DispatchRepository:
    """Get it as `store.dispatches` (the dispatcher codes against alerts.dispatch.storage)."""

    def __init__(self, database: Database) -> None:
        self._database = database

    def create(self, record: DispatchRecord, plan: Plan) -> DispatchRecord:
        """Insert a new dispatch (its one history step is the first order)."""
        with self._database.writing() as (session, chain):
            alert = session.get(AlertRow, record.alert_id)
            if alert is None:
                raise UnknownAlertForDispatchError(f"no alert with id {record.alert_id!r}")
            planned = plan(record, AlertRecord.model_validate(alert))
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
        with self._database.writing() as (session, chain):
            row = session.get(DispatchRow, dispatch_id, with_for_update=True)
            if row is None:
                raise UnknownDispatchError(f"no dispatch with id {dispatch_id!r}")
            record = _to_record(row, _events(session, [dispatch_id]).get(dispatch_id, []))
            alert = session.get(AlertRow, row.alert_id)
            assert alert is not None  # the foreign key sees to that
            planned = plan(record, AlertRecord.model_validate(alert))
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
        with self._database.writing() as (session, chain):
            chain.append(entry)
            add_messages(session, messages, now)

    def get(self, dispatch_id: str) -> DispatchRecord | None:
        """The dispatch with its history, or None."""
        with self._database.reading() as session:
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
        with self._database.reading() as session:
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
        with self._database.reading() as session:
            return list(session.scalars(statement))


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
    add_webhooks(session, dispatch_id, planned.webhooks, change.at, dispatch_id)


def _events(session: Session, ids: Sequence[str]) -> dict[str, list[DispatchEventRow]]:
    if not ids:
        return {}
    statement = select(DispatchEventRow).where(DispatchEventRow.dispatch_id.in_(list(ids)))
    found: dict[str, list[DispatchEventRow]] = {}
    for row in session.scalars(statement.order_by(DispatchEventRow.id)):
        found.setdefault(row.dispatch_id, []).append(row)
    return found


def _to_record(row: DispatchRow, events: Sequence[DispatchEventRow]) -> DispatchRecord:
    """The row and its steps; `chain` is stored as {"teams": [...]}."""
    return DispatchRecord(
        id=row.id,
        alert_id=row.alert_id,
        team=row.team,
        state=row.state,
        chain=tuple(row.chain.get("teams", ())),
        escalations=row.escalations,
        ack_deadline=row.ack_deadline,
        created_at=row.created_at,
        updated_at=row.updated_at,
        created_by=row.created_by,
        outcome=row.outcome,
        note=row.note,
        history=tuple(DispatchStep.model_validate(event) for event in events),
    )

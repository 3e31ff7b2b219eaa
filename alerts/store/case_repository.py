"""Follow-up cases (alerts/cases.py): each change is one audited write holding the case, its
audit record filed under the case's id, and the messages announcing it.

`announce` arguments build those messages from the case as it is after the change, inside the
same transaction, so a change is never published without being stored, nor stored unsaid.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from alerts.audit import AuditEntry
from alerts.cases import (
    ALERT_ADDED,
    CASE_KIND_OF,
    CLOSE,
    DUE_CHANGED,
    ESCALATE,
    NOTE,
    OPEN,
    REASSIGN,
    AlertInAnotherCaseError,
    CaseClosedError,
    CaseNote,
    CasePlan,
    CaseQuery,
    CaseRecord,
    CaseState,
    DueInThePastError,
    UnknownCaseError,
)
from alerts.dispatch.records import Outcome
from alerts.outbox import OutboxMessage
from alerts.store.alert_repository import resolve_alert
from alerts.store.audit_chain import AuditChain
from alerts.store.database import Database
from alerts.store.evidence_repository import alert_row
from alerts.store.models import CaseAlertRow, CaseNoteRow, CaseRow
from alerts.store.outbox_repository import add_messages
from alerts.store.records import AlertRecord
from alerts.store.webhook_repository import add_webhooks
from alerts.webhooks import WebhookRequest

Announce = Callable[[CaseRecord, str], Sequence[OutboxMessage]]  # (case after, audit action)
Escalation = Callable[[CaseRecord], tuple[Sequence[OutboxMessage], Sequence[WebhookRequest]]]


class CaseRepository:
    """Get it as `store.cases`."""

    def __init__(self, database: Database) -> None:
        self._database = database

    # Opening --------------------------------------------------------------------------------
    def resolve_into_case(
        self,
        alert_id: str,
        actor: str,
        outcome: Outcome,
        note: str | None,
        source: str | None,
        *,
        plan: CasePlan | None = None,
        case_id: str | None = None,
        announce: Announce,
    ) -> tuple[AlertRecord, CaseRecord]:
        """Resolve the alert with an outcome that leaves work to do, and in the same write
        open a case for it (`plan`) or add it to the open case `case_id`."""
        kind = CASE_KIND_OF.get(outcome)
        if kind is None:
            raise ValueError(f"outcome {outcome.value} opens no case")
        if case_id is None and plan is None:
            raise ValueError("give the case to open (plan) or the case to join (case_id)")
        with self._database.writing() as (session, chain):
            now = self._database.clock()
            if plan is not None:
                _check_due(plan.due_at, now)
            joined = _open_case(session, case_id) if case_id is not None else None
            alert = resolve_alert(session, chain, alert_id, actor, outcome, note, source)
            if joined is not None:
                row = joined
            else:
                assert plan is not None
                row = CaseRow(
                    id=f"case-{uuid.uuid4().hex[:12]}",
                    site=alert.site,
                    kind=kind.value,
                    title=plan.title,
                    owner=plan.owner,
                    state=CaseState.OPEN.value,
                    opened_by=actor,
                    opened_at=now,
                    due_at=plan.due_at,
                    updated_at=now,
                )
                session.add(row)
                session.flush()
                details = {"kind": kind.value, "owner": plan.owner, "due_at": _iso(plan.due_at)}
                chain.append(AuditEntry(actor, OPEN, row.id, {**details, "title": plan.title}))
            _add_alert(session, chain, row, alert_id, actor, now)
            case = _record(session, row)
            add_messages(session, announce(case, OPEN if joined is None else ALERT_ADDED), now)
            return AlertRecord.model_validate(alert), case

    # Changing -------------------------------------------------------------------------------
    def add_alert(self, case_id: str, alert_id: str, actor: str, announce: Announce) -> CaseRecord:
        """Gather another alert into an open case (the same stall, the same venue)."""
        with self._database.writing() as (session, chain):
            row = _open_case(session, case_id)
            alert_row(session, alert_id)  # raises UnknownAlertError
            _add_alert(session, chain, row, alert_id, actor, self._database.clock())
            return _announced(session, row, ALERT_ADDED, announce, self._database.clock())

    def add_note(self, case_id: str, actor: str, text: str, announce: Announce) -> CaseRecord:
        with self._database.writing() as (session, chain):
            row = _open_case(session, case_id)
            now = self._database.clock()
            session.add(CaseNoteRow(case_id=row.id, at=now, actor=actor, text=text))
            chain.append(AuditEntry(actor, NOTE, row.id, {"text": text}))
            row.updated_at = now
            return _announced(session, row, NOTE, announce, now)

    def reassign(
        self,
        case_id: str,
        actor: str,
        announce: Announce,
        owner: str | None = None,
        due_at: datetime | None = None,
    ) -> CaseRecord:
        """A new owner, a new due date, or both (each its own audit record). A new due date
        in the future makes an escalated case one that can escalate again."""
        with self._database.writing() as (session, chain):
            row = _open_case(session, case_id)
            now = self._database.clock()
            actions = []
            if owner is not None and owner != row.owner:
                chain.append(
                    AuditEntry(actor, REASSIGN, row.id, {"owner": owner, "previous": row.owner})
                )
                row.owner = owner
                actions.append(REASSIGN)
            if due_at is not None and due_at != row.due_at:
                _check_due(due_at, now)
                details = {"due_at": _iso(due_at), "previous": _iso(row.due_at)}
                chain.append(AuditEntry(actor, DUE_CHANGED, row.id, details))
                row.due_at, row.escalated_at = due_at, None
                actions.append(DUE_CHANGED)
            if not actions:
                return _record(session, row)
            row.updated_at = now
            return _announced(session, row, actions[-1], announce, now)

    def close(self, case_id: str, actor: str, result: str, announce: Announce) -> CaseRecord:
        """Close with what came of it (`result`, required)."""
        if not result.strip():
            raise ValueError("a case closes only with a result: say what came of it")
        with self._database.writing() as (session, chain):
            row = _open_case(session, case_id)
            now = self._database.clock()
            row.state, row.closed_by, row.closed_at = CaseState.CLOSED.value, actor, now
            row.result, row.updated_at = result, now
            chain.append(AuditEntry(actor, CLOSE, row.id, {"result": result}))
            return _announced(session, row, CLOSE, announce, now)

    def escalate_overdue(
        self, now: datetime, escalation: Escalation, limit: int = 50
    ) -> list[CaseRecord]:
        """Each open case due by `now` and not yet escalated is marked escalated, with its
        audit record, messages and webhooks, in one write per case: once, even across
        restarts, since the mark commits with the messages."""
        statement = (
            select(CaseRow.id)
            .where(
                CaseRow.state == CaseState.OPEN.value,
                CaseRow.due_at <= now,
                CaseRow.escalated_at.is_(None),
            )
            .order_by(CaseRow.due_at)
            .limit(limit)
        )
        with self._database.reading() as session:
            due = list(session.scalars(statement))
        escalated = []
        for case_id in due:
            with self._database.writing() as (session, chain):
                row = session.get(CaseRow, case_id, with_for_update=True)
                if row is None or row.state != CaseState.OPEN.value or row.escalated_at is not None:
                    continue  # closed, rescheduled or escalated meanwhile
                row.escalated_at = row.updated_at = now
                details = {"due_at": _iso(row.due_at), "owner": row.owner}
                chain.append(AuditEntry("nightwatch", ESCALATE, row.id, details))
                case = _record(session, row)
                messages, webhooks = escalation(case)
                add_messages(session, messages, now)
                add_webhooks(session, case.id, webhooks, now)
                escalated.append(case)
        return escalated

    # Reading --------------------------------------------------------------------------------
    def get(self, case_id: str) -> CaseRecord:
        with self._database.reading() as session:
            return _record(session, _case(session, case_id))

    def notes(self, case_id: str) -> list[CaseNote]:
        statement = (
            select(CaseNoteRow).where(CaseNoteRow.case_id == case_id).order_by(CaseNoteRow.id)
        )
        with self._database.reading() as session:
            return [CaseNote.model_validate(row) for row in session.scalars(statement)]

    def for_alert(self, alert_id: str) -> CaseRecord | None:
        with self._database.reading() as session:
            link = session.scalars(
                select(CaseAlertRow).where(CaseAlertRow.alert_id == alert_id)
            ).first()
            return None if link is None else _record(session, _case(session, link.case_id))

    def query(self, query: CaseQuery) -> list[CaseRecord]:
        """Overdue first by due date, then the others, newest first."""
        statement = select(CaseRow)
        if query.state is not None:
            statement = statement.where(CaseRow.state == query.state.value)
        if query.owner is not None:
            statement = statement.where(CaseRow.owner == query.owner)
        if query.overdue_at is not None:
            statement = statement.where(
                CaseRow.state == CaseState.OPEN.value, CaseRow.due_at <= query.overdue_at
            )
        statement = statement.order_by(CaseRow.due_at, CaseRow.id).limit(query.limit)
        with self._database.reading() as session:
            return [_record(session, row) for row in session.scalars(statement)]


def _case(session: Session, case_id: str) -> CaseRow:
    row = session.get(CaseRow, case_id)
    if row is None:
        raise UnknownCaseError(f"no case {case_id!r}")
    return row


def _open_case(session: Session, case_id: str) -> CaseRow:
    """The case, locked until commit; refused if it is closed."""
    row = session.get(CaseRow, case_id, with_for_update=True)
    if row is None:
        raise UnknownCaseError(f"no case {case_id!r}")
    if row.state != CaseState.OPEN.value:
        raise CaseClosedError(f"case {case_id} is closed ({row.result}); open a new one instead")
    return row


def _add_alert(
    session: Session, chain: AuditChain, row: CaseRow, alert_id: str, actor: str, now: datetime
) -> None:
    existing = session.scalars(
        select(CaseAlertRow).where(CaseAlertRow.alert_id == alert_id)
    ).first()
    if existing is not None:
        if existing.case_id == row.id:
            return
        raise AlertInAnotherCaseError(
            f"alert {alert_id} belongs to case {existing.case_id} already; add it there"
        )
    session.add(CaseAlertRow(case_id=row.id, alert_id=alert_id, added_by=actor, added_at=now))
    chain.append(AuditEntry(actor, ALERT_ADDED, row.id, {"alert_id": alert_id}))
    row.updated_at = now


def _announced(
    session: Session, row: CaseRow, action: str, announce: Announce, now: datetime
) -> CaseRecord:
    session.flush()
    case = _record(session, row)
    add_messages(session, announce(case, action), now)
    return case


def _record(session: Session, row: CaseRow) -> CaseRecord:
    session.flush()
    alerts = session.scalars(
        select(CaseAlertRow.alert_id)
        .where(CaseAlertRow.case_id == row.id)
        .order_by(CaseAlertRow.added_at, CaseAlertRow.alert_id)
    )
    values: dict[str, Any] = {
        column: getattr(row, column) for column in CaseRecord.model_fields if column != "alert_ids"
    }
    return CaseRecord(**values, alert_ids=tuple(alerts))


def _check_due(due_at: datetime, now: datetime) -> None:
    if due_at.tzinfo is None:
        raise ValueError(f"due date {due_at.isoformat()} needs a time zone (…Z or +08:00)")
    if due_at <= now:
        raise DueInThePastError(
            f"due date {due_at.isoformat()} is in the past (now {now.isoformat()}); "
            "give a later time"
        )


def _iso(moment: datetime) -> str:
    return moment.isoformat()

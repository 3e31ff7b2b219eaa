"""Tuning proposals (alerts/tuning.py): each one, and each decision about it, an audited write
filed under the alert it came from."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import select

from alerts.audit import AuditEntry
from alerts.store.database import Database
from alerts.store.models import TuningProposalRow
from alerts.tuning import (
    APPLY,
    DISMISS,
    PROPOSE,
    ProposalKind,
    ProposalState,
    TuningError,
    TuningProposal,
)


class TuningRepository:
    """Get it as `store.tuning`."""

    def __init__(self, database: Database) -> None:
        self._database = database

    def propose(
        self,
        alert_id: str,
        camera: str,
        rule: str,
        kind: ProposalKind,
        change: Mapping[str, Any],
        actor: str,
        reason: str | None,
        source: str | None = None,
    ) -> TuningProposal:
        with self._database.writing() as (session, chain):
            row = TuningProposalRow(
                alert_id=alert_id,
                camera=camera,
                rule=rule,
                kind=kind.value,
                change=dict(change),
                reason=reason,
                state=ProposalState.PROPOSED.value,
                proposed_by=actor,
                proposed_at=self._database.clock(),
            )
            session.add(row)
            session.flush()
            details = {"proposal_id": row.id, "kind": kind.value, "change": dict(change)}
            chain.append(
                AuditEntry(actor, PROPOSE, alert_id, {**details, "reason": reason}, source)
            )
            return TuningProposal.model_validate(row)

    def decide(
        self,
        proposal_id: int,
        state: ProposalState,
        actor: str,
        note: str | None,
        details: Mapping[str, Any] | None = None,
        source: str | None = None,
    ) -> TuningProposal:
        """Applied or dismissed; refused unless it is still proposed."""
        with self._database.writing() as (session, chain):
            row = session.get(TuningProposalRow, proposal_id, with_for_update=True)
            if row is None:
                raise LookupError(f"no proposal {proposal_id}")
            if row.state != ProposalState.PROPOSED.value:
                raise TuningError(f"proposal {proposal_id} was {row.state} already")
            row.state, row.decided_by = state.value, actor
            row.decided_at, row.decision_note = self._database.clock(), note
            action = APPLY if state is ProposalState.APPLIED else DISMISS
            audit = {"proposal_id": proposal_id, "note": note, **(details or {})}
            chain.append(AuditEntry(actor, action, row.alert_id, audit, source))
            return TuningProposal.model_validate(row)

    def get(self, proposal_id: int) -> TuningProposal | None:
        with self._database.reading() as session:
            row = session.get(TuningProposalRow, proposal_id)
            return None if row is None else TuningProposal.model_validate(row)

    def query(self, state: ProposalState | None = None, limit: int = 200) -> list[TuningProposal]:
        """Newest first."""
        statement = select(TuningProposalRow)
        if state is not None:
            statement = statement.where(TuningProposalRow.state == state.value)
        statement = statement.order_by(TuningProposalRow.id.desc()).limit(limit)
        with self._database.reading() as session:
            return [TuningProposal.model_validate(row) for row in session.scalars(statement)]

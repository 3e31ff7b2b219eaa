"""The control room's decision as state of the alert: acknowledged, resolved, outcome, note.

Until now these were read back from the audit log at every request; the columns are filled
from it here the same way (the first acknowledgement, the first resolution, which also counts
as an acknowledgement when none came before). From now on they are written together with
their audit record. Merges the two branches of 0001.

Revision ID: 0003_disposition
Revises: 0002_console, 0002_dispatch
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0003_disposition"
down_revision: tuple[str, ...] | None = ("0002_console", "0002_dispatch")
branch_labels: str | None = None
depends_on: str | None = None

COLUMNS = ("acknowledged_by", "acknowledged_at", "resolved_by", "resolved_at", "outcome", "note")
_ACKNOWLEDGE, _RESOLVE = "alert.acknowledge", "alert.resolve"


def upgrade() -> None:
    op.add_column("alerts", sa.Column("acknowledged_by", sa.String(128), nullable=True))
    op.add_column("alerts", sa.Column("acknowledged_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("alerts", sa.Column("resolved_by", sa.String(128), nullable=True))
    op.add_column("alerts", sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("alerts", sa.Column("outcome", sa.String(64), nullable=True))
    op.add_column("alerts", sa.Column("note", sa.String(1000), nullable=True))
    alerts = sa.table(
        "alerts",
        sa.column("id", sa.String()),
        sa.column("acknowledged_by", sa.String()),
        sa.column("acknowledged_at", sa.DateTime(timezone=True)),
        sa.column("resolved_by", sa.String()),
        sa.column("resolved_at", sa.DateTime(timezone=True)),
        sa.column("outcome", sa.String()),
        sa.column("note", sa.String()),
    )
    for alert_id, values in _decisions_in_the_audit_log().items():
        op.get_bind().execute(sa.update(alerts).where(alerts.c.id == alert_id).values(**values))


def _decisions_in_the_audit_log() -> dict[str, dict[str, Any]]:
    """Per alert, what the console used to read back: its first acknowledgement (else its
    first resolution) and its first resolution with that record's outcome and note."""
    audit = sa.table(
        "audit_log",
        sa.column("id", sa.BigInteger()),
        sa.column("at", sa.DateTime(timezone=True)),
        sa.column("actor", sa.String()),
        sa.column("action", sa.String()),
        sa.column("target", sa.String()),
        sa.column("details", sa.JSON()),
    )
    statement = (
        sa.select(audit.c.at, audit.c.actor, audit.c.action, audit.c.target, audit.c.details)
        .where(audit.c.action.in_((_ACKNOWLEDGE, _RESOLVE)))
        .order_by(audit.c.id)
    )
    acknowledged: dict[str, dict[str, Any]] = {}
    resolved: dict[str, dict[str, Any]] = {}
    for at, actor, action, target, details in op.get_bind().execute(statement):
        if action == _ACKNOWLEDGE:
            acknowledged.setdefault(target, {"acknowledged_by": actor, "acknowledged_at": at})
        elif target not in resolved:
            found = details if isinstance(details, dict) else {}
            resolved[target] = {
                "resolved_by": actor,
                "resolved_at": at,
                "outcome": _text(found.get("outcome")),
                "note": _text(found.get("note")),
            }
    decided: dict[str, dict[str, Any]] = {}
    for target in acknowledged.keys() | resolved.keys():
        resolution = resolved.get(target, {})
        first = {  # resolving acknowledges too
            "acknowledged_by": resolution.get("resolved_by"),
            "acknowledged_at": resolution.get("resolved_at"),
        }
        decided[target] = {**acknowledged.get(target, first), **resolution}
    return decided


def _text(value: object) -> str | None:
    return value if isinstance(value, str) else None


def downgrade() -> None:
    with op.batch_alter_table("alerts") as alerts:
        for column in reversed(COLUMNS):
            alerts.drop_column(column)

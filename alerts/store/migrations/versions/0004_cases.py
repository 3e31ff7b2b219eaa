"""Follow-up cases: a case with an owner, a due date and a result, the alerts it gathers, its
notes. Webhook deliveries may now report on something other than a dispatch (an overdue
case): each names its `subject`, the id its audit records are filed under.

Revision ID: 0004_cases
Revises: 0003_disposition
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004_cases"
down_revision: str | None = "0003_disposition"
branch_labels: str | None = None
depends_on: str | None = None

_BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _time(name: str, nullable: bool = False) -> sa.Column[object]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def _text(name: str, length: int | None = None, nullable: bool = False) -> sa.Column[object]:
    return sa.Column(name, sa.String(length), nullable=nullable)


def _case_id() -> sa.Column[object]:
    return sa.Column(
        "case_id", sa.String(64), sa.ForeignKey("cases.id", ondelete="CASCADE"), nullable=False
    )


def upgrade() -> None:
    op.create_table(
        "cases",
        sa.Column("id", sa.String(64), primary_key=True),
        _text("site", 128),
        _text("kind", 32),
        _text("title", 256),
        _text("owner", 128),
        _text("state", 8),
        _text("opened_by", 128),
        _time("opened_at"),
        _time("due_at"),
        _time("escalated_at", nullable=True),
        _text("closed_by", 128, nullable=True),
        _time("closed_at", nullable=True),
        _text("result", 2000, nullable=True),
        _time("updated_at"),
    )
    op.create_index("ix_cases_due", "cases", ["state", "due_at"])
    op.create_index("ix_cases_owner", "cases", ["owner", "state"])
    op.create_table(
        "case_alerts",
        _case_id(),
        sa.Column(
            "alert_id",
            sa.String(64),
            sa.ForeignKey("alerts.id", ondelete="CASCADE"),
            nullable=False,
        ),
        _text("added_by", 128),
        _time("added_at"),
        sa.PrimaryKeyConstraint("case_id", "alert_id"),
        sa.UniqueConstraint("alert_id", name="uq_case_alerts_alert"),
    )
    op.create_table(
        "case_notes",
        sa.Column("id", _BIG_ID, primary_key=True, autoincrement=True),
        _case_id(),
        _time("at"),
        _text("actor", 128),
        _text("text", 2000),
    )
    op.create_index("ix_case_notes_case_id", "case_notes", ["case_id"])
    with op.batch_alter_table("webhook_deliveries") as table:
        table.alter_column("dispatch_id", existing_type=sa.String(64), nullable=True)
        table.add_column(sa.Column("subject", sa.String(64), nullable=True))
    deliveries = sa.table(
        "webhook_deliveries", sa.column("subject", sa.String()), sa.column("dispatch_id")
    )
    op.get_bind().execute(sa.update(deliveries).values(subject=deliveries.c.dispatch_id))
    with op.batch_alter_table("webhook_deliveries") as table:
        table.alter_column("subject", existing_type=sa.String(64), nullable=False)
        table.create_index("ix_webhook_deliveries_subject", ["subject"])


def downgrade() -> None:
    with op.batch_alter_table("webhook_deliveries") as table:
        table.drop_index("ix_webhook_deliveries_subject")
        table.drop_column("subject")
        table.alter_column("dispatch_id", existing_type=sa.String(64), nullable=False)
    op.drop_table("case_notes")
    op.drop_table("case_alerts")
    op.drop_table("cases")

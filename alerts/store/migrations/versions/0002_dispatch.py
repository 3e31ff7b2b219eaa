"""Dispatch: the outbox, dispatches and their steps, webhook deliveries and attempts.

Revision ID: 0002_dispatch
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002_dispatch"
down_revision: str | None = "0001"
branch_labels: str | None = None
depends_on: str | None = None

_BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _time(name: str, nullable: bool = False) -> sa.Column[object]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def _id() -> sa.Column[object]:
    return sa.Column("id", _BIG_ID, primary_key=True, autoincrement=True)


def _text(name: str, length: int | None = None, nullable: bool = False) -> sa.Column[object]:
    return sa.Column(name, sa.String(length), nullable=nullable)


def _dispatch_id() -> sa.Column[object]:
    return sa.Column(
        "dispatch_id",
        sa.String(64),
        sa.ForeignKey("dispatches.id", ondelete="CASCADE"),
        nullable=False,
    )


def upgrade() -> None:
    _create_outbox()
    _create_dispatches()
    _create_webhooks()


def _create_outbox() -> None:
    op.create_table(
        "outbox",
        _id(),
        _text("message_id", 64),
        _text("topic", 512),
        _text("payload"),
        sa.Column("qos", sa.Integer(), nullable=False),
        sa.Column("retain", sa.Boolean(), nullable=False),
        _text("response_topic", 512, nullable=True),
        _text("correlation", 128, nullable=True),
        _time("created_at"),
        _time("delivered_at", nullable=True),
        _text("failure", 256, nullable=True),
        sa.UniqueConstraint("message_id"),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_outbox_pending", "outbox", ["delivered_at", "id"])


def _create_dispatches() -> None:
    op.create_table(
        "dispatches",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column(
            "alert_id",
            sa.String(64),
            sa.ForeignKey("alerts.id", ondelete="CASCADE"),
            nullable=False,
        ),
        _text("team", 64),
        _text("state", 16),
        sa.Column("chain", sa.JSON(), nullable=False),
        sa.Column("escalations", sa.Integer(), nullable=False),
        _time("ack_deadline", nullable=True),
        _text("outcome", 64, nullable=True),
        _text("note", 2000, nullable=True),
        _text("created_by", 128),
        _time("created_at"),
        _time("updated_at"),
    )
    op.create_index("ix_dispatches_alert_id", "dispatches", ["alert_id"])
    op.create_index("ix_dispatches_created", "dispatches", ["created_at", "id"])
    op.create_index("ix_dispatches_team", "dispatches", ["team", "created_at"])
    op.create_index("ix_dispatches_deadline", "dispatches", ["ack_deadline"])
    op.create_table(
        "dispatch_events",
        _id(),
        _dispatch_id(),
        _time("at"),
        _text("state", 16),
        _text("team", 64),
        _text("actor", 128),
        _text("source", 256, nullable=True),
        _text("note", 2000, nullable=True),
        _text("outcome", 64, nullable=True),
        sa.Column("escalation", sa.Integer(), nullable=False),
        sa.Column("audit_id", sa.BigInteger(), nullable=False),
    )
    op.create_index("ix_dispatch_events_dispatch_id", "dispatch_events", ["dispatch_id"])


def _create_webhooks() -> None:
    op.create_table(
        "webhook_deliveries",
        _id(),
        _dispatch_id(),
        _text("team", 64),
        _text("url", 1024),
        _text("message_id", 64),
        _text("body"),
        _text("state", 16),
        sa.Column("attempts", sa.Integer(), nullable=False),
        _time("next_attempt_at", nullable=True),
        _time("created_at"),
        _time("finished_at", nullable=True),
        _text("last_error", 512, nullable=True),
    )
    op.create_index("ix_webhook_deliveries_dispatch_id", "webhook_deliveries", ["dispatch_id"])
    op.create_index("ix_webhook_deliveries_due", "webhook_deliveries", ["state", "next_attempt_at"])
    op.create_table(
        "webhook_attempts",
        _id(),
        sa.Column(
            "delivery_id",
            sa.BigInteger(),
            sa.ForeignKey("webhook_deliveries.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("attempt", sa.Integer(), nullable=False),
        _time("at"),
        sa.Column("status_code", sa.Integer(), nullable=True),
        _text("error", 512, nullable=True),
        sa.Column("duration_ms", sa.Integer(), nullable=False),
    )
    op.create_index("ix_webhook_attempts_delivery_id", "webhook_attempts", ["delivery_id"])


def downgrade() -> None:
    for table in ("webhook_attempts", "webhook_deliveries", "dispatch_events", "dispatches"):
        op.drop_table(table)
    op.drop_table("outbox")

"""Tuning proposals: a false alarm's suggested mask or threshold for its camera and rule, kept
until an admin applies or dismisses it. No foreign key to the alert: retention may remove a
false alarm (after 7 days by default) while its proposal still waits.

Revision ID: 0005_tuning
Revises: 0004_cases
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005_tuning"
down_revision: str | None = "0004_cases"
branch_labels: str | None = None
depends_on: str | None = None

_BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "tuning_proposals",
        sa.Column("id", _BIG_ID, primary_key=True, autoincrement=True),
        sa.Column("alert_id", sa.String(64), nullable=False),
        sa.Column("camera", sa.String(64), nullable=False),
        sa.Column("rule", sa.String(128), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("change", sa.JSON(), nullable=False),
        sa.Column("reason", sa.String(1000), nullable=True),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("proposed_by", sa.String(128), nullable=False),
        sa.Column("proposed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_by", sa.String(128), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decision_note", sa.String(1000), nullable=True),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_tuning_proposals_state", "tuning_proposals", ["state", "proposed_at"])


def downgrade() -> None:
    op.drop_table("tuning_proposals")

"""Patrol positions: each team's last position, shared by a member's phone while on duty,
for the wall's map and nearest-team dispatch. A branch of its own beside other features'.

Revision ID: 0004_patrol_positions
Revises: 0003_disposition
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004_patrol_positions"
down_revision: str | None = "0003_disposition"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.create_table(
        "patrol_positions",
        sa.Column("team", sa.String(64), primary_key=True),
        sa.Column("lat", sa.Float(), nullable=False),
        sa.Column("lon", sa.Float(), nullable=False),
        sa.Column("accuracy_m", sa.Float(), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("member", sa.String(128), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("patrol_positions")

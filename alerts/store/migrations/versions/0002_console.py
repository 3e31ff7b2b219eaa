"""Console: users, browser sessions, API tokens and login attempts.

Revision ID: 0002_console
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002_console"
down_revision: str | None = "0001"
branch_labels: str | None = None
depends_on: str | None = None

_BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _time(name: str, nullable: bool = False) -> sa.Column[object]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def _user_id() -> sa.Column[object]:
    return sa.Column(
        "user_id", sa.BigInteger(), sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False
    )


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("id", _BIG_ID, primary_key=True, autoincrement=True),
        sa.Column("name", sa.String(64), nullable=False, unique=True),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("team", sa.String(64), nullable=True),
        sa.Column("password_hash", sa.String(256), nullable=False),
        sa.Column("disabled", sa.Boolean(), nullable=False),
        _time("created_at"),
        _time("password_changed_at"),
    )
    op.create_table(
        "user_sessions",
        sa.Column("id", sa.String(64), primary_key=True),
        _user_id(),
        _time("created_at"),
        _time("expires_at"),
        sa.Column("remote", sa.String(64), nullable=True),
    )
    op.create_index("ix_user_sessions_user_id", "user_sessions", ["user_id"])
    op.create_index("ix_user_sessions_expires_at", "user_sessions", ["expires_at"])
    op.create_table(
        "api_tokens",
        sa.Column("id", _BIG_ID, primary_key=True, autoincrement=True),
        _user_id(),
        sa.Column("token_sha256", sa.String(64), nullable=False, unique=True),
        sa.Column("label", sa.String(128), nullable=False),
        _time("created_at"),
        _time("revoked_at", nullable=True),
    )
    op.create_index("ix_api_tokens_user_id", "api_tokens", ["user_id"])
    op.create_table(
        "login_attempts",
        sa.Column("id", _BIG_ID, primary_key=True, autoincrement=True),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("remote", sa.String(64), nullable=False),
        _time("at"),
        sa.Column("success", sa.Boolean(), nullable=False),
    )
    op.create_index("ix_login_attempts_name", "login_attempts", ["name", "at"])
    op.create_index("ix_login_attempts_remote", "login_attempts", ["remote", "at"])


def downgrade() -> None:
    for table in ("login_attempts", "api_tokens", "user_sessions", "users"):
        op.drop_table(table)

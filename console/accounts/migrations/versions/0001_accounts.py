"""Console accounts: users, browser sessions, API tokens and login attempts, in tables of their own.

A database from before the accounts had their own history keeps these rows in the tables the
store's revision 0002_console made (users, user_sessions, api_tokens, login_attempts): they
are taken over as they are, renamed with their indexes and constraints, so nothing is lost and
every id stays. Otherwise the tables are created empty.

Revision ID: accounts_0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "accounts_0001"
down_revision: str | None = None
branch_labels: str | None = None
depends_on: str | None = None

_BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
# Legacy table → the accounts' own.
TAKEN_OVER = {
    "users": "console_users",
    "user_sessions": "console_sessions",
    "api_tokens": "console_api_tokens",
    "login_attempts": "console_login_attempts",
}
# PostgreSQL named the legacy tables' constraints and id sequences after them: renamed too,
# so a taken-over database and a new one are alike for the revisions that come after.
_PG_CONSTRAINTS = {
    "users": ("pkey", "name_key"),
    "user_sessions": ("pkey", "user_id_fkey"),
    "api_tokens": ("pkey", "token_sha256_key", "user_id_fkey"),
    "login_attempts": ("pkey",),
}
_PG_SEQUENCES = ("users", "api_tokens", "login_attempts")


def _time(name: str, nullable: bool = False) -> sa.Column[object]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def _user_id() -> sa.Column[object]:
    return sa.Column(
        "user_id",
        sa.BigInteger(),
        sa.ForeignKey("console_users.id", ondelete="CASCADE"),
        nullable=False,
    )


def upgrade() -> None:
    tables = set(sa.inspect(op.get_bind()).get_table_names())
    if "users" in tables:
        _take_over_legacy_tables()
    else:
        _create_tables()
    _create_indexes()


def _take_over_legacy_tables() -> None:
    for index in (
        "ix_user_sessions_user_id",
        "ix_user_sessions_expires_at",
        "ix_api_tokens_user_id",
        "ix_login_attempts_name",
        "ix_login_attempts_remote",
    ):
        op.drop_index(index)
    for old, new in TAKEN_OVER.items():
        op.rename_table(old, new)  # SQLite rewrites the foreign keys pointing at it
    if op.get_bind().dialect.name != "postgresql":
        return
    for old, suffixes in _PG_CONSTRAINTS.items():
        new = TAKEN_OVER[old]
        for suffix in suffixes:
            op.execute(f"ALTER TABLE {new} RENAME CONSTRAINT {old}_{suffix} TO {new}_{suffix}")
    for old in _PG_SEQUENCES:
        op.execute(f"ALTER SEQUENCE {old}_id_seq RENAME TO {TAKEN_OVER[old]}_id_seq")


def _create_tables() -> None:
    op.create_table(
        "console_users",
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
        "console_sessions",
        sa.Column("id", sa.String(64), primary_key=True),
        _user_id(),
        _time("created_at"),
        _time("expires_at"),
        sa.Column("remote", sa.String(64), nullable=True),
    )
    op.create_table(
        "console_api_tokens",
        sa.Column("id", _BIG_ID, primary_key=True, autoincrement=True),
        _user_id(),
        sa.Column("token_sha256", sa.String(64), nullable=False, unique=True),
        sa.Column("label", sa.String(128), nullable=False),
        _time("created_at"),
        _time("revoked_at", nullable=True),
    )
    op.create_table(
        "console_login_attempts",
        sa.Column("id", _BIG_ID, primary_key=True, autoincrement=True),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("remote", sa.String(64), nullable=False),
        _time("at"),
        sa.Column("success", sa.Boolean(), nullable=False),
    )


def _create_indexes() -> None:
    op.create_index("ix_console_sessions_user_id", "console_sessions", ["user_id"])
    op.create_index("ix_console_sessions_expires_at", "console_sessions", ["expires_at"])
    op.create_index("ix_console_api_tokens_user_id", "console_api_tokens", ["user_id"])
    op.create_index("ix_console_login_attempts_name", "console_login_attempts", ["name", "at"])
    op.create_index("ix_console_login_attempts_remote", "console_login_attempts", ["remote", "at"])


def downgrade() -> None:
    for table in reversed(TAKEN_OVER.values()):
        op.drop_table(table)

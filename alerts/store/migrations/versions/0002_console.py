"""Console accounts: once the store's, now the console's own (console/accounts/migrations).

Databases that applied this revision before it was emptied hold the console's users, sessions,
API tokens and login attempts in tables it made; the console's revision accounts_0001 takes
them over. It stays in the store's history so those databases keep a history Alembic knows.

Revision ID: 0002_console
Revises: 0001
"""

from __future__ import annotations

revision = "0002_console"
down_revision: str | None = "0001"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    """Nothing: the console creates its own tables."""


def downgrade() -> None:
    """Nothing: see upgrade."""

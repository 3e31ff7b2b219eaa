"""Alembic environment of the console's accounts. `open_accounts` runs it through
`Database.upgrade`, which passes an open connection and the version table
(`console_alembic_version`: the accounts keep a history apart from the store's).

A new revision: write console/accounts/migrations/versions/NNNN_what.py by hand, with
`down_revision` set to the latest one.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy.engine import Connection

from console.accounts.tables import AccountsBase

connection = context.config.attributes.get("connection")
if not isinstance(connection, Connection):
    raise RuntimeError("run migrations through console.accounts.repository.open_accounts")
context.configure(
    connection=connection,
    target_metadata=AccountsBase.metadata,
    version_table=context.config.attributes["version_table"],
)
with context.begin_transaction():
    context.run_migrations()

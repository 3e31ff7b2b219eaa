"""Alembic environment of the store's tables. `Database.upgrade` runs it programmatically
(see alerts/store/database.py), passing an open connection and the version table.

A new revision: write alerts/store/migrations/versions/NNNN_what.py by hand, with
`down_revision` set to the latest one; `open_store` upgrades every database to it on start-up.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy.engine import Connection

from alerts.store.models import Base

connection = context.config.attributes.get("connection")
if not isinstance(connection, Connection):
    raise RuntimeError("run migrations through Database.upgrade, which passes a connection")
context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    version_table=context.config.attributes.get("version_table", "alembic_version"),
)
with context.begin_transaction():
    context.run_migrations()

"""Engines for SQLite and PostgreSQL, and the Alembic upgrade run at start-up."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, event, make_url, text
from sqlalchemy.engine import URL, Connection, Engine

from alerts.store.records import StoreUnavailableError

log = logging.getLogger(__name__)
MIGRATIONS = Path(__file__).resolve().parent / "migrations"
WRITE_OPTION = "nightwatch_write"
_SQLITE_BUSY_MS = 30_000
# Any fixed number: two processes upgrading one PostgreSQL database take turns on it.
_MIGRATION_LOCK = 0x6E77_0001


def normalize_url(database_url: str) -> URL:
    """Parse the URL; plain postgresql:// means psycopg 3, the driver the project installs."""
    url = make_url(database_url)
    if url.drivername in ("postgresql", "postgres"):
        url = url.set(drivername="postgresql+psycopg")
    return url


def build_engine(database_url: str, create: bool = True) -> Engine:
    """An engine whose SQLite connections take the write lock at BEGIN when asked to.

    With `create=False` a missing SQLite file raises StoreUnavailableError.
    """
    url = normalize_url(database_url)
    if url.get_backend_name() != "sqlite":
        return create_engine(url, pool_pre_ping=True)
    if url.database and url.database != ":memory:":
        if not create and not Path(url.database).is_file():
            raise StoreUnavailableError(f"no database at {url.database}")
        Path(url.database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, connect_args={"timeout": _SQLITE_BUSY_MS / 1000})
    event.listen(engine, "connect", _sqlite_connect)
    event.listen(engine, "begin", _sqlite_begin)
    return engine


def _sqlite_connect(dbapi_connection: Any, _record: object) -> None:
    # Let SQLAlchemy's "begin" event issue BEGIN itself (pysqlite's own BEGIN is deferred).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    for pragma in (
        "PRAGMA foreign_keys=ON",
        "PRAGMA journal_mode=WAL",
        "PRAGMA synchronous=NORMAL",
        f"PRAGMA busy_timeout={_SQLITE_BUSY_MS}",
    ):
        cursor.execute(pragma)
    cursor.close()


def _sqlite_begin(connection: Connection) -> None:
    # A writer takes SQLite's write lock at BEGIN, so a second process waits instead of
    # failing half-way; readers stay deferred and do not block anyone.
    immediate = connection.get_execution_options().get(WRITE_OPTION, False)
    connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def upgrade_to_head(engine: Engine) -> None:
    """Bring the schema to the newest migration (a no-op when it is there already)."""
    alembic_log = logging.getLogger("alembic")
    if alembic_log.level == logging.NOTSET:
        alembic_log.setLevel(logging.WARNING)  # its INFO lines repeat at every start-up
    # Imported here, after the line above: importing alembic logs at INFO already.
    from alembic import command
    from alembic.config import Config
    from alembic.migration import MigrationContext
    from alembic.script import ScriptDirectory

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    # Features add their tables on their own branches from the initial revision, so there
    # may be several heads; all of them are applied.
    heads = set(ScriptDirectory.from_config(config).get_heads())
    with engine.execution_options(**{WRITE_OPTION: True}).begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _MIGRATION_LOCK})
        current = set(MigrationContext.configure(connection).get_current_heads())
        if current != heads:
            log.info(
                "upgrading the store's schema from %s to %s",
                sorted(current) or "empty",
                sorted(heads),
            )
        config.attributes["connection"] = connection
        command.upgrade(config, "heads")

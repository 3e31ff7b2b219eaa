"""The one database every repository shares: engine, sessions, the SQLite write lock, the clock.

Writes come in two kinds. `writing()` is an audited write: it locks the audit chain's head
first, so writes queue and the chain never forks; what the write decides and its audit record
commit together. `plain_writing()` appends nothing (outbox bookkeeping). Reads open a short
session of their own. A database that cannot be reached raises StoreUnavailableError.
"""

from __future__ import annotations

import hashlib
import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, NamedTuple

from sqlalchemy import create_engine, event, make_url, text
from sqlalchemy.engine import URL, Connection, Engine
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from alerts.store.audit_chain import AuditChain
from alerts.store.records import StoreUnavailableError

log = logging.getLogger(__name__)
Clock = Callable[[], datetime]
WRITE_OPTION = "nightwatch_write"
_SQLITE_BUSY_MS = 30_000
# Any fixed number: two processes upgrading one PostgreSQL database take turns on it.
_MIGRATION_LOCK = 0x6E77_0001
# Errors that mean the database is away (refused, dropped, locked out), not a wrong request.
_OUTAGES = (OperationalError, InterfaceError)


def utc_now() -> datetime:
    """The wall clock, in UTC (the default clock)."""
    return datetime.now(UTC)


class Write(NamedTuple):
    """An audited write transaction: its session, and the audit chain to append to."""

    session: Session
    chain: AuditChain


class Database:
    """Open with `open_database`; shared by the store's repositories and the console's accounts.

    Safe to share between threads: every call opens its own session. On SQLite a process lock
    and BEGIN IMMEDIATE make writers take turns instead of failing half-way.
    """

    def __init__(self, engine: Engine, clock: Clock = utc_now) -> None:
        self.engine = engine
        self.clock = clock
        self._reader = sessionmaker(engine, expire_on_commit=False)
        writer = engine.execution_options(**{WRITE_OPTION: True})
        self._writer = sessionmaker(writer, expire_on_commit=False)
        sqlite = engine.dialect.name == "sqlite"
        self._lock: AbstractContextManager[object] = threading.Lock() if sqlite else nullcontext()

    @property
    def url(self) -> URL:
        """Where the database is (render with hide_password=True to show it)."""
        return self.engine.url

    def now(self) -> datetime:
        """The clock that stamps records (tests pass one they move)."""
        return self.clock()

    @contextmanager
    def reading(self) -> Iterator[Session]:
        """A short read-only session."""
        with _translating_outages(self), self._reader() as session:
            yield session

    @contextmanager
    def writing(self) -> Iterator[Write]:
        """An audited write: decide, change rows and append audit records; all commit at once."""
        with _translating_outages(self), self._lock, self._writer.begin() as session:
            chain = AuditChain(session, self.clock)
            yield Write(session, chain)
            chain.close()

    @contextmanager
    def plain_writing(self) -> Iterator[Session]:
        """A write transaction that appends nothing to the audit chain."""
        with _translating_outages(self), self._lock, self._writer.begin() as session:
            yield session

    @contextmanager
    def exclusive(self, name: str) -> Iterator[None]:
        """Hold a lock named `name` across processes for as long as the block runs: a
        PostgreSQL session advisory lock on a connection of its own, so a process that dies
        (or loses the database) lets go of it at once. Blocks until it is free. On SQLite,
        which one process owns, a lock of this process.

        Singletons of a cluster (the outbox drain, the dispatcher's timers) run inside it,
        so two incarnations never work at once even when a node hangs rather than dies.
        """
        if self.engine.dialect.name != "postgresql":
            with _process_locks.setdefault(name, threading.Lock()):
                yield
            return
        key = _lock_key(name)
        with _translating_outages(self, "cannot lock on"), self.engine.connect() as connection:
            connection.execute(text("SELECT pg_advisory_lock(:key)"), {"key": key})
            connection.commit()
            try:
                yield
            finally:
                connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": key})
                connection.commit()

    def upgrade(self, migrations: Path, version_table: str = "alembic_version") -> None:
        """Bring one owner's tables to its newest migration (a no-op when they are there).

        Each owner (the store, the console's accounts) keeps its own history in its own
        `version_table`, so opening one never needs to know the other's migrations.
        """
        with _translating_outages(self, "cannot open the database"):
            upgrade_to_heads(self.engine, migrations, version_table)

    def close(self) -> None:
        """Close every pooled connection (when the process stops)."""
        self.engine.dispose()


_process_locks: dict[str, threading.Lock] = {}


def _lock_key(name: str) -> int:
    """A stable 63-bit key for an advisory lock name."""
    digest = hashlib.sha256(f"nightwatch:{name}".encode()).digest()
    return int.from_bytes(digest[:8], "big") & 0x7FFF_FFFF_FFFF_FFFF


def open_database(database_url: str, clock: Clock = utc_now, create: bool = True) -> Database:
    """Connect (nothing is migrated yet). With `create=False` a missing SQLite file is an
    error instead of a new, empty database (checks must not pass on the wrong folder)."""
    return Database(build_engine(database_url, create=create), clock)


@contextmanager
def _translating_outages(database: Database, doing: str = "lost the database") -> Iterator[None]:
    try:
        yield
    except _OUTAGES as error:
        shown = database.url.render_as_string(hide_password=True)
        raise StoreUnavailableError(f"{doing} {shown}: {error.orig}") from error


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


def upgrade_to_heads(engine: Engine, migrations: Path, version_table: str) -> None:
    """Apply every head of the migrations in `migrations` (a folder with env.py, versions/)."""
    alembic_log = logging.getLogger("alembic")
    if alembic_log.level == logging.NOTSET:
        alembic_log.setLevel(logging.WARNING)  # its INFO lines repeat at every start-up
    # Imported here, after the line above: importing alembic logs at INFO already.
    from alembic import command
    from alembic.config import Config
    from alembic.migration import MigrationContext
    from alembic.script import ScriptDirectory

    config = Config()
    config.set_main_option("script_location", str(migrations))
    # Features add their tables on their own branches, so there may be several heads.
    heads = set(ScriptDirectory.from_config(config).get_heads())
    with engine.execution_options(**{WRITE_OPTION: True}).begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _MIGRATION_LOCK})
        context = MigrationContext.configure(connection, opts={"version_table": version_table})
        current = set(context.get_current_heads())
        if current != heads:
            owner = migrations.parent.name
            log.info("upgrading %s from %s to %s", owner, sorted(current) or "empty", sorted(heads))
        config.attributes["connection"] = connection
        config.attributes["version_table"] = version_table
        command.upgrade(config, "heads")

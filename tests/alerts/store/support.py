"""Stores on real databases for tests: a temporary SQLite file, or a fresh PostgreSQL database.

PostgreSQL is the one on 127.0.0.1:5432 (override with NIGHTWATCH_TEST_POSTGRES, a libpq
connection string to a database the tests may CREATE DATABASE from); each store gets its own
database, dropped afterwards.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg
import sqlalchemy

from alerts.payloads import AlertPayload
from alerts.store import Store, open_store

BACKENDS = ("sqlite", "postgresql")
POSTGRES = os.environ.get(
    "NIGHTWATCH_TEST_POSTGRES", "host=127.0.0.1 port=5432 user=postgres dbname=test"
)
T0 = datetime(2026, 3, 1, 22, 0, tzinfo=UTC)


@dataclass
class FakeClock:
    """A clock the test moves: audit times and retention ages without waiting."""

    now: datetime = T0

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now


@contextmanager
def database_url(backend: str, tmp_path: Path) -> Iterator[str]:
    """A URL of an empty database of `backend`, removed afterwards."""
    if backend == "sqlite":
        yield f"sqlite:///{(tmp_path / 'nightwatch.db').as_posix()}"
        return
    name = f"nightwatch_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(POSTGRES, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
        info = admin.info
        url = f"postgresql+psycopg://{info.user}@{info.host}:{info.port}/{name}"
    try:
        yield url
    finally:
        with psycopg.connect(POSTGRES, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextmanager
def open_test_store(
    backend: str, tmp_path: Path, clock: FakeClock | None = None
) -> Iterator[Store]:
    with database_url(backend, tmp_path) as url:
        store = open_store(url, tmp_path / "media", clock or FakeClock())
        try:
            yield store
        finally:
            store.close()


def make_payload(
    alert_id: str | None = None,
    type: str = "new",
    camera: str = "gate",
    rule: str = "gate-intrusion",
    zone: str = "dock",
    severity: str = "high",
    started_at: datetime = T0,
    frame_time: datetime | None = None,
    ended_at: datetime | None = None,
) -> AlertPayload:
    return AlertPayload.model_validate(
        {
            "id": alert_id or str(uuid.uuid4()),
            "type": type,
            "site": "depot",
            "camera": camera,
            "rule": rule,
            "rule_type": "intrusion",
            "zone": zone,
            "severity": severity,
            "started_at": started_at,
            "frame_time": frame_time or ended_at or started_at,
            "ended_at": ended_at,
            "objects": [{"track_id": 7, "label": "person", "score": 0.91, "box": [1, 2, 30, 80]}],
        }
    )


def record_ended_alert(
    store: Store, started_at: datetime, duration_s: float = 30, **fields: str
) -> str:
    """Record new and end messages of one alert; returns its id."""
    ended_at = started_at + timedelta(seconds=duration_s)
    new = make_payload(started_at=started_at, **fields)  # type: ignore[arg-type]
    end = new.model_copy(update={"type": "end", "frame_time": ended_at, "ended_at": ended_at})
    store.alerts.record(new, end)
    return new.id


def write_media(store: Store, relative: str, content: bytes) -> Path:
    """Write a file under the store's media folder, as the evidence writer would."""
    path = store.media_dir / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)
    return path


def add_snapshot(store: Store, alert_id: str, name: str, content: bytes, at: datetime) -> int:
    """Write and register a snapshot; returns its evidence id."""
    path = write_media(store, f"snapshots/gate/{name}.jpg", content)
    return store.evidence.add(alert_id, "snapshot", path, at, at, "jpeg", 640, 480).id


def tamper(store: Store, sql: str, **params: object) -> None:
    """Run raw SQL against the store's database with the append-only guard lifted,
    as an administrator covering tracks would."""
    url = store.database.engine.url  # the test needs the real connection, not the store's API
    engine = sqlalchemy.create_engine(url)
    try:
        with engine.begin() as connection:
            if url.get_backend_name() == "postgresql":
                connection.exec_driver_sql("ALTER TABLE audit_log DISABLE TRIGGER USER")
            else:
                connection.exec_driver_sql("DROP TRIGGER IF EXISTS audit_log_no_update")
                connection.exec_driver_sql("DROP TRIGGER IF EXISTS audit_log_no_delete")
            connection.execute(sqlalchemy.text(sql), params)
            if url.get_backend_name() == "postgresql":
                connection.exec_driver_sql("ALTER TABLE audit_log ENABLE TRIGGER USER")
    finally:
        engine.dispose()

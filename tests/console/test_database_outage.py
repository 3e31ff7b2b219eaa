"""The database going away mid-service: the console answers 503, never a server error."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from tests.alerts.store.support import POSTGRES, open_test_store
from tests.console.conftest import Console, start_console


@pytest.fixture
def console_pg(tmp_path: Path, clip_bytes: bytes) -> Iterator[Console]:
    with open_test_store("postgresql", tmp_path) as store:
        yield from start_console(store, clip_bytes)


def test_requests_are_answered_503_while_the_database_is_away(console_pg: Console) -> None:
    console = console_pg
    name = console.store.database.url.database
    assert console.client.get("/api/v1/alerts", headers=console.as_user("op")).status_code == 200
    with psycopg.connect(POSTGRES, autocommit=True) as admin:
        admin.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false')
        admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s", (name,)
        )
        try:
            listed = console.client.get("/api/v1/alerts", headers=console.as_user("op"))
            health = console.client.get("/healthz")
        finally:
            admin.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true')
    assert (listed.status_code, listed.json()) == (503, {"detail": "the database is unavailable"})
    assert health.status_code == 503 and health.json()["database"] == "unreachable"
    assert console.client.get("/api/v1/alerts", headers=console.as_user("op")).status_code == 200

"""A database written before the split upgrades with nothing lost, on SQLite and PostgreSQL.

The old store kept the console's users, sessions, tokens and login attempts in its own
tables, and the console read acknowledgements and resolutions back from the audit log. After
the upgrade the accounts are the console's (every row, every id), the decisions are columns
of the alert, new writes go on, and `nightwatch audit verify` still passes.
"""

from __future__ import annotations

import argparse
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from alerts.audit import AuditEntry
from alerts.dispatch.records import Outcome
from alerts.store import Store, open_store
from alerts.store.database import build_engine
from console.accounts.records import NewUser
from console.accounts.repository import Accounts, open_accounts
from console.accounts.tables import AccountsBase
from console.security import digest
from nightwatch.audit_cli import add_audit_commands
from tests.alerts.store.support import BACKENDS, T0, FakeClock, database_url, make_payload
from tests.support.legacy_store import LEGACY_ACCOUNT_TABLES, LegacyWriter, create_legacy_database

MINUTE = timedelta(minutes=1)
TAKEN_OVER = dict(
    zip(
        LEGACY_ACCOUNT_TABLES,
        ("console_users", "console_sessions", "console_api_tokens", "console_login_attempts"),
        strict=True,
    )
)


@dataclass
class Legacy:
    url: str
    rows: dict[str, list[Mapping[str, Any]]]  # every row of the old account tables
    alerts: dict[str, str]  # a name in this test → alert id
    records: int  # audit records written


def write_users(writer: LegacyWriter) -> dict[str, int]:
    """Three users as `nightwatch users add` made them; their ids."""
    ids = {}
    for name, role, team in (
        ("王芳", "operator", None),
        ("李娜", "patrol", "team-a"),
        ("ad", "admin", None),
    ):
        ids[name] = writer.insert(
            "users",
            name=name,
            role=role,
            team=team,
            password_hash=f"$argon2id$hash-of-{name}",
            disabled=name == "李娜",
            created_at=T0,
            password_changed_at=T0,
        )
        details = {"role": role, "team": team}
        writer.audit(AuditEntry("cli:root", "user.add", f"user:{name}", details, "cli@host"), T0)
    return ids


def write_credentials(writer: LegacyWriter, ids: dict[str, int]) -> None:
    """Tokens (one revoked when its user was disabled), a session, logins good and bad."""
    for name, token, revoked in (("王芳", "nw_live", None), ("李娜", "nw_gone", T0 + MINUTE)):
        writer.insert(
            "api_tokens",
            user_id=ids[name],
            token_sha256=digest(token),
            label="created",
            created_at=T0,
            revoked_at=revoked,
        )
        details = {"label": "created", "token_prefix": digest(token)[:8]}
        writer.audit(AuditEntry("cli:root", "user.token", f"user:{name}", details, "cli@host"), T0)
    writer.audit(AuditEntry("cli:root", "user.disable", "user:李娜", {}, "cli@host"), T0 + MINUTE)
    writer.insert(
        "user_sessions",
        id=digest("cookie"),
        user_id=ids["王芳"],
        created_at=T0,
        expires_at=T0 + timedelta(hours=12),
        remote="10.0.0.7",
    )
    writer.insert("login_attempts", name="王芳", remote="10.0.0.7", at=T0, success=True)
    writer.audit(AuditEntry("王芳", "auth.login", "user:王芳", {}, "10.0.0.7"), T0)
    for _ in range(2):
        writer.insert(
            "login_attempts", name="王芳", remote="10.0.0.9", at=T0 + MINUTE, success=False
        )


def write_alerts(writer: LegacyWriter) -> dict[str, str]:
    """Four alerts, and what the control room did about them, as the old console recorded it."""
    ids = {}
    for index, name in enumerate(("seen-and-false", "only-resolved", "untouched", "raced")):
        new = make_payload(started_at=T0 + index * MINUTE)
        ended = new.started_at + MINUTE
        end = new.model_copy(update={"type": "end", "frame_time": ended, "ended_at": ended})
        writer.alert(new, new.started_at)
        writer.alert(end, ended)
        ids[name] = new.id
    decide: list[tuple[str, str, str, dict[str, str | None]]] = [
        ("seen-and-false", "王芳", "alert.acknowledge", {"note": "看到了"}),
        ("seen-and-false", "王芳", "alert.resolve", {"outcome": "false_alarm", "note": "树影"}),
        ("only-resolved", "张伟", "alert.resolve", {"outcome": "handled", "note": None}),
        ("raced", "张伟", "alert.acknowledge", {}),
        ("raced", "王芳", "alert.acknowledge", {}),
        ("raced", "王芳", "alert.resolve", {"outcome": "referred_police", "note": "first"}),
        ("raced", "张伟", "alert.resolve", {"outcome": "handled", "note": "second"}),
    ]
    for step, (name, actor, action, details) in enumerate(decide, start=10):
        writer.audit(AuditEntry(actor, action, ids[name], details, "10.0.0.7"), T0 + step * MINUTE)
    writer.set_category(ids["seen-and-false"], "false_alarm", "王芳", T0 + 11 * MINUTE)
    return ids


@pytest.fixture(params=BACKENDS)
def legacy(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Legacy]:
    with database_url(request.param, tmp_path) as url:
        create_legacy_database(url)
        engine = build_engine(url)
        try:
            with engine.begin() as connection:
                writer = LegacyWriter(connection)
                write_credentials(writer, write_users(writer))
                alerts = write_alerts(writer)
                writer.close()
                rows = {table: writer.rows(table) for table in LEGACY_ACCOUNT_TABLES}
        finally:
            engine.dispose()
        yield Legacy(url, rows, alerts, writer.last_id)


@pytest.fixture
def upgraded(legacy: Legacy, tmp_path: Path) -> Iterator[tuple[Store, Accounts]]:
    store = open_store(legacy.url, tmp_path / "media", FakeClock(T0 + timedelta(hours=2)))
    try:
        yield store, open_accounts(store.database)
    finally:
        store.close()


def table_rows(store: Store, table: str) -> list[Mapping[str, Any]]:
    reflected = sa.Table(table, sa.MetaData(), autoload_with=store.database.engine)
    with store.database.engine.connect() as connection:
        return [dict(row._mapping) for row in connection.execute(sa.select(reflected))]


def test_every_account_row_is_the_console_s_now(
    legacy: Legacy, upgraded: tuple[Store, Accounts]
) -> None:
    store, accounts = upgraded
    tables = set(sa.inspect(store.database.engine).get_table_names())
    assert tables.isdisjoint(LEGACY_ACCOUNT_TABLES)
    for old, new in TAKEN_OVER.items():
        assert table_rows(store, new) == legacy.rows[old], new
    assert [user.name for user in accounts.list_users()] == ["ad", "李娜", "王芳"]
    assert accounts.user_for_token(digest("nw_live")).name == "王芳"  # type: ignore[union-attr]
    assert accounts.user_for_token(digest("nw_gone")) is None  # revoked, and its user disabled
    assert accounts.user_for_session(digest("cookie")).name == "王芳"  # type: ignore[union-attr]
    assert accounts.failed_logins("王芳", "10.0.0.9", T0) == (2, 2)


def test_the_decisions_read_from_the_audit_log_are_columns_now(
    legacy: Legacy, upgraded: tuple[Store, Accounts]
) -> None:
    store, _accounts = upgraded
    shown = {}
    for name, alert_id in legacy.alerts.items():
        alert = store.alerts.get(alert_id)
        assert alert is not None
        item = alert.disposition
        shown[name] = (item.acknowledged_by, item.resolved_by, item.outcome, item.note)
    assert shown == {
        "seen-and-false": ("王芳", "王芳", "false_alarm", "树影"),
        "only-resolved": ("张伟", "张伟", "handled", None),  # resolving acknowledges too
        "untouched": (None, None, None, None),
        "raced": ("张伟", "王芳", "referred_police", "first"),  # the first of each, as shown
    }
    raced = store.alerts.get(legacy.alerts["raced"])
    assert raced is not None and raced.disposition.acknowledged_at == T0 + 13 * MINUTE
    assert raced.disposition.resolved_at == T0 + 15 * MINUTE
    assert store.alerts.get(legacy.alerts["seen-and-false"]).category == "false_alarm"  # type: ignore[union-attr]


def test_new_writes_chain_on_and_audit_verify_passes(
    legacy: Legacy,
    upgraded: tuple[Store, Accounts],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    store, accounts = upgraded
    added = accounts.add_user(NewUser("赵", "auditor", None, "$argon2id$x"), "cli:root", "cli@host")
    assert added.id > max(row["id"] for row in legacy.rows["users"])  # ids count on
    accounts.add_token("赵", digest("nw_new"), "bridge", "cli:root", "cli@host")
    accounts.start_session(digest("cookie-2"), "赵", T0 + timedelta(hours=3), "10.0.0.8")
    store.alerts.resolve(legacy.alerts["untouched"], "赵", Outcome.HANDLED, None, "10.0.0.8")

    config = tmp_path / "nightwatch.yaml"
    config.write_text(
        "cameras:\n  gate:\n    source: rtsp://127.0.0.1:8554/gate\n"
        f"storage:\n  database_url: {store.database.url.render_as_string(False)}\n"
        f"  media_dir: {store.media_dir}\n",
        encoding="utf-8",
    )
    parser = argparse.ArgumentParser(prog="nightwatch")
    add_audit_commands(parser.add_subparsers(required=True))
    args = parser.parse_args(["audit", "verify", "--config", str(config)])
    assert args.handler(args) == 0
    written = legacy.records + 4
    assert f"audit log OK: {written} records chain correctly" in capsys.readouterr().out


def test_the_upgraded_tables_are_the_ones_a_new_database_gets(
    upgraded: tuple[Store, Accounts],
) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from alerts.store.models import Base

    store, _accounts = upgraded
    owners = {"store": Base.metadata, "accounts": AccountsBase.metadata}
    with store.database.engine.connect() as connection:
        for owner, metadata in owners.items():
            context = MigrationContext.configure(
                connection, opts={"include_name": _named_in(metadata)}
            )
            assert compare_metadata(context, metadata) == [], owner


def _named_in(metadata: sa.MetaData) -> Any:
    def include(name: str | None, kind: str, _parent: object) -> bool:
        return kind != "table" or name in metadata.tables

    return include

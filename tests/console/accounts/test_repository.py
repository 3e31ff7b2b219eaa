"""The console's accounts in the store's database (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from alerts.store import Store, StoreError
from alerts.store.verify import verify_store
from console.accounts.records import NewUser, UnknownUserError
from console.accounts.repository import open_accounts
from console.security import digest
from tests.alerts.store.support import FakeClock
from tests.console.support import password_hash


def test_users_keep_only_hashes_and_every_change_is_audited(store: Store, clock: FakeClock) -> None:
    users = open_accounts(store.database)
    users.add_user(NewUser("李娜", "patrol", "team-a", password_hash()), "admin", "cli")
    users.add_token("李娜", digest("nw_secret"), "radio bridge", "admin", "cli")
    users.start_session(digest("cookie"), "李娜", clock.now + timedelta(hours=1), "10.0.0.7")

    assert users.user_for_token(digest("nw_secret")).name == "李娜"  # type: ignore[union-attr]
    assert users.user_for_session(digest("cookie")).team == "team-a"  # type: ignore[union-attr]
    assert users.teams() == ["team-a"]
    clock.advance(hours=2)
    assert users.user_for_session(digest("cookie")) is None  # expired

    users.disable("李娜", "admin", "cli")
    assert users.user_for_token(digest("nw_secret")) is None
    actions = [record.action for record in store.audit.for_target("user:李娜")]
    assert actions == ["user.add", "user.token", "auth.login", "user.disable"]
    assert verify_store(store).ok


def test_refusals(store: Store) -> None:
    users = open_accounts(store.database)
    users.add_user(NewUser("op", "operator", None, password_hash()), "admin", None)
    with pytest.raises(StoreError, match="exists already"):
        users.add_user(NewUser("op", "auditor", None, password_hash()), "admin", None)
    with pytest.raises(StoreError, match="needs a team"):
        users.add_user(NewUser("p", "patrol", None, password_hash()), "admin", None)
    with pytest.raises(StoreError, match="role"):
        users.add_user(NewUser("x", "root", None, password_hash()), "admin", None)  # type: ignore[arg-type]
    with pytest.raises(UnknownUserError):
        users.disable("nobody", "admin", None)


def test_failed_logins_are_counted_by_name_and_by_address(store: Store, clock: FakeClock) -> None:
    users = open_accounts(store.database)
    for _ in range(3):
        users.record_failed_login("op", "10.0.0.9")
    users.record_failed_login("au", "10.0.0.9")
    assert users.failed_logins("op", "10.0.0.1", clock.now - timedelta(minutes=1)) == (3, 0)
    assert users.failed_logins("zz", "10.0.0.9", clock.now - timedelta(minutes=1)) == (0, 4)
    clock.advance(minutes=30)
    assert users.failed_logins("op", "10.0.0.9", clock.now - timedelta(minutes=15)) == (0, 0)


def test_the_migrations_build_exactly_the_tables_the_models_describe(store: Store) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from console.accounts.tables import AccountsBase

    open_accounts(store.database)

    def ours(name: str | None, kind: str, _parent: object) -> bool:
        return kind != "table" or name in AccountsBase.metadata.tables

    with store.database.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"include_name": ours})
        assert compare_metadata(context, AccountsBase.metadata) == []

"""Users in the store (SQLite and PostgreSQL) and `nightwatch users …` as an admin runs it."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from alerts.store import Store, StoreError
from alerts.store.users import NewUser, UnknownUserError, UserStore
from alerts.store.verify import verify_store
from console import ConsoleServices, create_app
from console.security import digest
from tests.alerts.store.support import FakeClock
from tests.console.support import FakeFeed, console_config, password_hash
from tests.support.process import run_cli, write_config


def test_users_keep_only_hashes_and_every_change_is_audited(store: Store, clock: FakeClock) -> None:
    users = UserStore(store)
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
    actions = [record.action for record in store.audit_for("user:李娜")]
    assert actions == ["user.add", "user.token", "auth.login", "user.disable"]
    assert verify_store(store).ok


def test_refusals(store: Store) -> None:
    users = UserStore(store)
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
    users = UserStore(store)
    for _ in range(3):
        users.record_failed_login("op", "10.0.0.9")
    users.record_failed_login("au", "10.0.0.9")
    assert users.failed_logins("op", "10.0.0.1", clock.now - timedelta(minutes=1)) == (3, 0)
    assert users.failed_logins("zz", "10.0.0.9", clock.now - timedelta(minutes=1)) == (0, 4)
    clock.advance(minutes=30)
    assert users.failed_logins("op", "10.0.0.9", clock.now - timedelta(minutes=15)) == (0, 0)


def test_the_users_command_creates_lists_and_disables(tmp_path: Path) -> None:
    config = write_config(
        tmp_path / "nightwatch.yaml",
        {
            "cameras": {"gate": {"source": "rtsp://127.0.0.1:1/gate"}},
            "storage": {"data_dir": str(tmp_path / "data")},
        },
    )
    args = ["--config", str(config)]
    added = run_cli(
        ["users", "add", "王芳", "--role", "patrol", "--team", "team-a", *args], tmp_path
    )
    assert added.returncode == 0, added.stderr
    password = re.search(r"one-time password: (\S+)", added.stdout)
    token = re.search(r"API token:\s+(nw_\S+)", added.stdout)
    assert password and token, added.stdout
    again = run_cli(["users", "add", "王芳", "--role", "operator", *args], tmp_path)
    assert again.returncode == 1 and "exists already" in again.stderr
    no_team = run_cli(["users", "add", "赵", "--role", "patrol", *args], tmp_path)
    assert no_team.returncode == 1 and "team" in no_team.stderr

    from alerts.store import open_store

    store = open_store(f"sqlite:///{tmp_path / 'data' / 'nightwatch.db'}", tmp_path / "data/media")
    try:
        app = create_app(ConsoleServices(store, UserStore(store), FakeFeed(), console_config()))
        with TestClient(app) as client:
            body = {"name": "王芳", "password": password.group(1)}
            assert client.post("/api/v1/auth/login", json=body).json()["home"] == "/patrol"
            me = client.get(
                "/api/v1/auth/me", headers={"Authorization": f"Bearer {token.group(1)}"}
            )
            assert me.json()["team"] == "team-a"
    finally:
        store.close()

    listed = run_cli(["users", "list", *args], tmp_path)
    assert re.search(r"王芳\s+patrol\s+team-a\s+active", listed.stdout), listed.stdout
    assert run_cli(["users", "disable", "王芳", *args], tmp_path).returncode == 0
    assert "disabled" in run_cli(["users", "list", *args], tmp_path).stdout

"""`nightwatch users …` as an admin runs it, and signing in as the user it made."""

from __future__ import annotations

import re
from pathlib import Path

from fastapi.testclient import TestClient

from console import ConsoleServices, create_app
from console.accounts.repository import open_accounts
from tests.console.support import FakeFeed, console_config
from tests.support.process import run_cli, write_config


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
        users = open_accounts(store.database)
        app = create_app(ConsoleServices(store, users, FakeFeed(), console_config()))
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

"""A console app per test over a real store, with one user of each role and a seeded alert."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import cast

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from playwright.sync_api import Browser, sync_playwright

from alerts.store import Store
from console import ConsoleServices, create_app
from console.accounts.records import Role
from console.accounts.repository import open_accounts
from console.event_hub import EventHub
from console.server import ConsoleServer
from tests.alerts.store.conftest import clock, store
from tests.alerts.store.support import BACKENDS, open_test_store
from tests.console.browser import CHROMIUM, CHROMIUM_FLAGS
from tests.console.support import (
    FakeFeed,
    MemoryDispatcher,
    add_user,
    console_config,
    cut_clip,
    seed_alert,
)
from tests.support.net import free_port

__all__ = ["clock", "store"]  # the store's own fixtures, for the users store tests

# One user per role (patrols in two teams): name → (role, team).
PEOPLE: dict[str, tuple[Role, str | None]] = {
    "op": ("operator", None),
    "pa": ("patrol", "team-a"),
    "pb": ("patrol", "team-b"),
    "au": ("auditor", None),
    "ad": ("admin", None),
}


@dataclass
class Console:
    app: FastAPI
    client: TestClient
    services: ConsoleServices
    tokens: dict[str, str]  # user name → API token
    alert_id: str  # an ended alert with snapshots and a clip
    dispatch_id: str  # that alert, dispatched to team-a

    @property
    def store(self) -> Store:
        return self.services.store

    @property
    def feed(self) -> FakeFeed:
        return cast(FakeFeed, self.services.cameras)

    @property
    def dispatcher(self) -> MemoryDispatcher:
        return cast(MemoryDispatcher, self.services.dispatcher)

    def as_user(self, name: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[name]}"}


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Debian's Chromium, headless, for the browser tests of one module."""
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_FLAGS
        )
        yield launched
        launched.close()


@pytest.fixture(scope="session")
def clip_bytes(people_mp4: Path, tmp_path_factory: pytest.TempPathFactory) -> bytes:
    return cut_clip(people_mp4, tmp_path_factory.mktemp("clip") / "clip.mp4")


def start_console(store: Store, clip: bytes) -> Iterator[Console]:
    users = open_accounts(store.database)
    tokens = {name: add_user(users, name, role, team) for name, (role, team) in PEOPLE.items()}
    alert_id = seed_alert(store, clip=clip)
    dispatcher = MemoryDispatcher()
    dispatch = dispatcher.dispatch_alert(alert_id, "team-a", "op")
    services = ConsoleServices(store, users, FakeFeed(), console_config(), dispatcher)
    app = create_app(services)
    with TestClient(app, base_url="http://127.0.0.1") as client:
        yield Console(app, client, services, tokens, alert_id, dispatch.id)


@pytest.fixture
def console(tmp_path: Path, clip_bytes: bytes) -> Iterator[Console]:
    """On SQLite (fast); `console_on` runs on both databases."""
    with open_test_store("sqlite", tmp_path) as store:
        yield from start_console(store, clip_bytes)


@pytest.fixture(params=BACKENDS)
def console_on(
    request: pytest.FixtureRequest, tmp_path: Path, clip_bytes: bytes
) -> Iterator[Console]:
    with open_test_store(request.param, tmp_path) as store:
        yield from start_console(store, clip_bytes)


@dataclass
class Served:
    console: Console
    url: str
    hub: EventHub  # the served app's: closing it ends every live stream

    def headers(self, name: str) -> dict[str, str]:
        return self.console.as_user(name)


@pytest.fixture
def served(console: Console) -> Iterator[Served]:
    server = ConsoleServer(create_app(console.services), "127.0.0.1", free_port())
    server.start()
    try:
        yield Served(console, server.url, server.app.state.hub)
    finally:
        server.stop()


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """List the screenshots the browser test took, for a reviewer to open."""
    from tests.console.browser import TAKEN

    if TAKEN:
        terminalreporter.section("console screenshots")
        for path in TAKEN:
            terminalreporter.write_line(str(path))

"""Many people pressing the same button at once, through a served console on both databases:
exactly one request changes the alert or dispatch, every other one is answered 409."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from alerts.dispatch.service import Dispatcher
from alerts.mqtt import MqttPublisher
from alerts.outbox import Outbox
from alerts.store import Store
from alerts.store.verify import verify_store
from console import ConsoleServices, create_app
from console.accounts.repository import open_accounts
from console.server import ConsoleServer
from tests.alerts.dispatch.support import make_config
from tests.alerts.store.support import BACKENDS, open_test_store
from tests.console.support import FakeFeed, add_user, seed_alert
from tests.support.net import free_port

TRIES = 8


@dataclass
class Site:
    url: str
    store: Store
    headers: dict[str, str]  # the operator's
    alert_id: str


@pytest.fixture(params=BACKENDS)
def site(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Site]:
    """A served console with the real dispatcher (its broker never started: orders wait)."""
    config = make_config("concurrency-test")
    with open_test_store(request.param, tmp_path) as store:
        users = open_accounts(store.database)
        token = add_user(users, "op", "operator")
        outbox = Outbox(store.outbox, MqttPublisher(config.mqtt))
        dispatcher = Dispatcher(config, store, outbox, None)
        services = ConsoleServices(store, users, FakeFeed(), config, dispatcher)
        server = ConsoleServer(create_app(services), "127.0.0.1", free_port())
        server.start()
        try:
            headers = {"Authorization": f"Bearer {token}"}
            yield Site(server.url, store, headers, seed_alert(store))
        finally:
            server.stop()


def at_once(url: str, body: dict[str, Any], headers: dict[str, str]) -> Counter[int]:
    """POST `body` to `url` from TRIES threads released together; their status codes."""
    start = threading.Barrier(TRIES)
    codes: list[int] = []
    lock = threading.Lock()

    def press() -> None:
        with httpx.Client(timeout=30) as client:
            start.wait(timeout=30)
            code = client.post(url, json=body, headers=headers).status_code
        with lock:
            codes.append(code)

    threads = [threading.Thread(target=press) for _ in range(TRIES)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return Counter(codes)


def test_of_many_resolving_one_alert_one_succeeds(site: Site) -> None:
    url = f"{site.url}/api/v1/alerts/{site.alert_id}/resolve"

    codes = at_once(url, {"outcome": "false_alarm", "note": "树影"}, site.headers)

    print(f"\n{TRIES} resolves of one alert: {dict(codes)}")
    assert codes == Counter({200: 1, 409: TRIES - 1})
    actions = [record.action for record in site.store.audit.for_target(site.alert_id)]
    assert actions.count("alert.resolve") == 1 and actions.count("alert.category") == 1
    alert = site.store.alerts.get(site.alert_id)
    assert alert is not None and alert.category == "false_alarm"
    assert alert.disposition.resolved_by == "op" and alert.disposition.note == "树影"
    assert verify_store(site.store).ok


@pytest.mark.parametrize(
    ("path", "body", "state"),
    [
        ("transition", {"state": "acknowledged"}, "acknowledged"),
        ("cancel", {"note": "误报"}, "cancelled"),
    ],
)
def test_of_many_moving_one_dispatch_one_succeeds(
    site: Site, path: str, body: dict[str, Any], state: str
) -> None:
    sent = httpx.post(
        f"{site.url}/api/v1/alerts/{site.alert_id}/dispatch",
        json={"team": "alpha"},
        headers=site.headers,
    )
    assert sent.status_code == 201, sent.text
    dispatch_id = sent.json()["id"]

    codes = at_once(f"{site.url}/api/v1/dispatches/{dispatch_id}/{path}", body, site.headers)

    print(f"\n{TRIES} {path} requests on one dispatch: {dict(codes)}")
    assert codes == Counter({200: 1, 409: TRIES - 1})
    record = site.store.dispatches.get(dispatch_id)
    assert record is not None and [step.state for step in record.history] == ["dispatched", state]
    actions = [entry.action for entry in site.store.audit.for_target(dispatch_id)]
    assert actions == ["dispatch.dispatched", f"dispatch.{state}"]
    assert verify_store(site.store).ok

"""The loop closed: two patrol members share their teams' positions through the console's API,
an alert comes in, and the real dispatcher (real store on both databases, real broker) sends
the nearer team; the control room reads why on the dispatch."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from alerts.dispatch.service import Dispatcher
from alerts.mqtt import MqttPublisher
from alerts.outbox import Outbox
from alerts.store import Store
from config.schema import NightwatchConfig
from console import ConsoleServices, create_app
from console.accounts.repository import open_accounts
from tests.alerts.store.support import BACKENDS, make_payload, open_test_store
from tests.console.support import FakeFeed, add_user, bearer
from tests.support.mqtt import MqttCollector

GATE = (31.2304, 121.4737)
METRES_PER_DEGREE = 111_195.0


@dataclass
class Site:
    client: TestClient
    store: Store
    dispatcher: Dispatcher
    tokens: dict[str, str]
    prefix: str


def site_config(prefix: str) -> NightwatchConfig:
    always = [{"windows": ["00:00-24:00"]}]
    return NightwatchConfig.model_validate(
        {
            "site": {"name": "county-test", "timezone": "Asia/Shanghai"},
            "mqtt": {"topic_prefix": prefix, "client_id": f"nw-{uuid.uuid4().hex[:10]}"},
            "cameras": {
                "gate": {
                    "source": "rtsp://127.0.0.1/gate",
                    "location": "北门广场",
                    "position": {"lat": GATE[0], "lon": GATE[1]},
                },
                "yard": {"source": "rtsp://127.0.0.1/yard", "location": "East yard"},
            },
            "dispatch": {
                "teams": {
                    "team-a": {"name": "巡逻一队", "roster": always},
                    "team-b": {"name": "巡逻二队", "roster": always},
                },
                "routes": [{"camera": "gate", "teams": ["team-a", "team-b"], "choose": "nearest"}],
                "voice": {"enabled": False},
            },
        }
    )


@pytest.fixture(params=BACKENDS)
def site(request: pytest.FixtureRequest, tmp_path: Path, mqtt_prefix: str) -> Iterator[Site]:
    config = site_config(mqtt_prefix)
    with open_test_store(request.param, tmp_path) as store:
        users = open_accounts(store.database)
        tokens = {
            "op": add_user(users, "op", "operator"),
            "pa": add_user(users, "pa", "patrol", "team-a"),
            "pb": add_user(users, "pb", "patrol", "team-b"),
        }
        publisher = MqttPublisher(config.mqtt)
        outbox = Outbox(store.outbox, publisher)
        dispatcher = Dispatcher(config, store, outbox, publisher)
        services = ConsoleServices(store, users, FakeFeed(), config, dispatcher)
        publisher.start()
        outbox.start()
        dispatcher.start()
        assert publisher.wait_connected(10), publisher.status()
        try:
            with TestClient(create_app(services), base_url="http://127.0.0.1") as client:
                yield Site(client, store, dispatcher, tokens, mqtt_prefix)
        finally:
            dispatcher.stop()
            outbox.stop()
            publisher.stop()


def share(site: Site, member: str, team: str, north_m: float) -> None:
    body = {"lat": GATE[0] + north_m / METRES_PER_DEGREE, "lon": GATE[1], "accuracy_m": 10}
    shared = site.client.post(
        f"/api/v1/teams/{team}/position", json=body, headers=bearer(site.tokens[member])
    )
    assert shared.status_code == 200, shared.text


def test_the_team_whose_phone_is_nearer_the_camera_is_sent(
    site: Site, mqtt_subscriber: MqttCollector
) -> None:
    share(site, "pa", "team-a", 1_900)
    share(site, "pb", "team-b", 140)
    alert = make_payload(camera="gate", zone="frame")
    site.store.alerts.record(alert)

    record = site.dispatcher.on_alert(alert)

    assert record is not None and record.team == "team-b"
    shown = site.client.get(f"/api/v1/dispatches/{record.id}", headers=bearer(site.tokens["op"]))
    reason = "nearest on-duty team: team-b at 140 m (team-a at 1.9 km)"
    assert shown.json()["team"] == "team-b" and shown.json()["note"] == reason
    assert shown.json()["history"][0]["note"] == reason
    order = mqtt_subscriber.wait_for(f"{site.prefix}/dispatch/team-b", timeout_s=10).json()
    assert (order["dispatch_id"], order["note"]) == (record.id, reason)
    mine = site.client.get("/api/v1/dispatches", headers=bearer(site.tokens["pb"])).json()
    assert [item["id"] for item in mine] == [record.id]  # on team-b's phone

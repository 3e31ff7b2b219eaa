"""Factories for dispatch tests (configuration sections and records from the values a test
cares about), and the `Rig` a dispatcher runs in."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import paho.mqtt.client as paho
from paho.mqtt.enums import CallbackAPIVersion
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from alerts.dispatch.records import DispatchRecord, DispatchState, DispatchStep
from alerts.dispatch.service import Dispatcher
from alerts.mqtt import MqttPublisher
from alerts.outbox import Outbox
from alerts.payloads import AlertPayload
from alerts.store import Store
from config.dispatch import DispatchConfig
from config.schema import NightwatchConfig
from tests.alerts.store.support import FakeClock, make_payload, open_test_store
from tests.support.factories import BASE_TIME
from tests.support.waiting import wait_until

ALWAYS: list[dict[str, Any]] = [{"windows": ["00:00-24:00"]}]


def team(name: str, roster: list[dict[str, Any]] | None = None, **fields: Any) -> dict[str, Any]:
    """A team as it appears in YAML; on duty around the clock unless `roster` says not."""
    return {"name": name, "roster": roster if roster is not None else ALWAYS, **fields}


def dispatch_section(**overrides: Any) -> dict[str, Any]:
    """alpha and bravo on duty always, chief the supervisor; yard alerts go to alpha, bravo."""
    section: dict[str, Any] = {
        "public_base_url": "http://nightwatch.local:8000",
        "teams": {
            "alpha": team("巡逻一队 Alpha", radio_channel="3"),
            "bravo": team("巡逻二队 Bravo", radio_channel="4"),
            "chief": team("值班长 Chief"),
        },
        "routes": [{"camera": "gate", "zone": "yard", "teams": ["alpha", "bravo"]}],
        "supervisor": "chief",
        "escalation": {"after_s": 60, "max_escalations": 3},
    }
    section.update(overrides)
    return section


def dispatch_config(**overrides: Any) -> DispatchConfig:
    return DispatchConfig.model_validate(dispatch_section(**overrides))


def make_record(
    state: DispatchState = DispatchState.DISPATCHED,
    team: str = "alpha",
    chain: tuple[str, ...] = ("alpha", "bravo", "chief"),
    escalations: int = 0,
    deadline: datetime | None = BASE_TIME + timedelta(seconds=60),
) -> DispatchRecord:
    """A dispatch created at BASE_TIME, now in `state` with `team`."""
    step = DispatchStep(
        state=state,
        at=BASE_TIME,
        team=team,
        actor="nightwatch",
        source="routing",
        escalation=escalations,
    )
    return DispatchRecord(
        id="d-1",
        alert_id="a-1",
        team=team,
        state=state,
        chain=chain,
        escalations=escalations,
        ack_deadline=deadline,
        created_at=BASE_TIME,
        updated_at=BASE_TIME,
        created_by="nightwatch",
        history=(step,),
    )


@dataclass
class Rig:
    config: NightwatchConfig
    store: Store
    clock: FakeClock
    publisher: MqttPublisher
    outbox: Outbox
    dispatcher: Dispatcher
    prefix: str

    def alert(self, **fields: Any) -> AlertPayload:
        """A new alert in the yard of camera gate, stored as the pipeline would."""
        payload = make_payload(camera="gate", zone="yard", started_at=self.clock.now, **fields)
        self.store.alerts.record(payload)
        return payload

    def reply(
        self, team: str, body: dict[str, Any] | bytes, correlation: str | None = None
    ) -> None:
        """Publish a reply as a team's radio gateway or phone would (MQTT 5, QoS 1)."""
        client = paho.Client(
            callback_api_version=CallbackAPIVersion.VERSION2,
            client_id=f"team-{uuid.uuid4().hex[:8]}",
            protocol=paho.MQTTv5,
        )
        client.connect("127.0.0.1", 1883)
        client.loop_start()
        properties = None
        if correlation is not None:
            properties = Properties(PacketTypes.PUBLISH)  # type: ignore[no-untyped-call]
            properties.CorrelationData = correlation.encode()
        payload = body if isinstance(body, bytes) else json.dumps(body)
        topic = f"{self.prefix}/dispatch/{team}/reply"
        client.publish(topic, payload, qos=1, properties=properties).wait_for_publish(5)
        client.disconnect()
        client.loop_stop()

    def wait_state(self, dispatch_id: str, state: DispatchState) -> DispatchRecord:
        def reached() -> DispatchRecord | None:
            record = self.dispatcher.get(dispatch_id)
            return record if record is not None and record.state == state else None

        return wait_until(reached, 10, f"dispatch {dispatch_id} {state}")

    def wait_drained(self) -> None:
        wait_until(lambda: self.outbox.depth() == 0, 15, "the outbox to drain")


@contextmanager
def running_rig(
    config: NightwatchConfig, backend: str, tmp_path: Path, prefix: str
) -> Iterator[Rig]:
    """A started dispatcher of `config` on a fresh store of `backend` and the real broker."""
    clock = FakeClock()
    with open_test_store(backend, tmp_path, clock) as store:
        publisher = MqttPublisher(config.mqtt)
        outbox = Outbox(store.outbox, publisher, clock)
        dispatcher = Dispatcher(config, store, outbox, publisher, clock)
        dispatcher.start()
        publisher.start()
        outbox.start()
        assert publisher.wait_connected(10), publisher.status()
        try:
            yield Rig(config, store, clock, publisher, outbox, dispatcher, prefix)
        finally:
            dispatcher.stop()
            outbox.stop()
            publisher.stop()


def make_config(prefix: str, **dispatch: Any) -> NightwatchConfig:
    return NightwatchConfig.model_validate(
        {
            "site": {"name": "county-market"},
            "mqtt": {"topic_prefix": prefix, "client_id": f"nw-{uuid.uuid4().hex[:10]}"},
            "cameras": {
                "gate": {
                    "source": "rtsp://127.0.0.1/gate",
                    "location": "东门 East gate",
                    "zones": {"yard": {"polygon": [[0, 0], [1, 0], [1, 1]]}},
                }
            },
            "dispatch": dispatch_section(**dispatch),
        }
    )

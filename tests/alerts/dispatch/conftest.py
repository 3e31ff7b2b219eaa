"""`rig`: a dispatcher on a real store (SQLite and PostgreSQL) and the real broker, with a
clock the test moves."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from alerts.dispatch.service import Dispatcher
from alerts.mqtt import MqttPublisher
from alerts.outbox import Outbox
from tests.alerts.dispatch.support import Rig, make_config
from tests.alerts.store.support import BACKENDS, FakeClock, open_test_store


@pytest.fixture(params=BACKENDS)
def rig(request: pytest.FixtureRequest, tmp_path: Path, mqtt_prefix: str) -> Iterator[Rig]:
    config = make_config(mqtt_prefix)
    clock = FakeClock()
    with open_test_store(request.param, tmp_path, clock) as store:
        publisher = MqttPublisher(config.mqtt)
        outbox = Outbox(store.outbox, publisher, clock)
        dispatcher = Dispatcher(config, store, outbox, publisher, clock)
        dispatcher.start()
        publisher.start()
        outbox.start()
        assert publisher.wait_connected(10), publisher.status()
        yield Rig(config, store, clock, publisher, outbox, dispatcher, mqtt_prefix)
        dispatcher.stop()
        outbox.stop()
        publisher.stop()

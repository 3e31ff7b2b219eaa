"""Nothing lost: the private broker goes away while alerts and dispatches happen, Nightwatch
is killed (-9) during the outage and started again, then the broker comes back.
Every alert and dispatch message that was stored reaches a subscriber, in order, once after
dropping repeats by message_id."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from alerts.dispatch.records import DispatchQuery
from alerts.outbox import OutboxRecord
from alerts.store import AlertQuery, Store, open_store
from tests.alerts.dispatch.support import dispatch_section
from tests.support.factories import camera_config, intrusion_rule
from tests.support.private_broker import (
    PrivateBroker,
    SessionSubscriber,
    message_ids,
    mqtt_settings,
)
from tests.support.process import NightwatchProcess, write_config
from tests.support.waiting import wait_until

pytestmark = pytest.mark.slow

MESSAGES_EACH_PHASE = 8  # stored before the kill, by the restarted process, after the outage
QUADRANTS: dict[str, list[list[float]]] = {
    "north-west": [[0, 0], [0.5, 0], [0.5, 0.5], [0, 0.5]],
    "north-east": [[0.5, 0], [1, 0], [1, 0.5], [0.5, 0.5]],
    "south-west": [[0, 0.5], [0.5, 0.5], [0.5, 1], [0, 1]],
    "south-east": [[0.5, 0.5], [1, 0.5], [1, 1], [0.5, 1]],
}


def busy_config(video: Path, model: Path, broker: PrivateBroker, prefix: str) -> dict[str, Any]:
    """One street camera, four zones that each start and end alerts often, every alert
    dispatched, every dispatch escalating every 3 s: many messages of every kind."""
    rules = [
        intrusion_rule(
            name=f"{zone}-watch", zone=zone, clear_s=1, cooldown_s=1, update_interval_s=1
        )
        for zone in QUADRANTS
    ]
    camera = camera_config(str(video), zones=QUADRANTS, rules=rules, loop=True)
    routes = [{"camera": "street", "teams": ["alpha", "bravo"]}]
    dispatch = dispatch_section(routes=routes, escalation={"after_s": 3, "max_escalations": 3})
    return {
        "site": {"name": "outage-test"},
        "mqtt": mqtt_settings(broker, prefix, client_id=f"nw-{uuid.uuid4().hex[:8]}"),
        "model": {"path": str(model)},
        "cameras": {"street": camera},
        "dispatch": dispatch,
    }


def read_store(folder: Path) -> Store:
    return open_store(f"sqlite:///{folder / 'data' / 'nightwatch.db'}", folder, create=False)


def outbox_rows(folder: Path) -> list[OutboxRecord]:
    store = read_store(folder)
    try:
        return list(store.outbox.all())
    finally:
        store.close()


def stored_during(folder: Path, before: int) -> int:
    """How many messages were stored since the outbox held `before` of them."""
    return len(outbox_rows(folder)) - before


@pytest.fixture
def broker(tmp_path: Path) -> Iterator[PrivateBroker]:
    private = PrivateBroker(tmp_path / "broker")
    private.start()
    yield private
    private.kill()


def test_a_broker_outage_and_a_kill_9_lose_no_alert_and_no_dispatch(
    tmp_path: Path, broker: PrivateBroker, people_mp4: Path, model_path: Path
) -> None:
    prefix = f"nightwatch-test/outage-{uuid.uuid4().hex[:8]}"
    config = busy_config(people_mp4, model_path, broker, prefix)
    subscriber = SessionSubscriber(broker, prefix).start()
    outage = Outage(write_config(tmp_path / "site.yaml", config), broker)
    try:
        outage.run(subscriber)
        rows = outbox_rows(tmp_path)
        wanted = {row.message.message_id for row in rows}

        def missing() -> set[str]:
            return wanted - set(message_ids(subscriber.messages()))

        wait_until(
            lambda: not missing(),
            60,
            "every stored message at the subscriber",
            details=lambda: f"{len(missing())} missing",
        )
    finally:
        outage.kill()
        subscriber.stop()

    arrived = message_ids(subscriber.messages())
    check_everything_arrived(tmp_path, rows, arrived, outage.pending_at_kill)


class Outage:
    """The story: run, broker away, kill -9, start again while it is away, broker back."""

    def __init__(self, config: Path, broker: PrivateBroker) -> None:
        self.config = config
        self.broker = broker
        self.processes: list[NightwatchProcess] = []
        self.pending_at_kill = 0

    def start(self, name: str) -> NightwatchProcess:
        log = self.config.parent / f"{name}.log"
        self.processes.append(NightwatchProcess(self.config, log, {}))
        return self.processes[-1]

    def run(self, subscriber: SessionSubscriber) -> None:
        """Each step waits for what the story needs to have happened, never a guessed time."""
        folder = self.config.parent
        first = self.start("first")
        wait_until(
            lambda: any("/dispatch/" in m.topic for m in subscriber.messages()),
            120,
            "the first dispatch",
            details=first.log_tail,
        )
        self.broker.stop()
        stored = len(outbox_rows(folder))
        # While the broker is away alerts and dispatches go on: wait for several of each.
        wait_until(
            lambda: stored_during(folder, stored) >= MESSAGES_EACH_PHASE,
            120,
            "messages stored during the outage",
            details=first.log_tail,
        )
        first.kill()
        rows = outbox_rows(folder)
        self.pending_at_kill = sum(1 for row in rows if row.delivered_at is None)
        second = self.start("second")  # while the broker is still away
        wait_until(
            lambda: stored_during(folder, len(rows)) >= MESSAGES_EACH_PHASE,
            120,
            "messages stored by the second process during the outage",
            details=second.log_tail,
        )
        self.broker.start()
        wait_until(
            lambda: "MQTT connected" in second.log(), 60, "reconnection", details=second.log_tail
        )
        after = len(outbox_rows(folder))
        wait_until(  # more alerts and dispatches after the outage too
            lambda: stored_during(folder, after) >= MESSAGES_EACH_PHASE,
            120,
            "messages stored after the outage",
            details=second.log_tail,
        )
        second.terminate()
        assert second.wait(60) == 0, second.log_tail()

    def kill(self) -> None:
        for process in self.processes:
            process.kill()


def check_everything_arrived(
    folder: Path, rows: list[OutboxRecord], arrived: list[str], pending_at_kill: int
) -> None:
    stored = [row.message.message_id for row in rows]
    first_arrivals = [message_id for message_id in dict.fromkeys(arrived) if message_id in stored]
    repeats = len([message_id for message_id in arrived if message_id in set(stored)]) - len(
        first_arrivals
    )
    alerts = sum(1 for row in rows if "/alerts/" in row.message.topic)
    print(
        f"\noutage: {len(stored)} messages stored ({alerts} alert, {len(stored) - alerts} "
        f"dispatch; {pending_at_kill} pending at kill -9), {len(first_arrivals)} delivered, "
        f"{repeats} repeats dropped by message_id"
    )
    assert pending_at_kill > 0, "the outage produced nothing to keep: the test proves nothing"
    assert all(row.delivered_at is not None for row in rows), "left undelivered in the outbox"
    assert first_arrivals == stored, "not every stored message arrived, in order"
    store = read_store(folder)
    try:
        alert_ids = {alert.id for alert in store.alerts.query(AlertQuery(limit=10_000))}
        dispatch_ids = {d.id for d in store.dispatches.query(DispatchQuery(limit=10_000))}
    finally:
        store.close()
    published = "\n".join(row.message.payload for row in rows)
    assert dispatch_ids and all(f'"dispatch_id":"{d}"' in published for d in dispatch_ids)
    assert alert_ids and all(f'"id":"{a}"' in published for a in alert_ids)

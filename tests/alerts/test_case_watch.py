"""An overdue case reaches the supervisor once, over the real broker and a real HTTP gateway:
not before its due date, not twice (also after a restart of the watch), not when it was closed
or given a later due date in time; on both databases."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from alerts.case_service import CaseService, CaseWatch
from alerts.dispatch.records import Outcome
from alerts.mqtt import MqttPublisher
from alerts.outbox import Outbox
from alerts.store import Store
from alerts.webhooks import RetryPolicy, WebhookSender
from tests.alerts.dispatch.support import dispatch_section, make_config
from tests.alerts.store.support import BACKENDS, FakeClock, make_payload, open_test_store
from tests.alerts.test_webhooks import SECRET, Gateway
from tests.support.mqtt import MqttCollector
from tests.support.waiting import wait_until


@pytest.fixture(params=BACKENDS)
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    with open_test_store(request.param, tmp_path, FakeClock()) as opened:
        yield opened


@pytest.fixture
def gateway() -> Iterator[Gateway]:
    opened = Gateway([])
    yield opened
    opened.close()


def open_case(service: CaseService, store: Store, due_in_h: float) -> str:
    payload = make_payload(camera="gate", zone="yard")
    store.alerts.record(payload)
    due = service.now() + timedelta(hours=due_in_h)
    _alert, case = service.resolve(
        payload.id, "op", Outcome.REFERRED_POLICE, "taken away", None, owner="alpha", due_at=due
    )
    assert case is not None
    return case.id


def test_an_overdue_case_goes_to_the_supervisor_once(
    store: Store, gateway: Gateway, mqtt_prefix: str, mqtt_subscriber: MqttCollector
) -> None:
    teams = dispatch_section()["teams"]
    teams["chief"]["webhooks"] = [{"url": gateway.url, "secret": SECRET}]
    config = make_config(mqtt_prefix, teams=teams)
    clock = store.database.clock
    assert isinstance(clock, FakeClock)
    service = CaseService(config, store)
    publisher = MqttPublisher(config.mqtt)
    outbox = Outbox(store.outbox, publisher)
    publisher.start()
    outbox.start()
    policy = RetryPolicy(3, 0.3, 1.0, 2.0)
    assert config.dispatch is not None
    sender = WebhookSender(store.webhooks, config.dispatch.secret_for, policy, clock)
    try:
        late = open_case(service, store, due_in_h=2)
        closed_in_time = open_case(service, store, due_in_h=1)
        moved_in_time = open_case(service, store, due_in_h=1)
        watch = CaseWatch(service, outbox)
        assert watch.check() == [], "nothing is due yet"
        store.cases.close(closed_in_time, "alpha", "handed to the police", service.announce)
        later = service.now() + timedelta(hours=24)
        store.cases.reassign(moved_in_time, "op", service.announce, due_at=later)

        clock.advance(hours=3)
        assert [case.id for case in watch.check()] == [late]
        assert watch.check() == [], "escalated once"
        assert CaseWatch(service, outbox).check() == [], "a new watch (a restart) neither"

        topic = f"{mqtt_prefix}/dispatch/chief/case"
        notice = mqtt_subscriber.wait_for(topic, timeout_s=10).json()
        assert (notice["schema"], notice["case_id"], notice["team"]) == (
            "nightwatch.case-overdue/1",
            late,
            "chief",
        )
        assert notice["overdue_s"] == pytest.approx(3600.0)
        sender.run_due()
        [request] = gateway.requests
        assert json.loads(request.body)["case_id"] == late
        [delivery] = store.webhooks.deliveries(late)
        assert delivery.state == "delivered"
        escalations = [r for r in store.audit.for_target(late) if r.action == "case.escalate"]
        assert len(escalations) == 1
        wait_until(lambda: store.outbox.depth() == 0, 10, "every case message sent")
        notices = mqtt_subscriber.messages(topic)
        assert [message.json()["case_id"] for message in notices] == [late]
        events = [
            m.json()["event"] for m in mqtt_subscriber.messages(f"{mqtt_prefix}/cases/{late}")
        ]
        assert events == ["open", "escalate"]
    finally:
        outbox.stop()
        publisher.stop()

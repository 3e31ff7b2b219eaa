"""The outbox with real brokers: stored first, sent in order, marked on PUBACK, kept through
outages, and waiting (with a clear error) while the broker refuses us."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from alerts.mqtt import NOT_AUTHORISED, MqttPublisher
from alerts.outbox import Outbox, OutboxMessage
from alerts.store import Store
from config.schema import MqttConfig
from tests.alerts.store.support import BACKENDS, open_test_store
from tests.support.mqtt import MqttCollector
from tests.support.private_broker import (
    Certificates,
    PrivateBroker,
    SessionSubscriber,
    make_certificates,
    message_ids,
    mqtt_settings,
)
from tests.support.waiting import wait_until


def messages(prefix: str, count: int, start: int = 0) -> list[OutboxMessage]:
    made = []
    for number in range(start, start + count):
        message_id = str(uuid.uuid4())
        body = json.dumps({"n": number, "message_id": message_id})
        made.append(OutboxMessage(f"{prefix}/alerts/gate/intrusion", body, message_id))
    return made


class Running:
    """A publisher and the outbox draining a store into it."""

    def __init__(self, store: Store, settings: dict[str, Any]) -> None:
        self.publisher = MqttPublisher(MqttConfig.model_validate(settings))
        self.outbox = Outbox(store.outbox, self.publisher)
        self.publisher.start()
        self.outbox.start()

    def stop(self) -> None:
        self.outbox.stop(drain_timeout_s=0)
        self.publisher.stop()


@pytest.fixture(scope="module")
def certificates(tmp_path_factory: pytest.TempPathFactory) -> Certificates:
    return make_certificates(tmp_path_factory.mktemp("pki"))


@pytest.fixture
def broker(tmp_path: Path, certificates: Certificates) -> Iterator[PrivateBroker]:
    private = PrivateBroker(tmp_path / "broker", certificates)
    private.start()
    yield private
    private.kill()


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with open_test_store("sqlite", tmp_path) as opened:
        yield opened


@pytest.mark.parametrize("backend", BACKENDS)
def test_messages_go_out_in_order_and_are_marked_delivered_on_puback(
    backend: str, tmp_path: Path, mqtt_prefix: str, mqtt_subscriber: MqttCollector
) -> None:
    with open_test_store(backend, tmp_path) as store:
        running = Running(store, {"topic_prefix": mqtt_prefix, "client_id": uuid.uuid4().hex})
        sent = messages(mqtt_prefix, 300)
        for start in range(0, 300, 30):  # in batches, as alerts arrive
            running.outbox.enqueue(sent[start : start + 30])

        wait_until(lambda: store.outbox.depth() == 0, 20, "every message acknowledged")
        running.stop()
        records = list(store.outbox.all())

    received = [
        m.json()["n"] for m in mqtt_subscriber.messages(f"{mqtt_prefix}/alerts/gate/intrusion")
    ]
    assert received == list(range(300))
    assert all(record.delivered_at is not None for record in records)
    assert [record.message.message_id for record in records] == [m.message_id for m in sent]


def test_a_broker_outage_loses_nothing_and_repeats_nothing_needlessly(
    broker: PrivateBroker, store: Store, mqtt_prefix: str
) -> None:
    subscriber = SessionSubscriber(broker, mqtt_prefix).start()
    running = Running(store, mqtt_settings(broker, mqtt_prefix))
    before = messages(mqtt_prefix, 20)
    running.outbox.enqueue(before)
    wait_until(lambda: store.outbox.depth() == 0, 15, "the first messages delivered")

    broker.stop()
    during = messages(mqtt_prefix, 30, start=20)
    for message in during:
        running.outbox.enqueue([message])
    wait_until(lambda: not running.publisher.status().connected, 10, "the outage to be noticed")
    assert store.outbox.depth() == 30
    broker.start()

    wait_until(
        lambda: store.outbox.depth() == 0, 45, "the backlog delivered", details=broker.log_tail
    )
    everything = [m.message_id for m in before + during]
    wait_until(
        lambda: set(message_ids(subscriber.messages())) >= set(everything), 15, "all received"
    )
    running.stop()
    subscriber.stop()
    arrived = list(dict.fromkeys(message_ids(subscriber.messages())))
    assert arrived == everything


def test_a_wrong_password_is_a_clear_error_and_messages_wait_in_the_outbox(
    broker: PrivateBroker, store: Store, mqtt_prefix: str
) -> None:
    refused = Running(store, mqtt_settings(broker, mqtt_prefix, password="wrong"))
    waiting = messages(mqtt_prefix, 5)
    refused.outbox.enqueue(waiting)

    status = wait_until(
        lambda: (
            refused.publisher.status()
            if refused.publisher.status().error == NOT_AUTHORISED
            else None
        ),
        10,
        "the refusal to be reported",
    )
    refused.stop()
    assert not status.connected
    assert NOT_AUTHORISED == "broker refused: not authorised (check mqtt.username/password)"
    assert store.outbox.depth() == 5

    subscriber = SessionSubscriber(broker, mqtt_prefix).start()
    fixed = Running(store, mqtt_settings(broker, mqtt_prefix))
    wait_until(lambda: store.outbox.depth() == 0, 15, "the waiting messages delivered")
    wait_until(lambda: len(message_ids(subscriber.messages())) >= 5, 10, "them to arrive")
    fixed.stop()
    subscriber.stop()
    assert message_ids(subscriber.messages()) == [m.message_id for m in waiting]


def test_tls_with_a_client_certificate_and_a_password_works(
    broker: PrivateBroker, store: Store, mqtt_prefix: str
) -> None:
    subscriber = SessionSubscriber(broker, mqtt_prefix).start()
    running = Running(store, mqtt_settings(broker, mqtt_prefix, secure=True))
    sent = messages(mqtt_prefix, 10)

    running.outbox.enqueue(sent)

    wait_until(lambda: store.outbox.depth() == 0, 15, "delivered over TLS")
    wait_until(lambda: len(message_ids(subscriber.messages())) >= 10, 10, "them to arrive")
    assert running.publisher.status().error is None
    running.stop()
    subscriber.stop()


@pytest.mark.parametrize(
    ("tls", "words"),
    [
        ({"ca_file": "STRANGER"}, ["TLS error", "not trusted", "mqtt.tls.ca_file", "stranger.pem"]),
        ({"ca_file": "CA"}, ["TLS error", "mqtt.tls.cert_file"]),
    ],
    ids=["untrusted-server-certificate", "no-client-certificate"],
)
def test_tls_problems_are_clear_errors_and_messages_wait(
    broker: PrivateBroker,
    store: Store,
    certificates: Certificates,
    mqtt_prefix: str,
    tls: dict[str, str],
    words: list[str],
) -> None:
    files = {"STRANGER": str(certificates.stranger_ca), "CA": str(certificates.ca_file)}
    settings = mqtt_settings(
        broker, mqtt_prefix, secure=True, tls={"ca_file": files[tls["ca_file"]]}
    )
    running = Running(store, settings)
    running.outbox.enqueue(messages(mqtt_prefix, 3))

    def reported() -> str | None:
        error = running.publisher.status().error
        return error if error and error.startswith("TLS error") else None

    error = wait_until(reported, 15, "a TLS error in the broker status")
    running.stop()
    for word in words:
        assert word in error
    assert store.outbox.depth() == 3


def test_a_message_the_client_cannot_send_is_set_aside_and_the_rest_go_on(
    store: Store, mqtt_prefix: str, mqtt_subscriber: MqttCollector
) -> None:
    running = Running(store, {"topic_prefix": mqtt_prefix, "client_id": uuid.uuid4().hex})
    good = messages(mqtt_prefix, 2)
    bad = OutboxMessage(f"{mqtt_prefix}/alerts/#", "{}", str(uuid.uuid4()))

    running.outbox.enqueue([good[0], bad, good[1]])

    wait_until(lambda: store.outbox.depth() == 0, 15, "the good ones delivered")
    running.stop()
    failures = [r.failure for r in store.outbox.all() if r.failure]
    assert len(failures) == 1 and "wildcard" in (failures[0] or "").lower()
    assert running.outbox.status().failed == 1
    mqtt_subscriber.wait_for(f"{mqtt_prefix}/alerts/gate/intrusion", lambda m: m.json()["n"] == 1)

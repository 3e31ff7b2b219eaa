"""MqttPublisher against the real broker: retained availability, last will, status, alerts."""

from __future__ import annotations

from collections.abc import Callable

from alerts.mqtt import MqttPublisher, Topics
from config.schema import MqttConfig
from tests.support.mqtt import MqttCollector, Received
from tests.support.net import free_port
from tests.support.waiting import wait_until


def make_publisher(prefix: str, url: str = "mqtt://127.0.0.1:1883") -> MqttPublisher:
    return MqttPublisher(
        MqttConfig.model_validate(
            {"url": url, "topic_prefix": prefix, "client_id": prefix.replace("/", "-")}
        )
    )


def is_text(text: str) -> Callable[[Received], bool]:
    return lambda message: message.text == text


def test_topics_live_under_the_prefix() -> None:
    topics = Topics("site-a")

    assert topics.availability == "site-a/availability"
    assert topics.camera_status("gate") == "site-a/cameras/gate/status"
    assert topics.alert("gate", "intrusion") == "site-a/alerts/gate/intrusion"


def test_availability_is_retained_online_then_offline_on_stop(
    mqtt_prefix: str, mqtt_subscribe: Callable[[], MqttCollector]
) -> None:
    publisher = make_publisher(mqtt_prefix)
    publisher.start()
    assert publisher.wait_connected(10), publisher.status()
    availability = f"{mqtt_prefix}/availability"
    first = mqtt_subscribe()
    first.wait_for(availability, is_text("online"), timeout_s=10)

    late = mqtt_subscribe()  # joins after the fact: only a retained message reaches it
    retained = late.wait_for(availability, timeout_s=10)
    publisher.stop()

    assert (retained.text, retained.retain) == ("online", True)
    first.wait_for(availability, is_text("offline"), timeout_s=10)
    after_stop = mqtt_subscribe().wait_for(availability, timeout_s=10)
    assert (after_stop.text, after_stop.retain) == ("offline", True)


def test_messages_published_in_order_arrive_in_order(
    mqtt_prefix: str, mqtt_subscriber: MqttCollector
) -> None:
    publisher = make_publisher(mqtt_prefix)
    publisher.start()
    assert publisher.wait_connected(10)
    topic = publisher.topics.alert("gate", "intrusion")

    for index in range(50):
        publisher.publish(topic, f'{{"n": {index}}}')

    mqtt_subscriber.wait_for(topic, lambda message: message.json()["n"] == 49, timeout_s=10)
    publisher.stop()
    assert [message.json()["n"] for message in mqtt_subscriber.messages(topic)] == list(range(50))


def test_an_unreachable_broker_is_reported_and_publishing_does_not_raise(
    mqtt_prefix: str,
) -> None:
    port = free_port()
    publisher = make_publisher(mqtt_prefix, url=f"mqtt://127.0.0.1:{port}")
    publisher.start()
    try:
        publisher.publish(publisher.topics.alert("gate", "intrusion"), "{}")
        status = wait_until(
            lambda: publisher.status() if publisher.status().error != "not connected yet" else None,
            timeout_s=10,
            what="the publisher to report the unreachable broker",
        )
    finally:
        publisher.stop()

    assert not status.connected
    assert status.error == f"cannot reach broker at 127.0.0.1:{port}"

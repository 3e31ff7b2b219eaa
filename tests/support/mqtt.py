"""An MQTT v5 subscriber that collects what the broker delivers, and retained-message cleanup."""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import paho.mqtt.client as paho
from paho.mqtt.enums import CallbackAPIVersion
from paho.mqtt.properties import Properties
from paho.mqtt.reasoncodes import ReasonCode

from tests.support.waiting import wait_until

BROKER_HOST = "127.0.0.1"
BROKER_PORT = 1883


@dataclass(frozen=True, slots=True)
class Received:
    """One delivered message; `at` is time.monotonic() on arrival."""

    topic: str
    payload: bytes
    retain: bool
    at: float

    @property
    def text(self) -> str:
        return self.payload.decode("utf-8")

    def json(self) -> dict[str, Any]:
        data = json.loads(self.payload)
        assert isinstance(data, dict), f"{self.topic}: payload is not a JSON object"
        return data


MessageCheck = Callable[[Received], bool]


class MqttCollector:
    """Subscribes to `<prefix>/#` and keeps every message, in arrival order."""

    def __init__(self, prefix: str, host: str = BROKER_HOST, port: int = BROKER_PORT) -> None:
        self.prefix = prefix
        self.host, self.port = host, port
        self._received: list[Received] = []
        self._lock = threading.Lock()
        self._subscribed = threading.Event()
        self._client = paho.Client(
            callback_api_version=CallbackAPIVersion.VERSION2,
            client_id=f"test-sub-{uuid.uuid4().hex[:12]}",
            protocol=paho.MQTTv5,
        )
        self._client.on_connect = self._on_connect
        self._client.on_subscribe = self._on_subscribe
        self._client.on_message = self._on_message

    def start(self, timeout_s: float = 10.0) -> MqttCollector:
        """Connect and return once the subscription is confirmed."""
        try:
            self._client.connect(self.host, self.port, keepalive=30)
        except OSError as error:
            raise AssertionError(
                f"no MQTT broker at {self.host}:{self.port} ({error}); the tests need "
                "Mosquitto running there"
            ) from error
        self._client.loop_start()
        if not self._subscribed.wait(timeout_s):
            raise AssertionError(f"subscription to {self.prefix}/# not confirmed in {timeout_s} s")
        return self

    def stop(self) -> None:
        self._client.disconnect()
        self._client.loop_stop()

    def publish(self, topic: str, payload: bytes, retain: bool = False) -> None:
        """Publish with QoS 1 and wait until the broker has it."""
        self._client.publish(topic, payload, qos=1, retain=retain).wait_for_publish(5)

    def _on_connect(
        self,
        client: paho.Client,
        userdata: Any,
        flags: Any,
        reason: ReasonCode,
        properties: Properties | None,
    ) -> None:
        client.subscribe(f"{self.prefix}/#", qos=1)

    def _on_subscribe(
        self,
        client: paho.Client,
        userdata: Any,
        mid: int,
        reasons: list[ReasonCode],
        properties: Properties | None,
    ) -> None:
        self._subscribed.set()

    def _on_message(self, client: paho.Client, userdata: Any, message: paho.MQTTMessage) -> None:
        received = Received(message.topic, bytes(message.payload), message.retain, time.monotonic())
        with self._lock:
            self._received.append(received)

    def messages(self, topic: str | None = None, since: int = 0) -> list[Received]:
        """Messages so far (on `topic` if given), from index `since` of the full list."""
        with self._lock:
            items = self._received[since:]
        return [item for item in items if topic is None or item.topic == topic]

    def mark(self) -> int:
        """A position in the message list: pass it as `since` to see only later messages."""
        with self._lock:
            return len(self._received)

    def wait_for(
        self,
        topic: str,
        check: MessageCheck | None = None,
        timeout_s: float = 30.0,
        since: int = 0,
        what: str = "",
        details: Callable[[], str] | None = None,
    ) -> Received:
        """The first message on `topic` (after `since`) that passes `check`."""

        def find() -> Received | None:
            for item in self.messages(topic, since):
                if check is None or check(item):
                    return item
            return None

        def explain() -> str:
            text = f"received on {self.prefix}/#:\n{self.summary()}"
            return text + (f"\n{details()}" if details is not None else "")

        return wait_until(find, timeout_s, what or f"a message on {topic}", details=explain)

    def summary(self, limit: int = 40) -> str:
        lines = [
            f"  {'R' if item.retain else ' '} {item.topic}: {item.text[:160]}"
            for item in self.messages()[-limit:]
        ]
        return "\n".join(lines) or "  (nothing)"


def clear_retained(prefix: str, host: str = BROKER_HOST, port: int = BROKER_PORT) -> list[str]:
    """Delete every retained message under `<prefix>/`; returns the topics cleared."""
    collector = MqttCollector(prefix, host, port).start()
    # The broker sends the retained messages right after confirming the subscription, before
    # anything published later: once a marker published now arrives, all of them are in.
    marker = f"{prefix}/test-marker/{uuid.uuid4().hex}"
    collector.publish(marker, b"marker")
    collector.wait_for(marker, timeout_s=10, what="the marker after the retained messages")
    topics = sorted({item.topic for item in collector.messages() if item.retain and item.payload})
    for topic in topics:
        collector.publish(topic, b"", retain=True)
    collector.stop()
    return topics

"""MQTT publishing with paho-mqtt: availability with a last will, retained camera status, alerts."""

from __future__ import annotations

import logging
import ssl
import threading
from dataclasses import dataclass
from typing import Any

import paho.mqtt.client as paho
from paho.mqtt.enums import CallbackAPIVersion, MQTTErrorCode
from paho.mqtt.properties import Properties
from paho.mqtt.reasoncodes import ReasonCode

from config.schema import MqttConfig

log = logging.getLogger(__name__)

ONLINE = "online"
OFFLINE = "offline"


@dataclass(frozen=True, slots=True)
class Topics:
    """Every topic Nightwatch publishes, under one prefix (see docs/mqtt.md)."""

    prefix: str

    @property
    def availability(self) -> str:
        return f"{self.prefix}/availability"

    def camera_status(self, camera: str) -> str:
        return f"{self.prefix}/cameras/{camera}/status"

    def alert(self, camera: str, rule: str) -> str:
        return f"{self.prefix}/alerts/{camera}/{rule}"


@dataclass(frozen=True, slots=True)
class BrokerStatus:
    connected: bool
    error: str | None
    queued: int


class MqttPublisher:
    """A connection that reconnects by itself; messages wait in memory while the broker is away."""

    def __init__(self, config: MqttConfig) -> None:
        self.config = config
        self.topics = Topics(config.topic_prefix)
        protocol = paho.MQTTv5 if config.protocol == "5" else paho.MQTTv311
        self._client = paho.Client(
            callback_api_version=CallbackAPIVersion.VERSION2,
            client_id=config.client_id,
            protocol=protocol,
        )
        if config.username is not None:
            self._client.username_pw_set(config.username, config.password)
        if config.uses_tls:
            tls = config.tls
            self._client.tls_set(
                ca_certs=tls.ca_file if tls else None,
                certfile=tls.cert_file if tls else None,
                keyfile=tls.key_file if tls else None,
                cert_reqs=ssl.CERT_REQUIRED,
            )
            if tls is not None and tls.insecure:
                self._client.tls_insecure_set(True)
        self._client.will_set(self.topics.availability, OFFLINE, qos=1, retain=True)
        self._client.max_queued_messages_set(config.max_queued_messages)
        self._client.reconnect_delay_set(min_delay=1, max_delay=30)
        self._client.on_connect = self._on_connect
        self._client.on_disconnect = self._on_disconnect
        self._client.on_connect_fail = self._on_connect_fail
        self._connected = threading.Event()
        self._error: str | None = "not connected yet"

    def start(self) -> None:
        """Connect in the background; returns at once even if the broker is down."""
        self._client.connect_async(self.config.host, self.config.port, self.config.keepalive_s)
        self._client.loop_start()

    def wait_connected(self, timeout_s: float) -> bool:
        return self._connected.wait(timeout_s)

    def status(self) -> BrokerStatus:
        queued = len(getattr(self._client, "_out_messages", {}))
        return BrokerStatus(self._connected.is_set(), self._error, queued)

    def publish(self, topic: str, payload: str, retain: bool = False) -> None:
        """Publish with QoS 1. While the broker is away the message waits in paho's queue."""
        info = self._client.publish(topic, payload, qos=1, retain=retain)
        if info.rc not in (MQTTErrorCode.MQTT_ERR_SUCCESS, MQTTErrorCode.MQTT_ERR_NO_CONN):
            log.error("MQTT publish to %s refused: %s", topic, paho.error_string(info.rc))

    def stop(self, timeout_s: float = 5.0) -> None:
        """Say offline (retained), let queued messages go out, then disconnect."""
        if self._connected.is_set():
            info = self._client.publish(self.topics.availability, OFFLINE, qos=1, retain=True)
            try:
                info.wait_for_publish(timeout_s)
            except (RuntimeError, ValueError):
                log.warning("could not publish offline before shutdown")
        self._client.disconnect()
        self._client.loop_stop()

    def _on_connect(
        self,
        client: paho.Client,
        userdata: Any,
        flags: Any,
        reason: ReasonCode,
        properties: Properties | None,
    ) -> None:
        if reason.is_failure:
            self._error = f"broker refused the connection: {reason}"
            log.error("MQTT %s:%s %s", self.config.host, self.config.port, self._error)
            return
        self._error = None
        log.info("MQTT connected to %s:%s", self.config.host, self.config.port)
        client.publish(self.topics.availability, ONLINE, qos=1, retain=True)
        self._connected.set()

    def _on_disconnect(
        self,
        client: paho.Client,
        userdata: Any,
        flags: Any,
        reason: ReasonCode,
        properties: Properties | None,
    ) -> None:
        self._connected.clear()
        if reason.is_failure:
            self._error = f"disconnected: {reason}"
            log.warning("MQTT disconnected (%s); reconnecting", reason)

    def _on_connect_fail(self, client: paho.Client, userdata: Any) -> None:
        self._connected.clear()
        self._error = f"cannot reach broker at {self.config.host}:{self.config.port}"
        log.warning("MQTT %s; retrying", self._error)

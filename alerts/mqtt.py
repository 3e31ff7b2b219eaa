"""MQTT with paho-mqtt: availability with a last will, retained camera status, messages from
the outbox (alerts, dispatch orders) with their PUBACKs, and the replies patrol teams send."""

from __future__ import annotations

import contextlib
import logging
import os
import socket
import ssl
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import paho.mqtt.client as paho
from paho.mqtt.enums import CallbackAPIVersion, MQTTErrorCode
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties
from paho.mqtt.reasoncodes import ReasonCode

from config.schema import MqttConfig, TlsConfig

if TYPE_CHECKING:
    from alerts.outbox import OutboxMessage

log = logging.getLogger(__name__)

ONLINE = "online"
OFFLINE = "offline"
NOT_AUTHORISED = "broker refused: not authorised (check mqtt.username/password)"
_AUTH_REFUSALS = (134, 135, 4, 5)  # MQTT 5 bad credentials / not authorised; 3.1.1 the same
_PROBE_TIMEOUT_S = 5.0


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

    def case(self, case_id: str) -> str:
        return f"{self.prefix}/cases/{case_id}"

    def dispatch(self, team: str, kind: str | None = None) -> str:
        """A team's orders; `kind` reply, state, voice or error: the topic below it."""
        base = f"{self.prefix}/dispatch/{team}"
        return base if kind is None else f"{base}/{kind}"


@dataclass(frozen=True, slots=True)
class InboundMessage:
    """A message the broker delivered to a subscription."""

    topic: str
    payload: bytes
    correlation: bytes | None  # MQTT 5 correlation data
    response_topic: str | None


MessageHandler = Callable[[InboundMessage], None]


class MqttSendError(RuntimeError):
    """The client could not take a message now (its queue is full); try again later."""


@dataclass(frozen=True, slots=True)
class SentMessage:
    """A message handed to the client; `refusal` says why it never will be sent."""

    info: paho.MQTTMessageInfo | None
    refusal: str | None = None

    def is_acknowledged(self) -> bool:
        return self.info is not None and self.info.is_published()


@dataclass(frozen=True, slots=True)
class BrokerStatus:
    connected: bool
    error: str | None
    queued: int


class MqttPublisher:
    """A connection that reconnects by itself; messages wait in memory while the broker is away."""

    def __init__(
        self, config: MqttConfig, session_expiry_s: int = 0, announce: bool = True
    ) -> None:
        """`session_expiry_s` > 0: the broker keeps the session (subscriptions, messages
        for them) that long while Nightwatch is away, so replies sent meanwhile wait.

        `announce`: this connection speaks for Nightwatch's availability (online, and offline
        as its last will). In a cluster only the coordinator does; camera nodes publish
        their cameras' status on their own connections, with their own client ids."""
        self._announce = announce
        self.config = config
        self.topics = Topics(config.topic_prefix)
        self._session_expiry_s = session_expiry_s
        v5 = config.protocol == "5"
        self._client = paho.Client(
            callback_api_version=CallbackAPIVersion.VERSION2,
            client_id=config.client_id,
            protocol=paho.MQTTv5 if v5 else paho.MQTTv311,
            clean_session=None if v5 else session_expiry_s == 0,
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
        if announce:
            self._client.will_set(self.topics.availability, OFFLINE, qos=1, retain=True)
        self._client.max_queued_messages_set(config.max_queued_messages)
        self._client.reconnect_delay_set(min_delay=1, max_delay=30)
        self._client.on_connect = self._on_connect
        self._client.on_disconnect = self._on_disconnect
        self._client.on_connect_fail = self._on_connect_fail
        self._client.on_publish = self._on_publish
        self._client.on_message = self._on_message
        self._connected = threading.Event()
        self._error: str | None = "not connected yet"
        self._refused = False  # the broker answered this attempt with a refusal
        self._subscriptions: dict[str, MessageHandler] = {}
        self._ack_listeners: list[Callable[[], None]] = []

    def start(self) -> None:
        """Connect in the background; returns at once even if the broker is down."""
        host, port, keepalive = self.config.host, self.config.port, self.config.keepalive_s
        if self.config.protocol == "5" and self._session_expiry_s > 0:
            properties = Properties(PacketTypes.CONNECT)  # type: ignore[no-untyped-call]
            properties.SessionExpiryInterval = self._session_expiry_s
            self._client.connect_async(
                host, port, keepalive, clean_start=False, properties=properties
            )
        else:
            self._client.connect_async(host, port, keepalive)
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

    def send(self, message: OutboxMessage) -> SentMessage:
        """Publish an outbox message; the handle tells when its PUBACK arrived. While the
        broker is away it waits in the client and goes out (again) after reconnecting."""
        properties = None
        if self.config.protocol == "5":
            properties = Properties(PacketTypes.PUBLISH)  # type: ignore[no-untyped-call]
            properties.UserProperty = ("message-id", message.message_id)
            if message.response_topic is not None:
                properties.ResponseTopic = message.response_topic
            if message.correlation is not None:
                properties.CorrelationData = message.correlation.encode("utf-8")
        try:
            info = self._client.publish(
                message.topic, message.payload, message.qos, message.retain, properties
            )
        except ValueError as error:  # a bad topic or an oversized payload: never sendable
            return SentMessage(None, str(error))
        if info.rc not in (MQTTErrorCode.MQTT_ERR_SUCCESS, MQTTErrorCode.MQTT_ERR_NO_CONN):
            reason = paho.error_string(info.rc)
            raise MqttSendError(f"MQTT client refused {message.topic}: {reason}")
        return SentMessage(info)

    def on_acknowledged(self, listener: Callable[[], None]) -> None:
        """Call `listener` (on the network thread) whenever a PUBACK arrives."""
        self._ack_listeners.append(listener)

    def subscribe(self, topic_filter: str, handler: MessageHandler) -> None:
        """Deliver messages matching `topic_filter` (QoS 1) to `handler`, on the network
        thread; the broker gets the PUBACK once `handler` returns. Renewed on reconnect."""
        self._subscriptions[topic_filter] = handler
        if self._connected.is_set():
            self._client.subscribe(topic_filter, qos=1)

    def stop(self, timeout_s: float = 5.0) -> None:
        """Say offline (retained), let queued messages go out, then disconnect."""
        if self._connected.is_set() and self._announce:
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
            self._refused = True
            refused = reason.value in _AUTH_REFUSALS
            self._error = NOT_AUTHORISED if refused else f"broker refused: {reason}"
            log.error("MQTT %s:%s %s", self.config.host, self.config.port, self._error)
            return
        self._error, self._refused = None, False
        log.info("MQTT connected to %s:%s", self.config.host, self.config.port)
        for topic_filter in self._subscriptions:
            client.subscribe(topic_filter, qos=1)
        if self._announce:
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
        was_connected = self._connected.is_set()
        self._connected.clear()
        if was_connected and reason.is_failure:
            self._error = f"disconnected: {reason}"
            log.warning("MQTT disconnected (%s); reconnecting", reason)
        elif not was_connected and not self._refused:
            self._on_connect_fail(client, userdata)  # e.g. a client certificate refused
        self._refused = False

    def _on_connect_fail(self, client: paho.Client, userdata: Any) -> None:
        self._connected.clear()
        self._error = diagnose_connection(self.config)
        log.warning("MQTT %s; retrying", self._error)

    def _on_publish(
        self,
        client: paho.Client,
        userdata: Any,
        mid: int,
        reason: ReasonCode,
        properties: Properties | None,
    ) -> None:
        for listener in self._ack_listeners:
            listener()

    def _on_message(self, client: paho.Client, userdata: Any, message: paho.MQTTMessage) -> None:
        properties = message.properties
        correlation = getattr(properties, "CorrelationData", None)
        inbound = InboundMessage(
            topic=message.topic,
            payload=bytes(message.payload),
            correlation=bytes(correlation) if correlation is not None else None,
            response_topic=getattr(properties, "ResponseTopic", None),
        )
        for topic_filter, handler in list(self._subscriptions.items()):
            if paho.topic_matches_sub(topic_filter, inbound.topic):
                try:
                    handler(inbound)
                except Exception:  # one bad message must not stop the network thread
                    log.exception("MQTT message on %s not handled", inbound.topic)


def tls_context(tls: TlsConfig | None) -> ssl.SSLContext:
    """The TLS settings paho uses, as an SSL context (for diagnosing a failed connection)."""
    context = ssl.create_default_context(cafile=tls.ca_file if tls else None)
    if tls is not None and tls.cert_file and tls.key_file:
        context.load_cert_chain(tls.cert_file, tls.key_file)
    if tls is not None and tls.insecure:
        context.check_hostname = False
    return context


def diagnose_connection(config: MqttConfig) -> str:
    """Why connecting fails, in words an operator can act on (probes the broker once)."""
    where = f"{config.host}:{config.port}"
    try:
        with socket.create_connection((config.host, config.port), _PROBE_TIMEOUT_S) as raw:
            if not config.uses_tls:
                return f"cannot connect to broker at {where}: it closed the connection"
            context = tls_context(config.tls)
            with context.wrap_socket(raw, server_hostname=config.host) as wrapped:
                wrapped.settimeout(1.0)
                with contextlib.suppress(TimeoutError):
                    wrapped.recv(1)  # TLS 1.3 refuses a client certificate after the handshake
                return f"cannot connect to broker at {where} (TLS is fine)"
    except ssl.SSLCertVerificationError as error:
        ca_file = config.tls.ca_file if config.tls and config.tls.ca_file else "system CAs"
        return (
            f"TLS error: the broker's certificate is not trusted ({error.verify_message}); "
            f"check mqtt.tls.ca_file ({ca_file})"
        )
    except ssl.SSLError as error:
        return (
            f"TLS error: {error.reason or error}; check mqtt.tls.cert_file and key_file "
            "(the broker may require a client certificate) and mqtt.tls.ca_file"
        )
    except OSError as error:
        log.debug("MQTT probe of %s: %s", where, error)
        return f"cannot reach broker at {where}"


class MqttListener:
    """A plain subscriber to one topic filter (benchmarks and tools that watch the bus); it
    publishes nothing, so it claims no availability and leaves no will."""

    def __init__(self, config: MqttConfig, topic_filter: str, handler: MessageHandler) -> None:
        self._client = paho.Client(
            CallbackAPIVersion.VERSION2, client_id=f"{config.client_id}-listener-{os.getpid()}"
        )
        if config.username is not None:
            self._client.username_pw_set(config.username, config.password)
        self._topic_filter = topic_filter
        self._handler = handler
        self._client.on_connect = self._subscribe
        self._client.on_message = self._deliver
        self._client.connect(config.host, config.port)
        self._client.loop_start()

    def _subscribe(self, client: Any, userdata: Any, *_rest: Any) -> None:
        client.subscribe(self._topic_filter, qos=1)

    def _deliver(self, client: Any, userdata: Any, message: paho.MQTTMessage) -> None:
        self._handler(InboundMessage(message.topic, bytes(message.payload), None, None))

    def stop(self) -> None:
        self._client.loop_stop()
        self._client.disconnect()

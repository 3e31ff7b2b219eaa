"""A private Mosquitto for the tests: its own ports, a password file, a certificate authority
and certificates made with openssl in a temporary folder, and persistence on disk (sessions
and their queued messages survive a restart, as on a production broker).

    broker = PrivateBroker(tmp_path, make_certificates(tmp_path / "pki")); broker.start()
    broker.url        mqtt://127.0.0.1:PORT    user + password
    broker.tls_url    mqtts://127.0.0.1:PORT   user + password + client certificate
"""

from __future__ import annotations

import json
import signal
import subprocess
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import paho.mqtt.client as paho
from paho.mqtt.enums import CallbackAPIVersion
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties
from paho.mqtt.reasoncodes import ReasonCode

from tests.support.mqtt import Received
from tests.support.net import free_port, is_listening
from tests.support.waiting import wait_until

MOSQUITTO = "/usr/sbin/mosquitto"
USER, PASSWORD = "nightwatch", "night-patrol-7"


@dataclass(frozen=True, slots=True)
class Certificates:
    ca_file: Path
    server_cert: Path
    server_key: Path
    client_cert: Path
    client_key: Path
    stranger_ca: Path  # a CA that signed nothing here: trusting only it must fail


def _openssl(*args: str, cwd: Path) -> None:
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True, timeout=60)


def _issue(folder: Path, name: str, subject: str, ca: str, extensions: str | None) -> None:
    _openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", f"{name}.key", "-out",
             f"{name}.csr", "-subj", subject, cwd=folder)  # fmt: skip
    command = ["x509", "-req", "-in", f"{name}.csr", "-CA", f"{ca}.pem", "-CAkey", f"{ca}.key",
               "-CAcreateserial", "-out", f"{name}.pem", "-days", "2"]  # fmt: skip
    if extensions is not None:
        (folder / f"{name}.ext").write_text(extensions, encoding="utf-8")
        command += ["-extfile", f"{name}.ext"]
    _openssl(*command, cwd=folder)


def make_certificates(folder: Path) -> Certificates:
    """A CA, a server certificate for 127.0.0.1/localhost, a client certificate, and a
    second, unrelated CA."""
    folder.mkdir(parents=True, exist_ok=True)
    for ca, subject in (("ca", "/CN=Nightwatch Test CA"), ("stranger", "/CN=Stranger CA")):
        _openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", f"{ca}.key",
                 "-out", f"{ca}.pem", "-days", "2", "-subj", subject, cwd=folder)  # fmt: skip
    _issue(folder, "server", "/CN=localhost", "ca", "subjectAltName=DNS:localhost,IP:127.0.0.1\n")
    _issue(folder, "client", "/CN=nightwatch", "ca", None)
    return Certificates(
        folder / "ca.pem",
        folder / "server.pem",
        folder / "server.key",
        folder / "client.pem",
        folder / "client.key",
        folder / "stranger.pem",
    )


class PrivateBroker:
    """Mosquitto with password authentication on `port` and, with certificates, TLS with
    required client certificates on `tls_port`."""

    def __init__(self, folder: Path, certificates: Certificates | None = None) -> None:
        self.folder = folder
        self.certificates = certificates
        self.port = free_port()
        self.tls_port = free_port() if certificates is not None else None
        self._process: subprocess.Popen[bytes] | None = None
        folder.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            ["mosquitto_passwd", "-b", "-c", str(folder / "passwd"), USER, PASSWORD],
            check=True,
            capture_output=True,
            timeout=30,
        )
        (folder / "mosquitto.conf").write_text(self._config(), encoding="utf-8")

    @property
    def url(self) -> str:
        return f"mqtt://127.0.0.1:{self.port}"

    @property
    def tls_url(self) -> str:
        return f"mqtts://127.0.0.1:{self.tls_port}"

    def _config(self) -> str:
        lines = [
            "user root",  # keep root: the files lie in the test's private temporary folder
            "allow_anonymous false",
            f"password_file {self.folder / 'passwd'}",
            "persistence true",
            f"persistence_location {self.folder}/",
            f"log_dest file {self.folder / 'mosquitto.log'}",
            "log_type all",
            "max_queued_messages 100000",
            f"listener {self.port} 127.0.0.1",
        ]
        if self.certificates is not None:
            pki = self.certificates
            lines += [
                f"listener {self.tls_port} 127.0.0.1",
                f"cafile {pki.ca_file}",
                f"certfile {pki.server_cert}",
                f"keyfile {pki.server_key}",
                "require_certificate true",
            ]
        return "\n".join(lines) + "\n"

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def start(self, timeout_s: float = 15.0) -> None:
        assert not self.running, "broker already running"
        self._process = subprocess.Popen(
            [MOSQUITTO, "-c", str(self.folder / "mosquitto.conf")],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_until(
            lambda: is_listening(self.port),
            timeout_s,
            f"private mosquitto on port {self.port}",
            details=self.log_tail,
        )

    def stop(self, timeout_s: float = 10.0) -> None:
        """SIGTERM: mosquitto saves its sessions and their queued messages, then exits."""
        process = self._process
        if process is not None and process.poll() is None:
            process.send_signal(signal.SIGTERM)
            process.wait(timeout_s)

    def kill(self) -> None:
        process = self._process
        if process is not None and process.poll() is None:
            process.kill()
            process.wait(10)

    def log_tail(self, lines: int = 40) -> str:
        path = self.folder / "mosquitto.log"
        text = path.read_text(errors="replace") if path.exists() else ""
        return "--- mosquitto log ---\n" + "\n".join(text.splitlines()[-lines:])


def mqtt_settings(
    broker: PrivateBroker, prefix: str, secure: bool = False, **overrides: Any
) -> dict[str, Any]:
    """The `mqtt:` section for Nightwatch on the private broker (a config dict); `secure`:
    over TLS with the client certificate."""
    settings: dict[str, Any] = {
        "url": broker.tls_url if secure else broker.url,
        "client_id": f"nw-{uuid.uuid4().hex[:10]}",
        "topic_prefix": prefix,
        "username": USER,
        "password": PASSWORD,
        "keepalive_s": 5,
    }
    if secure and broker.certificates is not None:
        pki = broker.certificates
        settings["tls"] = {
            "ca_file": str(pki.ca_file),
            "cert_file": str(pki.client_cert),
            "key_file": str(pki.client_key),
        }
    settings.update(overrides)
    return settings


class SessionSubscriber:
    """A subscriber to `<prefix>/#` on the private broker with a persistent MQTT 5 session:
    what is published while it (or the broker) is away reaches it after both are back."""

    def __init__(self, broker: PrivateBroker, prefix: str) -> None:
        self.prefix = prefix
        self._received: list[Received] = []
        self._lock = threading.Lock()
        self._subscribed = threading.Event()
        self._client = paho.Client(
            callback_api_version=CallbackAPIVersion.VERSION2,
            client_id=f"test-session-{uuid.uuid4().hex[:10]}",
            protocol=paho.MQTTv5,
        )
        self._client.username_pw_set(USER, PASSWORD)
        self._client.reconnect_delay_set(min_delay=1, max_delay=2)
        self._client.on_connect = self._on_connect
        self._client.on_subscribe = lambda *_args: self._subscribed.set()
        self._client.on_message = self._on_message
        self._port = broker.port

    def start(self, timeout_s: float = 10.0) -> SessionSubscriber:
        properties = Properties(PacketTypes.CONNECT)  # type: ignore[no-untyped-call]
        properties.SessionExpiryInterval = 3600
        self._client.connect_async(
            "127.0.0.1", self._port, 10, clean_start=False, properties=properties
        )
        self._client.loop_start()
        assert self._subscribed.wait(timeout_s), "private broker subscription not confirmed"
        return self

    def stop(self) -> None:
        self._client.disconnect()
        self._client.loop_stop()

    def _on_connect(
        self, client: paho.Client, _u: Any, _f: Any, reason: ReasonCode, _p: Properties | None
    ) -> None:
        if not reason.is_failure:
            client.subscribe(f"{self.prefix}/#", qos=1)

    def _on_message(self, _client: paho.Client, _u: Any, message: paho.MQTTMessage) -> None:
        received = Received(message.topic, bytes(message.payload), message.retain, time.monotonic())
        with self._lock:
            self._received.append(received)

    def messages(self) -> list[Received]:
        with self._lock:
            return list(self._received)

    def wait_for(self, check: Callable[[Received], bool], timeout_s: float, what: str) -> Received:
        def find() -> Received | None:
            return next((item for item in self.messages() if check(item)), None)

        return wait_until(find, timeout_s, what, details=lambda: f"{len(self.messages())} seen")


def message_ids(messages: list[Received]) -> list[str]:
    """The message_id of every JSON message with one, in arrival order (repeats kept)."""
    found = []
    for item in messages:
        try:
            body = json.loads(item.payload)
        except ValueError:
            continue
        if isinstance(body, dict) and isinstance(body.get("message_id"), str):
            found.append(body["message_id"])
    return found

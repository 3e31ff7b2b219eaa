"""The county's one console, as a Ray actor: every camera wherever it runs, every alert and
dispatch (from the shared store), the live view of any camera (asked of its actor), and the
nodes page.

Live events reach it from the broker, where every camera node publishes its camera status and
the coordinator publishes the alerts; the console does not depend on the process that
produced them still being there.
"""

from __future__ import annotations

import contextlib
import logging
import os
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import ray
from pydantic import ValidationError

from alerts.dispatch.service import Dispatcher
from alerts.mqtt import InboundMessage, MqttListener, MqttPublisher
from alerts.outbox import Outbox
from alerts.payloads import AlertPayload, CameraStatusPayload, camera_status_from_payload
from alerts.store import open_configured_store
from config.loader import parse_config
from config.schema import NightwatchConfig
from console import ConsoleServices, create_app
from console.accounts.repository import open_accounts
from console.ports import JpegPicture, LiveListener, NodeView, PipelineFigures
from console.server import ConsoleServer, parse_address
from ingest.status import CameraStatus
from nightwatch.cluster.names import CAMERA_PREFIX, camera_actor_name
from nightwatch.cluster.nodes import cluster_nodes

log = logging.getLogger(__name__)
ASK_TIMEOUT_S = 3.0


@dataclass(frozen=True, slots=True)
class _Picture:
    seq: int
    captured_at: datetime
    jpeg: bytes


class ClusterFeed:
    """The cameras as the console sees them in a cluster (console.ports.CameraFeed)."""

    def __init__(self, config: NightwatchConfig, namespace: str) -> None:
        self.config = config
        self.namespace = namespace
        self._statuses: dict[str, CameraStatus] = {}
        self._listeners: list[LiveListener] = []
        self._lock = threading.Lock()
        prefix = config.mqtt.topic_prefix
        mqtt = config.mqtt.model_copy(update={"client_id": f"{config.mqtt.client_id}-console"})
        self._listener = MqttListener(mqtt, f"{prefix}/#", self._on_message)
        self._status_topic = (f"{prefix}/cameras/", "/status")
        self._alert_topic = f"{prefix}/alerts/"

    def stop(self) -> None:
        self._listener.stop()

    def camera_statuses(self) -> Mapping[str, CameraStatus]:
        with self._lock:
            return {
                name: status
                for name, status in self._statuses.items()
                if name in self.config.cameras
            }

    def latest_picture(self, camera: str) -> JpegPicture | None:
        try:
            actor = ray.get_actor(camera_actor_name(camera), namespace=self.namespace)
            answer = _ask(actor.latest_jpeg.remote())
        except (ValueError, ray.exceptions.RayError):  # no such actor, or it is moving
            return None
        if answer is None:
            return None
        seq, captured_at, jpeg = answer
        return _Picture(seq, captured_at, jpeg)

    def subscribe(self, listener: LiveListener) -> Callable[[], None]:
        with self._lock:
            self._listeners.append(listener)

        def unsubscribe() -> None:
            with self._lock:
                if listener in self._listeners:
                    self._listeners.remove(listener)

        return unsubscribe

    def figures(self) -> PipelineFigures:
        """The frames the cameras analysed, summed over their actors (each counts since it
        last started); the other counters live in the camera processes and read zero here."""
        asked: list[Any] = []
        for item in ray.util.list_named_actors(all_namespaces=True):
            name = str(item.get("name")) if isinstance(item, dict) else ""
            if item.get("namespace") == self.namespace and name.startswith(CAMERA_PREFIX):
                with contextlib.suppress(ValueError):
                    asked.append(ray.get_actor(name, namespace=self.namespace).figures.remote())
        ready, _ = ray.wait(asked, num_returns=len(asked), timeout=ASK_TIMEOUT_S)
        frames = 0
        for reference in ready:
            with contextlib.suppress(ray.exceptions.RayError):
                frames += int(ray.get(reference, timeout=0)["frames_analysed"])
        return PipelineFigures(frames, 0, 0, 0, None, None, True, 0)

    def _on_message(self, message: InboundMessage) -> None:
        event: AlertPayload | CameraStatus | None = None
        try:
            start, end = self._status_topic
            if message.topic.startswith(start) and message.topic.endswith(end) and message.payload:
                event = camera_status_from_payload(
                    CameraStatusPayload.model_validate_json(message.payload)
                )
                with self._lock:
                    self._statuses[event.camera] = event
            elif message.topic.startswith(self._alert_topic):
                event = AlertPayload.model_validate_json(message.payload)
        except (ValidationError, ValueError):
            log.warning("console: a message on %s it cannot read", message.topic)
            return
        if event is None:
            return
        with self._lock:
            listeners = list(self._listeners)
        for listener in listeners:
            try:
                listener(event)
            except Exception:
                log.exception("live listener failed")


class ClusterNodes:
    """The nodes of the cluster and what runs on them (console.ports.NodeDirectory)."""

    def __init__(self, namespace: str) -> None:
        self.namespace = namespace
        self._last: dict[str, tuple[float, float, float]] = {}  # camera: (at, frames, cpu_s)

    def nodes(self) -> list[NodeView]:
        placed = self._cameras()
        views = []
        for node in cluster_nodes():
            node_id = node["NodeID"]
            mine = [camera for camera, (where, _) in placed.items() if where == node_id]
            rates = [placed[camera][1] for camera in mine]
            views.append(
                NodeView(
                    id=node_id,
                    address=f"{node['NodeManagerAddress']}:{node['NodeManagerPort']}",
                    alive=bool(node["Alive"]),
                    labels={
                        k: v
                        for k, v in node.get("Labels", {}).items()
                        if not k.startswith("ray.io/")
                    },
                    cameras=tuple(sorted(mine)),
                    cpu_percent=round(sum(r[1] for r in rates), 1) if rates else None,
                    analysed_fps=round(sum(r[0] for r in rates), 2) if rates else None,
                )
            )
        return views

    def _cameras(self) -> dict[str, tuple[str, tuple[float, float]]]:
        """Each camera's node, and its (analysed fps, CPU percent) since the last look."""
        found: dict[str, tuple[str, tuple[float, float]]] = {}
        for name in ray.util.list_named_actors(all_namespaces=True):
            if not isinstance(name, dict) or name.get("namespace") != self.namespace:
                continue
            actor_name = str(name.get("name"))
            if not actor_name.startswith(CAMERA_PREFIX):
                continue
            try:
                actor = ray.get_actor(actor_name, namespace=self.namespace)
                answers: list[dict[str, Any]] = ray.get(
                    [actor.where.remote(), actor.figures.remote()], timeout=ASK_TIMEOUT_S
                )
            except ray.exceptions.RayError:
                continue
            where, figures = answers
            camera = str(where["camera"])
            found[camera] = (str(where["node"]), self._rates(camera, figures))
        return found

    def _rates(self, camera: str, figures: Mapping[str, float]) -> tuple[float, float]:
        now = time.monotonic()
        frames, cpu_s = figures["frames_analysed"], figures["cpu_s"]
        before = self._last.get(camera)
        self._last[camera] = (now, frames, cpu_s)
        if before is None or now <= before[0]:
            return (0.0, 0.0)
        span = now - before[0]
        return ((frames - before[1]) / span, 100.0 * (cpu_s - before[2]) / span)


def _ask(reference: Any) -> Any:
    """An actor's answer, or RayError after ASK_TIMEOUT_S (an actor that is moving)."""
    return ray.get(reference, timeout=ASK_TIMEOUT_S)


def _own_labels(node: Mapping[str, Any]) -> dict[str, str]:
    """A node's labels without the ones Ray gives every node."""
    return {k: v for k, v in node.get("Labels", {}).items() if not k.startswith("ray.io/")}


class ConsoleActor:
    """Serves the console on `cluster.console`, on whichever worker node Ray put it."""

    def __init__(self, config_text: str, config_file: str, namespace: str, digest: str) -> None:
        loaded = parse_config(config_text, config_file, os.environ)
        self.config = loaded.config
        self.namespace = namespace
        self.node = ray.get_runtime_context().get_node_id()
        self.config_digest = digest
        self._server: ConsoleServer | None = None
        self._error: str | None = None
        threading.Thread(target=self._run, name="console", daemon=True).start()

    def where(self) -> dict[str, Any]:
        url = self._server.url if self._server is not None else None
        return {
            "node": self.node,
            "pid": os.getpid(),
            "url": url,
            "error": self._error,
            "config_digest": self.config_digest,
        }

    def stop(self) -> None:
        if self._server is not None:
            self._server.stop()

    def _run(self) -> None:
        config = self.config
        address = config.cluster.console
        assert address is not None  # the console actor is only made when one is configured
        try:
            store = open_configured_store(config.storage)
            publisher = MqttPublisher(config.mqtt, announce=False)
            outbox = Outbox(store.outbox, publisher)  # orders the console writes: drained elsewhere
            dispatcher = Dispatcher(config, store, outbox, None) if config.dispatch else None
            services = ConsoleServices(
                store=store,
                users=open_accounts(store.database),
                cameras=ClusterFeed(config, self.namespace),
                config=config,
                dispatcher=dispatcher,
                nodes=ClusterNodes(self.namespace),
            )
            host, port = parse_address(address)
            self._server = ConsoleServer(create_app(services), host, port)
            self._server.start()
        except Exception as error:  # said in where(); the actor stays to be asked
            log.exception("console could not start")
            self._error = f"{type(error).__name__}: {error}"

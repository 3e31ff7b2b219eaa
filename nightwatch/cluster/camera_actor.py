"""One camera on a node of the cluster: a Ray actor running that camera's share of the pipeline.

The actor reads the configuration with its own node's environment (secrets and addresses may
differ per node), opens the shared store and the broker, and runs the camera: reader,
perception, rules, evidence. Its alerts and their messages go to the store's outbox, which
the coordinator drains; new alerts are routed to patrols here, in the same transaction as
any other write, and escalated by the coordinator. A node that cannot reach the database
refuses the camera and says why in the camera's status; the actor tries again meanwhile.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import threading
from datetime import datetime
from typing import Any

import ray

from alerts.dispatch.service import Dispatcher
from alerts.mqtt import MqttPublisher
from alerts.outbox import Outbox
from alerts.payloads import camera_status_payload
from alerts.store import Store, StoreUnavailableError, open_configured_store
from config.loader import parse_config
from config.schema import NightwatchConfig
from detectors.yolo import YoloDetector
from ingest.status import CameraState, CameraStatus
from nightwatch.pipeline import Pipeline
from nightwatch.startup import load_pose_model

log = logging.getLogger(__name__)
RETRY_S = 10.0  # a refused camera tries the database again this often
REFUSED = "refused"


def camera_share(config: NightwatchConfig, camera: str) -> NightwatchConfig:
    """The configuration with only `camera` in it (each actor runs one)."""
    return config.model_copy(update={"cameras": {camera: config.cameras[camera]}})


class CameraActor:
    """Runs one camera; `where()` says where and how it is doing."""

    def __init__(self, camera: str, config_text: str, config_file: str, digest: str) -> None:
        """`digest`: the fingerprint of this camera's share of the configuration (a later
        `cluster start` replaces the actor when it changed)."""
        self.camera = camera
        self.config_digest = digest
        context = ray.get_runtime_context()
        self.node = context.get_node_id()
        self.restarted = bool(context.was_current_actor_reconstructed)
        self._text, self._file = config_text, config_file
        self._state = "starting"
        self._error: str | None = None
        self._pipeline: Pipeline | None = None
        self._stopping = threading.Event()
        threading.Thread(target=self._run, name=f"actor-{camera}", daemon=True).start()

    # Asked by the driver and the console ---------------------------------------------------
    def where(self) -> dict[str, Any]:
        """The camera, its node, this process and its state (the camera status' state once
        it runs: online while frames arrive)."""
        status = self.status()
        pipeline = self._pipeline
        return {
            "camera": self.camera,
            "node": self.node,
            "pid": os.getpid(),
            "state": status.state.value if status is not None else self._state,
            "error": status.error if status is not None else self._error,
            "restarted": self.restarted,
            "config_digest": self.config_digest,
            "frames_analysed": pipeline.stats.frames_analysed if pipeline is not None else 0,
        }

    def status(self) -> CameraStatus | None:
        pipeline = self._pipeline
        if pipeline is None or not pipeline.workers:
            return None
        reader = pipeline.workers[0].reader
        return dataclasses.replace(reader.status(), node=self.node)

    def latest_jpeg(self) -> tuple[int, datetime, bytes] | None:
        """The camera's newest analysed picture as JPEG (seq, capture time, bytes)."""
        pipeline = self._pipeline
        picture = None if pipeline is None else pipeline.live.latest_picture(self.camera)
        return None if picture is None else (picture.seq, picture.captured_at, picture.jpeg)

    def figures(self) -> dict[str, float]:
        """Frames analysed and this process's CPU seconds, for the nodes page."""
        pipeline = self._pipeline
        times = os.times()
        return {
            "frames_analysed": float(pipeline.stats.frames_analysed if pipeline else 0),
            "cpu_s": times.user + times.system,
        }

    def stop(self) -> None:
        """Stop the camera (the actor is about to be killed, not restarted)."""
        self._stopping.set()
        if self._pipeline is not None:
            self._pipeline.stop()

    # Running -------------------------------------------------------------------------------
    def _run(self) -> None:
        try:
            loaded = parse_config(self._text, self._file, os.environ)
            config = camera_share(loaded.config, self.camera)
            store = self._open_store(config)
            if store is None:
                return
            self._pipeline = self._pipeline_for(config, loaded, store)
            self._pipeline.start()
            self._state, self._error = "running", None
            log.info("camera %s runs on node %s", self.camera, self.node)
        except Exception as error:  # said in where(); the actor stays up to be asked
            log.exception("camera %s could not start", self.camera)
            self._state, self._error = "failed", f"{type(error).__name__}: {error}"

    def _open_store(self, config: NightwatchConfig) -> Store | None:
        """The store; while this node cannot reach the database, the camera is refused here
        and its status says why (published for the control room), retried every RETRY_S."""
        publisher: MqttPublisher | None = None
        while not self._stopping.is_set():
            try:
                store = open_configured_store(config.storage)
            except StoreUnavailableError as error:
                self._state = REFUSED
                self._error = (
                    f"refused on node {self.node}: this node cannot reach the database ({error})"
                )
                if publisher is None:
                    publisher = _publisher(config, self.camera)
                    publisher.start()
                self._publish_refusal(publisher)
                self._stopping.wait(RETRY_S)
                continue
            if publisher is not None:
                publisher.stop()
            return store
        return None

    def _publish_refusal(self, publisher: MqttPublisher) -> None:
        status = CameraStatus(
            camera=self.camera,
            state=CameraState.OFFLINE,
            fps=0.0,
            frames_total=0,
            frames_dropped=0,
            reconnects=0,
            last_frame_at=None,
            error=self._error,
            node=self.node,
        )
        topic = publisher.topics.camera_status(self.camera)
        publisher.publish(topic, camera_status_payload(status).to_json(), retain=True)

    def _pipeline_for(self, config: NightwatchConfig, loaded: Any, store: Store) -> Pipeline:
        model = config.model
        # One picture at a time: the node's cores are shared by its cameras' processes.
        detector = YoloDetector(model.path, model.device, model.requests or 1)
        publisher = _publisher(config, self.camera)
        outbox = Outbox(store.outbox, publisher)  # drained by the coordinator, not here
        dispatcher = None
        if config.dispatch is not None:  # routing here; timers and replies: the coordinator
            dispatcher = Dispatcher(config, store, outbox, replies=None)
        return Pipeline(
            config,
            detector,
            publisher,
            store,
            outbox=outbox,
            dispatcher=dispatcher,
            pose=load_pose_model(loaded),
            node=self.node,
            singletons=False,
        )


def _publisher(config: NightwatchConfig, camera: str) -> MqttPublisher:
    """The camera's own broker connection: its status only, no availability of its own."""
    mqtt = config.mqtt.model_copy(update={"client_id": f"{config.mqtt.client_id}-{camera}"})
    return MqttPublisher(mqtt, announce=False)

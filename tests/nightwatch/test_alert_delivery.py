"""Alert delivery off the camera threads: a busy store never holds up a camera's frames,
what waited is stored in order in few transactions, and stopping delivers it all.

Real parts: PostgreSQL (a console write holding the audit chain's head is the busy store),
Mosquitto, and the pipeline's own delivery with its outbox, evidence and frame keeper.
"""

from __future__ import annotations

import dataclasses
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy
import yaml

from alerts.lifecycle import AlertEvent, AlertKey, AlertLifecycle, AlertType, LifecycleSettings
from alerts.mqtt import MqttPublisher
from alerts.payloads import AlertPayload
from alerts.store import Store
from alerts.store.verify import verify_store
from config.loader import parse_config
from detectors.yolo import YoloDetector
from nightwatch.alert_delivery import BATCH, WAITING_PER_CAMERA, Emission
from nightwatch.pipeline import Pipeline
from tests.alerts.store.support import open_test_store
from tests.support.factories import at, camera_config, make_frame, make_verdict, nightwatch_config
from tests.support.mqtt import MqttCollector
from tests.support.waiting import wait_until

CAMERA = "gate"


def alert_events(count: int) -> list[AlertEvent]:
    """One alert's life: its new message, `count - 2` updates, and its end."""
    lifecycle = AlertLifecycle(
        AlertKey(CAMERA, "gate-intrusion", "yard"),
        "intrusion",
        LifecycleSettings("high", clear_s=1.0, cooldown_s=0.0, update_interval_s=0.0),
    )
    events: list[AlertEvent] = []
    for step in range(count - 1):
        verdict = make_verdict(True, [1 + step % 2])  # the track changes: each step an update
        events += lifecycle.step(verdict, at(step * 0.2), None)
    events += lifecycle.step(make_verdict(False), at(count * 0.2 + 5), None)
    assert [event.type for event in events] == (
        [AlertType.NEW] + [AlertType.UPDATE] * (count - 2) + [AlertType.END]
    )
    return events


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with open_test_store("postgresql", tmp_path) as opened:
        yield opened


@pytest.fixture
def pipeline(
    store: Store, detector: YoloDetector, model_path: Path, mqtt_prefix: str, tmp_path: Path
) -> Iterator[Pipeline]:
    """A pipeline whose cameras never start: only its delivery, outbox and publisher run."""
    cameras = {CAMERA: camera_config("rtsp://127.0.0.1:9/never-opened")}
    content = nightwatch_config(cameras, prefix=mqtt_prefix, model_path=str(model_path))
    loaded = parse_config(yaml.safe_dump(content), str(tmp_path / "nightwatch.yaml"), {})
    running = Pipeline(loaded.config, detector, MqttPublisher(loaded.config.mqtt), store)
    running.publisher.start()
    running.outbox.start()
    running.delivery.start()
    yield running
    running.delivery.stop()
    running.outbox.stop()
    running.publisher.stop()


class ChainHeadHeld:
    """Another writer (a console acknowledgement, say) holding the audit chain's head."""

    def __init__(self, store: Store) -> None:
        self._connection = store.database.engine.connect()
        self._transaction = self._connection.begin()
        self._connection.execute(sqlalchemy.text("SELECT * FROM audit_chain_head FOR UPDATE"))

    def release(self) -> None:
        self._transaction.commit()
        self._connection.close()


def submit_in_thread(pipeline: Pipeline, emissions: list[Emission]) -> threading.Thread:
    def camera() -> None:
        for emission in emissions:
            pipeline.delivery.submit(emission)

    thread = threading.Thread(target=camera, daemon=True)
    thread.start()
    return thread


def alert_messages(subscriber: MqttCollector) -> list[dict[str, object]]:
    return [item.json() for item in subscriber.messages() if "/alerts/" in item.topic]


def stored_types(store: Store, alert_id: str) -> list[str]:
    return [transition.type for transition in store.alerts.transitions(alert_id)]


def test_a_busy_store_holds_up_no_camera_and_what_waited_is_stored_in_order(
    pipeline: Pipeline, store: Store, mqtt_subscriber: MqttCollector
) -> None:
    events = alert_events(WAITING_PER_CAMERA - 1)
    emissions = [
        Emission(CAMERA, [event], make_frame(seq, CAMERA), keep=())
        for seq, event in enumerate(events)
    ]
    held = ChainHeadHeld(store)
    try:
        camera = submit_in_thread(pipeline, emissions)
        camera.join(5.0)
        assert not camera.is_alive()  # the camera went on while the store was busy
        assert store.alerts.transitions(events[0].id) == []
    finally:
        held.release()
    wait_until(lambda: pipeline.stats.alerts_published == len(events), 10, "the delivery")
    want = ["new"] + ["update"] * (len(events) - 2) + ["end"]
    assert stored_types(store, events[0].id) == want
    assert pipeline.delivery.transactions <= 2  # the first, then all that waited behind it
    assert verify_store(store).ok
    wait_until(lambda: len(alert_messages(mqtt_subscriber)) == len(events), 10, "the messages")
    assert [message["type"] for message in alert_messages(mqtt_subscriber)] == want


def test_a_camera_with_too_many_emissions_waiting_waits_too(
    pipeline: Pipeline, store: Store
) -> None:
    # More than the delivery can have taken (one batch, stuck) and the camera's share waiting.
    events = alert_events(BATCH + WAITING_PER_CAMERA + 2)
    emissions = [Emission(CAMERA, [event]) for event in events]
    held = ChainHeadHeld(store)
    try:
        camera = submit_in_thread(pipeline, emissions)
        wait_until(lambda: pipeline.delivery.waiting == WAITING_PER_CAMERA, 10, "a full queue")
        time.sleep(0.5)
        assert camera.is_alive()  # it waits rather than piling up frames in memory
        assert pipeline.delivery.waiting == WAITING_PER_CAMERA
    finally:
        held.release()
    camera.join(10.0)
    assert not camera.is_alive()
    pipeline.delivery.stop()  # delivers all that waited
    assert stored_types(store, events[0].id) == (["new"] + ["update"] * (len(events) - 2) + ["end"])


def test_a_frame_an_alert_references_stays_held_until_its_event_is_delivered(
    pipeline: Pipeline, store: Store
) -> None:
    events = alert_events(3)
    frames = pipeline.frames
    held = ChainHeadHeld(store)
    try:
        for seq, event in enumerate(events):
            frame = make_frame(seq, CAMERA)
            frames.offer(frame)
            pipeline.delivery.submit(Emission(CAMERA, [event], frame, keep=()))
        assert frames.get(CAMERA, 0) is not None  # not yet delivered: still held
    finally:
        held.release()
    wait_until(lambda: pipeline.stats.alerts_published == 3, 10, "the delivery")
    wait_until(lambda: frames.get(CAMERA, 0) is None, 10, "the frame let go")
    assert frames.get(CAMERA, 2) is not None  # the newest stays


def test_a_failing_listener_does_not_stop_delivery(
    pipeline: Pipeline, store: Store, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(payload: AlertPayload) -> None:
        raise RuntimeError(f"listener cannot take {payload.id}")

    pipeline.delivery.parts = dataclasses.replace(pipeline.delivery.parts, listeners=(broken,))
    events = alert_events(3)
    for event in events:
        pipeline.delivery.submit(Emission(CAMERA, [event]))
    wait_until(lambda: pipeline.stats.alerts_published == 3, 10, "the delivery")
    assert stored_types(store, events[0].id) == ["new", "update", "end"]
    assert "alert listener" in caplog.text and "failed on alert" in caplog.text

"""Alert delivery: store, publish and gather evidence for the cameras' alert events.

Camera threads hand their events over and go on with the next picture; one thread delivers
them in the order they came. What queued up while the store was busy is stored in one
transaction, so a slow store costs a commit per batch rather than a camera's frames.
Each camera may have only a few emissions waiting: beyond that its thread waits, so a
stalled store holds back analysis instead of memory growing without bound.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import Counter, deque
from collections.abc import Callable, Collection
from dataclasses import dataclass

from alerts.dispatch.service import Dispatcher
from alerts.evidence import EvidenceDirector
from alerts.lifecycle import AlertEvent
from alerts.mqtt import MqttPublisher
from alerts.outbox import Outbox, OutboxMessage
from alerts.payloads import AlertPayload, alert_payload
from alerts.store import Store
from ingest.evidence import FrameKeeper
from ingest.frame import Frame
from nightwatch.live_feed import LiveFeed
from nightwatch.stats import PipelineStats

log = logging.getLogger(__name__)

AlertListener = Callable[[AlertPayload], None]
# Emissions one camera may have waiting before its thread waits too (at 5 detections a
# second, 1.6 s of frames; each holds its picture in the frame keeper until delivered).
WAITING_PER_CAMERA = 8
# Emissions stored in one transaction at most, so no transaction grows long.
BATCH = 64


@dataclass(frozen=True, slots=True)
class Emission:
    """One camera's events of one frame, and the pictures its open alerts still reference.

    `frame`: the analysed frame (capture-to-publish latency is measured from it); `keep`:
    the frame numbers the camera's open alerts reference, retained once the events are
    delivered (a snapshot taken then still finds its picture). None: leave the keeper alone.
    """

    camera: str
    events: list[AlertEvent]
    frame: Frame | None = None
    keep: Collection[int] | None = None


@dataclass(frozen=True, slots=True)
class DeliveryParts:
    """What delivering an alert involves, in the order it happens."""

    site: str
    store: Store
    publisher: MqttPublisher
    outbox: Outbox
    dispatcher: Dispatcher | None
    listeners: tuple[AlertListener, ...]
    live: LiveFeed
    evidence: EvidenceDirector
    frames: FrameKeeper
    stats: PipelineStats


class AlertDelivery:
    """Delivers emissions on a thread of its own, in order; `stop` delivers what is waiting."""

    def __init__(self, parts: DeliveryParts) -> None:
        self.parts = parts
        self.transactions = 0
        self._waiting: deque[Emission] = deque()
        self._per_camera: Counter[str] = Counter()
        self._condition = threading.Condition()
        self._running = False
        self._thread = threading.Thread(target=self._run, name="alert-delivery", daemon=True)

    def start(self) -> None:
        with self._condition:
            self._running = True
        self._thread.start()

    def stop(self, timeout_s: float = 30.0) -> None:
        """Deliver everything submitted so far, then end the thread; later emissions are
        delivered on the caller's thread."""
        with self._condition:
            self._running = False
            self._condition.notify_all()
        if self._thread.is_alive():
            self._thread.join(timeout_s)
        if self._thread.is_alive():
            log.error("alert delivery still busy after %.0f s", timeout_s)

    def submit(self, emission: Emission) -> None:
        """Queue the emission; waits only while the camera already has too many waiting."""
        with self._condition:
            while self._running and self._per_camera[emission.camera] >= WAITING_PER_CAMERA:
                self._condition.wait()
            if self._running:
                self._waiting.append(emission)
                self._per_camera[emission.camera] += 1
                self._condition.notify_all()
                return
        self._deliver([emission])  # not started, or stopped: nothing would deliver it later

    @property
    def waiting(self) -> int:
        with self._condition:
            return len(self._waiting)

    def _run(self) -> None:
        while True:
            with self._condition:
                while self._running and not self._waiting:
                    self._condition.wait()
                if not self._waiting:
                    return
                batch = [self._waiting.popleft() for _ in range(min(BATCH, len(self._waiting)))]
                self._per_camera.subtract(emission.camera for emission in batch)
                self._condition.notify_all()
            try:
                self._deliver(batch)
            except Exception:  # the next batch must still be delivered
                log.exception("delivering %d emission(s) failed", len(batch))

    def _deliver(self, batch: list[Emission]) -> None:
        parts = self.parts
        delivered = [(event, emission) for emission in batch for event in emission.events]
        payloads = [alert_payload(event, parts.site) for event, _ in delivered]
        if payloads:
            self._store(payloads)
        for (event, emission), payload in zip(delivered, payloads, strict=True):
            self._after_stored(event, payload, emission.frame)
        for emission in batch:
            if emission.keep is not None:
                parts.frames.retain(emission.camera, emission.keep)

    def _store(self, payloads: list[AlertPayload]) -> None:
        """Store the alerts with their messages in the outbox, all in one transaction; if
        that fails, each on its own, so one bad alert cannot keep the others unstored."""
        try:
            self._record(payloads)
        except Exception:
            if len(payloads) == 1:
                self._publish_unstored(payloads[0])
                return
            log.warning("storing %d alert messages at once failed; one by one", len(payloads))
            for payload in payloads:
                try:
                    self._record([payload])
                except Exception:
                    self._publish_unstored(payload)
        self.parts.outbox.wake()

    def _record(self, payloads: list[AlertPayload]) -> None:
        topics = self.parts.publisher.topics
        messages = [
            OutboxMessage(
                topics.alert(payload.camera, payload.rule), payload.to_json(), payload.message_id
            )
            for payload in payloads
        ]
        self.parts.store.alerts.record(*payloads, queued=messages)
        self.transactions += 1

    def _publish_unstored(self, payload: AlertPayload) -> None:
        """A store outage must not silence the alert itself."""
        log.exception("alert %s (%s) not stored; published directly", payload.id, payload.type)
        topic = self.parts.publisher.topics.alert(payload.camera, payload.rule)
        self.parts.publisher.publish(topic, payload.to_json())

    def _after_stored(self, event: AlertEvent, payload: AlertPayload, frame: Frame | None) -> None:
        parts = self.parts
        if parts.dispatcher is not None:
            parts.dispatcher.on_alert(payload)  # new alerts only; never raises
        parts.stats.alerts_published += 1
        if frame is not None:
            parts.stats.publish_latency.add(time.monotonic() - frame.monotonic_s)
        for listener in parts.listeners:
            try:
                listener(payload)
            except Exception:  # a listener's fault is its own
                log.exception("alert listener %r failed on alert %s", listener, payload.id)
        parts.live.notify(payload)
        try:
            parts.evidence.on_event(event)
        except Exception:  # the alert stands without its snapshot or clip
            log.exception("evidence for alert %s not gathered", payload.id)

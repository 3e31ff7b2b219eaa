"""The running pipeline: a reader and a worker thread per camera, one shared detector, one
alert delivery."""

from __future__ import annotations

import dataclasses
import logging
import socket
import threading
import time
from collections import deque
from collections.abc import Collection
from concurrent.futures import Future
from datetime import UTC, datetime
from functools import partial
from pathlib import Path

from alerts.dispatch.service import Dispatcher
from alerts.evidence import ClipSpan, EvidenceDirector, storage_health
from alerts.lifecycle import AlertEvent
from alerts.mqtt import MqttPublisher
from alerts.outbox import Outbox, OutboxMessage
from alerts.payloads import camera_status_payload
from alerts.recovery import orphan_ends
from alerts.rules.base import Verdict
from alerts.store import AlertQuery, Store, StoreError
from config.schema import CameraConfig, NightwatchConfig, Point
from detectors.inference import InferenceWorker
from detectors.observation import Detections, Observation
from detectors.perception import PendingFrame, finish_oldest_now
from detectors.pose import PoseSource
from detectors.tiling import TileGrid
from detectors.yolo import DetectSettings, YoloDetector
from ingest.camera import CameraReader, ReaderSettings
from ingest.capture import CapturedFile
from ingest.evidence import EvidenceCapture, FrameKeeper
from ingest.frame import Frame, Image
from ingest.recording import Clip, Recorder, RecorderSettings
from ingest.source import SourceSettings
from ingest.status import CameraState, CameraStatus
from nightwatch.alert_delivery import AlertDelivery, AlertListener, DeliveryParts, Emission
from nightwatch.camera_analysis import CameraAnalysis
from nightwatch.live_feed import LiveFeed
from nightwatch.singletons import Singletons
from nightwatch.stats import PipelineStats

log = logging.getLogger(__name__)


def reader_settings(name: str, camera: CameraConfig) -> ReaderSettings:
    """How a camera's streams are read: the detect stream decoded, a separate record stream
    (when configured) read for its packets only."""

    def stream(url: str) -> SourceSettings:
        return SourceSettings(
            url=url,
            rtsp_transport=camera.rtsp_transport,
            loop=camera.loop,
            realtime=camera.pace == "realtime",
            open_timeout_s=camera.reconnect.open_timeout_s,
            read_timeout_s=camera.reconnect.stall_timeout_s,
            max_lag_s=camera.max_decode_lag_s,
        )

    return ReaderSettings(
        camera=name,
        source=stream(camera.detect_url),
        sample_fps=camera.detect.fps,
        reconnect_initial_s=camera.reconnect.initial_s,
        reconnect_max_s=camera.reconnect.max_s,
        record=stream(camera.record_url) if camera.separate_record_stream else None,
    )


class CameraWorker:
    """Takes the newest frame of one camera, analyses it and publishes what it means."""

    def __init__(self, name: str, camera: CameraConfig, pipeline: Pipeline) -> None:
        self.name = name
        self.pipeline = pipeline
        timezone = pipeline.config.site.timezone
        self.analysis = CameraAnalysis(name, camera, timezone, self._detect, pipeline.pose)
        self.reader = CameraReader(
            reader_settings(name, camera), pipeline.publish_status, pipeline.recorders.get(name)
        )
        self._thread = threading.Thread(target=self._run, name=f"worker-{name}", daemon=True)

    def start(self) -> None:
        self.reader.start()
        self._thread.start()

    def join(self, timeout_s: float) -> None:
        self._thread.join(timeout_s)

    def _detect(
        self, image: Image, settings: DetectSettings, floor: float | None, grid: TileGrid | None
    ) -> Future[Detections]:
        started_s = time.monotonic()
        answer = self.pipeline.inference.submit(self.name, image, settings, floor, grid)
        latency = self.pipeline.stats.detect_latency
        answer.add_done_callback(lambda _: latency.add(time.monotonic() - started_s))
        return answer

    def _run(self) -> None:
        stopping = self.pipeline.stopping
        # Frames begun but not finished: while frames keep coming faster than the detector
        # answers, later ones are detected while this one is tracked.
        pending: deque[PendingFrame] = deque()
        depth = self.pipeline.inference.frames_in_flight
        while not stopping.is_set():
            frame = self.reader.slot.take(timeout_s=0.0 if pending else 0.5)
            if frame is not None:
                self.pipeline.live.keep_frame(frame)
                try:
                    pending.append(self.analysis.begin(frame))
                except Exception:  # one bad frame must not stop the camera
                    log.exception("camera %s: analysing frame %d failed", self.name, frame.seq)
            if pending and frame is None:  # nothing new: finish the oldest, waiting if need be
                self._finish(pending.popleft())
                continue
            while finish_oldest_now(pending, depth):
                self._finish(pending.popleft())
            if frame is None and not pending:
                if self.reader.finished:
                    break
                if self.reader.status().state != CameraState.ONLINE:
                    # Without pictures the rules would never step and an open alert would
                    # stay open for the whole outage; stepping on nothing lets it end.
                    self.pipeline.emit(self.name, self.analysis.observe_nothing(_nothing_seen()))
        while pending:
            self._finish(pending.popleft())
        self.pipeline.emit(self.name, self.analysis.close(_nothing_seen()))

    def _finish(self, pending: PendingFrame) -> None:
        try:
            analysis = self.analysis.finish(pending)
        except Exception:  # one bad frame must not stop the camera
            log.exception("camera %s: analysing frame %d failed", self.name, pending.frame.seq)
            return
        self.pipeline.stats.frames_analysed += 1
        self.pipeline.stats.detector_frames += int(analysis.detected)
        # Offered before the events, which may take a snapshot of it.
        self.pipeline.frames.offer(pending.frame)
        keep = {view.seq for view in self.analysis.rules.best_views()}
        self.pipeline.emit(self.name, analysis.events, pending.frame, keep)


def recorder_settings(camera: CameraConfig, media_dir: Path) -> RecorderSettings:
    """The packet ring holds what the earliest clip start needs: the pre-capture time."""
    record = camera.record
    return RecorderSettings(
        media_dir=media_dir,
        keep_s=record.pre_capture_s,
        max_ring_bytes=record.max_buffer_mb * 2**20,
    )


def _snapshots_from_record(camera: CameraConfig) -> bool:
    return camera.record.snapshot_from == "record" and camera.separate_record_stream


def clip_span(camera: CameraConfig) -> ClipSpan:
    """What a camera's clips cover around their alert."""
    return ClipSpan(camera.record.pre_capture_s, camera.record.post_capture_s)


def zone_polygons(config: NightwatchConfig) -> dict[tuple[str, str], tuple[Point, ...]]:
    """Each camera's zones by name, to draw on annotated snapshots."""
    return {
        (name, zone_name): zone.polygon
        for name, camera in config.cameras.items()
        for zone_name, zone in camera.zones.items()
    }


class _StoreEvidence:
    """The store as the evidence director's registry."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def add_evidence(self, file: CapturedFile) -> object:
        return self.store.evidence.add(
            file.alert_id,
            file.kind,
            file.path,
            file.started_at,
            file.ended_at,
            file.codec,
            file.width,
            file.height,
        )


def _nothing_seen() -> Observation:
    return Observation(Detections.empty(), 0, 0, datetime.now(UTC))


class Pipeline:
    """Everything `nightwatch run` runs. Start it, then stop it on a signal.

    On one machine it runs the whole service. On a node of a cluster it runs some cameras
    (`singletons=False`): the outbox drain, the dispatcher's timers and replies, and
    retention then run once for the whole cluster elsewhere, and alerts and orders reach
    them through the store."""

    def __init__(
        self,
        config: NightwatchConfig,
        detector: YoloDetector,
        publisher: MqttPublisher,
        store: Store,
        listeners: tuple[AlertListener, ...] = (),
        outbox: Outbox | None = None,
        dispatcher: Dispatcher | None = None,
        pose: PoseSource | None = None,
        node: str | None = None,
        singletons: bool = True,
    ) -> None:
        """`pose`: the pose model person-down rules read (model.pose_path), if any; `node`:
        where the cameras run, in their status (default: this host's name)."""
        self.node = node or socket.gethostname()
        self.singletons = singletons
        self.config = config
        self.detector = detector
        self.pose = pose
        self.inference = InferenceWorker(detector, detector.lanes())
        self.publisher = publisher
        self.store = store
        # Alerts are stored with their message in the outbox, which one thread drains.
        self.outbox = outbox if outbox is not None else Outbox(store.outbox, publisher)
        self.dispatcher = dispatcher  # None: no dispatch section configured
        self.listeners = listeners
        self.stats = PipelineStats()
        self.stopping = threading.Event()
        self.statuses: dict[str, CameraStatus] = {}
        self.live = LiveFeed()  # latest pictures and live events, for the console
        recording = {
            name: camera
            for name, camera in config.cameras.items()
            if camera.enabled and camera.record.enabled
        }
        self.recorders = {name: self._recorder(name, camera) for name, camera in recording.items()}
        self.frames = FrameKeeper()  # pictures an open alert may still take a snapshot of
        from_record = [name for name, camera in recording.items() if _snapshots_from_record(camera)]
        self.capture = EvidenceCapture(
            store.media_dir, self.frames, self.recorders, self._on_file, from_record
        )
        spans = {name: clip_span(camera) for name, camera in recording.items()}
        self.evidence = EvidenceDirector(
            self.capture, _StoreEvidence(store), spans, zone_polygons(config)
        )
        self.health = {name: storage_health(name) for name in self.recorders}
        self.delivery = AlertDelivery(
            DeliveryParts(
                config.site.name,
                store,
                publisher,
                self.outbox,
                dispatcher,
                listeners,
                self.live,
                self.evidence,
                self.frames,
                self.stats,
            )
        )
        self.workers = [
            CameraWorker(name, camera, self)
            for name, camera in config.cameras.items()
            if camera.enabled
        ]
        self.site_singletons = (
            Singletons(config, store, self.outbox, dispatcher) if singletons else None
        )

    def start(self) -> None:
        if self.site_singletons is not None:
            self.site_singletons.subscribe()  # replies, before the first connection
        self.publisher.start()
        if self.site_singletons is not None:
            self.site_singletons.start()
        self.end_orphaned_alerts()
        self.delivery.start()
        self.inference.start()
        for worker in self.workers:
            worker.start()

    def end_orphaned_alerts(self) -> None:
        """End the alerts of this pipeline's cameras that a process which died left open."""
        reason = "the process running the camera stopped without ending it"
        for worker in self.workers:
            try:
                records = self.store.alerts.query(AlertQuery(camera=worker.name, state="open"))
                ends = orphan_ends(records, reason)
                for payload in ends:
                    topic = self.publisher.topics.alert(payload.camera, payload.rule)
                    message = OutboxMessage(topic, payload.to_json(), payload.message_id)
                    self.store.alerts.record(payload, queued=[message])
            except StoreError:
                log.exception("camera %s: open alerts of an earlier run not ended", worker.name)
                continue
            if ends:
                log.warning("camera %s: ended %d alert(s) left open", worker.name, len(ends))
                self.outbox.wake()

    def stop(self, timeout_s: float = 10.0) -> None:
        self.stopping.set()
        for worker in self.workers:
            worker.reader.stop(timeout_s=1.0)
        for worker in self.workers:
            worker.join(timeout_s)
        self.delivery.stop()  # the workers' last events (their alerts' ends) too
        self.inference.stop()
        self.capture.stop()  # the snapshots asked for so far are written
        if self.site_singletons is not None:
            self.site_singletons.stop()
        self.publisher.stop()

    def wait_finished(self, timeout_s: float | None = None) -> None:
        """Block until every worker ends (only files that do not loop ever end)."""
        for worker in self.workers:
            worker.join(timeout_s if timeout_s is not None else 1e9)

    def publish_status(self, status: CameraStatus) -> None:
        status = dataclasses.replace(status, node=self.node)
        self.statuses[status.camera] = status
        self.live.notify(status)
        payload = camera_status_payload(status)
        self.publisher.publish(
            self.publisher.topics.camera_status(status.camera), payload.to_json(), retain=True
        )

    def emit(
        self,
        camera: str,
        events: list[AlertEvent],
        frame: Frame | None = None,
        keep: Collection[int] | None = None,
    ) -> None:
        """Hand the camera's events to the delivery: stored, published, and their evidence
        gathered, in that order, on the delivery's thread. `keep`: see `Emission`."""
        self.delivery.submit(Emission(camera, events, frame, keep))

    def _recorder(self, name: str, camera: CameraConfig) -> Recorder:
        settings = recorder_settings(camera, self.store.media_dir)
        return Recorder(name, settings, self._on_clip, partial(self._on_recording_problem, name))

    def _on_clip(self, clip: Clip) -> None:
        self._on_file(clip.evidence)

    def _on_file(self, file: CapturedFile) -> None:
        """A snapshot or clip was written (on a camera's or the snapshot thread)."""
        try:
            self.evidence.register(file)
        except (StoreError, OSError):
            log.exception("%s %s of alert %s not registered", file.kind, file.path, file.alert_id)

    def _on_recording_problem(self, camera: str, problem: str | None) -> None:
        """A full disk (or another write failure) raises an alert of its own, and its end."""
        worker = next(worker for worker in self.workers if worker.name == camera)
        self.publish_status(worker.reader.status())
        verdict = Verdict(problem is not None, Detections.empty())
        self.emit(camera, self.health[camera].step(verdict, datetime.now(UTC)))

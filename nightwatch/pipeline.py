"""The running pipeline: one reader and one worker thread per camera, one shared detector."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from alerts.engine import RuleEngine
from alerts.lifecycle import AlertEvent
from alerts.mqtt import MqttPublisher
from alerts.payloads import AlertPayload, alert_payload, camera_status_payload
from alerts.rules.base import Observation
from config.schema import CameraConfig, NightwatchConfig
from detectors.detections import Detections
from detectors.yolo import DetectSettings, ObjectTracker, YoloDetector
from ingest.camera import CameraReader, ReaderSettings
from ingest.frame import CameraStatus, Frame
from ingest.source import SourceSettings
from nightwatch.stats import LatencyRecorder

log = logging.getLogger(__name__)

AlertListener = Callable[[AlertPayload], None]


@dataclass(slots=True)
class PipelineStats:
    """Counters every camera worker adds to; read by logs, metrics and benchmarks."""

    frames_analysed: int = 0
    alerts_published: int = 0
    detect_latency: LatencyRecorder = field(default_factory=LatencyRecorder)
    publish_latency: LatencyRecorder = field(default_factory=LatencyRecorder)


def reader_settings(name: str, camera: CameraConfig) -> ReaderSettings:
    return ReaderSettings(
        camera=name,
        source=SourceSettings(
            url=camera.source,
            rtsp_transport=camera.rtsp_transport,
            loop=camera.loop,
            realtime=camera.pace == "realtime",
            open_timeout_s=camera.reconnect.open_timeout_s,
            read_timeout_s=camera.reconnect.stall_timeout_s,
        ),
        sample_fps=camera.detect.fps,
        reconnect_initial_s=camera.reconnect.initial_s,
        reconnect_max_s=camera.reconnect.max_s,
    )


class CameraWorker:
    """Takes the newest frame of one camera, detects, tracks, runs the rules, publishes."""

    def __init__(self, name: str, camera: CameraConfig, pipeline: Pipeline) -> None:
        self.name = name
        self.pipeline = pipeline
        detect = camera.detect
        self.settings = DetectSettings(detect.labels, detect.confidence, detect.imgsz)
        self.tracker = ObjectTracker(detect.tracker, detect.confidence, detect.fps)
        self.engine = RuleEngine(name, camera, pipeline.config.site.timezone)
        self.reader = CameraReader(reader_settings(name, camera), pipeline.publish_status)
        self._thread = threading.Thread(target=self._run, name=f"worker-{name}", daemon=True)

    def start(self) -> None:
        self.reader.start()
        self._thread.start()

    def join(self, timeout_s: float) -> None:
        self._thread.join(timeout_s)

    def _run(self) -> None:
        stopping = self.pipeline.stopping
        while not stopping.is_set():
            frame = self.reader.slot.take(timeout_s=0.5)
            if frame is None:
                if self.reader.finished:
                    break
                continue
            try:
                self.analyse(frame)
            except Exception:  # one bad frame must not stop the camera
                log.exception("camera %s: analysing frame %d failed", self.name, frame.seq)
        self.pipeline.emit(
            self.engine.close_all(Observation(Detections.empty(), 0, 0, datetime.now(UTC)))
        )

    def analyse(self, frame: Frame) -> None:
        stats = self.pipeline.stats
        with self.pipeline.detector_lock:
            started_s = time.monotonic()
            detections = self.pipeline.detector.detect(
                frame.image, self.settings, ObjectTracker.LOW_SCORE
            )
            stats.detect_latency.add(time.monotonic() - started_s)
        tracks = self.tracker.update(detections, frame.image)
        observation = Observation(tracks, frame.width, frame.height, frame.captured_at)
        stats.frames_analysed += 1
        self.pipeline.emit(self.engine.step(observation, frame), frame)


class Pipeline:
    """Everything `nightwatch run` runs. Start it, then stop it on a signal."""

    def __init__(
        self,
        config: NightwatchConfig,
        detector: YoloDetector,
        publisher: MqttPublisher,
        listeners: tuple[AlertListener, ...] = (),
    ) -> None:
        self.config = config
        self.detector = detector
        self.detector_lock = threading.Lock()
        self.publisher = publisher
        self.listeners = listeners
        self.stats = PipelineStats()
        self.stopping = threading.Event()
        self.statuses: dict[str, CameraStatus] = {}
        self.workers = [
            CameraWorker(name, camera, self)
            for name, camera in config.cameras.items()
            if camera.enabled
        ]

    def start(self) -> None:
        self.publisher.start()
        for worker in self.workers:
            worker.start()

    def stop(self, timeout_s: float = 10.0) -> None:
        self.stopping.set()
        for worker in self.workers:
            worker.reader.stop(timeout_s=1.0)
        for worker in self.workers:
            worker.join(timeout_s)
        self.publisher.stop()

    def wait_finished(self, timeout_s: float | None = None) -> None:
        """Block until every worker ends (only files that do not loop ever end)."""
        for worker in self.workers:
            worker.join(timeout_s if timeout_s is not None else 1e9)

    def publish_status(self, status: CameraStatus) -> None:
        self.statuses[status.camera] = status
        payload = camera_status_payload(status)
        self.publisher.publish(
            self.publisher.topics.camera_status(status.camera), payload.to_json(), retain=True
        )

    def emit(self, events: list[AlertEvent], frame: Frame | None = None) -> None:
        for event in events:
            payload = alert_payload(event, self.config.site.name)
            self.publisher.publish(
                self.publisher.topics.alert(event.key.camera, event.key.rule), payload.to_json()
            )
            self.stats.alerts_published += 1
            if frame is not None:
                self.stats.publish_latency.add(time.monotonic() - frame.monotonic_s)
            for listener in self.listeners:
                listener(payload)

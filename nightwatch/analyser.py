"""One camera's analysis of a frame: motion gate → detector → tracker → rules → alert events.

Shared by the live pipeline, `nightwatch analyze` and the benchmark, so all three judge
footage the same way.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass

from alerts.engine import RuleEngine
from alerts.lifecycle import AlertEvent
from alerts.rules.base import Observation
from config.schema import CameraConfig, DetectConfig
from detectors.detections import Detections
from detectors.gate import DetectionGate, GateSettings
from detectors.motion import MotionDetector, MotionSettings
from detectors.tiling import TileGrid
from detectors.yolo import DetectSettings, ObjectTracker, YoloDetector
from ingest.frame import Frame, Image

# Starts detection on a picture; the future holds the detections.
DetectFunction = Callable[
    [Image, DetectSettings, float | None, TileGrid | None], Future[Detections]
]


def tile_grid(config: DetectConfig) -> TileGrid | None:
    tiling = config.tiling
    if tiling is None:
        return None
    return TileGrid(tiling.rows, tiling.cols, tiling.overlap, tiling.min_confidence)


def direct_detection(detector: YoloDetector) -> DetectFunction:
    """Run the detector on the caller's thread (files, tests); live cameras share a worker."""

    def detect(
        image: Image, settings: DetectSettings, floor: float | None, grid: TileGrid | None
    ) -> Future[Detections]:
        answer = Future[Detections]()
        if grid is None:
            answer.set_result(detector.detect(image, settings, floor))
        else:
            answer.set_result(detector.detect_tiled(image, settings, grid, floor))
        return answer

    return detect


@dataclass(frozen=True, slots=True)
class PendingAnalysis:
    """A frame whose detections may still be on their way (None: the gate skipped it)."""

    frame: Frame
    detections: Future[Detections] | None

    @property
    def ready(self) -> bool:
        """Finishing it would not wait for the detector."""
        return self.detections is None or self.detections.done()


def finish_oldest_now(pending: deque[PendingAnalysis], depth: int) -> bool:
    """Whether a camera should finish its oldest begun frame before beginning another.

    Yes when that frame's detections are in (or it needed none): finishing early costs
    nothing and shortens the latency. Yes too when `depth` frames wait for the detector (the
    worker's `frames_in_flight`). Frames the gate kept from the detector do not count: they
    occupy no lane, so they must not stop the camera from feeding the lanes.
    """
    if not pending:
        return False
    if pending[0].ready:
        return True
    return sum(1 for begun in pending if begun.detections is not None) >= depth


@dataclass(frozen=True, slots=True)
class Analysis:
    events: list[AlertEvent]
    tracks: Detections
    detected: bool


class FrameAnalyser:
    """Keeps one camera's motion, tracker and rule state between frames."""

    def __init__(
        self, name: str, camera: CameraConfig, timezone: str, detect: DetectFunction
    ) -> None:
        config = camera.detect
        self.name = name
        self.settings = DetectSettings(config.labels, config.confidence, config.imgsz)
        self.grid = (
            TileGrid(
                config.tiling.rows,
                config.tiling.cols,
                config.tiling.overlap,
                config.tiling.min_confidence,
            )
            if config.tiling is not None
            else None
        )
        gate = config.motion_gate
        self.motion = MotionDetector(
            MotionSettings(threshold=gate.threshold, min_area_fraction=gate.min_area_fraction)
        )
        self.gate = DetectionGate(GateSettings(gate.enabled, gate.recheck_s, gate.max_idle_s))
        self.tracker = ObjectTracker(config.tracker, config.confidence, config.fps)
        self.engine = RuleEngine(name, camera, timezone)
        self._detect = detect
        self._tracks = Detections.empty()
        self.seconds: dict[str, float] = dict.fromkeys(("motion", "detect", "track", "rules"), 0.0)

    def analyse(self, frame: Frame) -> Analysis:
        """Advance by one frame; the detector runs only when the gate lets it."""
        return self.finish(self.begin(frame))

    def begin(self, frame: Frame) -> PendingAnalysis:
        """Motion and the gate, and detection started if the gate lets it.

        A camera may begin its next frame before it finishes this one, so the detector works
        on one picture while the tracker and rules handle the one before; frames must be
        finished in the order they began.
        """
        started = time.perf_counter()
        moving = self.motion.update(frame.image).any if self.gate.settings.enabled else True
        now_s = frame.captured_at.timestamp()
        detect = self.gate.should_detect(now_s, moving, has_tracks=len(self._tracks) > 0)
        gated = time.perf_counter()
        self.seconds["motion"] += gated - started
        if not detect:
            return PendingAnalysis(frame, None)
        floor = ObjectTracker.LOW_SCORE
        detections = self._detect(frame.image, self.settings, floor, self.grid)
        self.seconds["detect"] += time.perf_counter() - gated
        return PendingAnalysis(frame, detections)

    def finish(self, pending: PendingAnalysis) -> Analysis:
        """Track the frame's detections (waiting for them if need be) and step the rules."""
        clock = time.perf_counter
        frame = pending.frame
        if pending.detections is not None:
            waited = clock()
            found = pending.detections.result()
            inferred = clock()
            self._tracks = self.tracker.update(found, frame.image)
            self.seconds["detect"] += inferred - waited
            self.seconds["track"] += clock() - inferred
        ruled = clock()
        # Between detections, still objects are taken to be where they were last seen.
        observation = Observation(self._tracks, frame.width, frame.height, frame.captured_at)
        events = self.engine.step(observation, frame)
        self.seconds["rules"] += clock() - ruled
        return Analysis(events, self._tracks, pending.detections is not None)

    def observe_nothing(self, observation: Observation) -> list[AlertEvent]:
        """Step the rules on an empty picture (the camera is lost), so open alerts can end."""
        self._tracks = Detections.empty()
        return self.engine.step(observation)

    def close(self, observation: Observation) -> list[AlertEvent]:
        """End every open alert (shutdown, or the end of a video)."""
        return self.engine.close_all(observation)

"""One camera's analysis of a frame: motion gate → detector → tracker → rules → alert events.

Shared by the live pipeline, `nightwatch analyze` and the benchmark, so all three judge
footage the same way.
"""

from __future__ import annotations

import time
from collections.abc import Callable
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

DetectFunction = Callable[[Image, DetectSettings, float | None, TileGrid | None], Detections]


def tile_grid(config: DetectConfig) -> TileGrid | None:
    tiling = config.tiling
    if tiling is None:
        return None
    return TileGrid(tiling.rows, tiling.cols, tiling.overlap, tiling.min_confidence)


def direct_detection(detector: YoloDetector) -> DetectFunction:
    """Call the detector on the caller's thread (files, benchmarks); live cameras share a worker."""

    def detect(
        image: Image, settings: DetectSettings, floor: float | None, grid: TileGrid | None
    ) -> Detections:
        if grid is None:
            return detector.detect(image, settings, floor)
        return detector.detect_tiled(image, settings, grid, floor)

    return detect


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
        clock = time.perf_counter
        started = clock()
        moving = self.motion.update(frame.image).any if self.gate.settings.enabled else True
        now_s = frame.captured_at.timestamp()
        detected = self.gate.should_detect(now_s, moving, has_tracks=len(self._tracks) > 0)
        gated = clock()
        if detected:
            found = self._detect(frame.image, self.settings, ObjectTracker.LOW_SCORE, self.grid)
            inferred = clock()
            self._tracks = self.tracker.update(found, frame.image)
            self.seconds["detect"] += inferred - gated
            self.seconds["track"] += clock() - inferred
        ruled = clock()
        # Between detections, still objects are taken to be where they were last seen.
        observation = Observation(self._tracks, frame.width, frame.height, frame.captured_at)
        events = self.engine.step(observation, frame)
        self.seconds["motion"] += gated - started
        self.seconds["rules"] += clock() - ruled
        return Analysis(events, self._tracks, detected)

    def observe_nothing(self, observation: Observation) -> list[AlertEvent]:
        """Step the rules on an empty picture (the camera is lost), so open alerts can end."""
        self._tracks = Detections.empty()
        return self.engine.step(observation)

    def close(self, observation: Observation) -> list[AlertEvent]:
        """End every open alert (shutdown, or the end of a video)."""
        return self.engine.close_all(observation)

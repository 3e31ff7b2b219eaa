"""What one camera sees in a frame: motion gate → detector → tracker → pose → scene signals.

The result is an `Observation`, which holds no pixels: it is all the rules get. A camera may
begin its next frame before it finishes this one, so the detector works on one picture while
the tracker handles the one before; frames must be finished in the order they began.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass

from config.detect import DetectConfig
from config.schema import CameraConfig
from detectors.enhance import PictureEnhancer
from detectors.gate import DetectionGate, GateSettings
from detectors.motion import MotionDetector, MotionSettings
from detectors.observation import Detections, Observation
from detectors.pose import PoseReader, PoseSettings, PoseSource
from detectors.scene import SceneAnalyser
from detectors.tiling import TileGrid
from detectors.yolo import DetectSettings, ObjectTracker, YoloDetector
from ingest.frame import Frame, Image

# Starts detection on a picture; the future holds the detections.
DetectFunction = Callable[
    [Image, DetectSettings, float | None, TileGrid | None], Future[Detections]
]
STAGES = ("motion", "detect", "track", "pose", "scene")


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
class PendingFrame:
    """A frame whose detections may still be on their way (None: the gate skipped it)."""

    frame: Frame
    detections: Future[Detections] | None

    @property
    def ready(self) -> bool:
        """Finishing it would not wait for the detector."""
        return self.detections is None or self.detections.done()


def finish_oldest_now(pending: deque[PendingFrame], depth: int) -> bool:
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


class CameraPerception:
    """Keeps one camera's motion, tracker and scene state between frames."""

    def __init__(
        self, camera: CameraConfig, detect: DetectFunction, pose: PoseSource | None = None
    ) -> None:
        """`pose`: the shared pose model, read for the camera's person-down rules."""
        config = camera.detect
        self.settings = DetectSettings(config.labels, config.confidence, config.imgsz)
        self.grid = tile_grid(config)
        self.enhance = PictureEnhancer(config.enhance)
        gate = config.motion_gate
        self.motion = MotionDetector(
            MotionSettings(threshold=gate.threshold, min_area_fraction=gate.min_area_fraction)
        )
        self.gate = DetectionGate(GateSettings(gate.enabled, gate.recheck_s, gate.max_idle_s))
        self.tracker = ObjectTracker(config.tracker, config.confidence, config.lost_track_s)
        self.scene = SceneAnalyser.for_rules(camera.rules)
        pose_settings = PoseSettings.for_rules(camera.rules)
        self.pose = (
            None if pose is None or pose_settings is None else PoseReader(pose, pose_settings)
        )
        self._detect = detect
        self._tracks = Detections.empty()
        self._weak = Detections.empty()
        self.seconds: dict[str, float] = dict.fromkeys(STAGES, 0.0)

    def begin(self, frame: Frame) -> PendingFrame:
        """Motion and the gate, and detection started if the gate lets it."""
        started = time.perf_counter()
        moving = self.motion.update(frame.image).any if self.gate.settings.enabled else True
        # Weak detections count too: a lying person who scores too low to be tracked is
        # still re-checked every recheck_s, not once in max_idle_s.
        seen = len(self._tracks) > 0 or len(self._weak) > 0
        detect = self.gate.should_detect(frame.captured_at.timestamp(), moving, has_tracks=seen)
        gated = time.perf_counter()
        self.seconds["motion"] += gated - started
        if not detect:
            return PendingFrame(frame, None)
        picture = self.enhance(frame.image)
        detections = self._detect(picture, self.settings, ObjectTracker.LOW_SCORE, self.grid)
        self.seconds["detect"] += time.perf_counter() - gated
        return PendingFrame(frame, detections)

    def finish(self, pending: PendingFrame) -> Observation:
        """Track the frame's detections (waiting for them if need be) and read the scene."""
        clock = time.perf_counter
        frame = pending.frame
        if pending.detections is not None:
            waited = clock()
            found = pending.detections.result()
            inferred = clock()
            now_s = frame.captured_at.timestamp()
            self._tracks = self.tracker.update(found, frame.image, now_s)
            self._weak = self.tracker.untracked
            self.seconds["detect"] += inferred - waited
            self.seconds["track"] += clock() - inferred
            if self.pose is not None:
                posed = clock()
                self._tracks, self._weak = self.pose.attach(
                    frame.image, self._tracks, self._weak, now_s
                )
                self.seconds["pose"] += clock() - posed
        scene_started = clock()
        scene = None if self.scene is None else self.scene.update(frame.image, frame.monotonic_s)
        self.seconds["scene"] += clock() - scene_started
        # Between detections, still objects are taken to be where they were last seen.
        return Observation(
            self._tracks, frame.width, frame.height, frame.captured_at, scene, frame.ref, self._weak
        )

    def lose_sight(self) -> None:
        """The camera is lost: nobody is known to be in view any more."""
        self._tracks = Detections.empty()
        self._weak = Detections.empty()

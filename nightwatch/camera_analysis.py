"""One camera's analysis of a frame: what is seen (detectors), then what it means (rules).

Shared by the live pipeline, `nightwatch analyze` and the benchmark, so all three judge
footage the same way. The picture stops at the perception; the rules get the observation.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from alerts.camera_rules import CameraRules
from alerts.lifecycle import AlertEvent
from config.schema import CameraConfig
from detectors.observation import Detections, Observation
from detectors.perception import CameraPerception, DetectFunction, PendingFrame
from detectors.pose import PoseSource
from ingest.frame import Frame


@dataclass(frozen=True, slots=True)
class Analysis:
    events: list[AlertEvent]
    observation: Observation
    detected: bool

    @property
    def tracks(self) -> Detections:
        return self.observation.tracks


class CameraAnalysis:
    """Keeps one camera's perception and rule state between frames."""

    def __init__(
        self,
        name: str,
        camera: CameraConfig,
        timezone: str,
        detect: DetectFunction,
        pose: PoseSource | None = None,
    ) -> None:
        self.name = name
        self.perception = CameraPerception(camera, detect, pose)
        self.rules = CameraRules(name, camera, timezone)
        self._rules_s = 0.0

    @property
    def seconds(self) -> dict[str, float]:
        """Seconds spent in each stage so far (motion, detect, track, scene, rules)."""
        return {**self.perception.seconds, "rules": self._rules_s}

    def analyse(self, frame: Frame) -> Analysis:
        """Advance by one frame; the detector runs only when the gate lets it."""
        return self.finish(self.begin(frame))

    def begin(self, frame: Frame) -> PendingFrame:
        """Motion, the gate, and detection started (see CameraPerception.begin)."""
        return self.perception.begin(frame)

    def finish(self, pending: PendingFrame) -> Analysis:
        """Finish the oldest begun frame: tracking, scene signals, then the rules."""
        observation = self.perception.finish(pending)
        started = time.perf_counter()
        events = self.rules.step(observation)
        self._rules_s += time.perf_counter() - started
        return Analysis(events, observation, pending.detections is not None)

    def observe_nothing(self, observation: Observation) -> list[AlertEvent]:
        """Step the rules on an empty picture (the camera is lost), so open alerts can end."""
        self.perception.lose_sight()
        return self.rules.step(observation)

    def close(self, observation: Observation) -> list[AlertEvent]:
        """End every open alert (shutdown, or the end of a video)."""
        return self.rules.close_all(observation)

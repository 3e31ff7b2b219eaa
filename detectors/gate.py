"""Whether to run the detector on a frame: only where something moves, re-checking still objects."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class GateSettings:
    """Times in seconds."""

    enabled: bool = True
    recheck_s: float = 2.0  # tracked objects that stand still are detected again this often
    max_idle_s: float = 30.0  # even a still, empty scene is checked this often


class DetectionGate:
    """Pure decision logic; time is passed in."""

    def __init__(self, settings: GateSettings) -> None:
        self.settings = settings
        self._last_run_s: float | None = None
        self.frames = 0
        self.detector_frames = 0

    def should_detect(self, now_s: float, motion: bool, has_tracks: bool) -> bool:
        self.frames += 1
        since = None if self._last_run_s is None else now_s - self._last_run_s
        run = (
            not self.settings.enabled
            or since is None
            or motion
            or (has_tracks and since >= self.settings.recheck_s)
            or since >= self.settings.max_idle_s
        )
        if run:
            self._last_run_s = now_s
            self.detector_frames += 1
        return run

    @property
    def detector_share(self) -> float:
        return self.detector_frames / self.frames if self.frames else 0.0

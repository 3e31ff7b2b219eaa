"""What the detectors tell the rules about one frame: objects, scene signals, the frame's
reference. No pixels cross this boundary: rules and the alert lifecycle work on these values
only, and anything a picture is still needed for (a snapshot) is asked for by `FrameRef`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

import numpy as np
import numpy.typing as npt

from ingest.capture import FrameRef

FloatArray = npt.NDArray[np.float32]
IntArray = npt.NDArray[np.int64]
StrArray = npt.NDArray[np.str_]


KEYPOINTS = 17  # COCO: nose, eyes, ears, shoulders, elbows, wrists, hips, knees, ankles


@dataclass(frozen=True, slots=True)
class Detections:
    """Objects in one frame. `xyxy` is in pixels; `track_id` is -1 for untracked objects.

    `keypoints`, when a pose model looked at the people: (n, 17, 3) COCO keypoints, x and y in
    pixels and a confidence 0-1; NaN for an object it did not see.
    """

    xyxy: FloatArray
    score: FloatArray
    label: StrArray
    track_id: IntArray
    keypoints: FloatArray | None = None

    def __post_init__(self) -> None:
        count = len(self.score)
        if self.xyxy.shape != (count, 4):
            raise ValueError(f"xyxy must have shape ({count}, 4), got {self.xyxy.shape}")
        if self.label.shape != (count,) or self.track_id.shape != (count,):
            raise ValueError(
                f"label and track_id must have shape ({count},), "
                f"got {self.label.shape} and {self.track_id.shape}"
            )
        if self.keypoints is not None and self.keypoints.shape != (count, KEYPOINTS, 3):
            raise ValueError(
                f"keypoints must have shape ({count}, {KEYPOINTS}, 3), got {self.keypoints.shape}"
            )

    @classmethod
    def empty(cls) -> Detections:
        return cls(
            xyxy=np.zeros((0, 4), np.float32),
            score=np.zeros(0, np.float32),
            label=np.zeros(0, np.str_),
            track_id=np.zeros(0, np.int64),
        )

    @classmethod
    def of(
        cls,
        xyxy: list[list[float]] | FloatArray,
        score: list[float] | FloatArray,
        label: list[str] | StrArray,
        track_id: list[int] | IntArray | None = None,
    ) -> Detections:
        """Build from lists (convenient in tests and adapters)."""
        scores = np.asarray(score, np.float32).reshape(-1)
        count = len(scores)
        ids = np.full(count, -1, np.int64) if track_id is None else np.asarray(track_id, np.int64)
        return cls(
            xyxy=np.asarray(xyxy, np.float32).reshape(count, 4),
            score=scores,
            label=np.asarray(label, np.str_).reshape(count),
            track_id=ids.reshape(count),
        )

    def __len__(self) -> int:
        return len(self.score)

    def __getitem__(self, selection: npt.NDArray[np.bool_] | npt.NDArray[np.int64]) -> Detections:
        return Detections(
            self.xyxy[selection],
            self.score[selection],
            self.label[selection],
            self.track_id[selection],
            None if self.keypoints is None else self.keypoints[selection],
        )

    @classmethod
    def concatenate(cls, *parts: Detections) -> Detections:
        """The objects of every part, in order (keypoints only if every part has them)."""
        if not parts:
            return cls.empty()
        points = [part.keypoints for part in parts]
        keypoints = None
        if all(item is not None for item in points):
            keypoints = np.concatenate([item for item in points if item is not None])
        return cls(
            np.concatenate([part.xyxy for part in parts]).astype(np.float32),
            np.concatenate([part.score for part in parts]).astype(np.float32),
            np.concatenate([part.label for part in parts]).astype(np.str_),
            np.concatenate([part.track_id for part in parts]).astype(np.int64),
            keypoints,
        )

    def with_keypoints(self, keypoints: FloatArray) -> Detections:
        """The same objects with these (n, 17, 3) keypoints."""
        return Detections(self.xyxy, self.score, self.label, self.track_id, keypoints)

    @property
    def bottom_centre(self) -> FloatArray:
        """(n, 2) points where objects stand: the middle of each box's bottom edge."""
        centre_x = (self.xyxy[:, 0] + self.xyxy[:, 2]) / 2.0
        return np.stack([centre_x, self.xyxy[:, 3]], axis=1).astype(np.float32)

    @property
    def area_px(self) -> FloatArray:
        widths = np.clip(self.xyxy[:, 2] - self.xyxy[:, 0], 0, None)
        heights = np.clip(self.xyxy[:, 3] - self.xyxy[:, 1], 0, None)
        area: FloatArray = (widths * heights).astype(np.float32)
        return area


class TamperCondition(StrEnum):
    BLACKOUT = "blackout"
    COVERED = "covered"
    DEFOCUS = "defocus"
    MOVED = "moved"
    FROZEN = "frozen"


@dataclass(frozen=True, slots=True)
class TamperSignals:
    """One frame's measures, and the conditions that hold in this frame (not yet confirmed).

    `luma` and `contrast` are the mean and deviation of grey (0-255); `sharpness` is the
    contrast-normalised Laplacian variance and `sharpness_ratio` its share of the baseline;
    `texture_lost` the fraction of normally textured cells that lost their texture;
    `match_score` the median edge-map correlation with the reference view (1 = same view,
    ~0 = another view); `frozen_s` how long the picture has not changed, seconds.
    """

    conditions: frozenset[TamperCondition]
    learning: bool
    luma: float
    luma_baseline: float
    contrast: float
    sharpness: float
    sharpness_baseline: float
    sharpness_ratio: float
    texture_lost: float
    match_score: float
    frozen_s: float

    def measures(self) -> dict[str, float]:
        """The numbers, rounded, for an alert's details."""
        return {
            "luma": round(self.luma, 1),
            "luma_baseline": round(self.luma_baseline, 1),
            "contrast": round(self.contrast, 1),
            "sharpness": round(self.sharpness, 4),
            "sharpness_ratio": round(self.sharpness_ratio, 3),
            "texture_lost": round(self.texture_lost, 3),
            "match_score": round(self.match_score, 3),
            "frozen_s": round(self.frozen_s, 1),
        }


@dataclass(frozen=True, slots=True)
class StaticRegion:
    """Something that has stood still for `age_s` seconds; `xyxy` in full-frame pixels."""

    xyxy: tuple[float, float, float, float]
    age_s: float
    area_px: float


@dataclass(frozen=True, slots=True)
class SceneSignals:
    """One frame's scene signals. `tamper` is None when the camera has no tampering rule."""

    tamper: TamperSignals | None = None
    static_regions: tuple[StaticRegion, ...] = ()


@dataclass(frozen=True, slots=True)
class Observation:
    """One analysed frame of one camera, as rules see it.

    `tracks` are the tracked objects (between detections, still objects are where they were
    last seen), with keypoints where a pose model looked at them; `scene` what the picture
    itself says, filled only on cameras whose rules read it; `frame` the picture's reference
    (None when nothing was seen: the camera is lost); `weak` the untracked low-score detections.
    """

    tracks: Detections
    width: int
    height: int
    at: datetime
    scene: SceneSignals | None = None
    frame: FrameRef | None = None
    # Detections the detector found (down to its floor score) that no track took: a lying
    # person often scores too low to start a track; rules that want them read them.
    weak: Detections = field(default_factory=Detections.empty)

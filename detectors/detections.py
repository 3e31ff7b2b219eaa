"""Detections: one numpy array per field, shapes checked on construction."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float32]
IntArray = npt.NDArray[np.int64]
StrArray = npt.NDArray[np.str_]


@dataclass(frozen=True, slots=True)
class Detections:
    """Objects in one frame. `xyxy` is in pixels; `track_id` is -1 for untracked objects."""

    xyxy: FloatArray
    score: FloatArray
    label: StrArray
    track_id: IntArray

    def __post_init__(self) -> None:
        count = len(self.score)
        if self.xyxy.shape != (count, 4):
            raise ValueError(f"xyxy must have shape ({count}, 4), got {self.xyxy.shape}")
        if self.label.shape != (count,) or self.track_id.shape != (count,):
            raise ValueError(
                f"label and track_id must have shape ({count},), "
                f"got {self.label.shape} and {self.track_id.shape}"
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
        )

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

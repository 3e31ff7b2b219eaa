"""Who is near an object, and who stands by it: persons' gaps to a box in their own heights.

Heights, so that "near" scales with the distance from the camera: a person one height from a
bag is as near to it at the back of a platform as at the front.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import numpy as np

from alerts.rules.boxes import Box
from detectors.observation import Detections

PERSON = "person"
STANDING_MOVE = 0.5  # a person whose feet stay within this share of their height stands


@dataclass(frozen=True, slots=True)
class Standing:
    """Since when a person near an object has stood, and the span of their feet since then."""

    since: datetime
    low: tuple[float, float]  # the smallest foot x and y since then
    high: tuple[float, float]  # the largest


class People:
    """The persons of one frame, and how far each is from a box in their own heights."""

    def __init__(self, tracks: Detections) -> None:
        people = tracks[tracks.label == PERSON]
        self.xyxy = people.xyxy.astype(np.float64)
        self.track_id = people.track_id

    def gaps(self, box: Box) -> np.ndarray:
        x1, y1, x2, y2 = box
        dx = np.maximum(0.0, np.maximum(self.xyxy[:, 0] - x2, x1 - self.xyxy[:, 2]))
        dy = np.maximum(0.0, np.maximum(self.xyxy[:, 1] - y2, y1 - self.xyxy[:, 3]))
        heights = np.maximum(self.xyxy[:, 3] - self.xyxy[:, 1], 1.0)
        gaps: np.ndarray = np.hypot(dx, dy) / heights
        return gaps

    def near(self, box: Box, distance: float) -> dict[int, tuple[tuple[float, float], float]]:
        """Tracked persons within `distance` of a box: track id to (foot point, height)."""
        near = (self.gaps(box) <= distance) & (self.track_id >= 0)
        return {
            int(track_id): (((x1 + x2) / 2.0, y2), max(y2 - y1, 1.0))
            for track_id, (x1, y1, x2, y2) in zip(
                self.track_id[near], self.xyxy[near].tolist(), strict=True
            )
        }

    def nearest(self, box: Box, distance: float) -> int | None:
        closest = self.closest(box)
        return closest[0] if closest is not None and closest[1] <= distance else None

    def closest(self, box: Box) -> tuple[int, float] | None:
        """The tracked person nearest a box and their gap, or None when nobody is tracked."""
        tracked = self.track_id >= 0
        if not tracked.any():
            return None
        gaps = np.where(tracked, self.gaps(box), np.inf)
        index = int(np.argmin(gaps))
        return int(self.track_id[index]), float(gaps[index])


def standing(
    before: Standing | None, at: datetime, foot: tuple[float, float], height: float
) -> Standing:
    """A near person's standing: kept while every foot point since it began stays within
    `STANDING_MOVE` of their height of every other (so pacing past an object and turning
    back is not standing by it), begun again once they walk on."""
    if before is None:
        return Standing(at, foot, foot)
    low = (min(before.low[0], foot[0]), min(before.low[1], foot[1]))
    high = (max(before.high[0], foot[0]), max(before.high[1], foot[1]))
    if max(high[0] - low[0], high[1] - low[1]) > STANDING_MOVE * height:
        return Standing(at, foot, foot)
    return Standing(before.since, low, high)

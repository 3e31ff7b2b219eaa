"""Cheap motion detection on a small grey frame: decides whether the detector needs to run.

Differences between consecutive sampled frames on a ~320 px wide blurred grey image:
pixels above a threshold, dilated, form motion regions. Costs a few milliseconds a frame.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
import numpy.typing as npt

from ingest.frame import Image
from ingest.images import downscale

_KERNEL = np.ones((3, 3), np.uint8)


@dataclass(frozen=True, slots=True)
class MotionSettings:
    """Units: pixels of the small frame unless named otherwise."""

    frame_width_px: int = 320
    threshold: int = 25
    min_area_fraction: float = 0.0005


@dataclass(frozen=True, slots=True)
class Motion:
    """Motion regions in pixels of the full frame, and the moving share of the picture."""

    boxes: npt.NDArray[np.float32]
    moving_fraction: float

    @property
    def any(self) -> bool:
        return len(self.boxes) > 0


class MotionDetector:
    """One camera's motion detector. The first frame only learns the background."""

    def __init__(self, settings: MotionSettings | None = None) -> None:
        self.settings = settings or MotionSettings()
        self._previous: npt.NDArray[np.uint8] | None = None

    def update(self, image: Image) -> Motion:
        width = image.shape[1]
        # Grey first, then downscale: a third of the work of shrinking the colour picture.
        grey_full = np.asarray(cv2.cvtColor(image, cv2.COLOR_BGR2GRAY), np.uint8)
        small = downscale(grey_full, self.settings.frame_width_px)
        scale = small.shape[1] / width
        grey = np.asarray(cv2.GaussianBlur(small, (5, 5), 0), np.uint8)
        previous = self._previous
        self._previous = grey
        if previous is None or previous.shape != grey.shape:
            return Motion(np.zeros((0, 4), np.float32), 0.0)
        # Differences with the previous frame, not a slow background: a person who stood
        # still for a while and then left leaves no ghost that keeps the detector busy.
        difference = cv2.absdiff(grey, previous)
        _, mask = cv2.threshold(difference, self.settings.threshold, 255, cv2.THRESH_BINARY)
        mask = cv2.dilate(mask, _KERNEL, iterations=2)
        contours, _ = cv2.findContours(mask, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
        min_area = self.settings.min_area_fraction * mask.shape[0] * mask.shape[1]
        boxes = [
            (x / scale, y / scale, (x + w) / scale, (y + h) / scale)
            for x, y, w, h in (cv2.boundingRect(contour) for contour in contours)
            if w * h >= min_area
        ]
        moving = float(np.count_nonzero(mask)) / mask.size
        return Motion(np.asarray(boxes, np.float32).reshape(-1, 4), moving)

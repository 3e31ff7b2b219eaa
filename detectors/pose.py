"""Pose keypoints for the people a person-down rule is unsure about.

The pose model costs as much as the detector per picture, whatever part of the picture it
is given, so it runs on the whole frame, only while somebody in view is not clearly standing
(a box less tall than the rule's `upright_ratio`), and at most `fps` times a second. Its
people are matched to the tracked and weak boxes by overlap; the rest get no keypoints.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from config.rules import PersonDownRuleConfig, RuleConfig
from detectors.observation import KEYPOINTS, Detections, FloatArray
from ingest.frame import Image

MATCH_IOU = 0.3  # a pose person overlapping a box this much is that box's person


class PoseSource(Protocol):
    """What reads poses: detectors.yolo.PoseModel."""

    def people(self, image: Image, floor: float = 0.1) -> Detections: ...


@dataclass(frozen=True, slots=True)
class PoseSettings:
    upright_ratio: float  # people with boxes at least this tall (height / width) are standing
    fps: float  # most runs a second
    labels: tuple[str, ...] = ("person",)

    @classmethod
    def for_rules(cls, rules: Sequence[RuleConfig]) -> PoseSettings | None:
        """From the camera's first person-down rule that reads poses; None if none does."""
        rule = next((r for r in rules if isinstance(r, PersonDownRuleConfig) and r.use_pose), None)
        return None if rule is None else cls(rule.upright_ratio, rule.pose_fps, rule.labels)


class PoseReader:
    """One camera's use of the shared pose model."""

    def __init__(self, model: PoseSource, settings: PoseSettings) -> None:
        self.model = model
        self.settings = settings
        self._last_run_s: float | None = None
        self.runs = 0

    def attach(
        self, image: Image, tracks: Detections, weak: Detections, now_s: float
    ) -> tuple[Detections, Detections]:
        """The tracks and weak boxes with keypoints where the model ran and found them."""
        due = self._last_run_s is None or now_s - self._last_run_s >= 1.0 / self.settings.fps
        if not due or not (self._candidate(tracks) or self._candidate(weak)):
            return tracks, weak
        self._last_run_s = now_s
        self.runs += 1
        people = self.model.people(image)
        keypoints = _matched(people, Detections.concatenate(tracks, weak))
        return (
            tracks.with_keypoints(keypoints[: len(tracks)]),
            weak.with_keypoints(keypoints[len(tracks) :]),
        )

    def _candidate(self, found: Detections) -> bool:
        """Whether someone among `found` is not clearly standing."""
        people = found[np.isin(found.label, np.asarray(self.settings.labels, np.str_))]
        widths = np.maximum(people.xyxy[:, 2] - people.xyxy[:, 0], 1e-6)
        heights = people.xyxy[:, 3] - people.xyxy[:, 1]
        return bool((heights / widths < self.settings.upright_ratio).any())


def _matched(people: Detections, boxes: Detections) -> FloatArray:
    """(n, 17, 3) keypoints for `boxes`: each pose person to the box it overlaps most."""
    keypoints = np.full((len(boxes), KEYPOINTS, 3), np.nan, np.float32)
    if not len(people) or not len(boxes) or people.keypoints is None:
        return keypoints
    overlaps = _iou(boxes.xyxy, people.xyxy)
    while overlaps.size and overlaps.max() >= MATCH_IOU:
        box, person = np.unravel_index(int(np.argmax(overlaps)), overlaps.shape)
        keypoints[box] = people.keypoints[person]
        overlaps[box, :] = 0.0
        overlaps[:, person] = 0.0
    return keypoints


def _iou(first: FloatArray, second: FloatArray) -> FloatArray:
    """(n, m) intersection over union of two sets of xyxy boxes."""
    top_left = np.maximum(first[:, None, :2], second[None, :, :2])
    bottom_right = np.minimum(first[:, None, 2:], second[None, :, 2:])
    inter = np.prod(np.clip(bottom_right - top_left, 0, None), axis=2)
    area_first = np.prod(np.clip(first[:, 2:] - first[:, :2], 0, None), axis=1)
    area_second = np.prod(np.clip(second[:, 2:] - second[:, :2], 0, None), axis=1)
    union = area_first[:, None] + area_second[None, :] - inter
    result: FloatArray = np.where(union > 0, inter / np.maximum(union, 1e-9), 0.0).astype(
        np.float32
    )
    return result

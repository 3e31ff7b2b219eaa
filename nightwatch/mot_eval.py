"""Person precision and recall against MOT17-format ground truth (IoU ≥ 0.5, visibility ≥ 0.5).

A ground-truth box counts when consider=1, class=1 (pedestrian) and visibility ≥ 0.5. A
detection that matches no such box but overlaps a "don't care" box (consider=0, another class,
or less visible) is ignored rather than counted as a false positive, as the MOT benchmark does.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

Boxes = npt.NDArray[np.float32]
IOU_MIN = 0.5
VISIBILITY_MIN = 0.5


@dataclass(frozen=True, slots=True)
class GroundTruthFrame:
    image_path: Path
    people: Boxes  # (n, 4) xyxy of boxes that count
    dont_care: Boxes  # (m, 4) xyxy of boxes whose matches are ignored


@dataclass(slots=True)
class Score:
    true_positives: int = 0
    false_positives: int = 0
    false_negatives: int = 0

    @property
    def precision(self) -> float:
        found = self.true_positives + self.false_positives
        return self.true_positives / found if found else 0.0

    @property
    def recall(self) -> float:
        present = self.true_positives + self.false_negatives
        return self.true_positives / present if present else 0.0


def load_frames(root: Path) -> Iterator[GroundTruthFrame]:
    """Frames present in a MOT17-style folder (sequences with img1/ and gt/gt.txt)."""
    sequences = sorted(path.parent.parent for path in root.rglob("gt/gt.txt"))
    if not sequences:
        raise FileNotFoundError(f"no MOT sequences (*/gt/gt.txt) under {root}")
    for sequence in sequences:
        rows = np.loadtxt(sequence / "gt" / "gt.txt", delimiter=",", ndmin=2)
        by_frame: dict[int, list[npt.NDArray[np.float64]]] = defaultdict(list)
        for row in rows:
            by_frame[int(row[0])].append(row)
        for image_path in sorted((sequence / "img1").glob("*.jpg")):
            listed = by_frame.get(int(image_path.stem), [])
            frame_rows = np.asarray(listed, np.float64).reshape(-1, 9)
            xyxy = frame_rows[:, 2:6].copy()
            xyxy[:, 2:] += xyxy[:, :2]
            consider, label, visibility = frame_rows[:, 6], frame_rows[:, 7], frame_rows[:, 8]
            counts = (consider == 1) & (label == 1) & (visibility >= VISIBILITY_MIN)
            yield GroundTruthFrame(
                image_path, xyxy[counts].astype(np.float32), xyxy[~counts].astype(np.float32)
            )


def iou_matrix(first: Boxes, second: Boxes) -> npt.NDArray[np.float32]:
    if len(first) == 0 or len(second) == 0:
        return np.zeros((len(first), len(second)), np.float32)
    top_left = np.maximum(first[:, None, :2], second[None, :, :2])
    bottom_right = np.minimum(first[:, None, 2:], second[None, :, 2:])
    inter = np.prod(np.clip(bottom_right - top_left, 0, None), axis=2)
    area_first = np.prod(first[:, 2:] - first[:, :2], axis=1)
    area_second = np.prod(second[:, 2:] - second[:, :2], axis=1)
    result: npt.NDArray[np.float32] = (
        inter / np.maximum(area_first[:, None] + area_second[None, :] - inter, 1e-6)
    ).astype(np.float32)
    return result


def score_frame(
    found: Boxes, scores: npt.NDArray[np.float32], truth: GroundTruthFrame, into: Score
) -> None:
    """Greedy matching by detection score; adds the frame's counts to `into`."""
    order = np.argsort(-scores)
    overlaps = iou_matrix(found[order], truth.people)
    ignored = iou_matrix(found[order], truth.dont_care)
    matched: set[int] = set()
    for row in range(len(order)):
        candidates = [
            col
            for col in np.argsort(-overlaps[row])
            if overlaps[row, col] >= IOU_MIN and col not in matched
        ]
        if candidates:
            matched.add(int(candidates[0]))
            into.true_positives += 1
        elif not (ignored.shape[1] and ignored[row].max() >= IOU_MIN):
            into.false_positives += 1
    into.false_negatives += len(truth.people) - len(matched)

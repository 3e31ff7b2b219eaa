"""The tracker wrapper on synthetic passers-by: Ultralytics' tracking, without its memory."""

from __future__ import annotations

import numpy as np
import pytest

from detectors.detections import Detections
from detectors.yolo import ObjectTracker, _BoxesView

FRAME = np.zeros((360, 640, 3), np.uint8)


def passers_by(pictures: int) -> list[Detections]:
    """Every second picture someone new walks in, crosses the picture in 12 steps and is gone."""
    scenes = []
    for index in range(pictures):
        boxes: list[list[float]] = []
        for person in range(max(0, (index - 11) // 2), index // 2 + 1):
            step = index - 2 * person
            x = 20 + 8 * step
            y = 20 + (person * 37) % 260
            boxes.append([float(x), float(y), x + 30.0, y + 80.0])
        scenes.append(Detections.of(boxes, [0.9] * len(boxes), ["person"] * len(boxes)))
    return scenes


def id_pattern(ids: list[list[int]]) -> list[list[int]]:
    """Track ids renumbered by first appearance (Ultralytics counts ids across all trackers)."""
    order: dict[int, int] = {}
    return [[order.setdefault(track_id, len(order)) for track_id in row] for row in ids]


@pytest.mark.parametrize("kind", ["bytetrack", "botsort"])
def test_ended_tracks_are_forgotten_and_tracking_is_unchanged(kind: str) -> None:
    tracker = ObjectTracker(kind, confidence=0.5, frame_rate=5, lost_s=2.0)
    reference = ObjectTracker(kind, confidence=0.5, frame_rate=5, lost_s=2.0)
    raw = reference._tracker  # Ultralytics' own tracker, which keeps every ended track
    held, ours, theirs = [], [], []
    for scene in passers_by(300):
        tracks = tracker.update(scene, FRAME)
        ours.append((tracks.xyxy.round(2).tolist(), tracks.track_id.tolist()))
        codes = np.zeros(len(scene), np.float32)
        result = raw.update(_BoxesView(scene.xyxy, scene.score, codes), FRAME)
        theirs.append(
            (result[:, 0:4].round(2).tolist(), result[:, 4].astype(int).tolist())
            if len(result)
            else ([], [])
        )
        held.append(tracker.held_tracks)

    assert [boxes for boxes, _ in ours] == [boxes for boxes, _ in theirs]
    assert id_pattern([ids for _, ids in ours]) == id_pattern([ids for _, ids in theirs])
    assert len({i for _, ids in ours for i in ids}) >= 140  # about 150 people passed
    # In view about six, lost for 2 s (10 pictures) about five more: the rest is forgotten.
    assert max(held[100:]) <= 25, max(held)
    assert len(raw.removed_stracks) > 100  # what Ultralytics alone would have kept

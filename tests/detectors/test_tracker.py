"""The tracker wrapper on synthetic passers-by: Ultralytics' tracking, without its memory."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from detectors.observation import Detections
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


def ultralytics_tracker(kind: str, confidence: float, buffer: int) -> Any:
    """Ultralytics' own tracker, which keeps every ended track and counts its buffer in
    updates, set up as ObjectTracker sets up its own."""
    from ultralytics.trackers.bot_sort import BOTSORT
    from ultralytics.trackers.byte_tracker import BYTETracker
    from ultralytics.utils import YAML, IterableSimpleNamespace
    from ultralytics.utils.checks import check_yaml

    args = IterableSimpleNamespace(**YAML.load(check_yaml(f"{kind}.yaml")))
    args.track_high_thresh = args.new_track_thresh = confidence
    args.track_low_thresh = min(ObjectTracker.LOW_SCORE, confidence)
    args.track_buffer = buffer
    args.with_reid = False
    return BOTSORT(args) if kind == "botsort" else BYTETracker(args)


@pytest.mark.parametrize("kind", ["bytetrack", "botsort"])
def test_ended_tracks_are_forgotten_and_tracking_is_unchanged(kind: str) -> None:
    """Stepped on every picture at 5 a second, a 2 s lost-track time is Ultralytics' buffer of
    10 updates: the same tracks and ids, without the memory; each track with the box the
    detector found for it."""
    tracker = ObjectTracker(kind, confidence=0.5, lost_s=2.0)
    raw = ultralytics_tracker(kind, 0.5, buffer=10)
    held, ours, theirs = [], [], []
    for index, scene in enumerate(passers_by(300)):
        tracks = tracker.update(scene, FRAME, now_s=index / 5)
        ours.append((tracks.xyxy.round(2).tolist(), tracks.track_id.tolist()))
        codes = np.zeros(len(scene), np.float32)
        result = raw.update(_BoxesView(scene.xyxy, scene.score, codes), FRAME)
        # The boxes of the detections Ultralytics matched to its tracks (its result's last
        # column), which ours hand on instead of the smoothed state.
        matched = result[:, 7].astype(int) if len(result) else np.zeros(0, int)
        theirs.append(
            (scene.xyxy[matched].round(2).tolist(), result[:, 4].astype(int).tolist())
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


def test_the_detections_no_track_took_are_kept_apart() -> None:
    """A weak detection (below the confidence that starts a track) is handed on untracked."""
    tracker = ObjectTracker("bytetrack", confidence=0.5)
    strong = [20.0, 20.0, 50.0, 100.0]
    weak = [300.0, 200.0, 420.0, 250.0]  # a lying person, say, scoring 0.2
    for index in range(5):
        scene = Detections.of([strong, weak], [0.9, 0.2], ["person", "person"])
        tracks = tracker.update(scene, FRAME, now_s=index / 5)
    assert tracks.xyxy.tolist() == [strong]
    assert tracker.untracked.xyxy.tolist() == [weak]
    assert tracker.untracked.score.tolist() == pytest.approx([0.2])

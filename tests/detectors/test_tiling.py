"""Tiles cover the frame; cut boxes and duplicates are merged away; recall rises on MOT17."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from detectors.observation import Detections
from detectors.tiling import TileGrid, combine, merge
from detectors.yolo import DetectSettings, YoloDetector
from nightwatch.mot_eval import Score, load_frames, score_frame


def test_tiles_cover_the_frame_with_overlap() -> None:
    tiles = TileGrid(2, 3, overlap=0.25).boxes(1920, 1080)
    assert len(tiles) == 6
    covered = np.zeros((1080, 1920), bool)
    for x1, y1, x2, y2 in tiles:
        covered[y1:y2, x1:x2] = True
    assert covered.all()
    assert tiles[0][2] > tiles[1][0]  # neighbours overlap


def test_merge_keeps_the_best_of_duplicates_and_distinct_people() -> None:
    merged = merge(
        [
            Detections.of([[100, 100, 150, 250]], [0.9], ["person"]),
            Detections.of([[102, 101, 151, 249], [400, 100, 450, 250]], [0.6, 0.7], ["person"] * 2),
        ]
    )
    assert sorted(merged.score.tolist()) == pytest.approx([0.7, 0.9])


def test_a_box_cut_by_an_inner_tile_edge_is_dropped() -> None:
    grid = TileGrid(1, 2, overlap=0.25, min_confidence=0.4)
    tiles = grid.boxes(1000, 500)
    left_width = tiles[0][2]
    cut = Detections.of([[left_width - 60, 100, left_width - 1, 300]], [0.9], ["person"])
    whole = Detections.of([[10, 100, 60, 300]], [0.9], ["person"])
    result = combine(Detections.empty(), [cut, whole], tiles, grid, (1000, 500))
    assert len(result) == 1
    assert result.xyxy[0, 0] == pytest.approx(tiles[1][0] + 10)


@pytest.mark.slow
def test_tiling_lifts_person_recall_on_mot17_with_precision_kept(
    detector: YoloDetector, shared: Path
) -> None:
    settings = DetectSettings(("person",), 0.25, 640)
    plain, tiled = Score(), Score()
    for truth in load_frames(shared / "footage" / "MOT17-mini"):
        image = np.asarray(cv2.imread(str(truth.image_path)), np.uint8)
        found = detector.detect(image, settings)
        score_frame(found.xyxy, found.score, truth, plain)
        found = detector.detect_tiled(image, settings, TileGrid(2, 3))
        score_frame(found.xyxy, found.score, truth, tiled)
    assert plain.recall < 0.65  # small, distant people are what the plain 640 input misses
    assert tiled.recall >= 0.7
    assert tiled.precision >= 0.8

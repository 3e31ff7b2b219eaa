"""The real YOLO11n (OpenVINO INT8) on real street footage; tracking; clear model errors."""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pytest

from detectors.observation import Detections
from detectors.weights import ModelError
from detectors.yolo import DetectSettings, ObjectTracker, YoloDetector
from ingest.frame import Image

PEOPLE = DetectSettings(labels=("person",), confidence=0.35, imgsz=640)


def test_the_model_knows_the_coco_labels(detector: YoloDetector) -> None:
    assert len(detector.names) == 80
    assert detector.names[0] == "person"
    assert detector.class_ids(("person", "bicycle", "car")) == [0, 1, 2]
    with pytest.raises(KeyError):
        detector.class_ids(("forklift",))


def test_the_street_shows_at_least_8_people_in_every_picture(
    detector: YoloDetector, street_images: list[Image]
) -> None:
    # The first 2 s: 11-14 people walk the street then (fewer later, as some leave).
    counts = [len(detector.detect(image, PEOPLE)) for image in street_images[:10]]

    assert min(counts) >= 8, counts


def test_detections_are_people_with_sane_boxes_and_scores(
    detector: YoloDetector, street_images: list[Image]
) -> None:
    found = detector.detect(street_images[0], PEOPLE)

    assert set(found.label.tolist()) == {"person"}
    assert np.all(found.score >= PEOPLE.confidence) and np.all(found.score <= 1)
    x1, y1, x2, y2 = found.xyxy.T
    assert np.all((x1 < x2) & (y1 < y2))
    assert np.all((x1 >= -1) & (y1 >= -1) & (x2 <= 1921) & (y2 <= 1081))
    assert np.all(found.track_id == -1)  # not tracked yet


def test_a_floor_below_the_confidence_returns_more_candidates(
    detector: YoloDetector, street_images: list[Image]
) -> None:
    confident = detector.detect(street_images[0], PEOPLE)
    with_low = detector.detect(street_images[0], PEOPLE, floor=ObjectTracker.LOW_SCORE)

    assert len(with_low) >= len(confident)
    assert with_low.score.min() >= ObjectTracker.LOW_SCORE


def test_an_empty_picture_has_no_one(detector: YoloDetector) -> None:
    assert len(detector.detect(np.zeros((1080, 1920, 3), np.uint8), PEOPLE)) == 0


@pytest.mark.parametrize("kind", ["bytetrack", "botsort"])
def test_the_tracker_keeps_ids_from_picture_to_picture(
    kind: str, detector: YoloDetector, street_images: list[Image]
) -> None:
    tracker = ObjectTracker(kind, PEOPLE.confidence)
    id_sets: list[set[int]] = []
    for index, image in enumerate(street_images):
        candidates = detector.detect(image, PEOPLE, floor=ObjectTracker.LOW_SCORE)
        tracks: Detections = tracker.update(candidates, image, now_s=index / 5)
        ids = tracks.track_id.tolist()
        assert len(ids) == len(set(ids)), "a track id twice in one picture"
        assert min(ids, default=1) >= 1
        id_sets.append(set(ids))

    kept = [len(now & before) / len(before) for before, now in itertools.pairwise(id_sets)]
    assert min(len(ids) for ids in id_sets[1:]) >= 5
    assert np.mean(kept) >= 0.85, kept  # most people keep their id picture after picture
    assert min(kept) >= 0.6, kept
    # 4 s of a street with ~12 people in view gives some new ids, not a fresh set each time.
    assert len(set().union(*id_sets)) <= 2 * max(len(ids) for ids in id_sets)


def test_no_picture_at_a_time_is_a_clear_error(model_path: Path) -> None:
    with pytest.raises(ModelError, match=r"set model\.requests to 1 or more"):
        YoloDetector(str(model_path), requests=0)


def test_a_missing_model_file_is_a_clear_error(tmp_path: Path) -> None:
    missing = tmp_path / "weights" / "best.pt"

    with pytest.raises(
        ModelError, match=r"model file .*best\.pt does not exist; check model\.path"
    ):
        YoloDetector(str(missing))


def test_a_missing_openvino_folder_is_said_to_be_missing(tmp_path: Path) -> None:
    missing = tmp_path / "yolo11n_openvino_model"

    with pytest.raises(ModelError, match=r"yolo11n_openvino_model does not exist"):
        YoloDetector(str(missing))


def test_an_unknown_model_format_is_a_clear_error(tmp_path: Path) -> None:
    weights = tmp_path / "model.h5"
    weights.write_bytes(b"\0" * 16)

    with pytest.raises(ModelError) as raised:
        YoloDetector(str(weights))

    message = str(raised.value)
    assert "is not a format Ultralytics loads" in message
    assert ".pt" in message and "OpenVINO folder" in message and "set model.path" in message


def test_a_folder_without_an_openvino_export_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match=r"holds no OpenVINO \.xml"):
        YoloDetector(str(tmp_path))


def test_corrupt_weights_are_a_model_error(tmp_path: Path) -> None:
    weights = tmp_path / "broken.pt"
    weights.write_bytes(b"this is not a checkpoint")

    with pytest.raises(ModelError, match="cannot load model"):
        YoloDetector(str(weights))


def test_a_bare_model_name_offline_says_to_copy_weights_and_set_the_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # This machine has no internet, so Ultralytics' download of yolo11n.pt really fails.
    monkeypatch.chdir(tmp_path)

    with pytest.raises(ModelError) as raised:
        YoloDetector("yolo11n.pt")

    message = str(raised.value)
    assert message.startswith("could not download 'yolo11n.pt'")
    assert "offline" in message
    assert "set model.path" in message
    assert not (tmp_path / "yolo11n.pt").exists()

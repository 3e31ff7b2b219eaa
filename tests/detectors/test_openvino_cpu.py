"""The fixed 640x640 export run at the letterbox a picture needs (640x384 for 16:9)."""

from __future__ import annotations

import logging
from pathlib import Path

import cv2
import numpy as np
import pytest

from detectors.openvino_cpu import OpenVinoModel, anchor_points, reshaped
from detectors.weights import ModelError
from detectors.yolo import DetectSettings, YoloDetector
from nightwatch.mot_eval import Score, load_frames, score_frame

SETTINGS = DetectSettings(("person",), 0.25, 640)


def test_anchor_points_are_laid_out_as_ultralytics_lays_them_out() -> None:
    import torch
    from ultralytics.utils.tal import make_anchors

    features = [torch.zeros(1, 1, 384 // stride, 640 // stride) for stride in (8, 16, 32)]
    want_points, want_strides = make_anchors(features, [8, 16, 32], 0.5)
    points, strides = anchor_points(384, 640)
    np.testing.assert_array_equal(points, want_points.numpy().T)
    np.testing.assert_array_equal(strides, want_strides.numpy().ravel())


def test_the_export_reshaped_to_16_by_9_gives_its_anchor_points(model_path: Path) -> None:
    import openvino as ov

    graph = ov.Core().read_model(str(next(model_path.glob("*.xml"))))
    wide = reshaped(graph, 384, 640)
    assert list(wide.inputs[0].get_shape()) == [1, 3, 384, 640]
    assert list(wide.outputs[0].get_shape()) == [1, 84, 80 * 48 + 40 * 24 + 20 * 12]
    assert list(graph.inputs[0].get_shape()) == [1, 3, 640, 640]  # the export is left as it was
    with pytest.raises(ModelError, match="not a multiple of 32"):
        reshaped(graph, 360, 640)


def test_a_graph_without_a_yolo_head_is_refused_with_the_reason() -> None:
    import openvino as ov
    from openvino import opset13

    picture = opset13.parameter([1, 3, 64, 64], np.float32)
    weights = opset13.constant(np.ones((4, 3, 3, 3), np.float32))
    convolved = opset13.convolution(picture, weights, [1, 1], [1, 1], [1, 1], [1, 1])
    graph = ov.Model([opset13.relu(convolved)], [picture])
    with pytest.raises(ModelError, match="no YOLO detection head"):
        reshaped(graph, 32, 64)


def test_a_model_whose_graph_cannot_be_reshaped_runs_at_its_exported_size(
    shared: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """The pose export decodes keypoints with constants of another layout: it is refused
    with a warning, and still runs at 640x640."""
    xml = shared / "models" / "yolov8n-pose_int8_openvino_model" / "yolov8n-pose.xml"
    caplog.set_level(logging.WARNING, logger="detectors.openvino_cpu")
    model = OpenVinoModel(xml, requests=1)
    assert not model.any_size
    assert "yolov8n-pose.xml runs every picture at 640x640" in caplog.text
    picture = np.zeros((1, 3, 640, 640), np.float32)
    assert model.request()(picture)[0].shape[0] == 1


@pytest.mark.slow
def test_pictures_run_at_their_letterbox_and_find_what_the_square_finds(
    model_path: Path, shared: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """MOT17 (1920x1080) at 640x384: the people Ultralytics finds at the export's 640x640,
    with the same precision and recall within the spread the padding alone makes (measured at
    confidence 0.25: recall 0.549 against 0.567, precision 0.864 against 0.871; the same
    frames padded to heights from 384 to 640 give recalls 0.04 apart, not in order of the
    padding); a 4:3 picture gets its own 640x480 model."""
    from ultralytics import YOLO

    square = YOLO(str(model_path), task="detect")
    detector = YoloDetector(str(model_path), requests=1)
    caplog.set_level(logging.INFO, logger="detectors.openvino_cpu")
    ours, theirs = Score(), Score()
    for truth in load_frames(shared / "footage" / "MOT17-mini"):
        image = np.asarray(cv2.imread(str(truth.image_path)), np.uint8)
        found = detector.detect(image, SETTINGS)
        score_frame(found.xyxy, found.score, truth, ours)
        [result] = square.predict(image, conf=0.25, classes=[0], verbose=False)
        boxes = result.boxes.cpu().numpy()
        assert result.orig_shape == image.shape[:2]
        score_frame(boxes.xyxy, boxes.conf, truth, theirs)
    assert "detector compiled for 640x384 pictures" in caplog.text
    assert ours.recall >= theirs.recall - 0.03
    assert ours.precision >= theirs.precision - 0.03
    assert ours.recall > 0.4  # the plain 640 input's level on this footage, not nothing

    standard = np.asarray(
        cv2.resize(image, (1440, 1080)), np.uint8
    )  # the last frame, as a 4:3 camera frames it
    assert len(detector.detect(standard, SETTINGS)) > 0
    assert "detector compiled for 640x480 pictures" in caplog.text


@pytest.mark.slow
def test_a_fixed_export_letterboxes_within_its_size_whatever_imgsz_asks(
    model_path: Path, people_mp4: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Startup refuses another detect.imgsz for this export; where a caller still passes
    one, the picture runs within the exported 640, as Ultralytics ran it before."""
    from ingest.source import SourceSettings, VideoSource

    video = VideoSource(SourceSettings(str(people_mp4), realtime=False))
    image = next(video.pictures()).to_image()
    video.close()
    detector = YoloDetector(str(model_path), requests=1)
    caplog.set_level(logging.INFO, logger="detectors.openvino_cpu")
    small = detector.detect(image, DetectSettings(("person",), 0.25, 320))
    assert "640x192" not in caplog.text
    want = detector.detect(image, SETTINGS)
    np.testing.assert_allclose(small.xyxy, want.xyxy, atol=0.5)

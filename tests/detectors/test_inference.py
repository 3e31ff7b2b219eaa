"""The shared inference worker: each camera gets its own answer, none is starved."""

from __future__ import annotations

import threading
import time
from collections import Counter
from functools import partial
from pathlib import Path

import numpy as np
import pytest

from detectors.inference import InferenceWorker
from detectors.observation import Detections
from detectors.tiling import TileGrid
from detectors.yolo import DetectSettings, YoloDetector
from ingest.frame import Image
from ingest.source import SourceSettings, VideoSource

SETTINGS = DetectSettings(("person",), 0.35, 640)


class SlowModel:
    """Stands in for the model: counts its batches (the tests' clock), records what it saw.

    Each batch takes a little real time so that several cameras' requests queue meanwhile,
    as they do in front of a real model; nothing is measured in seconds."""

    max_batch = 16
    BATCH_S = 0.005

    def __init__(self) -> None:
        self.batches: list[list[int]] = []
        self.served = threading.Condition()

    def detect_many(
        self, images: list[Image], settings: DetectSettings, floor: float | None = None
    ) -> list[Detections]:
        time.sleep(self.BATCH_S)
        with self.served:
            self.batches.append([int(image[0, 0, 0]) for image in images])
            self.served.notify_all()
        return [
            Detections.of([[0, 0, 1, 1]], [0.9], [str(int(image[0, 0, 0]))]) for image in images
        ]

    def detect_tiled(
        self, image: Image, settings: DetectSettings, grid: TileGrid, floor: float | None = None
    ) -> Detections:
        return self.detect_many([image], settings, floor)[0]

    def wait_batches(self, count: int, timeout_s: float = 30.0) -> None:
        """Block until the model has served `count` batches in all."""
        with self.served:
            assert self.served.wait_for(lambda: len(self.batches) >= count, timeout_s)


def past(model: SlowModel, batches: int, stop: threading.Event) -> bool:
    return stop.is_set() or len(model.batches) >= batches


def camera_loop(
    worker: InferenceWorker,
    model: SlowModel,
    camera: int,
    every: int,
    stop: threading.Event,
    served: Counter[int],
    waits: dict[int, list[int]],
) -> None:
    """Ask for detection, then again once `every` more batches have passed (1: at once).
    A wait is counted in the model's batches between asking and being answered."""
    image = np.full((8, 8, 3), camera, np.uint8)
    while not stop.is_set():
        asked = len(model.batches)
        answer = worker.detect(f"cam-{camera}", image, SETTINGS)
        answered = len(model.batches)
        waits.setdefault(camera, []).append(answered - asked)
        assert answer.label.tolist() == [str(camera)]  # never another camera's answer
        served[camera] += 1
        if every > 1:
            with model.served:
                model.served.wait_for(partial(past, model, answered + every, stop), 30.0)


def test_a_busy_camera_does_not_starve_the_others() -> None:
    model = SlowModel()
    worker = InferenceWorker(model)  # type: ignore[arg-type]
    worker.start()
    stop, served, waits = threading.Event(), Counter[int](), dict[int, list[int]]()
    threads = [
        threading.Thread(
            target=camera_loop, args=(worker, model, camera, every, stop, served, waits)
        )
        for camera, every in ((1, 1), (2, 1), (3, 1), (4, 10))
    ]
    for thread in threads:
        thread.start()
    model.wait_batches(300)
    stop.set()
    with model.served:
        model.served.notify_all()
    for thread in threads:
        thread.join(5)
    worker.stop()
    busy = [served[camera] for camera in (1, 2, 3)]
    assert min(busy) >= 0.5 * max(busy)  # equally busy cameras are served alike
    assert served[4] >= 10
    # The occasional camera waits no longer than the busy ones: it joins the next round.
    busy_wait = float(np.mean([wait for camera in (1, 2, 3) for wait in waits[camera]]))
    assert float(np.mean(waits[4])) <= 2 * busy_wait
    assert max(waits[4]) <= 3
    assert all(len(batch) == len(set(batch)) for batch in model.batches)  # one frame per camera


def test_frames_waiting_from_several_cameras_go_to_the_model_as_one_batch() -> None:
    model = SlowModel()
    worker = InferenceWorker(model)  # type: ignore[arg-type]
    answers = [
        worker.submit(f"cam-{value}", np.full((8, 8, 3), value, np.uint8), SETTINGS)
        for value in (1, 2, 3)
    ]
    extra = worker.submit("cam-1", np.full((8, 8, 3), 4, np.uint8), SETTINGS)
    worker.start()
    assert [answer.result(5).label.tolist() for answer in answers] == [["1"], ["2"], ["3"]]
    assert extra.result(5).label.tolist() == ["4"]
    worker.stop()
    # One frame per camera in a batch: cam-1's second frame waits for the next round.
    assert model.batches == [[1, 2, 3], [4]]


def test_a_camera_with_frames_queued_waits_its_turn() -> None:
    """Frames waiting per camera are served in turns: one camera's backlog of several frames
    does not delay another camera by more than one round, and each camera's answers keep
    their order."""

    class OneAtATime(SlowModel):
        max_batch = 1

    model = OneAtATime()
    worker = InferenceWorker(model)  # type: ignore[arg-type]
    busy = [
        worker.submit("busy", np.full((8, 8, 3), value, np.uint8), SETTINGS)
        for value in (1, 2, 3, 4)
    ]
    other = worker.submit("other", np.full((8, 8, 3), 9, np.uint8), SETTINGS)
    worker.start()
    assert other.result(5).label.tolist() == ["9"]
    assert [answer.result(5).label.tolist() for answer in busy] == [["1"], ["2"], ["3"], ["4"]]
    worker.stop()
    order = [batch[0] for batch in model.batches]
    assert order.index(9) <= 1  # served in the first round, not after the busy camera's four


def test_errors_reach_the_camera_that_asked() -> None:
    class Broken(SlowModel):
        def detect_many(
            self, images: list[Image], settings: DetectSettings, floor: float | None = None
        ) -> list[Detections]:
            raise RuntimeError("device lost")

    worker = InferenceWorker(Broken())  # type: ignore[arg-type]
    worker.start()
    with pytest.raises(RuntimeError, match="device lost"):
        worker.detect("cam", np.zeros((8, 8, 3), np.uint8), SETTINGS)
    worker.stop()


@pytest.mark.slow
def test_shared_worker_gives_each_camera_what_the_model_sees(
    detector: YoloDetector, people_mp4: Path
) -> None:
    video = VideoSource(SourceSettings(str(people_mp4), realtime=False))
    pictures = video.pictures()
    images = [next(pictures).to_image() for _ in range(60)][::20]
    video.close()
    expected = [len(detector.detect(image, SETTINGS)) for image in images]
    worker = InferenceWorker(detector)
    worker.start()
    answers: dict[int, int] = {}

    def ask(index: int) -> None:
        answers[index] = len(worker.detect(f"cam-{index}", images[index], SETTINGS))

    threads = [threading.Thread(target=ask, args=(index,)) for index in range(len(images))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    worker.stop()
    assert [answers[index] for index in range(len(images))] == expected
    assert min(expected) >= 8


@pytest.mark.slow
def test_lanes_run_at_once_and_see_what_one_request_at_a_time_sees(
    model_path: Path, people_mp4: Path
) -> None:
    """OpenVINO on the CPU: every lane uses its own infer request of the throughput-mode model,
    and pictures detected on all lanes at once give exactly the one-at-a-time detections."""
    video = VideoSource(SourceSettings(str(people_mp4), realtime=False))
    pictures = video.pictures()
    images = [next(pictures).to_image() for _ in range(24)][::2]
    video.close()
    one_at_a_time = YoloDetector(str(model_path), requests=1)
    assert one_at_a_time.lanes() == [one_at_a_time]
    expected = [one_at_a_time.detect(image, SETTINGS) for image in images]

    detector = YoloDetector(str(model_path), requests=2)
    lanes = detector.lanes()
    assert len(lanes) == detector.parallel_requests == 2
    assert all(lane.runs_own_requests for lane in lanes)
    worker = InferenceWorker(detector, lanes)
    worker.start()
    answers = [worker.submit("cam", image, SETTINGS) for image in images]
    found = [answer.result(60) for answer in answers]
    worker.stop()
    assert worker.images == len(images)
    for got, want in zip(found, expected, strict=True):
        assert got.label.tolist() == want.label.tolist()
        np.testing.assert_allclose(got.xyxy, want.xyxy, atol=0.5)
        np.testing.assert_allclose(got.score, want.score, atol=1e-3)
    assert all(lane.runs_own_requests for lane in lanes)  # calls kept them in place


@pytest.mark.slow
def test_a_tiled_frame_spread_over_the_lanes_is_what_one_detector_sees(
    model_path: Path, people_mp4: Path
) -> None:
    video = VideoSource(SourceSettings(str(people_mp4), realtime=False))
    image = next(video.pictures()).to_image()
    video.close()
    grid = TileGrid(2, 3)
    want = YoloDetector(str(model_path), requests=1).detect_tiled(image, SETTINGS, grid, 0.1)
    detector = YoloDetector(str(model_path), requests=2)
    worker = InferenceWorker(detector, detector.lanes())
    worker.start()
    got = worker.submit("cam", image, SETTINGS, 0.1, grid).result(60)
    worker.stop()
    assert worker.images == 7  # the whole frame and six tiles, each its own request
    assert sorted(got.label.tolist()) == sorted(want.label.tolist())
    order_got, order_want = np.argsort(got.xyxy[:, 0]), np.argsort(want.xyxy[:, 0])
    np.testing.assert_allclose(got.xyxy[order_got], want.xyxy[order_want], atol=0.5)
    assert len(got) > len(detector.detect(image, SETTINGS))  # tiles find more people


@pytest.mark.slow
def test_by_default_each_stream_gets_four_requests(model_path: Path) -> None:
    """Unset `requests`: four lanes per throughput-mode stream, so a stream computes while its
    other lanes are in Ultralytics' Python pre- and post-processing."""
    import openvino as ov

    xml = next(model_path.glob("*.xml"))
    compiled = ov.Core().compile_model(str(xml), "CPU", {"PERFORMANCE_HINT": "THROUGHPUT"})
    streams = int(compiled.get_property("NUM_STREAMS"))
    detector = YoloDetector(str(model_path))
    assert detector.parallel_requests == 4 * streams
    assert len(detector.lanes()) == 4 * streams

"""Motion gating on real footage: far fewer detector runs, the same people alerted."""

from __future__ import annotations

from collections import deque
from concurrent.futures import Future
from datetime import timedelta
from functools import partial
from pathlib import Path

import numpy as np
import pytest

from alerts.lifecycle import AlertEvent, AlertType
from config.schema import CameraConfig
from detectors.inference import InferenceWorker
from detectors.observation import Detections
from detectors.perception import PendingFrame, direct_detection, finish_oldest_now
from detectors.tiling import TileGrid
from detectors.yolo import DetectSettings, YoloDetector
from ingest.camera import sample
from ingest.frame import Frame, Image
from ingest.source import SourceSettings, VideoSource
from nightwatch.camera_analysis import CameraAnalysis
from tests.alerts.rules.replay import times
from tests.support.factories import BASE_TIME, at, make_frame

pytestmark = pytest.mark.slow


def whole_frame_camera(source: str, gate: bool) -> CameraConfig:
    return CameraConfig.model_validate(
        {
            "source": source,
            "detect": {"fps": 5, "motion_gate": {"enabled": gate}},
            "zones": {"room": {"polygon": [[0, 0], [1, 0], [1, 1], [0, 1]]}},
            "rules": [{"type": "intrusion", "zone": "room", "clear_s": 2, "cooldown_s": 0}],
        }
    )


def run(
    video: Path, detector: YoloDetector, gate: bool, worker: InferenceWorker | None = None
) -> tuple[list[float], list[bool], list[int]]:
    """Alert start offsets, and per frame: whether the detector ran, how many people it saw.

    With a worker, frames are pipelined as the live pipeline does: later frames are begun
    (and detected on the worker's lanes) before earlier ones are finished.
    """
    detect = direct_detection(detector) if worker is None else partial(worker.submit, "cam")
    analysis = CameraAnalysis("cam", whole_frame_camera(str(video), gate), "UTC", detect)
    depth = 1 if worker is None else worker.frames_in_flight
    starts: list[float] = []
    ran: list[bool] = []
    people: list[int] = []
    pending: deque[PendingFrame] = deque()

    def finish_oldest() -> None:
        finished = analysis.finish(pending.popleft())
        offset_s = analysis_offsets.popleft()
        starts.extend(offset_s for event in finished.events if event.type is AlertType.NEW)
        ran.append(finished.detected)
        people.append(len(finished.tracks))

    analysis_offsets: deque[float] = deque()
    source = VideoSource(SourceSettings(str(video), realtime=False))
    for seq, picture in enumerate(sample(source.pictures(), 5)):
        captured = BASE_TIME + timedelta(seconds=picture.offset_s)
        frame = Frame("cam", seq, captured, picture.offset_s, picture.to_image(), picture.offset_s)
        pending.append(analysis.begin(frame))
        analysis_offsets.append(picture.offset_s)
        if len(pending) >= depth:
            finish_oldest()
    while pending:
        finish_oldest()
    source.close()
    return starts, ran, people


def test_gating_skips_empty_stretches_and_alerts_every_visitor(
    detector: YoloDetector, shared: Path
) -> None:
    video = shared / "footage" / "one-by-one-person-detection.mp4"
    ungated_starts, _, ungated_people = run(video, detector, gate=False)
    gated_starts, ran, _ = run(video, detector, gate=True)

    assert len(ungated_starts) >= 5  # people come to the table one at a time
    assert len(gated_starts) == len(ungated_starts)
    for gated, ungated in zip(gated_starts, ungated_starts, strict=True):
        assert abs(gated - ungated) <= 1.0
    # Empty stretches: nobody seen by the ungated run for 2 s either side.
    empty = [
        index
        for index in range(10, len(ungated_people) - 10)
        if not any(ungated_people[index - 10 : index + 11])
    ]
    assert len(empty) >= 30
    share_on_empty = sum(ran[index] for index in empty) / len(empty)
    assert share_on_empty <= 0.10, (
        f"detector ran on {share_on_empty:.0%} of {len(empty)} empty frames"
    )


def test_pipelined_analysis_on_parallel_lanes_alerts_as_one_frame_at_a_time(
    detector: YoloDetector, shared: Path
) -> None:
    """Begin-before-finish on the worker's lanes changes nothing a patrol would see: the same
    alerts at the same moments and the same people in each frame."""
    video = shared / "footage" / "one-by-one-person-detection.mp4"
    starts, ran, people = run(video, detector, gate=True)
    worker = InferenceWorker(detector, detector.lanes())
    worker.start()
    try:
        pipelined = run(video, detector, gate=True, worker=worker)
    finally:
        worker.stop()
    assert pipelined[0] == starts
    assert sum(pipelined[1]) >= 0.9 * sum(ran)  # the gate sees tracks one frame later at most
    assert sum(pipelined[1]) <= 1.1 * sum(ran)
    differing = sum(a != b for a, b in zip(pipelined[2], people, strict=True))
    assert differing <= 0.02 * len(people)


def test_a_camera_finishes_ready_frames_at_once_and_waits_only_on_frames_holding_a_lane() -> None:
    """Frames the gate kept from the detector are finished at once and hold no lane, so they
    never stop the camera from feeding the lanes; a frame still being detected is waited for
    only when `depth` frames wait for the detector."""
    frame = make_frame()
    gated = PendingFrame(frame, None)

    def detecting() -> PendingFrame:
        return PendingFrame(frame, Future[Detections]())

    assert not finish_oldest_now(deque(), 2)
    assert finish_oldest_now(deque([gated, detecting()]), 2)  # no detector to wait for
    done = detecting()
    assert done.detections is not None
    done.detections.set_result(Detections.empty())
    assert finish_oldest_now(deque([done, detecting(), detecting()]), 5)  # detections are in
    waiting = deque([detecting(), gated, gated, gated])
    assert not finish_oldest_now(waiting, 2)  # one frame holds a lane; gated ones do not count
    waiting.append(detecting())
    assert finish_oldest_now(waiting, 2)  # two hold lanes: wait for the oldest


def nobody(
    _image: Image, _settings: DetectSettings, _floor: float | None, _grid: TileGrid | None
) -> Future[Detections]:
    answer = Future[Detections]()
    answer.set_result(Detections.empty())
    return answer


def test_a_blacked_out_camera_raises_a_tampering_alert() -> None:
    rule = {"type": "tampering", "checks": ["blackout"], "learn_s": 3, "confirm_s": 2}
    camera = CameraConfig.model_validate({"source": "street.mp4", "rules": [rule]})
    analysis = CameraAnalysis("cam", camera, "UTC", nobody)
    noise = np.random.default_rng(7)
    events: list[AlertEvent] = []
    for seq, t in enumerate(times(0, 10), start=1):
        if t < 5:
            image = noise.integers(40, 220, (120, 160, 3), dtype=np.uint8)
        else:
            image = np.zeros((120, 160, 3), np.uint8)
        events += analysis.analyse(Frame("cam", seq, at(t), t, image, t)).events
    assert [(event.type, event.rule_type) for event in events] == [(AlertType.NEW, "tampering")]
    assert 7.0 <= (events[0].frame_time - BASE_TIME).total_seconds() <= 8.0

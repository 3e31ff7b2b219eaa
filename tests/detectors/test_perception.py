"""A camera's perception: the tracker's lost-track time is seconds, whether the motion gate
runs the detector on every sampled frame or only now and then on a still scene."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future

import numpy as np

from config.schema import CameraConfig
from detectors.observation import Detections
from detectors.perception import CameraPerception
from detectors.tiling import TileGrid
from detectors.yolo import DetectSettings
from ingest.frame import Frame, Image
from tests.alerts.rules.replay import times
from tests.support.factories import at

PERSON = [300.0, 100.0, 360.0, 260.0]  # someone standing still, in pixels
STILL = np.full((360, 640, 3), 90, np.uint8)


def detector_seeing(
    present: Callable[[float], bool], calls: list[float]
) -> Callable[[Image, DetectSettings, float | None, TileGrid | None], Future[Detections]]:
    """A detector that finds the person while `present(t)` holds (t from the picture's mark)."""

    def detect(
        image: Image, _settings: DetectSettings, _floor: float | None, _grid: TileGrid | None
    ) -> Future[Detections]:
        t = float(image[0, 0, 1])  # the time the test drew into the picture, in seconds
        calls.append(t)
        answer = Future[Detections]()
        found = Detections.of([PERSON], [0.9], ["person"]) if present(t) else Detections.empty()
        answer.set_result(found)
        return answer

    return detect


def picture(t: float, moving: bool) -> Image:
    """The still scene; a moving one gets a bright patch that changes every frame."""
    image = STILL.copy()
    image[0, 0, 1] = round(t)  # not motion: one pixel, far below the gate's smallest region
    if moving:
        image[200:300, 400:500] = 90 + (round(t * 5) % 2) * 120
    return image


def run(
    present: Callable[[float], bool], moving: Callable[[float], bool], until_s: float
) -> tuple[list[tuple[float, list[int]]], list[float]]:
    """Track ids seen at each sampled time (5 a second), and the times the detector ran."""
    camera = CameraConfig.model_validate(
        {"source": "still.mp4", "detect": {"fps": 5, "lost_track_s": 6}}
    )
    calls: list[float] = []
    perception = CameraPerception(camera, detector_seeing(present, calls))
    seen = []
    for seq, t in enumerate(times(0, until_s), start=1):
        frame = Frame("cam", seq, at(t), t, picture(t, moving(t)), t)
        observation = perception.finish(perception.begin(frame))
        seen.append((t, observation.tracks.track_id.tolist()))
    return seen, calls


def test_a_person_standing_still_behind_a_shut_gate_keeps_one_track_id() -> None:
    seen, calls = run(present=lambda t: True, moving=lambda t: t < 1.0, until_s=60)

    ids = {track_id for _, found in seen for track_id in found}
    assert len(ids) == 1
    assert all(found for t, found in seen if t >= 1.0)  # followed the whole minute
    # The gate was shut: the detector re-checked the still person every 2 s, not 5 times a second.
    assert len([t for t in calls if t >= 2.0]) <= 31


def test_someone_gone_longer_than_the_lost_track_time_comes_back_with_a_new_id() -> None:
    """Away 20 s with nothing moving (the detector runs only every 30 s on an empty scene):
    6 s of lost-track time end the track, where a buffer of 30 updates would have kept it
    for 15 minutes."""
    seen, _ = run(
        present=lambda t: t < 10 or t >= 30,
        moving=lambda t: t < 1.0 or 30 <= t < 31,
        until_s=40,
    )

    before = {track_id for t, found in seen if t < 10 for track_id in found}
    after = {track_id for t, found in seen if t >= 31 for track_id in found}
    assert len(before) == 1 and len(after) == 1
    assert before != after


def test_someone_out_of_sight_briefly_keeps_their_id() -> None:
    seen, _ = run(
        present=lambda t: t < 10 or t >= 12,
        moving=lambda t: t < 1.0 or 9 <= t < 13,
        until_s=20,
    )

    ids = {track_id for _, found in seen for track_id in found}
    assert len(ids) == 1

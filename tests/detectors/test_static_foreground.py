"""Static foreground on real footage: a bag put down is found where it lies, people are not.

The indoor one-by-one video (139 s, people walking up to a table one at a time, standing there
a while and leaving) is fed at 5 fps, at 384x216; a bag is pasted on the floor from 20 s on.
"""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from detectors.observation import SceneSignals, StaticRegion
from detectors.scene import SceneAnalyser
from detectors.static_foreground import StaticForeground, StaticSettings
from detectors.tamper import TamperSettings
from ingest.camera import sample
from ingest.frame import Image
from ingest.source import SourceSettings, VideoSource

FPS = 5.0
SIZE = (384, 216)
STILL_S = 15.0  # the abandoned-object rule's default
PUT_DOWN_S = 20.0
BAG_XYXY = (280, 165, 320, 195)  # on the floor, right of the table, in SIZE pixels
# Where people stop: at the table, from the top of their heads to their feet.
TABLE_XYXY = (170, 0, 290, 205)
NOBODY_AT_TABLE_S = (50.0, 70.0, 90.0)  # moments when the scene is empty (checked by eye)

Clip = list[tuple[float, Image]]
Timeline = list[tuple[float, list[StaticRegion]]]


@pytest.fixture(scope="module")
def indoor(shared: Path) -> Clip:
    path = shared / "footage" / "one-by-one-person-detection.mp4"
    source = VideoSource(SourceSettings(str(path), realtime=False))
    try:
        return [
            (picture.offset_s, shrink(picture.to_image()))
            for picture in sample(source.pictures(), FPS)
        ]
    finally:
        source.close()


def shrink(image: Image) -> Image:
    return np.asarray(cv2.resize(image, SIZE, interpolation=cv2.INTER_AREA), np.uint8)


def make_bag() -> Image:
    """A dark fabric bag with a lighter strap and some texture, 40x30 pixels."""
    x1, y1, x2, y2 = BAG_XYXY
    rng = np.random.default_rng(7)
    bag = np.full((y2 - y1, x2 - x1, 3), (45, 50, 62), np.float64)
    bag += rng.normal(0.0, 6.0, bag.shape)
    cv2.line(bag, (4, 3), (x2 - x1 - 5, 3), (150, 160, 175), 2)
    cv2.rectangle(bag, (0, 0), (x2 - x1 - 1, y2 - y1 - 1), (25, 25, 30), 1)
    return np.clip(bag, 0, 255).astype(np.uint8)


BAG = make_bag()


def with_bag(image: Image) -> Image:
    x1, y1, x2, y2 = BAG_XYXY
    placed = image.copy()
    placed[y1:y2, x1:x2] = BAG
    return placed


def watch(clip: Clip, bag_from_s: float | None, bag_until_s: float = 1e9) -> Timeline:
    """Static regions frame by frame; the bag lies on the floor from `bag_from_s` on."""
    detector = StaticForeground(StaticSettings(min_area_px=200.0))
    timeline: Timeline = []
    for seconds, image in clip:
        present = bag_from_s is not None and bag_from_s <= seconds < bag_until_s
        timeline.append((seconds, detector.update(with_bag(image) if present else image, seconds)))
    return timeline


def overlap(first: tuple[float, ...], second: tuple[float, ...]) -> float:
    """Intersection over the smaller box's area, 0-1."""
    width = min(first[2], second[2]) - max(first[0], second[0])
    height = min(first[3], second[3]) - max(first[1], second[1])
    if width <= 0 or height <= 0:
        return 0.0
    smaller = min(
        (first[2] - first[0]) * (first[3] - first[1]),
        (second[2] - second[0]) * (second[3] - second[1]),
    )
    return width * height / smaller


def iou(first: tuple[float, ...], second: tuple[float, ...]) -> float:
    share = overlap(first, second)
    area_first = (first[2] - first[0]) * (first[3] - first[1])
    area_second = (second[2] - second[0]) * (second[3] - second[1])
    inter = share * min(area_first, area_second)
    return inter / (area_first + area_second - inter)


@pytest.fixture(scope="module")
def bag_on_floor(indoor: Clip) -> Timeline:
    """The clip's static regions, with the bag put down at PUT_DOWN_S and left there."""
    return watch(indoor, PUT_DOWN_S)


def bag_regions(regions: list[StaticRegion]) -> list[StaticRegion]:
    return [region for region in regions if iou(region.xyxy, BAG_XYXY) >= 0.3]


def at_time(timeline: Timeline, seconds: float) -> list[StaticRegion]:
    return next(regions for t, regions in timeline if t >= seconds - 1e-6)


def test_a_bag_put_down_is_found_where_it_lies_and_ages(bag_on_floor: Timeline) -> None:
    timeline = bag_on_floor
    found = [
        (seconds, region)
        for seconds, regions in timeline
        for region in bag_regions(regions)
        if region.age_s >= STILL_S
    ]
    assert found, "the bag never became static foreground"
    first_s, first = found[0]
    # Seconds to settle into the short-term background, then still_s of age.
    assert first_s <= PUT_DOWN_S + STILL_S + 4.0
    assert iou(first.xyxy, BAG_XYXY) >= 0.6
    last_s, last = found[-1]
    assert last_s >= timeline[-1][0] - 0.5, "the bag was forgotten before the clip ended"
    assert last.age_s == pytest.approx(last_s - PUT_DOWN_S, abs=4.0)
    assert iou(last.xyxy, BAG_XYXY) >= 0.6


def test_people_leave_nothing_behind(bag_on_floor: Timeline) -> None:
    timeline = bag_on_floor
    # Away from the table, where people only walk, nothing is static for long.
    lasting = [
        (seconds, region.xyxy)
        for seconds, regions in timeline
        for region in regions
        if region.age_s >= 3.0
        and not bag_regions([region])
        and overlap(region.xyxy, TABLE_XYXY) < 0.8
    ]
    assert lasting == []
    # Once they have left the table, only the bag remains.
    for seconds in NOBODY_AT_TABLE_S:
        regions = at_time(timeline, seconds)
        lingering = [region for region in regions if region.age_s >= 3.0]
        assert lingering == bag_regions(lingering), seconds


def test_a_bag_picked_up_is_no_longer_reported(indoor: Clip) -> None:
    timeline = watch(indoor, PUT_DOWN_S, bag_until_s=45.0)
    assert any(region.age_s >= STILL_S for region in bag_regions(at_time(timeline, 44.0)))
    assert bag_regions(at_time(timeline, 46.0)) == []
    assert all(not bag_regions(regions) for seconds, regions in timeline if seconds >= 46.0)


def test_what_passes_by_at_start_up_is_not_taken_for_the_scene(indoor: Clip) -> None:
    """Started at 20 s, when the shadow of someone about to come in lies on the floor, with
    people at the table soon after: once the room is empty again, nothing lingers."""
    from_shadow = [(seconds, image) for seconds, image in indoor if 20.0 <= seconds < 55.0]
    timeline = watch(from_shadow, None)
    assert at_time(timeline, 25.0) == [], "reported while still learning the scene"
    regions = at_time(timeline, NOBODY_AT_TABLE_S[0])
    assert [region for region in regions if region.age_s >= 3.0] == []


def test_the_scene_analyser_reports_full_frame_pixels(indoor: Clip) -> None:
    """Through the camera's analyser, which reduces each frame once for both detectors."""
    analyser = SceneAnalyser(tamper=TamperSettings(), static=StaticSettings(min_area_px=800.0))
    empty_room = next(image for t, image in indoor if t >= NOBODY_AT_TABLE_S[0] - 1e-6)
    noise = np.random.default_rng(5)
    signals = SceneSignals()
    for index in range(int(35 * FPS)):
        seconds = index / FPS
        image = with_bag(empty_room) if seconds >= 12.0 else empty_room
        noisy = np.clip(image + noise.normal(0.0, 1.5, image.shape), 0, 255).astype(np.uint8)
        full = np.asarray(cv2.resize(noisy, (4 * SIZE[0], 4 * SIZE[1])), np.uint8)
        signals = analyser.update(full, seconds)
    assert signals.tamper is not None and not signals.tamper.conditions
    (region,) = signals.static_regions
    assert iou(region.xyxy, tuple(4 * value for value in BAG_XYXY)) >= 0.6
    assert region.age_s >= STILL_S

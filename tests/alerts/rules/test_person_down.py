"""Person down, replayed frame by frame: standing to lying, collapses seen head-on, getting up,
near misses, a person followed across a lost track id and through weak boxes, keypoints that
tell sitting from lying, and masks judged on the body."""

from __future__ import annotations

import dataclasses

import numpy as np

from alerts.rules.person_down import FORGET_S, PersonDownRule
from alerts.rules.posture import Posture, Reference, judge_posture
from alerts.zones import WHOLE_FRAME
from config.rules import PersonDownRuleConfig
from detectors.observation import Detections, Observation
from tests.alerts.rules.replay import (
    TrackSpec,
    active_times,
    config,
    make_frame,
    make_track,
    scene,
    times,
)

FEET = (500.0, 600.0)
STANDING, LYING = (40.0, 100.0), (100.0, 40.0)  # box width, height in pixels


def rule(**fields: object) -> PersonDownRule:
    return PersonDownRule(config(PersonDownRuleConfig, **fields), WHOLE_FRAME)


def body(size: tuple[float, float], track_id: int = 1) -> list[TrackSpec]:
    return [make_track(track_id, FEET, size=size)]


def with_weak(frame: Observation, *boxes: tuple[float, float, float, float]) -> Observation:
    """The frame with untracked low-score boxes (0.15) beside its tracks."""
    weak = Detections.of([list(box) for box in boxes], [0.15] * len(boxes), ["person"] * len(boxes))
    return dataclasses.replace(frame, weak=weak if boxes else Detections.empty())


def lying_box(feet: tuple[float, float] = FEET) -> tuple[float, float, float, float]:
    x, y = feet
    return (x - 50.0, y - 40.0, x + 50.0, y)


def test_falling_and_staying_down_raises_after_down_s() -> None:
    frames = scene(times(0, 15), lambda t: body(STANDING if t < 2 else LYING))
    assert active_times(rule(down_s=10), frames)[0] == 12.0


def test_getting_up_before_down_s_never_raises() -> None:
    def who(t: float) -> list[TrackSpec]:
        return body(LYING if 2 <= t < 11 else STANDING)

    assert active_times(rule(down_s=10), scene(times(0, 20), who)) == []


def test_standing_up_for_a_second_ends_it() -> None:
    def who(t: float) -> list[TrackSpec]:
        return body(STANDING if t < 2 or t >= 14 else LYING)

    active = active_times(rule(down_s=10), scene(times(0, 20), who))
    assert active[0] == 12.0
    assert 14.0 <= active[-1] <= 15.0  # recover_s of standing, then it is over


def test_someone_first_seen_lying_needs_to_be_seen_standing_first() -> None:
    frames = scene(times(0, 20), lambda t: body(LYING))
    assert active_times(rule(down_s=10), frames) == []
    relaxed = rule(down_s=10, require_upright_first=False)
    assert active_times(relaxed, frames)[0] == 10.0


def test_a_fall_towards_the_camera_is_seen_from_the_top_coming_down() -> None:
    # The box does not get wide, it gets short (100 → 45 px) while the feet stay put.
    def who(t: float) -> list[TrackSpec]:
        if t < 2:
            return body(STANDING)
        return body((40.0, max(45.0, 100.0 - 110.0 * (t - 2))))

    first = active_times(rule(down_s=10), scene(times(0, 15), who))[0]
    assert 12.2 <= first <= 12.8  # down once the top came down by half the standing height


def test_crouching_is_not_a_fall() -> None:
    # Down to 70 % of the standing height and square-ish: unsure, never down.
    def who(t: float) -> list[TrackSpec]:
        return body(STANDING if t < 2 else (60.0, 70.0))

    assert active_times(rule(down_s=10), scene(times(0, 30), who)) == []


def test_walking_away_up_the_picture_is_not_a_fall() -> None:
    # Both edges move and the box shrinks slowly, staying tall.
    def who(t: float) -> list[TrackSpec]:
        height = 100.0 - 4.0 * t
        return [make_track(1, (500.0, 600.0 - 20.0 * t), size=(height / 2.2, height))]

    assert active_times(rule(down_s=2), scene(times(0, 15), who)) == []


def test_a_person_who_falls_out_of_their_track_is_followed_under_the_new_id() -> None:
    """The tracker loses the falling person and finds them lying under a new id: the new id
    continues the same body, which was seen standing."""

    def who(t: float) -> list[TrackSpec]:
        if t < 2:
            return body(STANDING, track_id=1)
        if t < 3.5:
            return []  # lost while falling
        return body(LYING, track_id=7)  # first seen at 3.6 s

    first = active_times(rule(down_s=10), scene(times(0, 20), who))[0]
    assert first == 13.6


def test_a_lying_person_seen_only_in_weak_boxes_is_still_followed() -> None:
    """The track sees the fall begin, then the lying body scores too low to be tracked: weak
    boxes where it fell, that look like someone lying, keep it in view and down."""

    def frame(t: float) -> Observation:
        if t < 2:
            return with_weak(make_frame(t, *body(STANDING)))
        if t < 2.6:
            return with_weak(make_frame(t, *body(LYING)))
        return with_weak(make_frame(t), lying_box())

    assert active_times(rule(down_s=10), [frame(t) for t in times(0, 16)])[0] == 12.0


def test_weak_boxes_alone_are_never_a_person_down() -> None:
    frames = [with_weak(make_frame(t), lying_box()) for t in times(0, 20)]
    assert active_times(rule(down_s=5, require_upright_first=False), frames) == []


def test_a_weak_box_far_from_the_fall_continues_nobody() -> None:
    frames = [
        with_weak(make_frame(t, *body(STANDING)))
        if t < 2
        else with_weak(make_frame(t), lying_box((900.0, 300.0)))
        for t in times(0, 16)
    ]
    assert active_times(rule(down_s=10), frames) == []


def test_someone_who_walked_out_at_the_edge_hands_nothing_to_a_newcomer() -> None:
    edge = (20.0, 600.0)  # the box touches the left edge of the picture

    def who(t: float) -> list[TrackSpec]:
        if t < 2:
            return [make_track(1, edge, size=STANDING)]
        return [make_track(9, edge, size=LYING)]  # someone else, lying where they left

    assert active_times(rule(down_s=5), scene(times(0, 15), who)) == []


def test_a_person_lying_on_a_masked_bed_is_not_down() -> None:
    bed = ((0.4, 0.5), (0.65, 0.5), (0.65, 0.62), (0.4, 0.62))  # around the lying body

    def who(t: float) -> list[TrackSpec]:
        return body(STANDING if t < 2 else LYING)

    frames = scene(times(0, 20), who)
    assert active_times(rule(down_s=5, masks=[bed]), frames) == []
    assert active_times(rule(down_s=5), frames)  # the same fall, unmasked


def keypoints(shoulders: tuple[float, float], hips: tuple[float, float]) -> np.ndarray:
    """COCO keypoints with only shoulders, hips and a knee under the hips, all confident."""
    points = np.full((17, 3), np.nan, np.float32)
    points[:, 2] = 0.0
    points[5] = points[6] = (*shoulders, 0.9)
    points[11] = points[12] = (*hips, 0.9)
    points[13] = (hips[0], hips[1] + 10.0, 0.9)
    return points


def test_an_upright_torso_of_full_length_is_sitting_not_lying() -> None:
    config_ = config(PersonDownRuleConfig)
    reference = Reference(top=100.0, bottom=300.0, height=200.0)
    low_box = (100.0, 240.0, 190.0, 300.0)  # collapsed to 0.3 of the standing height
    sitting = keypoints((140.0, 180.0), (140.0, 240.0))  # a torso of 60 px, upright
    flat = keypoints((100.0, 270.0), (160.0, 275.0))  # the torso across the picture
    size = (1000, 1000)

    assert judge_posture(low_box, None, reference, size, config_)[0] is Posture.LYING
    assert judge_posture(low_box, sitting, reference, size, config_)[0] is Posture.RAISED
    assert judge_posture(low_box, flat, reference, size, config_)[0] is Posture.LYING


def test_a_horizontal_torso_with_the_hips_up_is_someone_bent_over() -> None:
    config_ = config(PersonDownRuleConfig)
    reference = Reference(top=100.0, bottom=300.0, height=200.0)
    box = (100.0, 180.0, 220.0, 300.0)
    bent = keypoints((100.0, 190.0), (160.0, 185.0))
    bent[15] = (160.0, 300.0, 0.9)  # an ankle on the floor, the hips 115 px above it
    posture, why = judge_posture(box, bent, reference, (1000, 1000), config_)
    assert posture is Posture.UNSURE and "bent over" in why


def test_state_of_people_gone_is_forgotten() -> None:
    down = rule()
    active_times(down, scene(times(0, 2), lambda t: body(STANDING, track_id=int(t * 5))))
    assert down.tracked_objects >= 1
    down.step(make_frame(2.0 + FORGET_S + 0.2))
    assert down.tracked_objects == 0

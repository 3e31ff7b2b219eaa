"""Person down: upright to lying, a head-on collapse, standing up again, near misses."""

from __future__ import annotations

from alerts.rules.person_down import PersonDownRule, Posture, box_postures
from alerts.rules.timing import FORGET_S
from alerts.zones import WHOLE_FRAME
from config.rules import PersonDownRuleConfig
from detectors.observation import Detections
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


def test_falling_and_staying_down_raises_after_down_s() -> None:
    frames = scene(times(0, 15), lambda t: body(STANDING if t < 2 else LYING))
    assert active_times(rule(down_s=10), frames)[0] == 12.0


def test_getting_up_one_second_short_of_down_s_never_raises() -> None:
    def who(t: float) -> list[TrackSpec]:
        return body(LYING if 2 <= t < 11 else STANDING)

    assert active_times(rule(down_s=10), scene(times(0, 20), who)) == []


def test_standing_up_ends_it() -> None:
    def who(t: float) -> list[TrackSpec]:
        return body(STANDING if t < 2 or t >= 14 else LYING)

    assert active_times(rule(down_s=10), scene(times(0, 20), who))[-1] == 13.8


def test_someone_first_seen_lying_needs_upright_first_by_default() -> None:
    frames = scene(times(0, 20), lambda t: body(LYING))
    assert active_times(rule(down_s=10), frames) == []
    relaxed = rule(down_s=10, require_upright_first=False)
    assert active_times(relaxed, frames)[0] == 10.0


def test_a_head_on_fall_is_seen_from_the_top_edge_dropping() -> None:
    # Falling towards the camera: the box does not get wide, it gets short (100 → 45 px)
    # within a second while the feet stay where they were.
    def who(t: float) -> list[TrackSpec]:
        if t < 2:
            return body(STANDING)
        return body((40.0, max(45.0, 100.0 - 110.0 * (t - 2))))

    # Down from 2.6 s (the first box that is no longer tall), so the alert is at 12.6 s.
    assert active_times(rule(down_s=10), scene(times(0, 15), who))[0] == 12.6


def test_crouching_is_not_a_fall() -> None:
    # Down to 70 % of the standing height and square-ish: unsure, never down.
    def who(t: float) -> list[TrackSpec]:
        return body(STANDING if t < 2 else (60.0, 70.0))

    assert active_times(rule(down_s=10), scene(times(0, 30), who)) == []


def test_a_slow_shrink_walking_away_is_not_a_fall() -> None:
    # Walking away up the picture: both edges move, the box shrinks slowly and stays tall.
    def who(t: float) -> list[TrackSpec]:
        height = 100.0 - 4.0 * t
        return [make_track(1, (500.0, 600.0 - 20.0 * t), size=(height / 2.2, height))]

    assert active_times(rule(down_s=2), scene(times(0, 15), who)) == []


def test_a_pose_estimator_can_replace_box_shapes() -> None:
    # Stand-in for a keypoint model: here the score carries the pose (low: lying).
    def from_keypoints(tracks: Detections, _: PersonDownRuleConfig) -> list[Posture]:
        return [Posture.LYING if score < 0.5 else Posture.UPRIGHT for score in tracks.score]

    pose_rule = PersonDownRule(
        config(PersonDownRuleConfig, down_s=5), WHOLE_FRAME, posture=from_keypoints
    )
    frames = scene(
        times(0, 10),
        lambda t: [make_track(1, FEET, size=STANDING, score=0.9 if t < 3 else 0.3)],
    )
    assert active_times(pose_rule, frames)[0] == 8.0


def test_box_postures() -> None:
    tracks = make_frame(0, *body(STANDING), *body(LYING, 2), *body((50.0, 50.0), 3)).tracks
    postures = box_postures(tracks, config(PersonDownRuleConfig))
    assert postures == [Posture.UPRIGHT, Posture.LYING, Posture.UNSURE]


def test_state_of_ended_tracks_is_evicted() -> None:
    down = rule()
    active_times(down, scene(times(0, 2), lambda t: body(STANDING, track_id=int(t * 5))))
    assert down.tracked_objects == 11
    down.step(make_frame(2.0 + FORGET_S + 0.2))
    assert down.tracked_objects == 0

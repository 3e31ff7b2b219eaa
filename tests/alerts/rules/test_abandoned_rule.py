"""The abandoned-object rule on detections, replayed frame by frame: a bag left behind is named
with its owner; a bag attended, picked up or moved is not; scenery is never judged.
Static regions are in test_abandoned_static.py."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable

import pytest
from pydantic import ValidationError

from alerts.lifecycle import AlertType
from alerts.rules.abandoned import (
    AbandonedObjectRule,
    AbandonedVerdict,
)
from config.rules import AbandonedObjectRuleConfig
from detectors.observation import Observation
from detectors.scene import static_settings
from tests.alerts.rules.abandoned_support import BAG, BAG_FOOT, OWNER, STRANGER, bag, person, rule
from tests.alerts.rules.replay import TrackSpec, alert_events, make_frame, make_track, times
from tests.support.factories import at


def walks_off(start_s: float, speed_px_s: float = 100.0) -> Callable[[float], float]:
    """The owner's x: standing at 500 until start_s, then walking right."""
    return lambda t: 500.0 + max(0.0, t - start_s) * speed_px_s


def scene_frames(
    seconds: Iterable[float], who: Callable[[float], Iterable[TrackSpec]]
) -> list[Observation]:
    return [make_frame(t, *who(t)) for t in seconds]


def left_behind(t: float) -> list[TrackSpec]:
    """The owner puts a bag down at 2 s, walks off at 5 s and is out of sight by 15 s."""
    owner_x = walks_off(5.0)(t)
    present = [person(OWNER, owner_x)] if owner_x < 1000.0 else []
    return present + ([bag()] if t >= 2.0 else [])


def first_active(
    subject: AbandonedObjectRule, frames: list[Observation]
) -> tuple[float, AbandonedVerdict] | None:
    for frame in frames:
        verdict = subject.step(frame)
        if verdict.active:
            return (frame.at - at(0)).total_seconds(), verdict
    return None


def test_a_bag_left_behind_alerts_after_still_s_and_names_its_owner() -> None:
    found = first_active(rule(still_s=15.0), scene_frames(times(0, 40), left_behind))
    assert found is not None
    seconds, verdict = found
    # The owner is more than one height away from 6.8 s on: alone from then, for 15 s.
    assert seconds == pytest.approx(21.8)
    assert list(verdict.objects.track_id) == [BAG] and list(verdict.objects.label) == ["backpack"]
    (item,) = verdict.items
    assert item.owner_track_id == OWNER and item.owner_left_at == at(6.8)
    assert item.still_since == at(2.0) and item.source == "detection"
    assert verdict.details["objects"] == [item.details()]
    assert item.details()["owner_left_at"] == at(6.8).isoformat()


def test_a_bag_whose_owner_stands_beside_it_never_alerts() -> None:
    def waiting(t: float) -> list[TrackSpec]:
        return [person(OWNER, 500.0), bag()]

    assert first_active(rule(still_s=15.0), scene_frames(times(0, 90), waiting)) is None


def test_a_bag_picked_up_and_carried_away_never_alerts() -> None:
    """The owner walks 300 px off, comes back at 10 s and leaves carrying the bag at 12 s."""

    def picked_up(t: float) -> list[TrackSpec]:
        if t < 10.0:
            owner_x = 500.0 + min(t, 3.0) * 100.0
        else:
            owner_x = max(500.0, 800.0 - (t - 10.0) * 300.0) + max(0.0, t - 12.0) * 100.0
        carried = (owner_x + 30.0, 500.0) if t >= 12.0 else BAG_FOOT
        return [person(OWNER, owner_x), bag(carried)]

    assert first_active(rule(still_s=15.0), scene_frames(times(0, 60), picked_up)) is None


def test_a_bag_moved_starts_its_still_clock_again() -> None:
    def kicked(t: float) -> list[TrackSpec]:
        foot = BAG_FOOT if t < 12.0 else (BAG_FOOT[0] + 60.0, BAG_FOOT[1])
        return [*left_behind(t)[:-1], bag(foot)] if t >= 2.0 else left_behind(t)

    found = first_active(rule(still_s=15.0), scene_frames(times(0, 40), kicked))
    assert found is not None and found[0] == pytest.approx(27.0)


def test_a_flickering_detection_or_a_new_track_id_keeps_the_clock() -> None:
    """The detector misses the bag for 2 s, and the tracker gives it a new id afterwards."""

    def flickering(t: float) -> list[TrackSpec]:
        people = [p for p in left_behind(t) if p.label == "person"]
        if t < 2.0 or 10.0 <= t < 12.0:
            return people
        return [*people, bag(track_id=BAG if t < 10.0 else 8)]

    found = first_active(rule(still_s=15.0), scene_frames(times(0, 40), flickering))
    assert found is not None and found[0] == pytest.approx(21.8)
    assert found[1].items[0].owner_track_id == OWNER


def test_anyone_standing_by_counts_as_attending() -> None:
    def guarded(t: float) -> list[TrackSpec]:
        return left_behind(t) + ([person(STRANGER, 470.0)] if 10.0 <= t < 30.0 else [])

    found = first_active(rule(still_s=15.0), scene_frames(times(0, 60), guarded))
    # The stranger leaves at 30 s: alone from then on.
    assert found is not None and found[0] == pytest.approx(45.0)


def test_alert_ends_once_the_bag_is_gone() -> None:
    def taken_at_30(t: float) -> list[TrackSpec]:
        return left_behind(t) if t < 30.0 else []

    events = alert_events(rule(still_s=15.0), scene_frames(times(0, 50), taken_at_30))
    # An object unseen for a second holds its alert no longer; clear_s (5 s) then ends it.
    assert events == [(21.8, AlertType.NEW), (35.8, AlertType.END)]


def test_passers_by_do_not_restart_the_clock() -> None:
    """From 8 s on, someone walks past the left bag every 4 s (a platform, a pavement)."""

    def platform(t: float) -> list[TrackSpec]:
        passers = []
        if t >= 8.0:
            index, into = divmod(t - 8.0, 4.0)
            passers = [person(100 + int(index), 300.0 + into * 150.0)]
        return left_behind(t) + passers

    found = first_active(rule(still_s=15.0), scene_frames(times(0, 40), platform))
    assert found is not None and found[0] == pytest.approx(21.8)


def test_a_stranger_standing_by_the_left_bag_does_not_end_its_alert_but_its_owner_does() -> None:
    def visited(t: float) -> list[TrackSpec]:
        stranger = [person(STRANGER, 470.0)] if 25.0 <= t < 35.0 else []
        owner = [person(OWNER, 500.0)] if t >= 40.0 else []
        return [*left_behind(t), *stranger, *owner]

    events = alert_events(rule(still_s=15.0), scene_frames(times(0, 60), visited))
    assert events == [(21.8, AlertType.NEW), (44.8, AlertType.END)]


def test_a_stranger_pacing_past_a_left_bag_does_not_attend_it() -> None:
    """Walking to and fro beside it, turning back each time, is not standing by it."""

    def paced(t: float) -> list[TrackSpec]:
        # Up and down 80 px (0.8 of their height), around the point where they came in.
        x = 480.0 + 40.0 * math.sin(2.0 * math.pi * (t - 10.0) / 4.0)
        stranger = [person(STRANGER, x)] if 10.0 <= t < 30.0 else []
        return [*left_behind(t), *stranger]

    found = first_active(rule(still_s=15.0), scene_frames(times(0, 40), paced))
    assert found is not None and found[0] == pytest.approx(21.8)


def test_configuration() -> None:
    config = AbandonedObjectRuleConfig()
    assert config.labels == ("backpack", "handbag", "suitcase") and config.still_s == 15.0
    assert config.use_static_foreground and config.rule_name == "abandoned_object"
    with pytest.raises(ValidationError, match="owner_distance"):
        AbandonedObjectRuleConfig.model_validate({"owner_distance": -1})
    assert config.attend_s == 3.0
    with pytest.raises(ValidationError, match="attend_s"):
        AbandonedObjectRuleConfig.model_validate({"attend_s": -2})
    settings = static_settings(AbandonedObjectRuleConfig(min_area_px=900, forget_after_s=600))
    assert settings.min_area_px == 900.0 and settings.absorb_after_s == 600.0


def test_an_object_there_from_the_first_look_is_scenery_but_a_bag_left_beside_it_is_not() -> None:
    """A utility box the detector takes for a suitcase stands there from the start; at 20 s
    someone leaves a bag beside it and walks off at 23 s."""
    box = make_track(9, (300.0, 500.0), size=(60.0, 80.0), label="suitcase", score=0.7)

    def street(t: float) -> list[TrackSpec]:
        if t < 20.0:
            return [box]
        owner_x = 380.0 + max(0.0, t - 23.0) * 100.0
        owner = [person(OWNER, owner_x)] if owner_x < 1000.0 else []
        return [box, bag((350.0, 500.0)), *owner]

    events = alert_events(rule(still_s=15.0), scene_frames(times(0, 60), street))
    assert [kind for _, kind in events] == [AlertType.NEW]
    found = first_active(rule(still_s=15.0), scene_frames(times(0, 60), street))
    assert found is not None
    assert list(found[1].objects.track_id) == [BAG]

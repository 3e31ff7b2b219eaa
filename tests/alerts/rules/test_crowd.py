"""Crowd: min_count objects for min_duration_s, hysteresis on the way down."""

from __future__ import annotations

import pytest

from alerts.lifecycle import AlertType
from alerts.rules.crowd import CrowdRule
from alerts.zones import WHOLE_FRAME, Zone
from config.rules import CrowdRuleConfig
from tests.alerts.rules.replay import (
    TrackSpec,
    active_times,
    alert_events,
    config,
    make_track,
    scene,
    times,
)

TOP_HALF = Zone("top", ((0.0, 0.0), (1.0, 0.0), (1.0, 0.5), (0.0, 0.5)))


def rule(zone: Zone = WHOLE_FRAME, **fields: object) -> CrowdRule:
    return CrowdRule(config(CrowdRuleConfig, **fields), zone)


def people(count: int, y: float = 300.0) -> list[TrackSpec]:
    return [make_track(index + 1, (60.0 + 60.0 * index, y)) for index in range(count)]


def test_min_count_for_min_duration_raises() -> None:
    frames = scene(times(0, 8), lambda t: people(8))
    assert active_times(rule(min_count=8, min_duration_s=5), frames)[0] == 5.0


def test_one_person_fewer_never_raises() -> None:
    frames = scene(times(0, 60), lambda t: people(7))
    assert active_times(rule(min_count=8, min_duration_s=5), frames) == []


def test_a_crowd_shorter_than_min_duration_never_raises() -> None:
    frames = scene(times(0, 30), lambda t: people(8 if t < 4.8 else 7))
    assert active_times(rule(min_count=8, min_duration_s=5), frames) == []


def test_a_one_frame_miss_does_not_restart_the_wait() -> None:
    frames = scene(times(0, 6), lambda t: people(7 if t == 2.0 else 8))
    assert active_times(rule(min_count=8, min_duration_s=5), frames)[0] == 5.0


def test_hysteresis_holds_the_crowd_until_it_really_thins() -> None:
    def who(t: float) -> list[TrackSpec]:
        if t < 10:
            return people(8)
        return people(6) if t < 20 else people(5)

    active = active_times(
        rule(min_count=8, min_duration_s=5, hysteresis=2), scene(times(0, 30), who)
    )
    assert active[0] == 5.0
    assert 19.8 in active  # 6 people: not below 8 - 2
    assert active[-1] < 21.2  # 5 people for more than a dropout: over


def test_hovering_around_the_threshold_gives_one_alert() -> None:
    frames = scene(times(0, 60), lambda t: people(8 if int(t) % 2 == 0 else 7))
    events = alert_events(rule(min_count=8, min_duration_s=0, hysteresis=2), frames)
    assert [event for event in events if event[1] != AlertType.UPDATE] == [(0.0, AlertType.NEW)]


def test_only_objects_in_the_zone_count() -> None:
    def who(t: float) -> list[TrackSpec]:
        return people(4, y=300.0) + [make_track(100 + i, (60.0 * i + 30, 800.0)) for i in range(6)]

    assert (
        active_times(rule(TOP_HALF, min_count=8, min_duration_s=0), scene(times(0, 10), who)) == []
    )


def test_the_verdict_names_the_crowd() -> None:
    crowd = rule(min_count=3, min_duration_s=0)
    verdict = crowd.step(scene([0.0], lambda t: people(3))[0])
    assert sorted(verdict.objects.track_id.tolist()) == [1, 2, 3]


def test_hysteresis_must_be_below_min_count() -> None:
    with pytest.raises(ValueError, match="hysteresis"):
        config(CrowdRuleConfig, min_count=3, hysteresis=3)

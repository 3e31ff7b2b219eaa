"""Line crossing: per-direction counts, once per crossing, jitter on the line, line ends."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from alerts.rules.line_crossing import LineCrossingRule, signed_distance
from alerts.rules.timing import FORGET_S
from alerts.zones import WHOLE_FRAME
from config.rules import LineCrossingRuleConfig
from tests.alerts.rules.replay import (
    TrackSpec,
    active_ids,
    active_times,
    config,
    make_frame,
    make_track,
    scene,
    times,
)

# Across the middle of the picture, drawn left to right: side A is above, side B below.
MIDDLE = [[0.0, 0.5], [1.0, 0.5]]


def rule(line: list[list[float]] = MIDDLE, **fields: object) -> LineCrossingRule:
    return LineCrossingRule(config(LineCrossingRuleConfig, line=line, **fields), WHOLE_FRAME)


def walker(
    track_id: int, x: float, y_from: float, y_to: float, start: float, stop: float
) -> Callable[[float], list[TrackSpec]]:
    """A person walking straight up or down the picture between two times."""

    def where(t: float) -> list[TrackSpec]:
        if not start <= t <= stop:
            return []
        y = y_from + (y_to - y_from) * (t - start) / (stop - start)
        return [make_track(track_id, (x, y))]

    return where


def test_walking_down_counts_one_a_to_b_on_one_frame() -> None:
    tripwire = rule()
    frames = scene(times(0, 4), walker(1, 500, 300, 700, 0, 4))
    # Feet move 20 px a frame; boxes are 100 px tall, so 15 px past the line is clear.
    assert active_ids(tripwire, frames) == [(2.2, [1])]
    assert tripwire.counts == {"a_to_b": 1, "b_to_a": 0}


def test_walking_up_counts_b_to_a() -> None:
    tripwire = rule()
    active_times(tripwire, scene(times(0, 4), walker(1, 500, 700, 300, 0, 4)))
    assert tripwire.counts == {"a_to_b": 0, "b_to_a": 1}


def test_only_the_watched_direction_alerts_but_both_are_counted() -> None:
    tripwire = rule(direction="a_to_b")
    assert active_times(tripwire, scene(times(0, 4), walker(1, 500, 700, 300, 0, 4))) == []
    assert tripwire.counts == {"a_to_b": 0, "b_to_a": 1}


def test_a_box_jittering_on_the_line_counts_nothing() -> None:
    def who(t: float) -> list[TrackSpec]:
        if t < 2:
            return [make_track(1, (500, 300 + 100 * t))]
        if t < 12:
            wobble = (-12, 10, -4, 12, -10)[round(t * 5) % 5]  # within 15 px of the line
            return [make_track(1, (500, 500 + wobble))]
        return [make_track(1, (500, 300))]

    tripwire = rule()
    assert active_times(tripwire, scene(times(0, 14), who)) == []
    assert tripwire.counts == {"a_to_b": 0, "b_to_a": 0}


def test_there_and_back_counts_once_each_way() -> None:
    def who(t: float) -> list[TrackSpec]:
        y = 300 + 100 * t if t <= 4 else 700 - 100 * (t - 4)
        return [make_track(1, (500, y))]

    tripwire = rule()
    assert len(active_times(tripwire, scene(times(0, 8), who))) == 2
    assert tripwire.counts == {"a_to_b": 1, "b_to_a": 1}


def test_lingering_on_the_far_side_does_not_count_again() -> None:
    def who(t: float) -> list[TrackSpec]:
        if t <= 4:
            return [make_track(1, (500, 300 + 100 * t))]
        return [make_track(1, (500, 505 + (25 if round(t * 5) % 2 else 0)))]

    tripwire = rule()
    active_times(tripwire, scene(times(0, 12), who))
    assert tripwire.counts == {"a_to_b": 1, "b_to_a": 0}


def test_walking_round_the_end_of_a_short_line_is_no_crossing() -> None:
    tripwire = rule(line=[[0.2, 0.5], [0.4, 0.5]])
    active_times(tripwire, scene(times(0, 4), walker(1, 700, 300, 700, 0, 4)))
    assert tripwire.counts == {"a_to_b": 0, "b_to_a": 0}


def test_a_polyline_counts_on_any_of_its_segments() -> None:
    bent = [[0.0, 0.3], [0.5, 0.3], [0.5, 0.8], [1.0, 0.8]]
    tripwire = rule(line=bent)
    active_times(tripwire, scene(times(0, 4), walker(1, 800, 500, 950, 0, 4)))
    active_times(tripwire, scene(times(10, 14), walker(2, 200, 100, 500, 10, 14)))
    assert tripwire.counts == {"a_to_b": 2, "b_to_a": 0}


def test_two_people_crossing_together_are_both_named() -> None:
    def who(t: float) -> list[TrackSpec]:
        y = 300 + 100 * t
        return [make_track(1, (300, y)), make_track(2, (600, y))]

    tripwire = rule()
    assert active_ids(tripwire, scene(times(0, 4), who)) == [(2.2, [1, 2])]
    assert tripwire.counts["a_to_b"] == 2


def test_a_track_lost_while_crossing_is_counted_when_it_returns() -> None:
    def who(t: float) -> list[TrackSpec]:
        return [] if 1 < t < 3 else [make_track(1, (500, 300 + 100 * t))]

    tripwire = rule()
    assert active_times(tripwire, scene(times(0, 4), who)) == [3.0]


def test_state_of_ended_tracks_is_evicted() -> None:
    tripwire = rule()
    active_times(tripwire, scene(times(0, 2), lambda t: [make_track(int(t * 5), (500, 300))]))
    assert tripwire.tracked_objects == 11
    tripwire.step(make_frame(2.0 + FORGET_S + 0.2))
    assert tripwire.tracked_objects == 0


def test_side_a_is_on_the_left_walking_the_line() -> None:
    line = [(0.0, 500.0), (1000.0, 500.0)]
    assert signed_distance((500.0, 400.0), line) == pytest.approx(-100.0)
    assert signed_distance((500.0, 650.0), line) == pytest.approx(150.0)


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ([[0.5, 0.5]], "at least 2"),
        ([[0.1, 0.5], [1.2, 0.5]], "outside 0-1"),
        ([[0.1, 0.1], [0.1, 0.1]], "same"),
    ],
)
def test_bad_lines_are_refused(line: list[list[float]], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        config(LineCrossingRuleConfig, line=line)

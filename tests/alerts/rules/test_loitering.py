"""Loitering: dwell in the zone, bridged tracker id switches, passers-by, eviction."""

from __future__ import annotations

import pytest

from alerts.lifecycle import AlertType
from alerts.rules.loitering import LoiteringRule
from alerts.zones import WHOLE_FRAME, Zone
from config.rules import LoiteringRuleConfig
from tests.alerts.rules.replay import (
    TrackSpec,
    active_ids,
    active_times,
    alert_events,
    config,
    make_frame,
    make_track,
    scene,
    times,
)

SPOT = (500.0, 500.0)  # where the loiterer stands; boxes are 100 px tall


def rule(zone: Zone = WHOLE_FRAME, **fields: object) -> LoiteringRule:
    return LoiteringRule(config(LoiteringRuleConfig, **fields), zone)


def loiterer(t: float, track_id: int = 1) -> list[TrackSpec]:
    return [make_track(track_id, SPOT)]


def test_standing_for_dwell_s_raises_at_dwell_s() -> None:
    frames = scene(times(0, 25), loiterer)
    assert active_times(rule(dwell_s=20), frames)[0] == 20.0


def test_one_second_short_of_dwell_never_fires() -> None:
    frames = scene(times(0, 19), loiterer) + scene(times(19.2, 40), lambda t: [])
    assert active_times(rule(dwell_s=20), frames) == []


def test_alert_through_the_lifecycle_starts_once_and_ends_after_leaving() -> None:
    frames = scene(times(0, 30), loiterer) + scene(times(30.2, 40), lambda t: [])
    assert alert_events(rule(dwell_s=20), frames, clear_s=5) == [
        (20.0, AlertType.NEW),
        (35.0, AlertType.END),  # clear_s after the last active frame
    ]


def test_an_id_switch_close_by_continues_the_dwell() -> None:
    # The tracker loses id 1 at 10 s; 1.6 s later the same person is found again as id 7.
    def who(t: float) -> list[TrackSpec]:
        if t <= 10:
            return [make_track(1, SPOT)]
        if t < 11.8:
            return []
        return [make_track(7, (SPOT[0] + 30, SPOT[1] + 10))]

    assert active_ids(rule(dwell_s=20), scene(times(0, 21), who))[0] == (20.0, [7])


def test_a_new_id_far_away_is_a_different_object() -> None:
    def who(t: float) -> list[TrackSpec]:
        return [make_track(1, SPOT)] if t <= 10 else [make_track(7, (SPOT[0] + 250, SPOT[1]))]

    # id 7 appears 2.5 box heights away: it starts its own dwell at 10.2 s.
    assert active_times(rule(dwell_s=20), scene(times(0, 30.2), who)) == [30.2]


def test_a_gap_longer_than_gap_s_starts_a_new_dwell() -> None:
    def who(t: float) -> list[TrackSpec]:
        if t <= 10:
            return [make_track(1, SPOT)]
        return [] if t < 14 else [make_track(7, SPOT)]

    assert active_times(rule(dwell_s=20, gap_s=3), scene(times(0, 30), who)) == []


def test_the_same_id_back_within_gap_s_continues() -> None:
    def who(t: float) -> list[TrackSpec]:
        return [] if 10 < t < 12 else [make_track(1, SPOT)]

    assert active_times(rule(dwell_s=20), scene(times(0, 20), who)) == [20.0]


def test_a_passing_pedestrian_neither_resets_nor_inherits_the_loiterer() -> None:
    # Pedestrian 2 walks across the frame from 8 s to 16 s and hides the loiterer (id 1)
    # as it passes; the loiterer is found again as id 3 right where it stood.
    def who(t: float) -> list[TrackSpec]:
        walker = [make_track(2, (100 + 100 * (t - 8), 520))] if 8 <= t <= 16 else []
        if t < 11.6:
            hidden_or_not = [make_track(1, SPOT)]
        elif t < 12.6:
            hidden_or_not = []
        else:
            hidden_or_not = [make_track(3, SPOT)]
        return hidden_or_not + walker

    active = active_ids(rule(dwell_s=20), scene(times(0, 22), who))
    assert active[0] == (20.0, [3])
    assert all(2 not in ids for _, ids in active)


def test_the_nearest_newcomer_inherits_a_lost_dwell() -> None:
    # id 1 is lost; in the same frame a passer-by (id 8) appears 80 px away and the
    # loiterer reappears as id 9 10 px away: id 9 keeps the dwell.
    def who(t: float) -> list[TrackSpec]:
        if t <= 10:
            return [make_track(1, SPOT)]
        walker = make_track(8, (SPOT[0] - 80 + 100 * (t - 10.2), SPOT[1]))
        return [walker, make_track(9, (SPOT[0] + 10, SPOT[1]))]

    active = active_ids(rule(dwell_s=20), scene(times(0, 20.6), who))
    assert active[0] == (20.0, [9])


def test_someone_entering_where_another_walked_out_starts_afresh() -> None:
    left = Zone("left", ((0.0, 0.0), (0.5, 0.0), (0.5, 1.0), (0.0, 1.0)))

    # Person 1 stands near the zone's edge for 15 s, then steps out and stays in view;
    # person 2 steps in at the same spot a moment later.
    def who(t: float) -> list[TrackSpec]:
        if t < 15:
            return [make_track(1, (480.0, 500.0))]
        return [make_track(1, (560.0, 500.0)), make_track(2, (470.0, 500.0))]

    assert active_times(rule(left, dwell_s=20), scene(times(0, 30), who)) == []


def test_several_people_each_have_their_own_dwell() -> None:
    def who(t: float) -> list[TrackSpec]:
        late = [make_track(2, (200.0, 800.0))] if t >= 6 else []
        return [make_track(1, SPOT), *late]

    active = active_ids(rule(dwell_s=20), scene(times(0, 26), who))
    assert active[0] == (20.0, [1])
    assert active[-1] == (26.0, [1, 2])


def test_only_time_inside_the_zone_counts() -> None:
    left = Zone("left", ((0.0, 0.0), (0.5, 0.0), (0.5, 1.0), (0.0, 1.0)))

    def who(t: float) -> list[TrackSpec]:
        return [make_track(1, (300.0 if t < 10 else 700.0, 500.0))]

    assert active_times(rule(left, dwell_s=15), scene(times(0, 30), who)) == []


def test_objects_in_a_mask_are_ignored() -> None:
    masked = rule(dwell_s=20, masks=[[[0.4, 0.4], [0.6, 0.4], [0.6, 0.6], [0.4, 0.6]]])
    assert active_times(masked, scene(times(0, 30), loiterer)) == []


def test_state_is_evicted_when_tracks_end() -> None:
    loitering = rule(dwell_s=20, gap_s=3)
    frames = scene(times(0, 5), lambda t: [make_track(int(t * 5) + 1, (100 + t * 50, 500))])
    active_times(loitering, frames)
    assert loitering.tracked_objects > 0
    loitering.step(make_frame(9.0))
    assert loitering.tracked_objects == 0


def test_reset_forgets_dwell() -> None:
    loitering = rule(dwell_s=20)
    active_times(loitering, scene(times(0, 15), loiterer))
    loitering.reset()
    assert active_times(loitering, scene(times(15.2, 30), loiterer)) == []


@pytest.mark.parametrize("field", ["dwell_s", "link_distance_heights"])
def test_zero_thresholds_are_refused(field: str) -> None:
    with pytest.raises(ValueError, match=field):
        config(LoiteringRuleConfig, **{field: 0})

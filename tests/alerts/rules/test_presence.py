"""After-hours occupancy (licensed hours across midnight, site time) and vehicles in a zone."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from alerts.rules.presence import AfterHoursRule, VehicleInZoneRule
from alerts.zones import WHOLE_FRAME
from config.rules import AfterHoursRuleConfig, VehicleRuleConfig
from detectors.observation import Observation
from tests.alerts.rules.replay import (
    TrackSpec,
    active_times,
    config,
    make_frame,
    make_track,
    scene,
    times,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")
# A bar licensed from 18:00 to 02:00, on nights starting Friday and Saturday.
BAR_HOURS = {"windows": ["18:00-02:00"], "days": ["fri", "sat"]}


def after_hours(**fields: object) -> AfterHoursRule:
    settings = {"licensed_hours": BAR_HOURS, "min_duration_s": 10, **fields}
    return AfterHoursRule(config(AfterHoursRuleConfig, **settings), WHOLE_FRAME, "Asia/Shanghai")


def occupied_from(
    local_start: str, seconds: float, count: int = 1, fps: float = 5.0
) -> list[Observation]:
    """`count` people present for `seconds` from a Shanghai wall-clock time."""
    start = datetime.fromisoformat(local_start).replace(tzinfo=SHANGHAI)
    people = [make_track(index + 1, (100.0 + 80 * index, 500.0)) for index in range(count)]
    return [make_frame(t, *people, start=start) for t in times(0, seconds, fps)]


def first_alert_s(rule: AfterHoursRule, frames: list[Observation]) -> float | None:
    for frame in frames:
        if rule.step(frame).active:
            return (frame.at - frames[0].at).total_seconds()
    return None


def test_inside_licensed_hours_after_midnight_is_quiet() -> None:
    # Saturday 01:00-01:59:59: still Friday night's licence.
    assert first_alert_s(after_hours(), occupied_from("2026-12-05 01:00", 3599, fps=1)) is None


def test_the_alert_follows_closing_time_by_min_duration() -> None:
    # Saturday 01:59:00 onwards: the licence ends at 02:00, the alert comes 10 s later.
    assert first_alert_s(after_hours(), occupied_from("2026-12-05 01:59", 120)) == 70.0


def test_people_before_opening_raise_and_opening_quiets_them() -> None:
    rule = after_hours()
    frames = occupied_from("2026-12-04 17:59", 120)  # Friday
    active = [(f.at - frames[0].at).total_seconds() for f in frames if rule.step(f).active]
    assert active[0] == 10.0
    assert active[-1] == 59.8


def test_a_night_whose_day_is_not_licensed_raises() -> None:
    # Sunday 01:30 belongs to Saturday night (licensed); Monday 01:30 to Sunday night (not).
    assert first_alert_s(after_hours(), occupied_from("2026-12-06 01:30", 60)) is None
    assert first_alert_s(after_hours(), occupied_from("2026-12-07 01:30", 60)) == 10.0


def test_fewer_people_than_min_count_is_quiet() -> None:
    rule = after_hours(min_count=3)
    assert first_alert_s(rule, occupied_from("2026-12-07 03:00", 60, count=2)) is None
    assert first_alert_s(after_hours(min_count=3), occupied_from("2026-12-07 03:00", 60, 3)) == 10.0


def test_one_second_short_of_min_duration_is_quiet() -> None:
    frames = occupied_from("2026-12-07 03:00", 9)
    assert first_alert_s(after_hours(), frames) is None


def vehicle_rule(**fields: object) -> VehicleInZoneRule:
    return VehicleInZoneRule(config(VehicleRuleConfig, **fields), WHOLE_FRAME)


def car(t: float, label: str = "car") -> list[TrackSpec]:
    return [make_track(1, (500.0, 500.0), size=(200.0, 120.0), label=label)]


def test_a_vehicle_for_min_duration_raises() -> None:
    assert active_times(vehicle_rule(), scene(times(0, 3), car))[0] == 1.0


def test_a_vehicle_passing_quicker_than_min_duration_is_quiet() -> None:
    frames = scene(times(0, 0.8), car) + scene(times(1.0, 5), lambda t: [])
    assert active_times(vehicle_rule(), frames) == []


def test_people_and_bicycles_are_not_vehicles() -> None:
    for label in ("person", "bicycle"):
        frames = [make_frame(t, *car(t, label)) for t in times(0, 5)]
        assert active_times(vehicle_rule(), frames) == []
    trucks = scene(times(0, 3), lambda t: car(t, "truck"))
    assert active_times(vehicle_rule(), trucks)[0] == 1.0


def test_a_missed_detection_does_not_restart_the_wait() -> None:
    frames = scene(times(0, 3), lambda t: [] if t == 0.6 else car(t))
    assert active_times(vehicle_rule(), frames)[0] == 1.0

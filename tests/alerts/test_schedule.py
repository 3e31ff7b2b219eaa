"""Schedules: windows of site-local time, across midnight, on chosen days, in the site's zone."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from alerts.schedule import Schedule
from config.rules.base import ScheduleConfig


def schedule(*windows: str, days: tuple[str, ...] | None = None, tz: str = "UTC") -> Schedule:
    fields: dict[str, object] = {"windows": windows}
    if days is not None:
        fields["days"] = days
    return Schedule.from_config(ScheduleConfig.model_validate(fields), tz)


def local(text: str, tz: str = "UTC") -> datetime:
    """'2026-11-30 21:00' (a Monday) as an aware time in `tz`."""
    return datetime.fromisoformat(text).replace(tzinfo=ZoneInfo(tz))


NIGHT = schedule("20:00-06:00")


@pytest.mark.parametrize(
    ("when", "active"),
    [
        ("2026-11-30 19:59", False),
        ("2026-11-30 20:00", True),
        ("2026-11-30 23:59", True),
        ("2026-12-01 00:00", True),
        ("2026-12-01 05:59", True),
        ("2026-12-01 06:00", False),
        ("2026-12-01 12:00", False),
    ],
)
def test_a_night_window_crosses_midnight(when: str, active: bool) -> None:
    assert NIGHT.is_active(local(when)) is active


def test_a_window_crossing_midnight_belongs_to_the_day_it_starts() -> None:
    mondays = schedule("20:00-06:00", days=("mon",))

    assert mondays.is_active(local("2026-11-30 22:00"))  # Monday night
    assert mondays.is_active(local("2026-12-01 03:00"))  # still Monday's night, on Tuesday
    assert not mondays.is_active(local("2026-11-30 03:00"))  # Sunday's night: not listed
    assert not mondays.is_active(local("2026-12-01 22:00"))  # Tuesday night: not listed


def test_day_lists_choose_the_days_of_a_daytime_window() -> None:
    weekend = schedule("09:00-17:00", days=("sat", "sun"))

    assert weekend.is_active(local("2026-12-05 10:00"))  # Saturday
    assert weekend.is_active(local("2026-12-06 16:59"))  # Sunday
    assert not weekend.is_active(local("2026-12-07 10:00"))  # Monday


def test_an_end_of_24_00_runs_to_the_end_of_the_day() -> None:
    evening = schedule("18:00-24:00")

    assert evening.is_active(local("2026-11-30 18:00"))
    assert evening.is_active(datetime(2026, 11, 30, 23, 59, 59, 999999, ZoneInfo("UTC")))
    assert not evening.is_active(local("2026-12-01 00:00"))
    assert not evening.is_active(local("2026-12-01 17:59"))


def test_several_windows_add_up() -> None:
    split = schedule("00:00-06:00", "22:00-24:00")

    assert split.is_active(local("2026-11-30 05:00"))
    assert split.is_active(local("2026-11-30 23:00"))
    assert not split.is_active(local("2026-11-30 12:00"))


def test_windows_are_read_in_the_site_time_zone() -> None:
    shanghai = schedule("20:00-06:00", tz="Asia/Shanghai")
    utc = schedule("20:00-06:00", tz="UTC")
    # 12:30 UTC is 20:30 in Shanghai (UTC+8): night there, midday in UTC.
    half_past_noon_utc = local("2026-11-30 12:30")
    # 23:00 UTC is 07:00 the next morning in Shanghai.
    eleven_pm_utc = local("2026-11-30 23:00")

    assert shanghai.is_active(half_past_noon_utc)
    assert not utc.is_active(half_past_noon_utc)
    assert not shanghai.is_active(eleven_pm_utc)
    assert utc.is_active(eleven_pm_utc)


def test_days_are_the_site_days_not_utc_days() -> None:
    # Monday 18:00 UTC is Tuesday 02:00 in Shanghai: inside Monday's night there.
    mondays = schedule("20:00-06:00", days=("mon",), tz="Asia/Shanghai")
    assert mondays.is_active(local("2026-11-30 18:00"))
    # Tuesday 18:00 UTC is Wednesday 02:00 in Shanghai: Tuesday's night, not listed.
    assert not mondays.is_active(local("2026-12-01 18:00"))


def test_always_is_always_active() -> None:
    always = Schedule.from_config("always", "Asia/Shanghai")
    assert all(always.is_active(local(f"2026-11-30 {hour:02d}:00")) for hour in range(24))


@pytest.mark.parametrize("window", ["20:00", "25:00-06:00", "20:00-24:30", "8pm-6am"])
def test_impossible_windows_are_refused(window: str) -> None:
    with pytest.raises(ValueError, match="window"):
        ScheduleConfig.model_validate({"windows": [window]})

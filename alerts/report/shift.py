"""A night's shift as two instants: the site's `shift` window on the date it starts."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from config.rules.base import parse_window

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class ShiftDateError(ValueError):
    """A shift date that is not YYYY-MM-DD (or not a day of the calendar)."""


@dataclass(frozen=True, slots=True)
class Shift:
    """One shift: it starts on `day` at the window's start, in `timezone`; times in UTC."""

    day: date
    window: str
    timezone: str
    start: datetime
    end: datetime

    @property
    def label(self) -> str:
        """The date the shift belongs to, YYYY-MM-DD (its folder and message id)."""
        return self.day.isoformat()

    def local(self, moment: datetime) -> datetime:
        """`moment` on the site's clock."""
        return moment.astimezone(ZoneInfo(self.timezone))

    def contains(self, moment: datetime) -> bool:
        return self.start <= moment < self.end


def parse_shift_date(text: str) -> date:
    """`YYYY-MM-DD` as a date; anything else raises ShiftDateError saying how to write it."""
    if not _DATE.match(text.strip()):
        raise ShiftDateError(
            f"shift date {text!r} is not YYYY-MM-DD; write the date the shift starts on, "
            "e.g. --shift 2026-03-01"
        )
    try:
        return date.fromisoformat(text.strip())
    except ValueError as error:
        raise ShiftDateError(
            f"shift date {text!r} is not a day of the calendar ({error}); e.g. --shift 2026-03-01"
        ) from None


def shift_on(day: date, window: str, timezone: str) -> Shift:
    """The shift starting on `day`: a window ending at or before its start ends the next day.

    Wall-clock times are read in `timezone`, so a shift across a daylight-saving change is as
    long as the clock on the wall says, give or take that hour.
    """
    start_time, end_time = parse_window(window)
    zone = ZoneInfo(timezone)
    start_local = datetime.combine(day, start_time, zone)
    if end_time is None:
        end_local = datetime.combine(day + timedelta(days=1), time(0, 0), zone)
    elif end_time <= start_time:
        end_local = datetime.combine(day + timedelta(days=1), end_time, zone)
    else:
        end_local = datetime.combine(day, end_time, zone)
    return Shift(day, window, timezone, start_local.astimezone(UTC), end_local.astimezone(UTC))


def last_ended_shift(now: datetime, window: str, timezone: str, grace_s: float) -> Shift:
    """The latest shift that ended (plus `grace_s`) at or before `now`."""
    today = now.astimezone(ZoneInfo(timezone)).date()
    for back in range(3):  # a shift ends at most a day after it starts
        shift = shift_on(today - timedelta(days=back), window, timezone)
        if shift.end + timedelta(seconds=grace_s) <= now:
            return shift
    raise AssertionError("a shift ends within two days of its start")  # pragma: no cover

"""When a rule is active: windows of local time in the site's time zone, across midnight too."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from config.rules.base import ScheduleConfig, parse_window

_DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@dataclass(frozen=True, slots=True)
class Window:
    start: time
    end: time | None  # None: until the end of the day

    @property
    def crosses_midnight(self) -> bool:
        return self.end is not None and self.end <= self.start


@dataclass(frozen=True, slots=True)
class Schedule:
    """Active windows; a window that crosses midnight belongs to the day it starts."""

    windows: tuple[Window, ...]
    days: frozenset[int]
    zone: ZoneInfo

    @classmethod
    def always(cls) -> Schedule:
        return cls((Window(time(0, 0), None),), frozenset(range(7)), ZoneInfo("UTC"))

    @classmethod
    def from_config(cls, config: ScheduleConfig | str, timezone: str) -> Schedule:
        if isinstance(config, str):
            return cls.always()
        windows = tuple(Window(*parse_window(text)) for text in config.windows)
        return cls(windows, frozenset(_DAYS.index(day) for day in config.days), ZoneInfo(timezone))

    def is_active(self, now: datetime) -> bool:
        """Whether `now` (timezone-aware) falls inside a window."""
        local = now.astimezone(self.zone)
        clock, today = local.time(), local.weekday()
        yesterday = (local - timedelta(days=1)).weekday()
        for window in self.windows:
            if window.crosses_midnight:
                assert window.end is not None
                if (today in self.days and clock >= window.start) or (
                    yesterday in self.days and clock < window.end
                ):
                    return True
            elif (
                today in self.days
                and clock >= window.start
                and (window.end is None or clock < window.end)
            ):
                return True
        return False

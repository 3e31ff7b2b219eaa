"""What every rule's configuration shares: schedules, labels, masks, severity and timing."""

from __future__ import annotations

import re
from datetime import time
from typing import Literal

from pydantic import Field, field_validator

from config.common import Name, Severity, Strict

Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
_WINDOW = re.compile(r"^(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})$")
NormPoint = tuple[float, float]  # [x, y] as fractions (0-1) of the picture's width and height


class ScheduleConfig(Strict):
    windows: tuple[str, ...] = Field(
        ("00:00-24:00",),
        min_length=1,
        description="Active windows HH:MM-HH:MM in the site time zone; may cross midnight.",
    )
    days: tuple[Weekday, ...] = Field(
        ("mon", "tue", "wed", "thu", "fri", "sat", "sun"),
        min_length=1,
        description="Days on which a window may start.",
    )

    @field_validator("windows")
    @classmethod
    def _valid_windows(cls, windows: tuple[str, ...]) -> tuple[str, ...]:
        for window in windows:
            parse_window(window)
        return windows


def parse_window(window: str) -> tuple[time, time | None]:
    """Parse 'HH:MM-HH:MM'; an end of 24:00 is returned as None (end of day)."""
    match = _WINDOW.match(window.strip())
    if not match:
        raise ValueError(f"window {window!r} must look like 20:00-06:00")
    start_h, start_m, end_h, end_m = (int(group) for group in match.groups())
    if start_h > 23 or start_m > 59 or end_m > 59 or end_h > 24 or (end_h == 24 and end_m):
        raise ValueError(f"window {window!r} has an impossible time")
    end = None if end_h == 24 else time(end_h, end_m)
    return time(start_h, start_m), end


def check_points(points: tuple[NormPoint, ...], least: int, what: str) -> None:
    """A polygon or polyline in normalised coordinates: enough points, all inside 0-1."""
    if len(points) < least:
        raise ValueError(f"{what} needs at least {least} [x, y] points, got {len(points)}")
    for index, (x, y) in enumerate(points):
        if not (0.0 <= x <= 1.0 and 0.0 <= y <= 1.0):
            raise ValueError(
                f"point {index} [{x}, {y}] of {what} is outside 0-1; coordinates are fractions "
                "of the picture's width and height"
            )


class RuleBase(Strict):
    name: Name | None = Field(None, description="Rule name in topics; defaults to the type.")
    zone: Name | None = Field(None, description="Zone the rule watches; none means the frame.")
    labels: tuple[str, ...] = Field(("person",), min_length=1, description="Labels watched.")
    severity: Severity = Field("medium", description="Alert severity.")
    schedule: Literal["always"] | ScheduleConfig = Field(
        "always", description="When the rule is active: 'always' or windows in site time."
    )
    min_area_px: int = Field(0, ge=0, description="Ignore boxes smaller than this, pixels².")
    clear_s: float = Field(5.0, ge=0, description="Quiet time that ends an alert, seconds.")
    cooldown_s: float = Field(
        30.0, ge=0, description="After an end, no new alert for this rule and zone; seconds."
    )
    update_interval_s: float = Field(
        5.0, ge=0, description="Least time between two update messages, seconds."
    )
    masks: tuple[tuple[NormPoint, ...], ...] = Field(
        (),
        description="Polygons (normalised [x, y] corners) where objects are ignored, e.g. a "
        "poster or a mannequin. Default none.",
    )

    @field_validator("masks")
    @classmethod
    def _valid_masks(
        cls, masks: tuple[tuple[NormPoint, ...], ...]
    ) -> tuple[tuple[NormPoint, ...], ...]:
        for polygon in masks:
            check_points(polygon, least=3, what="a mask")
        return masks

    @property
    def rule_name(self) -> str:
        return self.name or str(getattr(self, "type", "rule"))

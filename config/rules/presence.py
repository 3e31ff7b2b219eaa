"""Presence rules: a venue occupied after its licensed hours, a vehicle in a pedestrian zone."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from config.rules.base import RuleBase, ScheduleConfig


class AfterHoursRuleConfig(RuleBase):
    """People in the venue outside its licensed hours."""

    type: Literal["after_hours_occupancy"] = "after_hours_occupancy"
    licensed_hours: ScheduleConfig = Field(
        description="When the venue may be occupied: windows HH:MM-HH:MM in site time and the "
        "days they start on. The rule fires outside them."
    )
    min_count: int = Field(1, ge=1, description="People that count as occupied. Default 1.")
    min_duration_s: float = Field(
        10.0, ge=0, description="Time occupied before the alert, seconds. Default 10."
    )


class VehicleRuleConfig(RuleBase):
    """A vehicle in the zone for min_duration_s."""

    type: Literal["vehicle_in_zone"] = "vehicle_in_zone"
    labels: tuple[str, ...] = Field(
        ("car", "motorcycle", "bus", "truck"), min_length=1, description="Labels watched."
    )
    min_duration_s: float = Field(
        1.0, ge=0, description="Time in the zone before the alert, seconds. Default 1."
    )

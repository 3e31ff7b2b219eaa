"""Rule configuration: one class per rule type, and the union that names them all.

Rules that read the picture itself (tampering, abandoned objects) live in scene_rules.py;
what every rule shares lives in rule_base.py.
"""

from __future__ import annotations

import itertools
from typing import Annotated, Literal

from pydantic import Field, field_validator, model_validator

from config.rule_base import NormPoint, RuleBase, ScheduleConfig, check_points
from config.scene_rules import AbandonedObjectRuleConfig, TamperRuleConfig


class IntrusionRuleConfig(RuleBase):
    type: Literal["intrusion"] = "intrusion"
    inertia_frames: int = Field(
        3, ge=1, le=100, description="Frames an object must be in (or out) to count; default 3."
    )


class LoiteringRuleConfig(RuleBase):
    """One object stays in the zone longer than dwell_s, across tracker id switches."""

    type: Literal["loitering"] = "loitering"
    dwell_s: float = Field(20.0, gt=0, description="Time in the zone that is loitering, s.")
    gap_s: float = Field(
        3.0,
        ge=0,
        description="An object unseen (or out of the zone) this long has left; a new track id "
        "appearing nearby within it continues the same dwell. Seconds, default 3.",
    )
    link_distance_heights: float = Field(
        1.0,
        gt=0,
        description="How far from where a lost id was last seen a new id may appear and still "
        "be the same object, in box heights. Default 1.",
    )


class CrowdRuleConfig(RuleBase):
    """At least min_count objects in the zone for min_duration_s."""

    type: Literal["crowd"] = "crowd"
    min_count: int = Field(8, ge=1, description="Objects that make a crowd. Default 8.")
    min_duration_s: float = Field(5.0, ge=0, description="Time the crowd must last, s.")
    hysteresis: int = Field(
        2,
        ge=0,
        description="Once raised, the crowd holds until fewer than min_count - hysteresis "
        "remain. Default 2.",
    )

    @model_validator(mode="after")
    def _hysteresis_below_count(self) -> CrowdRuleConfig:
        if self.hysteresis >= self.min_count:
            raise ValueError(
                f"hysteresis ({self.hysteresis}) must be smaller than min_count ({self.min_count})"
            )
        return self


class LineCrossingRuleConfig(RuleBase):
    """A tripwire: objects whose feet cross the line in the watched direction."""

    type: Literal["line_crossing"] = "line_crossing"
    line: tuple[NormPoint, ...] = Field(
        description="The tripwire: two or more normalised [x, y] points (a polyline). Side A "
        "is on your left as you walk it from its first to its last point, as seen on screen."
    )
    direction: Literal["a_to_b", "b_to_a", "both"] = Field(
        "both", description="Crossings that raise an alert. Default both."
    )
    margin_heights: float = Field(
        0.15,
        ge=0,
        description="How far past the line the feet must get before a crossing counts, in box "
        "heights; a box jittering on the line never counts. Default 0.15.",
    )
    clear_s: float = Field(2.0, ge=0, description="Quiet time that ends an alert, seconds.")
    cooldown_s: float = Field(
        0.0, ge=0, description="After an end, no new alert for this rule; seconds. Default 0."
    )

    @field_validator("line")
    @classmethod
    def _valid_line(cls, line: tuple[NormPoint, ...]) -> tuple[NormPoint, ...]:
        check_points(line, least=2, what="the line")
        if any(first == second for first, second in itertools.pairwise(line)):
            raise ValueError("two consecutive points of the line are the same")
        return line


class PersonDownRuleConfig(RuleBase):
    """A person who was upright is lying (or collapsed) for down_s."""

    type: Literal["person_down"] = "person_down"
    down_s: float = Field(10.0, ge=0, description="Time down before the alert, s. Default 10.")
    upright_ratio: float = Field(
        1.4, gt=1, description="Box height / width at or above which a person is upright."
    )
    lying_ratio: float = Field(
        1.2, gt=1, description="Box width / height at or above which a person is lying."
    )
    drop_fraction: float = Field(
        0.5,
        gt=0,
        lt=1,
        description="A box that loses this share of its upright height, feet staying put, "
        "within drop_within_s has collapsed (a fall seen head-on). Default 0.5.",
    )
    drop_within_s: float = Field(
        1.5, gt=0, description="Time in which a collapse must happen, seconds. Default 1.5."
    )
    require_upright_first: bool = Field(
        True,
        description="Only a person first seen upright can be down (fewer false alarms from "
        "bags and benches). Default true.",
    )


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


RuleConfig = Annotated[
    IntrusionRuleConfig
    | LoiteringRuleConfig
    | CrowdRuleConfig
    | LineCrossingRuleConfig
    | PersonDownRuleConfig
    | AfterHoursRuleConfig
    | VehicleRuleConfig
    | TamperRuleConfig
    | AbandonedObjectRuleConfig,
    Field(discriminator="type"),
]
RULE_TYPES: tuple[str, ...] = (
    "intrusion",
    "loitering",
    "crowd",
    "line_crossing",
    "person_down",
    "after_hours_occupancy",
    "vehicle_in_zone",
    "tampering",
    "abandoned_object",
)

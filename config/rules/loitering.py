"""Loitering: one object staying in the zone too long, across tracker id switches."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from config.rules.base import RuleBase


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

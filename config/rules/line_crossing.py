"""Line crossing: a tripwire crossed in the watched direction."""

from __future__ import annotations

import itertools
from typing import Literal

from pydantic import Field, field_validator

from config.rules.base import NormPoint, RuleBase, check_points


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

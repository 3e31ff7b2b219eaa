"""Crowd: many objects in the zone for a while."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from config.rules.base import RuleBase


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

"""Person down: someone who was upright is lying, or has collapsed."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from config.rules.base import RuleBase


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

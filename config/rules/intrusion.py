"""Intrusion: an object in the zone while the rule's schedule is on."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from config.rules.base import RuleBase


class IntrusionRuleConfig(RuleBase):
    type: Literal["intrusion"] = "intrusion"
    inertia_frames: int = Field(
        3, ge=1, le=100, description="Frames an object must be in (or out) to count; default 3."
    )

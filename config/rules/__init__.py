"""Rule configuration: one module per rule type, mirroring alerts/rules/, and the union
that names them all. What every rule shares lives in base.py."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from config.rules.abandoned import AbandonedObjectRuleConfig
from config.rules.crowd import CrowdRuleConfig
from config.rules.intrusion import IntrusionRuleConfig
from config.rules.line_crossing import LineCrossingRuleConfig
from config.rules.loitering import LoiteringRuleConfig
from config.rules.person_down import PersonDownRuleConfig
from config.rules.presence import AfterHoursRuleConfig, VehicleRuleConfig
from config.rules.tamper import TamperRuleConfig

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

__all__ = [
    "RULE_TYPES",
    "AbandonedObjectRuleConfig",
    "AfterHoursRuleConfig",
    "CrowdRuleConfig",
    "IntrusionRuleConfig",
    "LineCrossingRuleConfig",
    "LoiteringRuleConfig",
    "PersonDownRuleConfig",
    "RuleConfig",
    "TamperRuleConfig",
    "VehicleRuleConfig",
]

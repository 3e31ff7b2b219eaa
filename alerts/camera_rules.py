"""One camera's rules under their schedules, turning verdicts into alert events.

Pure: it sees observations (objects, scene signals, a frame reference), never a picture.
"""

from __future__ import annotations

from dataclasses import dataclass

from alerts.lifecycle import AlertEvent, AlertKey, AlertLifecycle, LifecycleSettings
from alerts.rules.abandoned import AbandonedObjectRule
from alerts.rules.base import Rule
from alerts.rules.crowd import CrowdRule
from alerts.rules.intrusion import IntrusionRule
from alerts.rules.line_crossing import LineCrossingRule
from alerts.rules.loitering import LoiteringRule
from alerts.rules.person_down import PersonDownRule
from alerts.rules.presence import AfterHoursRule, VehicleInZoneRule
from alerts.rules.tamper import TamperRule
from alerts.schedule import Schedule
from alerts.zones import WHOLE_FRAME, Zone
from config.rules import (
    AbandonedObjectRuleConfig,
    AfterHoursRuleConfig,
    CrowdRuleConfig,
    IntrusionRuleConfig,
    LineCrossingRuleConfig,
    LoiteringRuleConfig,
    PersonDownRuleConfig,
    RuleConfig,
    TamperRuleConfig,
    VehicleRuleConfig,
)
from config.schema import CameraConfig
from detectors.observation import Observation
from ingest.capture import FrameRef


@dataclass(slots=True)
class RuleRunner:
    """One configured rule: its logic, its schedule and its alert lifecycle."""

    rule: Rule
    schedule: Schedule
    lifecycle: AlertLifecycle

    def step(self, observation: Observation) -> list[AlertEvent]:
        if not self.schedule.is_active(observation.at):
            self.rule.reset()
            if self.lifecycle.is_open:
                return [self.lifecycle.close(observation.at)]
            return []
        verdict = self.rule.step(observation)
        return self.lifecycle.step(verdict, observation.at, observation.frame)


def build_rule(config: RuleConfig, zone: Zone, timezone: str = "UTC") -> Rule:
    """The rule object for a rule's configuration; `timezone` is the site's."""
    rule: Rule
    match config:
        case IntrusionRuleConfig():
            rule = IntrusionRule(config, zone)
        case LoiteringRuleConfig():
            rule = LoiteringRule(config, zone)
        case CrowdRuleConfig():
            rule = CrowdRule(config, zone)
        case LineCrossingRuleConfig():
            rule = LineCrossingRule(config, zone)
        case PersonDownRuleConfig():
            rule = PersonDownRule(config, zone)
        case AfterHoursRuleConfig():
            rule = AfterHoursRule(config, zone, timezone)
        case VehicleRuleConfig():
            rule = VehicleInZoneRule(config, zone)
        case TamperRuleConfig():
            rule = TamperRule(config)
        case AbandonedObjectRuleConfig():
            rule = AbandonedObjectRule(config, zone)
        case _:
            raise ValueError(f"no implementation for rule type {config.type!r}")
    return rule


class CameraRules:
    """All rules of one camera."""

    def __init__(self, camera: str, config: CameraConfig, timezone: str) -> None:
        self.runners: list[RuleRunner] = []
        for rule_config in config.rules:
            zone = WHOLE_FRAME
            if rule_config.zone is not None:
                zone = Zone(rule_config.zone, config.zones[rule_config.zone].polygon)
            key = AlertKey(camera, rule_config.rule_name, zone.name)
            lifecycle = AlertLifecycle(
                key,
                rule_config.type,
                LifecycleSettings(
                    severity=rule_config.severity,
                    clear_s=rule_config.clear_s,
                    cooldown_s=rule_config.cooldown_s,
                    update_interval_s=rule_config.update_interval_s,
                ),
            )
            self.runners.append(
                RuleRunner(
                    build_rule(rule_config, zone, timezone),
                    Schedule.from_config(rule_config.schedule, timezone),
                    lifecycle,
                )
            )

    def step(self, observation: Observation) -> list[AlertEvent]:
        """Step every rule on one observation (with no frame: nothing was seen, the camera is
        lost, so open alerts can end)."""
        events: list[AlertEvent] = []
        for runner in self.runners:
            events.extend(runner.step(observation))
        return events

    def best_views(self) -> set[FrameRef]:
        """The pictures open alerts still want a snapshot of (ingest keeps just these)."""
        return {view for runner in self.runners if (view := runner.lifecycle.best_view) is not None}

    def close_all(self, observation: Observation) -> list[AlertEvent]:
        """End every open alert (shutdown, or end of a video)."""
        return [
            runner.lifecycle.close(observation.at)
            for runner in self.runners
            if runner.lifecycle.is_open
        ]

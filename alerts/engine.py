"""Runs one camera's rules under their schedules and turns verdicts into alert events."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass

from alerts.lifecycle import AlertEvent, AlertKey, AlertLifecycle, LifecycleSettings
from alerts.rules.abandoned import AbandonedObjectRule, static_settings
from alerts.rules.base import Observation, Rule
from alerts.rules.crowd import CrowdRule
from alerts.rules.intrusion import IntrusionRule
from alerts.rules.line_crossing import LineCrossingRule
from alerts.rules.loitering import LoiteringRule
from alerts.rules.person_down import PersonDownRule
from alerts.rules.presence import AfterHoursRule, VehicleInZoneRule
from alerts.rules.tamper import TamperRule, tamper_settings
from alerts.schedule import Schedule
from alerts.zones import WHOLE_FRAME, Zone
from config.rules import (
    AfterHoursRuleConfig,
    CrowdRuleConfig,
    IntrusionRuleConfig,
    LineCrossingRuleConfig,
    LoiteringRuleConfig,
    PersonDownRuleConfig,
    RuleConfig,
    VehicleRuleConfig,
)
from config.scene_rules import AbandonedObjectRuleConfig, TamperRuleConfig
from config.schema import CameraConfig
from detectors.scene import SceneAnalyser
from ingest.frame import Frame


@dataclass(slots=True)
class RuleRunner:
    """One configured rule: its logic, its schedule and its alert lifecycle."""

    rule: Rule
    schedule: Schedule
    lifecycle: AlertLifecycle

    def step(self, observation: Observation, frame: Frame | None) -> list[AlertEvent]:
        if not self.schedule.is_active(observation.at):
            self.rule.reset()
            if self.lifecycle.is_open:
                return [self.lifecycle.close(observation.at, frame)]
            return []
        return self.lifecycle.step(self.rule.step(observation), observation.at, frame)


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


def scene_analyser(rules: Sequence[RuleConfig]) -> SceneAnalyser | None:
    """The camera's picture analysis, when a rule reads the picture: the tamper monitor
    set by its first tampering rule, static foreground by its first abandoned-object rule
    that uses it. None when no rule needs either."""
    tamper = next(
        (tamper_settings(rule) for rule in rules if isinstance(rule, TamperRuleConfig)), None
    )
    static = next(
        (
            static_settings(rule)
            for rule in rules
            if isinstance(rule, AbandonedObjectRuleConfig) and rule.use_static_foreground
        ),
        None,
    )
    if tamper is None and static is None:
        return None
    return SceneAnalyser(tamper=tamper, static=static)


class RuleEngine:
    """All rules of one camera."""

    def __init__(self, camera: str, config: CameraConfig, timezone: str) -> None:
        self.runners: list[RuleRunner] = []
        self.scene = scene_analyser(config.rules)
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

    def step(self, observation: Observation, frame: Frame | None = None) -> list[AlertEvent]:
        """Step every rule on one frame (`frame` None: nothing was seen, e.g. camera lost)."""
        if self.scene is not None and frame is not None and observation.scene is None:
            signals = self.scene.update(frame.image, frame.monotonic_s)
            observation = dataclasses.replace(observation, scene=signals)
        events: list[AlertEvent] = []
        for runner in self.runners:
            events.extend(runner.step(observation, frame))
        return events

    def close_all(self, observation: Observation) -> list[AlertEvent]:
        """End every open alert (shutdown, or end of a video)."""
        return [
            runner.lifecycle.close(observation.at)
            for runner in self.runners
            if runner.lifecycle.is_open
        ]

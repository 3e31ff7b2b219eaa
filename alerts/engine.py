"""Runs one camera's rules under their schedules and turns verdicts into alert events."""

from __future__ import annotations

from dataclasses import dataclass

from alerts.lifecycle import AlertEvent, AlertKey, AlertLifecycle, LifecycleSettings
from alerts.rules.base import Observation, Rule
from alerts.rules.intrusion import IntrusionRule
from alerts.schedule import Schedule
from alerts.zones import WHOLE_FRAME, Zone
from config.rules import IntrusionRuleConfig, RuleConfig
from config.schema import CameraConfig
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


def build_rule(config: RuleConfig, zone: Zone) -> Rule:
    """The rule object for a rule's configuration."""
    if isinstance(config, IntrusionRuleConfig):
        return IntrusionRule(config, zone)
    raise ValueError(f"no implementation for rule type {config.type!r}")


class RuleEngine:
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
                    build_rule(rule_config, zone),
                    Schedule.from_config(rule_config.schedule, timezone),
                    lifecycle,
                )
            )

    def step(self, observation: Observation, frame: Frame | None = None) -> list[AlertEvent]:
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

"""Crowd: at least `min_count` objects in the zone for `min_duration_s`, with hysteresis."""

from __future__ import annotations

from datetime import datetime, timedelta

from alerts.rules.base import Verdict, watched
from alerts.rules.timing import DROPOUT_S, HeldCondition
from alerts.zones import Zone
from config.rules.crowd import CrowdRuleConfig
from detectors.observation import Observation


class CrowdRule:
    """Raised when `min_count` or more objects have been in the zone for `min_duration_s`.

    Once raised it holds until fewer than `min_count - hysteresis` remain (for longer than a
    detector dropout), so a crowd hovering around the threshold gives one alert, not many.
    """

    def __init__(self, config: CrowdRuleConfig, zone: Zone) -> None:
        self.config = config
        self.zone = zone
        self._building = HeldCondition(config.min_duration_s)
        self._raised = False
        self._last_held: datetime | None = None

    def reset(self) -> None:
        self._building.reset()
        self._raised = False
        self._last_held = None

    def step(self, observation: Observation) -> Verdict:
        now = observation.at
        inside = watched(
            observation.tracks, self.config, self.zone, observation.width, observation.height
        )
        count = len(inside)
        if self._raised:
            if count >= self.config.min_count - self.config.hysteresis:
                self._last_held = now
            elif self._last_held is None or now - self._last_held > timedelta(seconds=DROPOUT_S):
                self.reset()
        elif self._building.update(count >= self.config.min_count, now):
            self._raised, self._last_held = True, now
        return Verdict(True, inside) if self._raised else Verdict.quiet()

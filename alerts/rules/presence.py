"""Presence rules: vehicles in a zone, and people in a venue outside its licensed hours."""

from __future__ import annotations

from alerts.rules.base import Verdict, watched
from alerts.rules.timing import HeldCondition
from alerts.schedule import Schedule
from alerts.zones import Zone
from config.rules.presence import AfterHoursRuleConfig, VehicleRuleConfig
from detectors.observation import Observation


class VehicleInZoneRule:
    """Fires while a vehicle (car, motorcycle, bus, truck by default) has been in the zone
    for `min_duration_s`; detector dropouts under a second do not restart the wait."""

    def __init__(self, config: VehicleRuleConfig, zone: Zone) -> None:
        self.config = config
        self.zone = zone
        self._present = HeldCondition(config.min_duration_s)

    def reset(self) -> None:
        self._present.reset()

    def step(self, observation: Observation) -> Verdict:
        vehicles = watched(
            observation.tracks, self.config, self.zone, observation.width, observation.height
        )
        if self._present.update(len(vehicles) > 0, observation.at):
            return Verdict(True, vehicles)
        return Verdict.quiet()


class AfterHoursRule:
    """Fires while at least `min_count` people have been in the zone for `min_duration_s`
    outside the venue's licensed hours (read in the site's time zone).

    The licensed hours are the rule's own data, not its schedule: the rule watches around
    the clock (schedule 'always') and its condition is "occupied and not licensed now".
    """

    def __init__(self, config: AfterHoursRuleConfig, zone: Zone, timezone: str) -> None:
        self.config = config
        self.zone = zone
        self.licensed = Schedule.from_config(config.licensed_hours, timezone)
        self._occupied = HeldCondition(config.min_duration_s)

    def reset(self) -> None:
        self._occupied.reset()

    def step(self, observation: Observation) -> Verdict:
        people = watched(
            observation.tracks, self.config, self.zone, observation.width, observation.height
        )
        after_hours = not self.licensed.is_active(observation.at)
        occupied = after_hours and len(people) >= self.config.min_count
        if self._occupied.update(occupied, observation.at):
            return Verdict(True, people)
        return Verdict.quiet()

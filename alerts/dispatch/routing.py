"""Which teams an alert goes to, pure: routes, duty rosters in the site time zone, chains.

A chain is the order of teams a dispatch escalates along: the matching route's teams that are
on duty, then the fallback team (if on duty), then the supervisor (always).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

from alerts.dispatch.nearest import GeoPoint, TeamPosition, rank_nearest
from alerts.schedule import Schedule
from config.dispatch import DispatchConfig

SEVERITY_RANK = {"low": 0, "medium": 1, "high": 2, "critical": 3}


@dataclass(frozen=True, slots=True)
class AlertFacts:
    """What routing looks at in an alert."""

    camera: str
    zone: str
    rule: str
    severity: str


@dataclass(frozen=True, slots=True)
class Route:
    camera: str | None
    zone: str | None
    rule: str | None
    min_severity: str
    teams: tuple[str, ...]
    choose: str = "roster"  # or "nearest": the on-duty team nearest the camera first
    position_max_age_s: float = 600.0

    def matches(self, alert: AlertFacts) -> bool:
        return (
            self.camera in (None, alert.camera)
            and self.zone in (None, alert.zone)
            and self.rule in (None, alert.rule)
            and _at_least(alert.severity, self.min_severity)
        )


@dataclass(frozen=True, slots=True)
class Roster:
    """A team's duty shifts; each may cross midnight and belongs to the day it starts."""

    shifts: tuple[Schedule, ...]

    def on_duty(self, now: datetime) -> bool:
        return any(shift.is_active(now) for shift in self.shifts)


@dataclass(frozen=True, slots=True)
class Choice:
    """A dispatch's chain, and why its first team leads it (None: the route's order)."""

    teams: tuple[str, ...]
    reason: str | None


@dataclass(frozen=True, slots=True)
class RoutingTable:
    routes: tuple[Route, ...]
    rosters: Mapping[str, Roster]
    fallback: str | None
    supervisor: str | None
    min_severity: str

    @classmethod
    def from_config(cls, config: DispatchConfig, timezone: str) -> RoutingTable:
        routes = tuple(
            Route(
                route.camera,
                route.zone,
                route.rule,
                route.min_severity,
                route.teams,
                route.choose,
                route.position_max_age_s,
            )
            for route in config.routes
        )
        rosters = {
            team_id: Roster(tuple(Schedule.from_config(shift, timezone) for shift in team.roster))
            for team_id, team in config.teams.items()
        }
        return cls(routes, rosters, config.fallback_team, config.supervisor, config.min_severity)

    def wants(self, alert: AlertFacts) -> bool:
        """Whether the alert is severe enough to dispatch at all."""
        return _at_least(alert.severity, self.min_severity)

    def chain_for(self, alert: AlertFacts, now: datetime) -> tuple[str, ...]:
        """Teams for an alert, in escalation order; empty when it is not to be dispatched
        (below min_severity) or nobody can take it."""
        return self.choose(alert, now, None, {}).teams

    def choose(
        self,
        alert: AlertFacts,
        now: datetime,
        camera: GeoPoint | None,
        positions: Mapping[str, TeamPosition],
    ) -> Choice:
        """The chain for an alert and why its first team was chosen (None: roster order, as
        every route that does not say `choose: nearest`)."""
        if not self.wants(alert):
            return Choice((), None)
        route = self.route_for(alert)
        on_duty = self._on_duty(route.teams if route is not None else (), now)
        if route is None or route.choose != "nearest" or not on_duty:
            return Choice(self._chain(on_duty, now), None)
        ranked = rank_nearest(on_duty, camera, positions, now, route.position_max_age_s)
        return Choice(self._chain(ranked.teams, now), ranked.reason)

    def route_for(self, alert: AlertFacts) -> Route | None:
        """The first route matching the alert, or None."""
        return next((route for route in self.routes if route.matches(alert)), None)

    def chain_from(self, team: str, now: datetime) -> tuple[str, ...]:
        """The chain of a dispatch an operator sends to `team` (on duty or not)."""
        return self._chain((team,), now)

    def is_on_duty(self, team: str, now: datetime) -> bool:
        roster = self.rosters.get(team)
        return roster is not None and roster.on_duty(now)

    def _on_duty(self, teams: Iterable[str], now: datetime) -> tuple[str, ...]:
        return tuple(team for team in teams if self.is_on_duty(team, now))

    def _chain(self, first: tuple[str, ...], now: datetime) -> tuple[str, ...]:
        chain = list(first)
        if self.fallback is not None and self.is_on_duty(self.fallback, now):
            chain.append(self.fallback)
        if self.supervisor is not None:
            chain.append(self.supervisor)
        return tuple(dict.fromkeys(chain))  # in order, each team once


def _at_least(severity: str, least: str) -> bool:
    return SEVERITY_RANK.get(severity, 0) >= SEVERITY_RANK[least]

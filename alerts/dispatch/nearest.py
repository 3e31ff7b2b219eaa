"""Patrol teams' last positions, and which on-duty team is nearest a camera. Pure: no I/O.

The store keeps each team's last shared position (alerts.store.position_repository); the
dispatcher reads them through `PositionTable` when a route says `choose: nearest`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from pydantic import BaseModel, ConfigDict

from config.schema import NightwatchConfig

EARTH_RADIUS_M = 6_371_008.8  # mean radius (IUGG)


class TeamPosition(BaseModel):
    """A team's last position, as a member's phone shared it."""

    model_config = ConfigDict(frozen=True, from_attributes=True)

    team: str
    lat: float
    lon: float
    accuracy_m: float | None
    at: datetime  # when the phone measured it
    received_at: datetime
    member: str  # who shared it


class PositionTable(Protocol):
    """Teams' last positions (alerts.store.position_repository.PositionRepository)."""

    def latest(self) -> list[TeamPosition]: ...


@dataclass(frozen=True, slots=True)
class GeoPoint:
    lat: float
    lon: float


@dataclass(frozen=True, slots=True)
class NearestChoice:
    """The teams in the order to try them, and why, in words for the dispatch's record."""

    teams: tuple[str, ...]
    reason: str
    nearest: str | None  # None: no team qualified, roster order kept


def camera_points(config: NightwatchConfig) -> dict[str, GeoPoint]:
    """Each camera's place on the earth: its lat, lon, or its x, y on a plan with bounds."""
    bounds = config.site.map.bounds if config.site.map is not None else None
    points: dict[str, GeoPoint] = {}
    for name, camera in config.cameras.items():
        position = camera.position
        if position is None:
            continue
        if position.lat is not None and position.lon is not None:
            points[name] = GeoPoint(position.lat, position.lon)
        elif bounds is not None and position.x is not None and position.y is not None:
            points[name] = GeoPoint(*bounds.to_earth(position.x, position.y))
    return points


def distance_m(a: GeoPoint, b: GeoPoint) -> float:
    """Great-circle (straight-line on the ground) distance in metres, haversine formula."""
    lat_a, lat_b = math.radians(a.lat), math.radians(b.lat)
    d_lat, d_lon = lat_b - lat_a, math.radians(b.lon - a.lon)
    h = math.sin(d_lat / 2) ** 2 + math.cos(lat_a) * math.cos(lat_b) * math.sin(d_lon / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(h)))


def spoken_distance(metres: float) -> str:
    """140 m, 1.9 km: as a person would say it."""
    if metres < 1000:
        return f"{round(metres)} m"
    return f"{metres / 1000:.1f} km"


def rank_nearest(
    teams: Sequence[str],
    camera: GeoPoint | None,
    positions: Mapping[str, TeamPosition],
    now: datetime,
    max_age_s: float,
) -> NearestChoice:
    """`teams` (on duty, in roster order) with the nearest first.

    Teams with a position no older than `max_age_s` come first, nearest first (ties keep
    roster order); the others follow in roster order. With no camera position or no team
    with a recent position, roster order stays and the reason says so.
    """
    if camera is None:
        return NearestChoice(
            tuple(teams), "nearest: the camera has no position; roster order", None
        )
    measured: list[tuple[float, int, str]] = []
    unknown: list[str] = []
    for order, team in enumerate(teams):
        position = positions.get(team)
        if position is None or (now - position.at).total_seconds() > max_age_s:
            unknown.append(team)
            continue
        metres = distance_m(camera, GeoPoint(position.lat, position.lon))
        measured.append((metres, order, team))
    if not measured:
        reason = f"nearest: no on-duty team shared a position in the last {max_age_s:g} s"
        return NearestChoice(tuple(teams), reason + "; roster order", None)
    measured.sort()
    ranked = tuple(team for _, _, team in measured) + tuple(unknown)
    first_m, _, first = measured[0]
    others = [f"{team} at {spoken_distance(metres)}" for metres, _, team in measured[1:]]
    others += [f"{team}: no recent position" for team in unknown]
    reason = f"nearest on-duty team: {first} at {spoken_distance(first_m)}"
    if others:
        reason += f" ({', '.join(others)})"
    return NearestChoice(ranked, reason, first)

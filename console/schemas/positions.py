"""Positions as the API takes and shows them: a patrol phone's fix, and the wall's map."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import Field, field_validator

from alerts.dispatch.nearest import TeamPosition
from console.schemas.common import Body, Out


class PositionBody(Body):
    """One fix from a member's phone (the browser's Geolocation API)."""

    lat: float = Field(description="Degrees north, -90..90.")
    lon: float = Field(description="Degrees east, -180..180.")
    accuracy_m: float | None = Field(
        None, ge=0, le=100_000, description="Radius the phone is sure within, metres."
    )
    at: datetime | None = Field(
        None, description="When the phone measured it, ISO 8601 with a zone. Default: now."
    )

    @field_validator("lat")
    @classmethod
    def _latitude(cls, value: float) -> float:
        if not -90.0 <= value <= 90.0:
            raise ValueError(f"lat {value} is outside -90..90 degrees north")
        return value

    @field_validator("lon")
    @classmethod
    def _longitude(cls, value: float) -> float:
        if not -180.0 <= value <= 180.0:
            raise ValueError(f"lon {value} is outside -180..180 degrees east")
        return value

    @field_validator("at")
    @classmethod
    def _zoned(cls, value: datetime | None) -> datetime | None:
        if value is not None and value.tzinfo is None:
            raise ValueError("at has no time zone; send e.g. 2026-12-03T22:10:00Z")
        return value


class TeamPositionOut(TeamPosition):
    """A team's last position, with how old it is and whether the team is on duty now."""

    name: str = Field(description="The team's name, as configured.")
    age_s: float = Field(description="Seconds since the phone measured it.")
    on_duty: bool


class SharingStopped(Out):
    team: str
    sharing: Literal[False] = False
    forgotten: bool = Field(description="Whether a last position was dropped.")


class MapPoint(Out):
    """{lat, lon} on the earth, or {x, y} fractions of the site plan."""

    lat: float | None = None
    lon: float | None = None
    x: float | None = None
    y: float | None = None


class MapCamera(Out):
    name: str
    location: str
    state: str = Field(description="online, reconnecting, offline or unknown.")
    open_alerts: int = Field(description="Alerts of this camera still open.")
    position: MapPoint | None


class MapBounds(Out):
    north: float
    south: float
    west: float
    east: float


class MapOut(Out):
    """What the wall draws: the map, the cameras on it and the teams' last positions."""

    kind: Literal["tiles", "plan"] | None = Field(description="None: no map configured.")
    tiles: str | None = Field(description="Tile URL template with {z}, {x}, {y}.")
    center: MapPoint | None
    zoom: int
    plan_url: str | None = Field(description="The site-plan image, served by the console.")
    bounds: MapBounds | None = Field(description="The plan's edges in degrees.")
    attribution: str
    cameras: list[MapCamera]
    teams: list[TeamPositionOut]

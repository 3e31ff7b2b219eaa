"""Where things are: a camera's `position`, and the site map (`site.map`) the wall draws.

A position is either geographic (`{lat, lon}` in degrees, WGS 84) or a point on the site-plan
image (`{x, y}` as fractions 0-1 of its width and height). The map is either a tile server
(`tiles: URL with {z}/{x}/{y}`, Web Mercator, as OpenStreetMap serves them) or a site-plan
image (`plan: path`), whose `bounds` (its edges in degrees) place geographic positions
(cameras and patrols) on it. Validation does no I/O: the plan file is read by the console.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Protocol

from pydantic import Field, field_validator, model_validator
from pydantic_core import PydanticCustomError

from config.common import Strict

LAT_FIX = "give degrees north (south negative) within -90..90, e.g. lat: 31.2304"
LON_FIX = "give degrees east (west negative) within -180..180, e.g. lon: 121.4737"
PLAN_FIX = "give fractions of the plan image: 0 is the left (top) edge, 1 the right (bottom)"


def _in_range(value: float, low: float, high: float, what: str, fix: str) -> float:
    if not low <= value <= high:
        raise PydanticCustomError(
            "position_out_of_range",
            "{what} {value} is outside {low}..{high}",
            {"what": what, "value": value, "low": f"{low:g}", "high": f"{high:g}", "fix": fix},
        )
    return value


def check_latitude(value: float) -> float:
    return _in_range(value, -90.0, 90.0, "latitude", LAT_FIX)


def check_longitude(value: float) -> float:
    return _in_range(value, -180.0, 180.0, "longitude", LON_FIX)


class LatLonConfig(Strict):
    """A point on the earth, in degrees (WGS 84, as phones and web maps give them)."""

    lat: float = Field(description="Degrees north, -90..90 (south negative).")
    lon: float = Field(description="Degrees east, -180..180 (west negative).")

    _lat = field_validator("lat")(check_latitude)
    _lon = field_validator("lon")(check_longitude)


class PositionConfig(Strict):
    """A camera's place: `{lat, lon}` on the earth, or `{x, y}` on the site plan."""

    lat: float | None = Field(None, description="Degrees north, -90..90.")
    lon: float | None = Field(None, description="Degrees east, -180..180.")
    x: float | None = Field(None, description="Fraction of the plan image's width, 0-1.")
    y: float | None = Field(None, description="Fraction of the plan image's height, 0-1.")

    @field_validator("lat")
    @classmethod
    def _lat_range(cls, value: float | None) -> float | None:
        return None if value is None else check_latitude(value)

    @field_validator("lon")
    @classmethod
    def _lon_range(cls, value: float | None) -> float | None:
        return None if value is None else check_longitude(value)

    @field_validator("x", "y")
    @classmethod
    def _plan_range(cls, value: float | None) -> float | None:
        return None if value is None else _in_range(value, 0.0, 1.0, "plan coordinate", PLAN_FIX)

    @model_validator(mode="after")
    def _one_kind(self) -> PositionConfig:
        geographic = (self.lat is not None, self.lon is not None)
        on_plan = (self.x is not None, self.y is not None)
        if geographic == (True, True) and on_plan == (False, False):
            return self
        if on_plan == (True, True) and geographic == (False, False):
            return self
        raise PydanticCustomError(
            "position_kind",
            "a position is either lat and lon, or x and y on the site plan",
            {"fix": "write position: {lat: 31.23, lon: 121.47} or position: {x: 0.4, y: 0.7}"},
        )

    @property
    def geographic(self) -> bool:
        return self.lat is not None


class PlanBoundsConfig(Strict):
    """The site plan's edges in degrees: what its left, right, top and bottom edges are."""

    north: float = Field(description="Latitude of the plan's top edge.")
    south: float = Field(description="Latitude of the plan's bottom edge.")
    west: float = Field(description="Longitude of the plan's left edge.")
    east: float = Field(description="Longitude of the plan's right edge.")

    _lats = field_validator("north", "south")(check_latitude)
    _lons = field_validator("west", "east")(check_longitude)

    @model_validator(mode="after")
    def _ordered(self) -> PlanBoundsConfig:
        if self.north <= self.south or self.east <= self.west:
            raise PydanticCustomError(
                "plan_bounds_order",
                "north must be above south and east beyond west",
                {"fix": "check that the edges are not swapped"},
            )
        return self

    def to_plan(self, lat: float, lon: float) -> tuple[float, float]:
        """(x, y) fractions of the plan of a geographic point (linear: a site is small)."""
        x = (lon - self.west) / (self.east - self.west)
        y = (self.north - lat) / (self.north - self.south)
        return x, y

    def to_earth(self, x: float, y: float) -> tuple[float, float]:
        """(lat, lon) of a point on the plan."""
        return self.north - y * (self.north - self.south), self.west + x * (self.east - self.west)


class MapConfig(Strict):
    """The map on the wall: tiles from a tile server, or a site-plan image. Works offline:
    the tile server is the site's own (or the console's address), never a CDN."""

    tiles: str | None = Field(
        None,
        description="Tile URL with {z}, {x} and {y}, e.g. http://tileserver.local/{z}/{x}/{y}.png "
        "(Web Mercator, 256-pixel tiles), or a path on the console's own address.",
    )
    center: LatLonConfig | None = Field(
        None, description="Middle of the tiles map. Default: the middle of the cameras."
    )
    zoom: int = Field(16, ge=0, le=22, description="Zoom level of the tiles map. Default 16.")
    plan: str | None = Field(
        None,
        description="Site-plan image (PNG, JPEG, SVG) the console serves, relative to the "
        "working directory unless absolute. Positions {x, y} are fractions of it.",
    )
    bounds: PlanBoundsConfig | None = Field(
        None,
        description="The plan's edges in degrees, so {lat, lon} positions (cameras, patrols' "
        "phones) can be placed on it. Default null: only {x, y} positions are drawn.",
    )
    attribution: str = Field("", description="Credit shown under the map, e.g. © OpenStreetMap.")

    @field_validator("tiles")
    @classmethod
    def _tile_template(cls, value: str | None) -> str | None:
        if value is None:
            return None
        missing = [part for part in ("{z}", "{x}", "{y}") if part not in value]
        if missing or not value.startswith(("http://", "https://", "/")):
            raise PydanticCustomError(
                "tile_url",
                "'{url}' is not a tile URL (needs http://, https:// or /, and {parts})",
                {
                    "url": value,
                    "parts": "{z}, {x} and {y}",
                    "fix": "write e.g. tiles: http://tileserver.local/{z}/{x}/{y}.png",
                },
            )
        return value

    @model_validator(mode="after")
    def _tiles_or_plan(self) -> MapConfig:
        if (self.tiles is None) == (self.plan is None):
            raise PydanticCustomError(
                "map_kind",
                "a map has either tiles or a plan",
                {"fix": "keep one of site.map.tiles and site.map.plan"},
            )
        return self


class _Positioned(Protocol):
    @property
    def position(self) -> PositionConfig | None: ...


def check_camera_positions(
    map_config: MapConfig | None, cameras: Mapping[str, _Positioned]
) -> None:
    """Each camera's position can be drawn on the configured map (raises otherwise)."""
    for name, camera in cameras.items():
        position = camera.position
        if position is None:
            continue
        on_plan = map_config is not None and map_config.plan is not None
        if not position.geographic and not on_plan:
            raise PydanticCustomError(
                "position_needs_plan",
                "a position x, y is a point on a site plan, and site.map has no plan",
                {
                    "at": ("cameras", name, "position"),
                    "fix": "add site.map: {plan: path/to/plan.png}, or give lat and lon",
                },
            )
        if position.geographic and on_plan and map_config is not None and not map_config.bounds:
            raise PydanticCustomError(
                "position_needs_bounds",
                "a position lat, lon cannot be placed on a site plan without its bounds",
                {
                    "at": ("cameras", name, "position"),
                    "fix": "add site.map.bounds {north, south, west, east}, or give x and y",
                },
            )


class _Route(Protocol):
    @property
    def camera(self) -> str | None: ...
    @property
    def choose(self) -> str: ...


def check_nearest_routes(
    map_config: MapConfig | None, routes: Sequence[_Route], cameras: Mapping[str, _Positioned]
) -> None:
    """A route that chooses the nearest team for one camera needs that camera's place on the
    earth: lat, lon, or x, y on a plan with bounds (raises otherwise)."""
    bounds = map_config.bounds if map_config is not None else None
    for index, route in enumerate(routes):
        camera = cameras.get(route.camera) if route.camera is not None else None
        if route.choose != "nearest" or camera is None:
            continue
        position = camera.position
        if position is not None and (position.geographic or bounds is not None):
            continue
        raise PydanticCustomError(
            "nearest_needs_position",
            "choose: nearest needs to know where camera '{camera}' is on the earth",
            {
                "camera": route.camera,
                "at": ("dispatch", "routes", index, "choose"),
                "fix": f"give cameras.{route.camera}.position {{lat, lon}} (or x, y on a site "
                "plan with site.map.bounds), or use choose: roster",
            },
        )


class _Dispatch(Protocol):
    @property
    def routes(self) -> Sequence[_Route]: ...


def check_positions(
    map_config: MapConfig | None, cameras: Mapping[str, _Positioned], dispatch: _Dispatch | None
) -> None:
    """Every position can be drawn on the map, and every nearest route knows its camera's
    place (the cross-section checks of NightwatchConfig)."""
    check_camera_positions(map_config, cameras)
    if dispatch is not None:
        check_nearest_routes(map_config, dispatch.routes, cameras)

"""The wall's map: the site map as configured, each camera's place and state, each team's
last position; and the site-plan image, served from here so the page needs nothing else."""

from __future__ import annotations

import mimetypes
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlparse

from fastapi import APIRouter, HTTPException, status
from fastapi.responses import FileResponse

from alerts.store import AlertQuery
from config.positions import PositionConfig
from config.schema import NightwatchConfig
from console.deps import AlertReader, Services
from console.routers.positions import position_out
from console.schemas.positions import MapBounds, MapCamera, MapOut, MapPoint

router = APIRouter(prefix="/api/v1/map", tags=["map"])
PLAN_URL = "/api/v1/map/plan"


def tile_origins(config: NightwatchConfig) -> tuple[str, ...]:
    """The tile server's origin, for the pages' Content-Security-Policy (img-src)."""
    site_map = config.site.map
    if site_map is None or site_map.tiles is None or site_map.tiles.startswith("/"):
        return ()
    parsed = urlparse(site_map.tiles)
    return (f"{parsed.scheme}://{parsed.netloc}",)


def _point(position: PositionConfig | None) -> MapPoint | None:
    if position is None:
        return None
    return MapPoint(lat=position.lat, lon=position.lon, x=position.x, y=position.y)


@router.get("", response_model=MapOut)
def site_map(_user: AlertReader, services: Services) -> MapOut:
    """The map, the enabled cameras with status and open alerts, the teams' last positions."""
    config = services.config
    statuses = services.cameras.camera_statuses()
    cameras = [
        MapCamera(
            name=name,
            location=camera.location or name,
            state=statuses[name].state.value if name in statuses else "unknown",
            open_alerts=services.store.alerts.count(AlertQuery(camera=name, state="open")),
            position=_point(camera.position),
        )
        for name, camera in config.cameras.items()
        if camera.enabled
    ]
    now = datetime.now(UTC)
    teams = [position_out(config, item, now) for item in services.store.positions.latest()]
    drawn = config.site.map
    center = drawn.center if drawn is not None else None
    bounds = drawn.bounds if drawn is not None else None
    return MapOut(
        kind=None if drawn is None else ("tiles" if drawn.tiles else "plan"),
        tiles=drawn.tiles if drawn is not None else None,
        center=MapPoint(lat=center.lat, lon=center.lon) if center is not None else None,
        zoom=drawn.zoom if drawn is not None else 16,
        plan_url=PLAN_URL if drawn is not None and drawn.plan else None,
        bounds=MapBounds(**bounds.model_dump()) if bounds is not None else None,
        attribution=drawn.attribution if drawn is not None else "",
        cameras=cameras,
        teams=teams,
    )


@router.get(
    "/plan",
    response_class=FileResponse,
    responses={200: {"content": {"image/png": {}}}, 404: {"description": "No site plan"}},
)
def site_plan(_user: AlertReader, services: Services) -> FileResponse:
    """The site-plan image named by site.map.plan."""
    drawn = services.config.site.map
    if drawn is None or drawn.plan is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "no site plan: site.map.plan is not set")
    path = Path(drawn.plan)
    if not path.is_file():
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"the site plan {drawn.plan} cannot be read")
    media_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    return FileResponse(path, media_type=media_type, headers={"Cache-Control": "private"})

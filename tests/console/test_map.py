"""The wall's map and a patrol phone's position, in a real browser (Debian's Chromium through
Playwright) against a served console over a real store.

Cameras are drawn where the configuration puts them, on the site plan and on tiles (Web
Mercator), coloured by status and ringed while an alert is open; a phone whose geolocation is
faked shares its team's position once its member switches sharing on, and appears on the wall;
switching it off takes it away; a team off duty is told its position is not shared.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Iterator
from dataclasses import replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar

import pytest
from playwright.sync_api import Browser, Locator, Page, expect

from console import create_app
from console.server import ConsoleServer
from ingest.status import CameraState
from tests.alerts.store.support import make_payload
from tests.console.browser import PHONE, sign_in, wait_for_picture
from tests.console.conftest import Console
from tests.console.positions_support import PLACES, mapped_config, plan_png
from tests.console.support import PASSWORD, camera_status
from tests.support.net import free_port

pytestmark = pytest.mark.slow
PX = 1.5  # a marker's centre may be this far off (sub-pixel layout)
PHONE_AT = {"latitude": 31.2375, "longitude": 121.4725, "accuracy": 8}  # x 0.25, y 0.25


def serve(console: Console, config: Any) -> Iterator[str]:
    server = ConsoleServer(
        create_app(replace(console.services, config=config)), "127.0.0.1", free_port()
    )
    server.start()
    try:
        yield server.url
    finally:
        server.stop()


@pytest.fixture
def plan_site(console: Console, tmp_path: Path) -> Iterator[str]:
    """The console with a 400x300 site plan; yard offline, an alert open on gate."""
    console.feed.statuses["yard"] = camera_status("yard", CameraState.OFFLINE)
    console.store.alerts.record(make_payload(camera="gate"))
    yield from serve(console, mapped_config(plan_png(tmp_path / "plan.png", 400, 300)))


def centre(locator: Locator) -> tuple[float, float]:
    box = locator.bounding_box()
    assert box is not None, locator
    return box["x"] + box["width"] / 2, box["y"] + box["height"] / 2


def dot_of(page: Page, kind: str, name: str) -> Locator:
    return page.locator(f".map-marker.{kind}[data-{kind}='{name}'] .dot")


def assert_on_plan(page: Page, dot: Locator, x: float, y: float) -> None:
    plan = page.locator("#map-plan")
    box = plan.bounding_box()
    assert box is not None
    at_x, at_y = centre(dot)
    assert at_x == pytest.approx(box["x"] + x * box["width"], abs=PX), (at_x, box)
    assert at_y == pytest.approx(box["y"] + y * box["height"], abs=PX), (at_y, box)


def open_wall(browser: Browser, url: str) -> Page:
    wall = sign_in(browser, url, "op", PASSWORD)
    expect(wall.locator("#map-panel")).to_be_visible()
    wait_for_picture(wall.locator("#map-plan"))
    return wall


def test_the_wall_map_shows_each_camera_where_configured(
    browser: Browser, plan_site: str, tmp_path: Path
) -> None:
    wall = open_wall(browser, plan_site)
    gate, yard = dot_of(wall, "camera", "gate"), dot_of(wall, "camera", "yard")
    expect(gate).to_be_visible()
    expect(yard).to_be_visible()
    plan = wall.locator("#map-plan").bounding_box()
    assert plan is not None and plan["width"] / plan["height"] == pytest.approx(4 / 3, rel=0.01)

    assert_on_plan(wall, gate, PLACES["gate"]["x"], PLACES["gate"]["y"])
    assert_on_plan(wall, yard, 0.75, 0.75)  # lat, lon placed by the plan's bounds
    gate_marker = wall.locator(".map-marker.camera[data-camera='gate']")
    expect(gate_marker).to_have_class("map-marker camera state-online alerting")
    expect(gate_marker).to_contain_text("gate (1)")
    yard_marker = wall.locator(".map-marker.camera[data-camera='yard']")
    expect(yard_marker).to_have_class("map-marker camera state-offline")
    colours = [dot.evaluate("d => getComputedStyle(d).backgroundColor") for dot in (gate, yard)]
    assert colours == ["rgb(34, 197, 94)", "rgb(239, 68, 68)"]  # green online, red offline
    shot = tmp_path / "wall-map.png"
    wall.screenshot(path=str(shot))
    assert shot.stat().st_size > 10_000
    print(f"screenshot: {shot}")


def test_a_patrol_phone_sharing_its_position_appears_on_the_wall_map(
    browser: Browser, plan_site: str, console: Console, tmp_path: Path
) -> None:
    phone = sign_in(
        browser,
        plan_site,
        "pa",
        PASSWORD,
        permissions=["geolocation"],
        geolocation=PHONE_AT,
        **PHONE,
    )
    status = phone.locator("#share-status")
    expect(status).to_have_text("未共享位置。")
    assert console.store.positions.latest() == []  # nothing before the member says so
    phone.locator("#share-position").check()
    expect(status).to_contain_text("已共享位置", timeout=15_000)
    phone.screenshot(path=str(tmp_path / "patrol-sharing.png"))

    wall = open_wall(browser, plan_site)
    team = dot_of(wall, "team", "team-a")
    expect(team).to_be_visible(timeout=10_000)
    assert_on_plan(wall, team, 0.25, 0.25)
    expect(wall.locator(".map-marker.team[data-team='team-a']")).to_contain_text("巡逻一队 · ")
    expect(wall.locator("#map-teams li[data-team='team-a'] .age")).to_contain_text("秒前")
    (kept,) = console.store.positions.latest()
    assert (kept.team, kept.member) == ("team-a", "pa")
    assert (kept.lat, kept.lon, kept.accuracy_m) == (31.2375, 121.4725, 8)
    wall.screenshot(path=str(tmp_path / "wall-map-with-team.png"))

    phone.locator("#share-position").uncheck()  # the member stops sharing
    expect(status).to_have_text("未共享位置。")
    expect(team).to_have_count(0, timeout=10_000)
    assert console.store.positions.latest() == []


def test_a_phone_of_a_team_off_duty_is_told_its_position_is_not_shared(
    browser: Browser, plan_site: str, console: Console
) -> None:
    phone = sign_in(
        browser,
        plan_site,
        "pb",
        PASSWORD,
        permissions=["geolocation"],
        geolocation=PHONE_AT,
        **PHONE,
    )
    phone.locator("#share-position").check()
    expect(phone.locator("#share-status")).to_have_text(
        "本队当前不在岗，未共享位置。", timeout=15_000
    )
    expect(phone.locator("#share-status")).to_have_class("muted share-status refused")
    assert console.store.positions.latest() == []


class _Tiles(BaseHTTPRequestHandler):
    """A tile server on this machine: one picture for every tile, each request noted."""

    picture: ClassVar[bytes] = b""
    asked: ClassVar[list[str]] = []

    def do_GET(self) -> None:
        type(self).asked.append(self.path)
        self.send_response(200)
        self.send_header("Content-Type", "image/png")
        self.send_header("Content-Length", str(len(self.picture)))
        self.end_headers()
        self.wfile.write(self.picture)

    def log_message(self, *_args: object) -> None:
        pass


def mercator(lat: float, lon: float, zoom: int) -> tuple[float, float]:
    scale = 256 * 2**zoom
    sin = math.sin(math.radians(lat))
    return (lon + 180) / 360 * scale, (
        0.5 - math.log((1 + sin) / (1 - sin)) / (4 * math.pi)
    ) * scale


def test_on_tiles_cameras_sit_where_web_mercator_puts_them(
    browser: Browser, console: Console, tmp_path: Path
) -> None:
    _Tiles.picture = plan_png(tmp_path / "tile.png", 256, 256).read_bytes()
    _Tiles.asked = []
    tiles = ThreadingHTTPServer(("127.0.0.1", free_port()), _Tiles)
    threading.Thread(target=tiles.serve_forever, daemon=True).start()
    center, zoom = {"lat": 31.2350, "lon": 121.4750}, 15
    site_map = {
        "tiles": f"http://127.0.0.1:{tiles.server_port}/{{z}}/{{x}}/{{y}}.png",
        "center": center,
        "zoom": zoom,
        "attribution": "© county survey",
    }
    config = mapped_config(tmp_path / "none.png", site_map, {"yard": PLACES["yard"]})
    try:
        for url in serve(console, config):
            wall = sign_in(browser, url, "op", PASSWORD)
            yard = dot_of(wall, "camera", "yard")
            expect(yard).to_be_visible()
            wait_for_picture(wall.locator(".map-tile").first)
            stage = wall.locator("#map-stage").bounding_box()
            assert stage is not None
            middle_x, middle_y = mercator(center["lat"], center["lon"], zoom)
            yard_x, yard_y = mercator(PLACES["yard"]["lat"], PLACES["yard"]["lon"], zoom)
            at_x, at_y = centre(yard)
            assert at_x == pytest.approx(
                stage["x"] + stage["width"] / 2 + yard_x - middle_x, abs=PX
            )
            assert at_y == pytest.approx(
                stage["y"] + stage["height"] / 2 + yard_y - middle_y, abs=PX
            )
            tile_x, tile_y = int(middle_x // 256), int(middle_y // 256)
            assert f"/{zoom}/{tile_x}/{tile_y}.png" in _Tiles.asked
            expect(wall.locator("#map-attribution")).to_have_text("© county survey")
            assert dot_of(wall, "camera", "gate").count() == 0  # gate has no position here
            wall.screenshot(path=str(tmp_path / "wall-map-tiles.png"))
    finally:
        tiles.shutdown()

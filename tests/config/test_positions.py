"""Camera positions and the site map: a position outside the earth's (or the plan's) ranges,
or one the configured map cannot draw, is an error naming the key, the value and the fix."""

from __future__ import annotations

import pytest

from config.errors import ConfigError
from config.loader import parse_config

PLAN = (
    "site: {map: {plan: plan.png, bounds: {north: 31.01, south: 31.0, west: 121.0, east: 121.01}}}"
)
TILES = "site: {map: {tiles: 'http://tiles.local/{z}/{x}/{y}.png', zoom: 17}}"


def config_text(site: str, position: str) -> str:
    camera = f"  gate:\n    source: rtsp://127.0.0.1/gate\n    position: {position}\n"
    return f"{site}\ncameras:\n{camera}"


def problem(text: str) -> str:
    with pytest.raises(ConfigError) as caught:
        parse_config(text, "site.yaml", {})
    assert len(caught.value.issues) == 1, caught.value
    return str(caught.value.issues[0])


def test_positions_on_the_earth_and_on_the_plan_are_read() -> None:
    on_tiles = parse_config(config_text(TILES, "{lat: 31.2304, lon: 121.4737}"), "f", {}).config
    position = on_tiles.cameras["gate"].position
    assert position is not None and (position.lat, position.lon) == (31.2304, 121.4737)
    assert on_tiles.site.map is not None and on_tiles.site.map.zoom == 17
    on_plan = parse_config(config_text(PLAN, "{x: 0.25, y: 0.75}"), "f", {}).config
    plan_map = on_plan.site.map
    assert plan_map is not None and plan_map.bounds is not None
    assert plan_map.bounds.to_earth(0.25, 0.75) == pytest.approx((31.0025, 121.0025))
    assert plan_map.bounds.to_plan(31.0025, 121.0025) == pytest.approx((0.25, 0.75))


@pytest.mark.parametrize(
    ("site", "position", "key", "words", "fix"),
    [
        (TILES, "{lat: 95, lon: 121.4}", "cameras.gate.position.lat", "latitude 95", "-90..90"),
        (TILES, "{lat: 31.2, lon: -200}", "cameras.gate.position.lon", "longitude -200", "east"),
        (PLAN, "{x: 1.5, y: 0.2}", "cameras.gate.position.x", "outside 0..1", "fractions"),
        (TILES, "{lat: 31.2, y: 0.2}", "cameras.gate.position", "either lat and lon", "{x: 0.4"),
        (TILES, "{x: 0.5, y: 0.2}", "cameras.gate.position", "has no plan", "site.map"),
        (
            "site: {map: {plan: plan.png}}",
            "{lat: 31.2, lon: 121.4}",
            "cameras.gate.position",
            "without its bounds",
            "site.map.bounds",
        ),
    ],
)
def test_a_position_out_of_range_names_the_key_and_the_fix(
    site: str, position: str, key: str, words: str, fix: str
) -> None:
    text = problem(config_text(site, position))
    assert f"site.yaml:5: {key}: " in text
    assert words in text
    assert "fix: " in text and fix in text.split("fix: ", 1)[1]


@pytest.mark.parametrize(
    ("site", "key", "words"),
    [
        ("site: {map: {tiles: 'http://tiles.local/{z}/{x}.png'}}", "site.map.tiles", "{y}"),
        ("site: {map: {tiles: 'http://t/{z}/{x}/{y}', plan: p.png}}", "site.map", "either"),
        (
            "site: {map: {plan: p.png, bounds: {north: 31, south: 32, west: 121, east: 122}}}",
            "site.map.bounds",
            "north must be above south",
        ),
    ],
)
def test_a_map_that_cannot_be_drawn_is_refused(site: str, key: str, words: str) -> None:
    text = problem(config_text(site, "{lat: 31.5, lon: 121.5}"))
    assert f": {key}: " in text and words in text


def test_a_route_choosing_the_nearest_team_needs_its_camera_on_the_earth() -> None:
    dispatch = (
        "dispatch:\n  teams: {alpha: {name: Alpha}}\n"
        "  routes:\n    - {camera: gate, teams: [alpha], choose: nearest}\n"
    )
    text = problem(config_text("site: {map: {plan: plan.png}}", "{x: 0.5, y: 0.5}") + dispatch)
    assert "dispatch.routes.0.choose: " in text and "where camera 'gate' is" in text
    assert "fix: give cameras.gate.position {lat, lon}" in text
    placed = config_text(TILES, "{lat: 31.2304, lon: 121.4737}") + dispatch
    assert parse_config(placed, "site.yaml", {}).config.dispatch is not None
    on_plan = config_text(PLAN, "{x: 0.5, y: 0.5}") + dispatch  # the plan's bounds place it
    assert parse_config(on_plan, "site.yaml", {}).config.dispatch is not None

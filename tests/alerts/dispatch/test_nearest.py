"""Nearest-team choice, pure: haversine distance, recent positions only, roster order when no
team qualifies, and the reason in words."""

from __future__ import annotations

from datetime import timedelta

import pytest

from alerts.dispatch.nearest import (
    GeoPoint,
    TeamPosition,
    camera_points,
    distance_m,
    rank_nearest,
    spoken_distance,
)
from alerts.dispatch.routing import AlertFacts, RoutingTable
from config.schema import NightwatchConfig
from tests.alerts.dispatch.support import dispatch_config, dispatch_section, team
from tests.support.factories import BASE_TIME

GATE = GeoPoint(31.2304, 121.4737)  # the camera


def at_offset(north_m: float, east_m: float) -> tuple[float, float]:
    """A point north_m metres north and east_m metres east of GATE (small distances)."""
    lat = GATE.lat + north_m / 111_195.0
    lon = GATE.lon + east_m / (111_195.0 * 0.855_1)  # cos(31.23 degrees)
    return lat, lon


def fix(team_id: str, north_m: float, east_m: float = 0.0, age_s: float = 30) -> TeamPosition:
    lat, lon = at_offset(north_m, east_m)
    at = BASE_TIME - timedelta(seconds=age_s)
    return TeamPosition(
        team=team_id, lat=lat, lon=lon, accuracy_m=10, at=at, received_at=at, member="m"
    )


def by_team(*positions: TeamPosition) -> dict[str, TeamPosition]:
    return {position.team: position for position in positions}


def test_distance_is_the_great_circle_distance() -> None:
    # One degree of latitude is 111.195 km on the mean-radius sphere.
    assert distance_m(GeoPoint(0, 0), GeoPoint(1, 0)) == pytest.approx(111_195, rel=1e-4)
    # A point 1.9 km away, as the crow flies.
    bund = GeoPoint(31.2400, 121.4900)
    assert distance_m(GATE, bund) == pytest.approx(1_890, rel=0.02)
    assert distance_m(GATE, GATE) == 0.0
    assert distance_m(GeoPoint(0, 179.9), GeoPoint(0, -179.9)) == pytest.approx(22_239, rel=1e-3)


def test_distances_are_said_as_a_person_would() -> None:
    assert spoken_distance(140.4) == "140 m"
    assert spoken_distance(1_890) == "1.9 km"


def test_the_nearer_team_goes_first_and_the_reason_names_both() -> None:
    positions = by_team(fix("alpha", 1_900), fix("bravo", 0, 140))
    choice = rank_nearest(("alpha", "bravo"), GATE, positions, BASE_TIME, 600)
    assert choice.teams == ("bravo", "alpha")
    assert choice.nearest == "bravo"
    assert choice.reason == "nearest on-duty team: bravo at 140 m (alpha at 1.9 km)"


def test_a_stale_or_missing_position_does_not_count_and_comes_after() -> None:
    positions = by_team(fix("alpha", 100, age_s=601), fix("bravo", 900))
    choice = rank_nearest(("alpha", "bravo", "charlie"), GATE, positions, BASE_TIME, 600)
    assert choice.teams == ("bravo", "alpha", "charlie")
    assert choice.reason == (
        "nearest on-duty team: bravo at 900 m "
        "(alpha: no recent position, charlie: no recent position)"
    )


def test_roster_order_stays_when_no_team_qualifies_or_the_camera_has_no_place() -> None:
    stale = by_team(fix("alpha", 10, age_s=3_600))
    none_recent = rank_nearest(("alpha", "bravo"), GATE, stale, BASE_TIME, 600)
    assert none_recent.teams == ("alpha", "bravo") and none_recent.nearest is None
    assert "no on-duty team shared a position in the last 600 s" in none_recent.reason
    fresh = by_team(fix("bravo", 10))
    no_camera = rank_nearest(("alpha", "bravo"), None, fresh, BASE_TIME, 600)
    assert no_camera.teams == ("alpha", "bravo")
    assert "the camera has no position" in no_camera.reason


def nearest_routes(**route: object) -> list[dict[str, object]]:
    return [{"camera": "gate", "teams": ["alpha", "bravo"], "choose": "nearest", **route}]


def test_a_nearest_route_leads_its_chain_with_the_nearest_on_duty_team() -> None:
    table = RoutingTable.from_config(dispatch_config(routes=nearest_routes()), "UTC")
    facts = AlertFacts(camera="gate", zone="yard", rule="intrusion", severity="high")
    positions = by_team(fix("alpha", 2_000), fix("bravo", 150))
    choice = table.choose(facts, BASE_TIME, GATE, positions)
    assert choice.teams == ("bravo", "alpha", "chief")
    assert choice.reason is not None and choice.reason.startswith("nearest on-duty team: bravo")
    # A roster route ignores positions, as before.
    roster = RoutingTable.from_config(dispatch_config(), "UTC")
    assert roster.choose(facts, BASE_TIME, GATE, positions).teams == ("alpha", "bravo", "chief")
    assert roster.choose(facts, BASE_TIME, GATE, positions).reason is None


def test_an_off_duty_team_is_never_chosen_however_near() -> None:
    off = [{"windows": ["00:00-24:00"], "days": ["sun"]}]  # BASE_TIME is not a Sunday
    assert BASE_TIME.weekday() != 6
    teams = {"alpha": team("Alpha"), "bravo": team("Bravo", off), "chief": team("Chief")}
    config = dispatch_config(teams=teams, routes=nearest_routes(position_max_age_s=60))
    table = RoutingTable.from_config(config, "UTC")
    facts = AlertFacts(camera="gate", zone="yard", rule="intrusion", severity="high")
    positions = by_team(fix("alpha", 5_000, age_s=10), fix("bravo", 5, age_s=10))
    choice = table.choose(facts, BASE_TIME, GATE, positions)
    assert choice.teams == ("alpha", "chief")
    assert choice.reason == "nearest on-duty team: alpha at 5.0 km"


def test_a_camera_on_a_plan_with_bounds_has_a_place_on_the_earth() -> None:
    config = NightwatchConfig.model_validate(
        {
            "site": {
                "map": {
                    "plan": "plan.png",
                    "bounds": {"north": 31.01, "south": 31.0, "west": 121.0, "east": 121.02},
                }
            },
            "cameras": {
                "gate": {"source": "rtsp://h/g", "position": {"x": 0.5, "y": 0.5}},
                "dock": {"source": "rtsp://h/d", "position": {"lat": 31.004, "lon": 121.001}},
                "yard": {"source": "rtsp://h/y"},
            },
            "dispatch": dispatch_section(),
        }
    )
    points = camera_points(config)
    assert points["gate"] == GeoPoint(pytest.approx(31.005), pytest.approx(121.01))  # type: ignore[arg-type]
    assert points["dock"] == GeoPoint(31.004, 121.001)
    assert "yard" not in points


def test_choose_and_its_age_are_checked_in_the_route_config() -> None:
    from pydantic import ValidationError

    with pytest.raises(ValidationError, match="choose"):
        dispatch_config(routes=nearest_routes(choose="closest"))
    with pytest.raises(ValidationError, match="position_max_age_s"):
        dispatch_config(routes=nearest_routes(position_max_age_s=0))
    assert dispatch_config().routes[0].choose == "roster"
    assert dispatch_config().routes[0].position_max_age_s == 600

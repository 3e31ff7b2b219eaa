"""Patrol positions over the API, on a real store: a member shares the team's position while
it is on duty; out of range, off duty, another team's or from the future is refused; the map
shows cameras where configured and each team's last position with its age."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from console import create_app
from ingest.status import CameraState
from tests.console.conftest import Console
from tests.console.positions_support import BOUNDS, PLACES, mapped_config, plan_png
from tests.console.support import camera_status

HERE = {"lat": 31.2351, "lon": 121.4738, "accuracy_m": 9.5}
SHARE_A, SHARE_B = "/api/v1/teams/team-a/position", "/api/v1/teams/team-b/position"


@pytest.fixture
def client(console: Console, tmp_path: Path) -> Iterator[TestClient]:
    services = replace(console.services, config=mapped_config(plan_png(tmp_path / "plan.png")))
    with TestClient(create_app(services), base_url="http://127.0.0.1") as client:
        yield client


def test_a_member_shares_the_team_position_and_the_wall_map_shows_it(
    console: Console, client: TestClient
) -> None:
    measured = datetime.now(UTC) - timedelta(seconds=20)
    shared = client.post(
        SHARE_A, json={**HERE, "at": measured.isoformat()}, headers=console.as_user("pa")
    )

    assert shared.status_code == 200, shared.text
    body = shared.json()
    assert (body["team"], body["lat"], body["lon"], body["accuracy_m"]) == (
        "team-a",
        31.2351,
        121.4738,
        9.5,
    )
    assert body["member"] == "pa" and body["on_duty"] is True and body["name"] == "巡逻一队"
    assert 19 <= body["age_s"] < 60
    site_map = client.get("/api/v1/map", headers=console.as_user("op")).json()
    (team,) = site_map["teams"]
    assert (team["team"], team["lat"], team["lon"]) == ("team-a", 31.2351, 121.4738)
    assert team["age_s"] >= 19


def test_the_map_places_each_camera_as_configured_with_status_and_open_alerts(
    console: Console, client: TestClient
) -> None:
    console.feed.statuses["yard"] = camera_status("yard", CameraState.OFFLINE)
    from tests.alerts.store.support import make_payload
    from tests.console.support import seed_alert

    console.store.alerts.record(make_payload(camera="gate"))  # still open
    seed_alert(console.store, camera="yard")  # ended

    site_map = client.get("/api/v1/map", headers=console.as_user("au")).json()

    assert site_map["kind"] == "plan" and site_map["plan_url"] == "/api/v1/map/plan"
    assert site_map["bounds"] == BOUNDS and site_map["tiles"] is None
    cameras = {camera["name"]: camera for camera in site_map["cameras"]}
    assert {k: v for k, v in cameras["gate"]["position"].items() if v is not None} == PLACES["gate"]
    assert {k: v for k, v in cameras["yard"]["position"].items() if v is not None} == PLACES["yard"]
    assert (cameras["gate"]["state"], cameras["gate"]["open_alerts"]) == ("online", 1)
    assert (cameras["yard"]["state"], cameras["yard"]["open_alerts"]) == ("offline", 0)
    plan = client.get("/api/v1/map/plan", headers=console.as_user("op"))
    assert plan.status_code == 200 and plan.headers["content-type"] == "image/png"
    assert plan.content.startswith(b"\x89PNG")


@pytest.mark.parametrize(
    ("change", "words"),
    [
        ({"lat": 95.0}, "lat 95.0 is outside -90..90"),
        ({"lon": -181.0}, "lon -181.0 is outside -180..180"),
        ({"accuracy_m": -1}, "greater than or equal to 0"),
        ({"at": "2026-12-03T22:10:00"}, "at has no time zone"),
    ],
)
def test_a_position_out_of_range_is_refused_with_what_is_wrong(
    console: Console, client: TestClient, change: dict[str, object], words: str
) -> None:
    refused = client.post(SHARE_A, json={**HERE, **change}, headers=console.as_user("pa"))

    assert refused.status_code == 422
    assert words in refused.text
    assert console.store.positions.latest() == []


@pytest.mark.parametrize(
    ("at", "words"),
    [
        ((datetime.now(UTC) + timedelta(minutes=10)).isoformat(), "is in the future"),
        ((datetime.now(UTC) - timedelta(days=2)).isoformat(), "is more than a day ago"),
        ("0001-01-01T00:00:00+14:00", "is more than a day ago"),
    ],
)
def test_a_position_measured_at_an_unlikely_time_is_refused(
    console: Console, client: TestClient, at: str, words: str
) -> None:
    refused = client.post(SHARE_A, json={**HERE, "at": at}, headers=console.as_user("pa"))
    assert refused.status_code == 422 and words in refused.json()["detail"]
    assert console.store.positions.latest() == []


def test_sharing_while_the_team_is_off_duty_is_refused_and_nothing_is_kept(
    console: Console, client: TestClient
) -> None:
    refused = client.post(SHARE_B, json=HERE, headers=console.as_user("pb"))

    assert refused.status_code == 409
    assert "team team-b is off duty now" in refused.json()["detail"]
    assert console.store.positions.latest() == []


def test_a_member_shares_only_the_own_team_position(console: Console, client: TestClient) -> None:
    other = client.post(SHARE_B, json=HERE, headers=console.as_user("pa"))
    assert other.status_code == 403 and "own team" in other.json()["detail"]
    unknown = client.post("/api/v1/teams/team-z/position", json=HERE, headers=console.as_user("pa"))
    assert unknown.status_code == 404
    operator = client.post(SHARE_A, json=HERE, headers=console.as_user("op"))
    assert operator.status_code == 403
    assert console.store.positions.latest() == []


def test_switching_sharing_off_drops_the_team_position(
    console: Console, client: TestClient
) -> None:
    assert client.post(SHARE_A, json=HERE, headers=console.as_user("pa")).status_code == 200

    stopped = client.delete(SHARE_A, headers=console.as_user("pa"))

    assert stopped.json() == {"team": "team-a", "sharing": False, "forgotten": True}
    assert client.get("/api/v1/map", headers=console.as_user("op")).json()["teams"] == []


def test_a_tile_server_is_the_one_other_place_pages_may_show_pictures_from(
    console: Console, tmp_path: Path
) -> None:
    tiles = {"tiles": "http://tiles.county.local:8080/{z}/{x}/{y}.png", "zoom": 17}
    config = mapped_config(tmp_path / "none.png", tiles, {"yard": PLACES["yard"]})
    app = create_app(replace(console.services, config=config))
    with TestClient(app, base_url="http://127.0.0.1") as client:
        page = client.get("/login")
        site_map = client.get("/api/v1/map", headers=console.as_user("op")).json()
        plan = client.get("/api/v1/map/plan", headers=console.as_user("op"))
    policy = page.headers["content-security-policy"]
    assert "img-src 'self' data: blob: http://tiles.county.local:8080;" in policy
    assert "script-src 'self';" in policy
    assert (site_map["kind"], site_map["tiles"], site_map["zoom"]) == ("tiles", tiles["tiles"], 17)
    assert plan.status_code == 404

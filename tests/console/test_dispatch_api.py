"""Dispatches through the API: the control room sends, patrols move their own team's only."""

from __future__ import annotations

from tests.console.conftest import Console

API = "/api/v1"


def test_the_control_room_dispatches_and_the_team_follows_it_through(console: Console) -> None:
    operator, patrol = console.as_user("op"), console.as_user("pa")
    sent = console.client.post(
        f"{API}/alerts/{console.alert_id}/dispatch", json={"team": "team-b"}, headers=operator
    )
    assert sent.status_code == 201
    dispatch = sent.json()
    assert (dispatch["state"], dispatch["team"], dispatch["location"]) == (
        "dispatched",
        "team-b",
        "北门广场",
    )
    team_b = console.as_user("pb")
    url = f"{API}/dispatches/{dispatch['id']}/transition"
    for state in ("acknowledged", "en_route", "on_scene"):
        moved = console.client.post(url, json={"state": state}, headers=team_b)
        assert moved.status_code == 200 and moved.json()["state"] == state
    no_outcome = console.client.post(url, json={"state": "resolved"}, headers=team_b)
    assert no_outcome.status_code == 422
    done = console.client.post(
        url, json={"state": "resolved", "outcome": "handled", "note": "劝离"}, headers=team_b
    ).json()
    assert [step["state"] for step in done["history"]] == [
        "dispatched",
        "acknowledged",
        "en_route",
        "on_scene",
        "resolved",
    ]
    # A closed dispatch cannot go back, and team-a never saw any of it.
    back = console.client.post(url, json={"state": "acknowledged"}, headers=team_b)
    assert back.status_code == 409
    assert (
        console.client.get(f"{API}/dispatches/{dispatch['id']}", headers=patrol).status_code == 404
    )


def test_a_patrol_sees_only_its_own_team(console: Console) -> None:
    console.dispatcher.dispatch_alert(console.alert_id, "team-b", "op")
    for name, team in (("pa", "team-a"), ("pb", "team-b")):
        listed = console.client.get(f"{API}/dispatches?open=true", headers=console.as_user(name))
        assert {item["team"] for item in listed.json()} == {team}
        # Asking for the other team by name changes nothing.
        other = console.client.get(
            f"{API}/dispatches?team=team-a&team=team-b", headers=console.as_user(name)
        )
        assert {item["team"] for item in other.json()} == {team}
    theirs = f"{API}/dispatches/{console.dispatch_id}"
    assert console.client.get(theirs, headers=console.as_user("pb")).status_code == 404
    assert (
        console.client.get(f"{theirs}/snapshot", headers=console.as_user("pb")).status_code == 404
    )
    moved = console.client.post(
        f"{theirs}/transition", json={"state": "acknowledged"}, headers=console.as_user("pb")
    )
    assert moved.status_code == 404
    assert (
        console.client.get(f"{theirs}/snapshot", headers=console.as_user("pa")).status_code == 200
    )


def test_a_patrol_may_not_cancel_and_the_operator_may(console: Console) -> None:
    url = f"{API}/dispatches/{console.dispatch_id}"
    patrol = console.as_user("pa")
    assert console.client.post(f"{url}/cancel", json={}, headers=patrol).status_code == 403
    cancelled = console.client.post(
        f"{url}/transition", json={"state": "cancelled"}, headers=patrol
    )
    assert cancelled.status_code == 403
    done = console.client.post(
        f"{url}/cancel", json={"note": "误报"}, headers=console.as_user("op")
    ).json()
    assert done["state"] == "cancelled"


def test_teams_come_from_the_dispatcher_and_patrol_users(console: Console) -> None:
    teams = console.client.get(f"{API}/teams", headers=console.as_user("op")).json()["teams"]
    assert teams == ["team-a", "team-b"]


def test_without_a_dispatcher_the_routes_say_so(console: Console) -> None:
    from dataclasses import replace

    from console import create_app

    app = create_app(replace(console.services, dispatcher=None))
    from fastapi.testclient import TestClient

    with TestClient(app) as client:
        response = client.get(f"{API}/dispatches", headers=console.as_user("op"))
    assert response.status_code == 503

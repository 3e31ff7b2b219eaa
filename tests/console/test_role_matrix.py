"""Role × endpoint: every route of the app, called as anonymous and as each role.

The table below is the product's decision of who may call what. It is checked against the
app's own route list, so a new route without a decision here fails this test; and each route
is called, so a decision the code does not keep fails it too. It runs with dispatch
configured and without: who may call a route does not depend on what is configured.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from console import create_app
from console.app import PUBLIC_ROUTES, api_routes, check_guards
from console.deps import Services, SignedIn
from tests.console.conftest import Console
from tests.console.support import PASSWORD

OPERATOR, PATROL, AUDITOR, ADMIN = "operator", "patrol", "auditor", "admin"
EVERYONE = frozenset({OPERATOR, PATROL, AUDITOR, ADMIN})
WATCHERS = frozenset({OPERATOR, AUDITOR})
PUBLIC = frozenset({"anonymous", *EVERYONE})

# (method, path) → the roles that may call it.
DECISIONS: dict[tuple[str, str], frozenset[str]] = {
    ("GET", "/healthz"): PUBLIC,
    ("GET", "/metrics"): frozenset({OPERATOR, AUDITOR, ADMIN}),
    ("GET", "/api/v1/openapi.json"): EVERYONE,
    ("POST", "/api/v1/auth/login"): PUBLIC,
    ("POST", "/api/v1/auth/logout"): EVERYONE,
    ("GET", "/api/v1/auth/me"): EVERYONE,
    ("POST", "/api/v1/auth/password"): EVERYONE,
    ("GET", "/api/v1/cameras"): frozenset({OPERATOR, AUDITOR, ADMIN}),
    ("GET", "/api/v1/cameras/{camera}/frame.jpg"): WATCHERS,
    ("GET", "/api/v1/cameras/{camera}/live"): WATCHERS,
    ("GET", "/api/v1/alerts"): WATCHERS,
    ("GET", "/api/v1/alerts/{alert_id}"): WATCHERS,
    ("POST", "/api/v1/alerts/{alert_id}/acknowledge"): frozenset({OPERATOR}),
    ("POST", "/api/v1/alerts/{alert_id}/resolve"): frozenset({OPERATOR}),
    ("GET", "/api/v1/alerts/{alert_id}/snapshot"): WATCHERS,
    ("GET", "/api/v1/alerts/{alert_id}/clip"): WATCHERS,
    ("POST", "/api/v1/alerts/{alert_id}/dispatch"): frozenset({OPERATOR}),
    ("GET", "/api/v1/dispatches"): frozenset({OPERATOR, PATROL, AUDITOR}),
    ("GET", "/api/v1/dispatches/{dispatch_id}"): frozenset({OPERATOR, PATROL, AUDITOR}),
    ("POST", "/api/v1/dispatches/{dispatch_id}/transition"): frozenset({OPERATOR, PATROL}),
    ("POST", "/api/v1/dispatches/{dispatch_id}/cancel"): frozenset({OPERATOR}),
    ("GET", "/api/v1/dispatches/{dispatch_id}/snapshot"): frozenset({OPERATOR, PATROL, AUDITOR}),
    ("GET", "/api/v1/dispatches/{dispatch_id}/voice/{file}"): frozenset(
        {OPERATOR, PATROL, AUDITOR}
    ),
    ("GET", "/api/v1/teams"): frozenset({OPERATOR}),
    ("POST", "/api/v1/teams/{team}/position"): frozenset({PATROL}),
    ("DELETE", "/api/v1/teams/{team}/position"): frozenset({PATROL}),
    ("GET", "/api/v1/map"): WATCHERS,
    ("GET", "/api/v1/map/plan"): WATCHERS,
    ("GET", "/api/v1/cases"): frozenset({OPERATOR, PATROL, AUDITOR}),
    ("GET", "/api/v1/cases/{case_id}"): frozenset({OPERATOR, PATROL, AUDITOR}),
    ("POST", "/api/v1/cases/{case_id}/notes"): frozenset({OPERATOR, PATROL}),
    ("POST", "/api/v1/cases/{case_id}/alerts"): frozenset({OPERATOR, PATROL}),
    ("PATCH", "/api/v1/cases/{case_id}"): frozenset({OPERATOR, PATROL}),
    ("POST", "/api/v1/cases/{case_id}/close"): frozenset({OPERATOR, PATROL}),
    ("POST", "/api/v1/alerts/{alert_id}/proposals"): frozenset({OPERATOR}),
    ("GET", "/api/v1/proposals"): frozenset({OPERATOR, AUDITOR, ADMIN}),
    ("POST", "/api/v1/proposals/{proposal_id}/apply"): frozenset({ADMIN}),
    ("POST", "/api/v1/proposals/{proposal_id}/dismiss"): frozenset({ADMIN}),
    ("GET", "/api/v1/reports"): WATCHERS,
    ("GET", "/api/v1/reports/{shift}"): WATCHERS,
    ("GET", "/api/v1/reports/{shift}/{document}"): WATCHERS,
    ("GET", "/api/v1/audit"): frozenset({AUDITOR}),
    ("GET", "/api/v1/audit/verification"): frozenset({AUDITOR}),
    ("GET", "/api/v1/audit/export/{alert_id}"): frozenset({AUDITOR}),
    ("GET", "/api/v1/events"): EVERYONE,
    ("GET", "/api/v1/users"): frozenset({ADMIN, AUDITOR}),
    ("POST", "/api/v1/users"): frozenset({ADMIN}),
    ("POST", "/api/v1/users/{name}/disable"): frozenset({ADMIN}),
    ("POST", "/api/v1/users/{name}/tokens"): frozenset({ADMIN}),
    ("GET", "/api/v1/config"): frozenset({ADMIN, AUDITOR}),
    ("GET", "/api/v1/nodes"): frozenset({ADMIN, AUDITOR}),
    # Pages
    ("GET", "/"): EVERYONE,
    ("GET", "/login"): PUBLIC,
    ("GET", "/wall"): WATCHERS,
    ("GET", "/alerts"): WATCHERS,
    ("GET", "/alerts/{alert_id}"): WATCHERS,
    ("GET", "/cases"): frozenset({OPERATOR, PATROL, AUDITOR}),
    ("GET", "/reports"): WATCHERS,
    ("GET", "/cases/{case_id}"): frozenset({OPERATOR, PATROL, AUDITOR}),
    ("GET", "/patrol"): frozenset({PATROL}),
    ("GET", "/audit"): frozenset({AUDITOR}),
    ("GET", "/admin"): frozenset({ADMIN}),
}
# Without dispatch configured these answer 503 to the roles that may call them.
NEEDS_DISPATCH = frozenset(
    {
        ("GET", "/api/v1/dispatches"),
        ("GET", "/api/v1/dispatches/{dispatch_id}"),
        ("POST", "/api/v1/alerts/{alert_id}/dispatch"),
        ("POST", "/api/v1/dispatches/{dispatch_id}/transition"),
        ("POST", "/api/v1/dispatches/{dispatch_id}/cancel"),
        ("GET", "/api/v1/dispatches/{dispatch_id}/snapshot"),
        ("GET", "/api/v1/dispatches/{dispatch_id}/voice/{file}"),
    }
)
ACTING_USER = {OPERATOR: "op", PATROL: "pa", AUDITOR: "au", ADMIN: "ad"}


def app_routes(console: Console) -> set[tuple[str, str]]:
    return {
        (method, route.path)
        for route in api_routes(console.app)
        for method in (route.methods or set()) - {"HEAD"}
    }


def test_every_route_has_a_role_decision(console: Console) -> None:
    routes = app_routes(console)
    undecided = sorted(routes - DECISIONS.keys())
    assert not undecided, f"routes with no role decision in DECISIONS: {undecided}"
    stale = sorted(DECISIONS.keys() - routes)
    assert not stale, f"DECISIONS names routes the app no longer has: {stale}"
    public = {path for (_method, path), roles in DECISIONS.items() if "anonymous" in roles}
    assert public == set(PUBLIC_ROUTES)


def test_a_route_that_decides_who_may_call_it_late_is_refused() -> None:
    app = FastAPI()

    @app.get("/late")
    def late(services: Services, _user: SignedIn) -> None:
        """Its services would be looked up before anyone is asked who they are."""

    with pytest.raises(RuntimeError, match="Guard must be its first parameter"):
        check_guards(app)


def _url(path: str, console: Console) -> str:
    values = {
        "camera": "gate",
        "alert_id": console.alert_id,
        "dispatch_id": console.dispatch_id,
        "name": "victim",
        "file": f"{console.dispatch_id}-0.wav",
        "team": "team-a",
        "case_id": "case-unknown",
        "proposal_id": "1",
        "shift": "2026-03-01",
        "document": "report.pdf",
    }
    return path.format(**values)


def _body(method: str, path: str, role: str) -> dict[str, Any] | None:
    if method != "POST":
        return None
    bodies: dict[str, dict[str, Any]] = {
        "/api/v1/auth/login": {"name": "op", "password": PASSWORD},
        "/api/v1/auth/password": {"current": PASSWORD, "new": "another long passphrase"},
        "/api/v1/alerts/{alert_id}/resolve": {"outcome": "handled", "note": "patrol checked"},
        "/api/v1/alerts/{alert_id}/dispatch": {"team": "team-b"},
        "/api/v1/dispatches/{dispatch_id}/transition": {"state": "acknowledged"},
        "/api/v1/teams/{team}/position": {"lat": 31.2304, "lon": 121.4737},
        "/api/v1/users": {"name": f"new-{role}", "role": "operator"},
        "/api/v1/users/{name}/tokens": {"label": "integration"},
        "/api/v1/cases/{case_id}/notes": {"text": "called the owner"},
        "/api/v1/cases/{case_id}/alerts": {"alert_id": "an-alert"},
        "/api/v1/cases/{case_id}/close": {"result": "done"},
        "/api/v1/alerts/{alert_id}/proposals": {"kind": "mask"},
    }
    return bodies.get(path, {})


@pytest.fixture(params=["dispatch", "no dispatch"])
def client(request: pytest.FixtureRequest, console: Console) -> Iterator[TestClient]:
    """The console's client, or one of an app built without a dispatcher."""
    if request.param == "dispatch":
        console.app.state.hub.closed = True  # live streams end at once, so they can be called
        yield console.client
        return
    app = create_app(replace(console.services, dispatcher=None))
    app.state.hub.closed = True
    with TestClient(app, base_url="http://127.0.0.1") as bare:
        yield bare


@pytest.mark.parametrize("role", ["anonymous", OPERATOR, PATROL, AUDITOR, ADMIN])
def test_each_role_gets_exactly_what_it_should(
    console: Console, client: TestClient, role: str
) -> None:
    from tests.console.support import add_user

    add_user(console.services.users, "victim", "operator")
    dispatch = client is console.client
    headers = {} if role == "anonymous" else console.as_user(ACTING_USER[role])
    wrong: list[str] = []
    for (method, path), roles in sorted(DECISIONS.items()):
        response = client.request(
            method,
            _url(path, console),
            headers=headers,
            json=_body(method, path, role),
            follow_redirects=False,
        )
        client.cookies.clear()  # the login call must not sign the next ones in
        code = response.status_code
        if role in roles and not dispatch and (method, path) in NEEDS_DISPATCH:
            ok = code == 503
        elif role in roles:
            ok = code not in (401, 403) and code < 500
        elif role == "anonymous":
            page = not path.startswith(("/api/", "/metrics"))
            ok = code == 303 and "/login" in response.headers["location"] if page else code == 401
        else:
            ok = code == 403
        if not ok:
            wrong.append(f"{method} {path}: {code} {response.text[:120]}")
    assert not wrong, f"as {role}:\n" + "\n".join(wrong)


def test_static_assets_are_public_but_hold_no_data(console: Console) -> None:
    response = console.client.get("/static/css/console.css")
    assert response.status_code == 200
    assert console.client.get("/static/../console/app.py").status_code == 404

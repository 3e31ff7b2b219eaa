"""Role × endpoint: every route of the app, called as anonymous and as each role.

The table below is the product's decision of who may call what. It is checked against the
app's own route list, so a new route without a decision here fails this test; and each route
is called, so a decision the code does not keep fails it too.
"""

from __future__ import annotations

from typing import Any

import pytest

from console.app import PUBLIC_ROUTES, api_routes
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
    ("GET", "/api/v1/audit"): frozenset({AUDITOR}),
    ("GET", "/api/v1/audit/verification"): frozenset({AUDITOR}),
    ("GET", "/api/v1/audit/export/{alert_id}"): frozenset({AUDITOR}),
    ("GET", "/api/v1/events"): EVERYONE,
    ("GET", "/api/v1/users"): frozenset({ADMIN, AUDITOR}),
    ("POST", "/api/v1/users"): frozenset({ADMIN}),
    ("POST", "/api/v1/users/{name}/disable"): frozenset({ADMIN}),
    ("POST", "/api/v1/users/{name}/tokens"): frozenset({ADMIN}),
    ("GET", "/api/v1/config"): frozenset({ADMIN, AUDITOR}),
    # Pages
    ("GET", "/"): EVERYONE,
    ("GET", "/login"): PUBLIC,
    ("GET", "/wall"): WATCHERS,
    ("GET", "/alerts"): WATCHERS,
    ("GET", "/alerts/{alert_id}"): WATCHERS,
    ("GET", "/patrol"): frozenset({PATROL}),
    ("GET", "/audit"): frozenset({AUDITOR}),
    ("GET", "/admin"): frozenset({ADMIN}),
}
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


def _url(path: str, console: Console) -> str:
    values = {
        "camera": "gate",
        "alert_id": console.alert_id,
        "dispatch_id": console.dispatch_id,
        "name": "victim",
        "file": f"{console.dispatch_id}-0.wav",
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
        "/api/v1/users": {"name": f"new-{role}", "role": "operator"},
        "/api/v1/users/{name}/tokens": {"label": "integration"},
    }
    return bodies.get(path, {})


@pytest.mark.parametrize("role", ["anonymous", OPERATOR, PATROL, AUDITOR, ADMIN])
def test_each_role_gets_exactly_what_it_should(console: Console, role: str) -> None:
    from tests.console.support import add_user

    add_user(console.services.users, "victim", "operator")
    console.app.state.hub.closed = True  # live streams end at once, so they can be called
    headers = {} if role == "anonymous" else console.as_user(ACTING_USER[role])
    wrong: list[str] = []
    for (method, path), roles in sorted(DECISIONS.items()):
        response = console.client.request(
            method,
            _url(path, console),
            headers=headers,
            json=_body(method, path, role),
            follow_redirects=False,
        )
        console.client.cookies.clear()  # the login call must not sign the next ones in
        code = response.status_code
        if role in roles:
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

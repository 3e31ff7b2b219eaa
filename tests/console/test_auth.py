"""Signing in: sessions for browsers, tokens for integrations, limits on guessing."""

from __future__ import annotations

from datetime import timedelta

from console.accounts.repository import Accounts
from console.security import SESSION_COOKIE
from tests.console.conftest import Console
from tests.console.support import PASSWORD, add_user

CSRF = {"X-Requested-With": "nightwatch"}


def login(console: Console, name: str, password: str = PASSWORD) -> int:
    response = console.client.post("/api/v1/auth/login", json={"name": name, "password": password})
    return int(response.status_code)


def test_a_browser_session_is_an_httponly_strict_cookie_and_logout_ends_it(
    console_on: Console,
) -> None:
    console = console_on
    response = console.client.post("/api/v1/auth/login", json={"name": "op", "password": PASSWORD})
    assert response.status_code == 200
    assert response.json()["home"] == "/wall"
    cookie = response.headers["set-cookie"]
    assert f"{SESSION_COOKIE}=" in cookie
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie
    assert console.client.get("/api/v1/auth/me").json()["name"] == "op"

    assert console.client.post("/api/v1/auth/logout", headers=CSRF).status_code == 204
    console.client.cookies.clear()
    assert console.client.get("/api/v1/auth/me").status_code == 401
    logins = [r for r in console.store.audit.for_target("user:op") if r.action == "auth.login"]
    assert logins and logins[-1].actor == "op"


def test_a_stolen_cookie_is_useless_after_logout(console: Console) -> None:
    console.client.post("/api/v1/auth/login", json={"name": "op", "password": PASSWORD})
    stolen = console.client.cookies[SESSION_COOKIE]
    console.client.post("/api/v1/auth/logout", headers=CSRF)
    response = console.client.get("/api/v1/auth/me", cookies={SESSION_COOKIE: stolen})
    assert response.status_code == 401


def test_cookie_requests_that_change_things_need_the_csrf_header(console: Console) -> None:
    assert login(console, "op") == 200
    url = f"/api/v1/alerts/{console.alert_id}/acknowledge"
    refused = console.client.post(url, json={})
    assert refused.status_code == 403
    assert console.client.post(url, json={}, headers=CSRF).status_code == 200


def test_wrong_passwords_are_limited_per_name_without_checking_more(console: Console) -> None:
    for _ in range(5):
        assert login(console, "op", "guess") == 401
    # Even the right password is refused now, with a time to come back.
    response = console.client.post("/api/v1/auth/login", json={"name": "op", "password": PASSWORD})
    assert response.status_code == 429
    assert int(response.headers["retry-after"]) > 0
    # Another user is not locked out by someone guessing at "op".
    assert login(console, "au") == 200


def test_the_limit_lifts_when_the_window_has_passed(console: Console) -> None:
    for _ in range(5):
        login(console, "op", "guess")
    assert login(console, "op") == 429
    clock = console.store.database.clock
    clock.advance(minutes=16)  # type: ignore[attr-defined]
    assert login(console, "op") == 200


def test_unknown_and_disabled_users_get_the_same_answer_as_a_wrong_password(
    console: Console,
) -> None:
    users: Accounts = console.services.users
    users.disable("pb", "test", "test")
    answers = {login(console, "nobody"), login(console, "pb"), login(console, "op", "wrong")}
    assert answers == {401}
    assert console.client.get("/api/v1/auth/me", headers=console.as_user("pb")).status_code == 401


def test_an_api_token_works_until_the_user_is_disabled(console: Console) -> None:
    token = add_user(console.services.users, "integration", "auditor")
    headers = {"Authorization": f"Bearer {token}"}
    assert console.client.get("/api/v1/alerts", headers=headers).status_code == 200
    assert (
        console.client.get("/api/v1/alerts", headers={"Authorization": "Bearer nw_x"}).status_code
        == 401
    )
    admin = console.as_user("ad")
    assert (
        console.client.post("/api/v1/users/integration/disable", headers=admin).status_code == 200
    )
    assert console.client.get("/api/v1/alerts", headers=headers).status_code == 401


def test_an_admin_creates_a_user_with_a_one_time_password_and_a_token(console: Console) -> None:
    admin = console.as_user("ad")
    body = {"name": "张伟", "role": "patrol", "team": "team-c"}
    response = console.client.post("/api/v1/users", json=body, headers=admin)
    assert response.status_code == 201
    created = response.json()
    assert len(created["password"]) >= 16 and created["token"].startswith("nw_")
    assert login(console, "张伟", created["password"]) == 200
    me = console.client.get("/api/v1/auth/me").json()
    assert (me["role"], me["team"], me["home"]) == ("patrol", "team-c", "/patrol")
    # A patrol without a team is refused; so is a taken name.
    assert (
        console.client.post("/api/v1/users", json={**body, "team": None}, headers=admin).status_code
        == 409
    )
    assert console.client.post("/api/v1/users", json=body, headers=admin).status_code == 409
    audit = console.store.audit.for_target("user:张伟")
    assert [r.action for r in audit][:2] == ["user.add", "user.token"]
    assert audit[0].actor == "ad"


def test_changing_the_password_ends_every_session(console: Console) -> None:
    assert login(console, "op") == 200
    body = {"current": PASSWORD, "new": "a much longer passphrase"}
    assert console.client.post("/api/v1/auth/password", json=body, headers=CSRF).status_code == 204
    assert console.client.get("/api/v1/auth/me").status_code == 401
    console.client.cookies.clear()
    assert login(console, "op") == 401
    assert login(console, "op", "a much longer passphrase") == 200


def test_sessions_expire(console: Console) -> None:
    assert login(console, "op") == 200
    console.store.database.clock.advance(hours=13)  # type: ignore[attr-defined]
    assert console.services.settings.session_ttl < timedelta(hours=13)
    assert console.client.get("/api/v1/auth/me").status_code == 401

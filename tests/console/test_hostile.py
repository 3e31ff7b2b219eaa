"""Hostile input: traversal and odd ids on file routes, bad bodies, and a fuzz run of the API.

The rule: a request the console cannot serve is refused (4xx), never a server error.
"""

from __future__ import annotations

import http.client
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.core.result import Ok

from tests.alerts.store.support import open_test_store, tamper
from tests.console.conftest import Console, Served, start_console

ODD_IDS = [
    "..",
    "../../etc/passwd",
    "..%2F..%2Fetc%2Fpasswd",
    "%2e%2e%2f%2e%2e%2fetc%2fpasswd",
    "....//....//etc//passwd",
    "%00",
    "a%00b",
    "x" * 65,
    "x" * 5000,
    "%E5%91%8A%E8%AD%A6",  # 告警
    "id;rm%20-rf",
    "id%20with%20space",
    "%252e%252e%252f",
    "-leading-dash",
    "C:%5Cwindows%5Cwin.ini",
    "$(id)",
    "%0d%0aX-Injected:%201",
]


def raw_get(url: str, path: str, headers: dict[str, str]) -> tuple[int, str, bytes]:
    """GET `path` exactly as written: no client normalises dots or re-encodes anything."""
    parsed = urlsplit(url)
    connection = http.client.HTTPConnection(parsed.hostname or "", parsed.port, timeout=10)
    try:
        connection.request("GET", path, headers=headers)
        response = connection.getresponse()
        return response.status, response.getheader("content-type", ""), response.read()
    finally:
        connection.close()


def test_traversal_and_odd_ids_on_file_routes_are_refused(served: Served) -> None:
    console = served.console
    templates = (
        "/api/v1/alerts/{}/snapshot",
        "/api/v1/alerts/{}/clip",
        "/api/v1/dispatches/{}/snapshot",
        "/api/v1/audit/export/{}",
        "/api/v1/cameras/{}/frame.jpg",
        "/alerts/{}",
    )
    wrong = []
    for odd in ODD_IDS:
        for template in templates:
            path = template.format(odd)
            status, kind, body = raw_get(served.url, path, console.as_user("au"))
            refused = status in (404, 422) or (status == 400 and "%" in odd)
            if not refused or b"root:" in body or kind.startswith(("image/", "video/")):
                wrong.append(f"{path}: {status} {kind}")
    assert not wrong, "\n".join(wrong)


def test_an_evidence_path_pointing_outside_the_media_folder_is_never_followed(
    console: Console, tmp_path: Path
) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("root:x:0:0")
    # Someone with database access rewrites the stored path (the store itself refuses this).
    tamper(
        console.store,
        "UPDATE evidence SET path = :path WHERE alert_id = :alert AND kind = 'clip'",
        path="../secret.txt",
        alert=console.alert_id,
    )
    response = console.client.get(
        f"/api/v1/alerts/{console.alert_id}/clip", headers=console.as_user("op")
    )
    assert response.status_code == 404
    assert b"root:" not in response.content


def test_oversize_and_malformed_bodies_are_refused(console: Console) -> None:
    headers = console.as_user("op")
    url = f"/api/v1/alerts/{console.alert_id}/resolve"
    huge = {"outcome": "handled", "note": "x" * 200_000}
    assert console.client.post(url, json=huge, headers=headers).status_code == 413
    for content, kind in (
        (b"{not json", "application/json"),
        (b'{"outcome": "handled"', "application/json"),
        (b'{"outcome": "exploded"}', "application/json"),
        (b'{"outcome": "handled", "extra": 1}', "application/json"),
        (b"outcome=handled", "application/x-www-form-urlencoded"),
        (b"\xff\xfe\x00", "application/json"),
        (b"[]", "application/json"),
    ):
        response = console.client.post(
            url, content=content, headers={**headers, "Content-Type": kind}
        )
        assert response.status_code in (400, 422), (content, response.status_code, response.text)
    long_note = {"outcome": "handled", "note": "x" * 1001}
    assert console.client.post(url, json=long_note, headers=headers).status_code == 422
    lying = {**headers, "Content-Length": "99999999", "Content-Type": "application/json"}
    assert console.client.post(url, content=b"{}", headers=lying).status_code in (400, 413)


def test_login_with_hostile_input_is_refused_cleanly(console: Console) -> None:
    for body in (
        {"name": "' OR 1=1 --", "password": "x"},
        {"name": "op\x00", "password": "x"},
        {"name": "x" * 65, "password": "x"},
        {"name": "op", "password": "x" * 300},
        {"name": "op"},
        {"name": ["op"], "password": "x"},
    ):
        response = console.client.post("/api/v1/auth/login", json=body)
        assert response.status_code in (401, 422), (body, response.status_code)


def test_a_login_redirect_only_goes_to_this_site(console: Console) -> None:
    page = console.client.get("/wall", follow_redirects=False)
    assert page.status_code == 303
    assert page.headers["location"] == "/login?next=/wall"
    script = (Path(__file__).parents[2] / "console/static/js/login.js").read_text()
    assert 'next.startsWith("/") && !next.startsWith("//")' in script


# The fuzz run: every operation of the OpenAPI schema, as three roles, with generated input.
# (Driven by Hypothesis directly: schemathesis' pytest plugin does not load on pytest 9.)


@pytest.fixture(scope="module")
def fuzz_console(tmp_path_factory: pytest.TempPathFactory, clip_bytes: bytes) -> Iterator[Console]:
    with open_test_store("sqlite", tmp_path_factory.mktemp("fuzz")) as store:
        yield from start_console(store, clip_bytes)


def test_generated_requests_never_make_a_server_error(fuzz_console: Console) -> None:
    loaded = schemathesis.openapi.from_dict(fuzz_console.app.openapi())
    # Endless streams are tested apart (test_live.py); a fuzzer would wait on them forever.
    schema = loaded.exclude(path_regex=r".*/(events|live)$")
    failures: list[str] = []
    results = list(schema.get_all_operations())
    operations = [result.ok() for result in results if isinstance(result, Ok)]
    assert len(operations) == len(results), "the OpenAPI schema has operations it cannot read"
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=12,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def run(case: schemathesis.Case[Any]) -> None:
            for name in ("op", "au", "ad"):
                response = case.call(app=fuzz_console.app, headers=fuzz_console.as_user(name))
                case.validate_response(response, checks=[not_a_server_error])

        try:
            run()
        except Exception as error:
            failures.append(f"{operation.label}: {error}")
    print(f"\nfuzzed {len(operations)} operations as operator, auditor and admin")
    assert len(operations) >= 25
    assert not failures, "\n\n".join(failures)

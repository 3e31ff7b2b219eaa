"""Shift reports on the console: the nights `nightwatch report` wrote, each night's figures,
and its HTML (self-contained, under a policy of its own) and PDF."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from config.schema import NightwatchConfig
from console import create_app
from tests.console.conftest import Console
from tests.nightwatch.test_report_cli import (
    Site,
    report,
    site,  # noqa: F401  (the fixture)
)

REPORTS = "/api/v1/reports"


@pytest.fixture
def reporting(console: Console, site: Site) -> Iterator[TestClient]:  # noqa: F811  (the fixture)
    """The console of the site whose scripted night `nightwatch report` wrote up."""
    assert report(site, "--shift", "2026-03-01").returncode == 0
    data = site.folder / "data"
    config = console.services.config.model_copy(
        update={"storage": console.services.config.storage.model_copy(update={"data_dir": data})}
    )
    assert isinstance(config, NightwatchConfig)
    services = dataclasses.replace(console.services, config=config)
    with TestClient(create_app(services), base_url="http://127.0.0.1") as client:
        yield client


def test_the_nights_reports_are_listed_and_served(console: Console, reporting: TestClient) -> None:
    op = console.as_user("op")
    [night] = reporting.get(REPORTS, headers=op).json()["items"]
    assert (night["date"], night["window"]) == ("2026-03-01", "20:00-24:00")
    assert night["acknowledged_p50_s"]["alpha"] == 45.0
    assert night["overdue_cases"] == 1
    detail = reporting.get(f"{REPORTS}/2026-03-01", headers=op).json()
    assert detail["teams"]["alpha"]["acknowledged_s"]["max"] == 90.0
    html = reporting.get(night["html_url"], headers=op)
    assert html.status_code == 200, html.text
    assert html.headers["content-type"].startswith("text/html")
    assert "script-src" not in html.headers["content-security-policy"]
    assert "img-src data:" in html.headers["content-security-policy"]
    pdf = reporting.get(night["pdf_url"], headers=op)
    assert pdf.content.startswith(b"%PDF")


def test_a_night_without_a_report_says_how_to_make_one(
    console: Console, reporting: TestClient
) -> None:
    op = console.as_user("op")
    missing = reporting.get(f"{REPORTS}/2026-03-02", headers=op)
    assert missing.status_code == 404 and "nightwatch report --shift 2026-03-02" in missing.text
    assert reporting.get(f"{REPORTS}/2026-02-30", headers=op).status_code == 422
    assert reporting.get(f"{REPORTS}/2026-03-01/other.txt", headers=op).status_code == 422
    assert reporting.get(REPORTS, headers=console.as_user("pa")).status_code == 403

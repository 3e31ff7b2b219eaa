"""The shift reports page in a real browser: the night's row with its figures, and the HTML
report it opens showing its charts. Screenshots go to test-artifacts/screenshots/."""

from __future__ import annotations

import dataclasses

import pytest
from playwright.sync_api import Browser, expect

from console import create_app
from console.server import ConsoleServer
from tests.console.browser import shoot, sign_in, wait_for_picture
from tests.console.conftest import Console
from tests.console.support import PASSWORD
from tests.nightwatch.test_report_cli import (
    Site,
    report,
    site,  # noqa: F401  (the fixture)
)
from tests.support.net import free_port

pytestmark = pytest.mark.slow


def test_the_reports_page_lists_the_night_and_opens_its_report(
    browser: Browser,
    console: Console,
    site: Site,  # noqa: F811  (the fixture)
) -> None:
    assert report(site, "--shift", "2026-03-01").returncode == 0
    storage = console.services.config.storage.model_copy(update={"data_dir": site.folder / "data"})
    config = console.services.config.model_copy(update={"storage": storage})
    server = ConsoleServer(
        create_app(dataclasses.replace(console.services, config=config)), "127.0.0.1", free_port()
    )
    server.start()
    try:
        page = sign_in(browser, server.url, "op", PASSWORD)
        page.goto(f"{server.url}/reports")
        row = page.locator("#report-rows tr[data-shift='2026-03-01']")
        expect(row).to_contain_text("20:00-24:00")
        expect(row).to_contain_text("alpha 45 s")
        shoot(page, "reports-01-list")
        with page.context.expect_page() as opened:
            row.locator("a[target='_blank']").click()
        html = opened.value
        html.wait_for_load_state()
        charts = html.locator("img")
        expect(charts).to_have_count(5)
        for index in range(5):
            wait_for_picture(charts.nth(index))
        shoot(html, "reports-02-html-report")
    finally:
        server.stop()

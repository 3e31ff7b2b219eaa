"""Follow-up cases in a real browser (Debian's Chromium) over a served console and a real store:
the operator resolves an alert as referred to the police and fills in the case; the case page
shows the alert's picture, takes a note; the owning patrol closes it with a result on its
phone; another patrol sees nothing. Screenshots go to test-artifacts/screenshots/."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, expect

from tests.console.browser import PHONE, shoot, sign_in, wait_for_picture
from tests.console.conftest import Served
from tests.console.support import PASSWORD

pytestmark = pytest.mark.slow


def test_a_referral_is_followed_through_to_its_result_in_the_browser(
    browser: Browser, served: Served
) -> None:
    url, alert_id = served.url, served.console.alert_id
    operator = sign_in(browser, url, "op", PASSWORD)
    operator.goto(f"{url}/alerts/{alert_id}")
    expect(operator.locator("#case-fields")).to_be_hidden()
    operator.select_option("#resolve-outcome", "referred_police")
    expect(operator.locator("#case-fields")).to_be_visible()
    operator.fill("#resolve-note", "两人争执，已报警 Two men fighting, police called")
    operator.fill("#resolve-case-owner", "team-a")
    operator.fill("#resolve-case-title", "东门斗殴 Fight at the gate")
    operator.fill("#resolve-case-due", "2030-06-01T20:00")
    operator.click("#resolve")
    link = operator.locator("#case-link")
    expect(link).to_be_visible()
    shoot(operator, "cases-01-alert-referred")
    link.click()
    operator.wait_for_url(re.compile(r".*/cases/case-[0-9a-f]+$"))
    expect(operator.locator("#case-title")).to_have_text("东门斗殴 Fight at the gate")
    expect(operator.locator("#case-kind")).to_have_text("移交公安")
    card = operator.locator(f".case-alert[data-alert='{alert_id}']")
    expect(card).to_be_visible()
    wait_for_picture(card.locator("img"))
    operator.fill("#note-text", "派出所已受理 The police station took the case")
    operator.click("#add-note")
    expect(operator.locator("#case-notes")).to_contain_text("派出所已受理")
    expect(operator.locator("#case-timeline")).to_contain_text("立案")
    shoot(operator, "cases-02-case-page")
    operator.goto(f"{url}/cases")
    expect(operator.locator("#case-rows tr")).to_have_count(1)
    operator.select_option("#case-show", "overdue")
    operator.click("#case-filters button[type='submit']")
    expect(operator.locator("#cases-empty")).to_be_visible()

    patrol = sign_in(browser, url, "pa", PASSWORD, **PHONE)
    patrol.goto(f"{url}/cases")
    row = patrol.locator("#case-rows tr")
    expect(row).to_have_count(1)
    row.click()
    patrol.fill("#close-result", "嫌疑人已被带走 The suspect was taken away")
    patrol.click("#close")
    expect(patrol.locator("#case-state")).to_have_text("已结")
    expect(patrol.locator("#case-actions")).to_be_hidden()
    shoot(patrol, "cases-03-patrol-closed")

    other = sign_in(browser, url, "pb", PASSWORD, **PHONE)
    other.goto(f"{url}/cases")
    expect(other.locator("#cases-empty")).to_be_visible()
    expect(other.locator("#case-rows tr")).to_have_count(0)

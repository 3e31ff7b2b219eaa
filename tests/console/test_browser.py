"""The console in a real browser, on the real pipeline.

A GStreamer RTSP camera streams people.mp4; `nightwatch run --http` runs the real model and
serves the console; headless Chromium (Debian's, via Playwright) is the operator's wall and a
patrol's phone. Screenshots of every page go to test-artifacts/screenshots/.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, Response, expect

from tests.console.browser import (
    PHONE,
    ConsoleProcess,
    add_users,
    shoot,
    sign_in,
    wait_for_picture,
)
from tests.support.factories import camera_config, intrusion_rule, nightwatch_config
from tests.support.net import free_port
from tests.support.process import write_config
from tests.support.rtsp import RtspServers

pytestmark = pytest.mark.slow
WHOLE_PICTURE = [[0.0, 0.0], [1.0, 0.0], [1.0, 1.0], [0.0, 1.0]]
PEOPLE: dict[str, tuple[str, str | None]] = {
    "op1": ("operator", None),
    "pa": ("patrol", "team-a"),
    "pb": ("patrol", "team-b"),
    "au": ("auditor", None),
    "ad": ("admin", None),
}
ALERT_S = 120_000  # ms: model load, first keyframe, inertia, on a busy 2-core machine


def site_config(tmp_path: Path, camera_url: str, prefix: str, model_path: Path) -> Path:
    camera = camera_config(
        camera_url,
        zones={"plaza": WHOLE_PICTURE},
        rules=[intrusion_rule(name="plaza-night", zone="plaza", clear_s=2, cooldown_s=1)],
        location="北门广场 North gate plaza",
        record={"pre_capture_s": 2, "post_capture_s": 1},
    )
    config: dict[str, Any] = nightwatch_config(
        {"north-gate": camera}, prefix=prefix, model_path=str(model_path)
    )
    config["site"]["timezone"] = "Asia/Shanghai"
    config["storage"] = {"data_dir": str(tmp_path / "data")}
    config["dispatch"] = {
        "teams": {
            "team-a": {"name": "巡逻一队"},
            "team-b": {"name": "巡逻二队"},
        },
        "escalation": {"after_s": 3600},
        "min_severity": "critical",  # no automatic dispatch: the operator sends the team
        "voice": {"enabled": False},
    }
    return write_config(tmp_path / "nightwatch.yaml", config)


def test_an_alert_from_the_pipeline_is_handled_end_to_end_in_the_browser(
    browser: Browser,
    rtsp_server: RtspServers,
    mqtt_prefix: str,
    model_path: Path,
    tmp_path: Path,
) -> None:
    rtsp_port = free_port()
    config = site_config(tmp_path, f"rtsp://127.0.0.1:{rtsp_port}/cam", mqtt_prefix, model_path)
    passwords = add_users(config, PEOPLE)
    app = ConsoleProcess(config, free_port())
    try:
        app.wait_ready()
        operator, alert_id = operator_watches_the_alert_arrive(
            browser, app, passwords, rtsp_server, rtsp_port
        )
        operator_plays_the_clip_and_dispatches(operator, alert_id)
        patrols_answer_on_their_phones(browser, app.url, passwords, alert_id)
        operator_resolves(operator)
        auditor_checks_the_trail(browser, app.url, passwords)
        other_pages(browser, app.url, passwords)
    except BaseException:
        print(app.log())
        raise
    finally:
        app.stop()


def operator_watches_the_alert_arrive(
    browser: Browser,
    app: ConsoleProcess,
    passwords: dict[str, str],
    rtsp_server: RtspServers,
    rtsp_port: int,
) -> tuple[Page, str]:
    login = browser.new_page(viewport={"width": 1600, "height": 900})
    login.goto(f"{app.url}/login")
    shoot(login, "01-login-zh")
    login.close()
    wall = sign_in(browser, app.url, "op1", passwords["op1"])
    tile = wall.locator(".tile[data-camera='north-gate']")
    expect(tile).to_have_class(re.compile("(reconnecting|offline|unknown)"))
    expect(wall.locator("#feed-empty")).to_be_visible()
    wall.click("#sound-toggle")
    # The camera comes up only now: its alert must reach the open wall by itself.
    camera = rtsp_server.start(port=rtsp_port)
    fresh = wall.locator(".feed-item.fresh").first
    expect(fresh).to_be_visible(timeout=ALERT_S)
    expect(tile).to_have_class(re.compile("online"), timeout=30_000)
    assert wall.evaluate("window.nwBeeps") >= 1, "a new alert must sound"
    wait_for_picture(wall.locator(".feed-item img").first)
    wall.wait_for_timeout(1500)  # a few live pictures in the tile
    shoot(wall, "02-wall-live-alert", full_page=False)
    alert_id = str(fresh.get_attribute("data-alert"))
    fresh.click()  # one click from the wall to the alert
    wall.wait_for_url(f"**/alerts/{alert_id}")
    # The camera goes away: the alert ends and its clip is finished.
    camera.stop()
    return wall, alert_id


def operator_plays_the_clip_and_dispatches(page: Page, alert_id: str) -> None:
    ranges: list[int] = []

    def on_response(response: Response) -> None:
        if response.url.endswith("/clip"):
            ranges.append(response.status)

    page.on("response", on_response)
    expect(page.locator("#snapshot")).to_be_visible()
    video = page.locator("#clip")
    expect(video).to_be_visible(timeout=60_000)
    played = page.evaluate(
        """async () => {
        const video = document.getElementById("clip");
        video.muted = true;
        await video.play();
        await new Promise((done) => setTimeout(done, 1200));
        const playedTo = video.currentTime;
        video.pause();
        const target = video.duration / 2;
        await new Promise((done) => {
            video.addEventListener("seeked", done, { once: true });
            video.currentTime = target;
        });
        return { playedTo, target, at: video.currentTime, duration: video.duration,
                 ready: video.readyState };
    }"""
    )
    assert played["playedTo"] > 0.2, played
    assert played["duration"] > 1 and abs(played["at"] - played["target"]) < 0.5, played
    assert played["ready"] >= 2, played
    assert 206 in ranges, f"the player never asked for a byte range: {ranges}"
    page.select_option("#dispatch-team", "team-a")
    page.click("#dispatch")
    card = page.locator(".dispatch-card[data-state='dispatched']")
    expect(card).to_contain_text("team-a")


def patrols_answer_on_their_phones(
    browser: Browser, url: str, passwords: dict[str, str], alert_id: str
) -> None:
    phone = sign_in(browser, url, "pa", passwords["pa"], **PHONE)
    card = phone.locator(".card").first
    expect(card).to_be_visible()
    expect(card).to_contain_text("北门广场")
    wait_for_picture(card.locator("img"))
    shoot(phone, "03-patrol-phone-dispatched")
    card.locator("button[data-state='acknowledged']").click()
    expect(phone.locator(".card[data-state='acknowledged']")).to_be_visible()
    phone.locator(".card button[data-state='en_route']").click()
    phone.locator(".card button[data-state='on_scene']").click()
    expect(phone.locator(".card[data-state='on_scene']")).to_be_visible()
    shoot(phone, "04-patrol-phone-on-scene")
    dispatch_id = str(phone.locator(".card").first.get_attribute("data-dispatch"))

    other = sign_in(browser, url, "pb", passwords["pb"], **PHONE)
    expect(other.locator("#patrol-empty")).to_be_visible()
    assert other.locator(".card").count() == 0
    assert other.request.get(f"{url}/api/v1/dispatches/{dispatch_id}").status == 404
    assert other.request.get(f"{url}/api/v1/alerts/{alert_id}").status == 403
    shoot(other, "05-patrol-phone-other-team")


def operator_resolves(page: Page) -> None:
    # The patrol's answers reached the alert page live.
    expect(page.locator(".dispatch-card[data-state='on_scene']")).to_be_visible()
    page.click("#ack")
    page.select_option("#resolve-outcome", "handled")
    page.fill("#resolve-note", "巡逻一队到场劝离，无人员受伤")
    page.click("#resolve")
    expect(page.locator("#head-disposition")).to_contain_text("已处置")
    expect(page.locator("#timeline")).to_contain_text("已到达")
    shoot(page, "06-alert-resolved")


def auditor_checks_the_trail(browser: Browser, url: str, passwords: dict[str, str]) -> None:
    page = sign_in(browser, url, "au", passwords["au"])
    expect(page.locator("#verify-result.ok")).to_contain_text("审计链完整", timeout=30_000)
    page.fill("#audit-filters input[name='action']", "evidence.view")
    page.click("#audit-filters button[type='submit']")
    rows = page.locator("#audit-rows tr")
    expect(rows.first).to_contain_text("evidence.view")
    viewed = rows.filter(has_text="op1").all_inner_texts()
    assert any("clip" in row for row in viewed), viewed
    assert any("snapshot" in row for row in viewed), viewed
    shoot(page, "07-audit")


def other_pages(browser: Browser, url: str, passwords: dict[str, str]) -> None:
    admin = sign_in(browser, url, "ad", passwords["ad"])
    expect(admin.locator("#user-rows tr")).to_have_count(len(PEOPLE))
    shoot(admin, "08-admin-users")
    operator = sign_in(browser, url, "op1", passwords["op1"])
    operator.goto(f"{url}/alerts")
    expect(operator.locator("#alert-rows tr").first).to_be_visible()
    shoot(operator, "09-alert-search")
    operator.goto(f"{url}/wall?lang=en")
    expect(operator.locator("h2:visible").first).to_contain_text("Live alerts")
    operator.wait_for_timeout(1000)
    shoot(operator, "10-wall-english", full_page=False)

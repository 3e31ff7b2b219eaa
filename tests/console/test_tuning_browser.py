"""Tuning from a false alarm in a real browser: the operator marks the alert a false alarm and
proposes to ignore that area; the admin sees the proposal and applies it, and the rule's mask
is in the configuration file. Screenshots go to test-artifacts/screenshots/."""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from config.loader import parse_config
from console import create_app
from console.server import ConsoleServer
from tests.console.browser import shoot, sign_in
from tests.console.conftest import Console
from tests.console.support import PASSWORD
from tests.console.test_tuning_api import CONFIG
from tests.support.net import free_port

pytestmark = pytest.mark.slow


def test_a_false_alarm_becomes_a_mask_an_admin_applied(
    browser: Browser, console: Console, tmp_path: Path
) -> None:
    config_file = tmp_path / "nightwatch.yaml"
    config_file.write_text(CONFIG, encoding="utf-8")
    services = dataclasses.replace(console.services, config_file=config_file)
    server = ConsoleServer(create_app(services), "127.0.0.1", free_port())
    server.start()
    try:
        operator = sign_in(browser, server.url, "op", PASSWORD)
        operator.goto(f"{server.url}/alerts/{console.alert_id}")
        expect(operator.locator("#tuning-propose")).to_be_hidden()
        operator.select_option("#resolve-outcome", "false_alarm")
        operator.fill("#resolve-note", "门口的海报 A poster by the gate")
        operator.click("#resolve")
        expect(operator.locator("#tuning-propose")).to_be_visible()
        operator.click("#tuning-propose button[data-kind='mask']")
        expect(operator.locator("#toast")).to_have_text("已提交给管理员")
        shoot(operator, "tuning-01-false-alarm-proposed")

        admin = sign_in(browser, server.url, "ad", PASSWORD)
        row = admin.locator("#tuning-rows tr[data-state='proposed']")
        expect(row).to_have_count(1)
        expect(row).to_contain_text("gate-intrusion")
        expect(admin.locator("#tuning-file")).to_contain_text(str(config_file))
        row.locator("button.btn-ok").click()
        expect(admin.locator("#tuning-rows tr[data-state='applied']")).to_have_count(1)
        shoot(admin, "tuning-02-admin-applied")
    finally:
        server.stop()
    text = config_file.read_text(encoding="utf-8")
    [rule] = parse_config(text, str(config_file), os.environ).config.cameras["gate"].rules
    assert len(rule.masks) == 1, text

"""Helpers for the browser test: Debian's Chromium through Playwright, `nightwatch run` with
the console, users made with `nightwatch users add`, and screenshots kept for review."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import urllib.request
from pathlib import Path
from typing import Any

from playwright.sync_api import Browser, BrowserContext, Locator, Page

from tests.support.process import run_cli
from tests.support.waiting import wait_until

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--autoplay-policy=no-user-gesture-required",
]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
TAKEN: list[Path] = []  # listed at the end of the test run (see conftest.py)
DESKTOP = {"width": 1600, "height": 900}
PHONE: dict[str, Any] = {
    "viewport": {"width": 390, "height": 844},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
}


def shoot(page: Page, name: str, full_page: bool = True) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=full_page)
    TAKEN.append(path)
    return path


def add_users(config: Path, people: dict[str, tuple[str, str | None]]) -> dict[str, str]:
    """`nightwatch users add` for each person; returns name → one-time password."""
    passwords = {}
    for name, (role, team) in people.items():
        team_args = ["--team", team] if team else []
        done = run_cli(
            ["users", "add", name, "--role", role, *team_args, "--config", str(config)],
            config.parent,
        )
        assert done.returncode == 0, done.stderr
        found = re.search(r"one-time password: (\S+)", done.stdout)
        assert found, done.stdout
        passwords[name] = found.group(1)
    return passwords


class ConsoleProcess:
    """`nightwatch run --config FILE --http 127.0.0.1:PORT`, output in a log file."""

    def __init__(self, config: Path, port: int) -> None:
        self.url = f"http://127.0.0.1:{port}"
        self.log_path = config.with_suffix(".log")
        command = [sys.executable, "-m", "nightwatch.cli", "run", "--config", str(config)]
        with self.log_path.open("wb") as log:
            self.process = subprocess.Popen(
                [*command, "--http", f"127.0.0.1:{port}"],
                cwd=config.parent,
                stdout=log,
                stderr=subprocess.STDOUT,
                env={**os.environ, "PYTHONUNBUFFERED": "1"},
            )

    def wait_ready(self, timeout_s: float = 90.0) -> None:
        def healthy() -> bool:
            assert self.process.poll() is None, f"nightwatch exited\n{self.log()}"
            try:
                with urllib.request.urlopen(f"{self.url}/healthz", timeout=2) as response:
                    return bool(response.status == 200)
            except OSError:
                return False

        wait_until(healthy, timeout_s, "the console to answer /healthz", details=self.log)

    def log(self) -> str:
        return self.log_path.read_text("utf-8", errors="replace")[-6000:]

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)


def sign_in(browser: Browser, url: str, name: str, password: str, **context: Any) -> Page:
    """A fresh browser context (its own cookies) signed in as `name`; on its home page."""
    options: dict[str, Any] = {"viewport": DESKTOP, **context}
    browser_context: BrowserContext = browser.new_context(**options)
    page = browser_context.new_page()
    page.goto(f"{url}/login")
    page.fill("#login-name", name)
    page.fill("#login-password", password)
    page.click("#login-submit")
    page.wait_for_url(re.compile(r".*/(wall|patrol|audit|admin)$"))
    return page


def wait_for_picture(image: Locator, timeout_s: float = 20.0) -> None:
    """Until the <img> has really loaded (a broken one is `complete` too, but 0 wide)."""
    # Polled from here: the pages' CSP forbids the eval that page.wait_for_function uses.
    wait_until(lambda: image.evaluate("img => img.naturalWidth") > 0, timeout_s, "a picture")

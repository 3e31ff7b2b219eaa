"""A scripted night end to end: `nightwatch run --http` on a real RTSP camera with the real
model; the order goes to a team that stays silent and escalates; the next team answers over
MQTT at known times; the operator refers the alert to the police through the console API,
which opens a case due seconds later; the case escalates to the supervisor once; and
`nightwatch report` for the night gives the response times the script made, in a PDF whose
every page renders."""

from __future__ import annotations

import json
import re
import time
import urllib.request
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.console.browser import ConsoleProcess
from tests.nightwatch.test_report_cli import coloured_share, rendered_pages
from tests.support.factories import camera_config, intrusion_rule, nightwatch_config
from tests.support.mqtt import MqttCollector, Received
from tests.support.net import free_port
from tests.support.process import run_cli, write_config
from tests.support.rtsp import RtspServers

pytestmark = pytest.mark.slow

START_S = 150.0  # model load and the first alert on a busy 2-core machine
ESCALATE_S = 3
WHOLE_PICTURE = [[0.0, 0.0], [1.0, 0.0], [1.0, 1.0], [0.0, 1.0]]
# The script: seconds after the first order at which team-b answers.
ANSWERS = {"acknowledged": 6.0, "on_scene": 9.0, "resolved": 12.0}
TOLERANCE_S = 1.0  # a reply's trip through the broker and the dispatcher


def night_window(now: datetime) -> tuple[str, str]:
    """A shift window around now (site clock UTC), and the date it starts on."""
    start, end = now - timedelta(hours=1), now + timedelta(hours=1)
    return f"{start:%H:%M}-{end:%H:%M}", start.date().isoformat()


def site(tmp_path: Path, camera_url: str, prefix: str, model: Path, window: str) -> Path:
    rule = intrusion_rule(name="stalls", zone="stalls", clear_s=30, cooldown_s=600)
    camera = camera_config(
        camera_url, zones={"stalls": WHOLE_PICTURE}, rules=[rule], location="夜市 Night market"
    )
    config: dict[str, Any] = nightwatch_config(
        {"market": camera}, prefix=prefix, model_path=str(model)
    )
    config["mqtt"]["client_id"] = f"nw-{uuid.uuid4().hex[:10]}"
    config["site"] = {"name": "county", "timezone": "UTC", "shift": window}
    config["storage"] = {"data_dir": str(tmp_path / "data")}
    config["cases"] = {"check_interval_s": 1}
    config["dispatch"] = {
        "teams": {
            "team-a": {"name": "巡逻一队"},
            "team-b": {"name": "巡逻二队"},
            "chief": {"name": "值班长"},
        },
        "routes": [{"camera": "market", "teams": ["team-a", "team-b"]}],
        "supervisor": "chief",
        "escalation": {"after_s": ESCALATE_S, "max_escalations": 1},
        "voice": {"enabled": False},
    }
    return write_config(tmp_path / "nightwatch.yaml", config)


def operator_token(config: Path) -> str:
    done = run_cli(
        ["users", "add", "op", "--role", "operator", "--config", str(config)], config.parent
    )
    assert done.returncode == 0, done.stderr
    found = re.search(r"API token:\s+(\S+)", done.stdout)
    assert found, done.stdout
    return found.group(1)


def post(url: str, token: str, body: dict[str, Any]) -> dict[str, Any]:
    request = urllib.request.Request(
        url,
        data=json.dumps(body).encode(),
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        answer: dict[str, Any] = json.loads(response.read())
        return answer


def test_a_scripted_night_is_reported_as_it_was_lived(
    tmp_path: Path,
    rtsp_server: RtspServers,
    mqtt_prefix: str,
    mqtt_subscriber: MqttCollector,
    model_path: Path,
) -> None:
    window, shift_date = night_window(datetime.now(UTC))
    port = free_port()
    config = site(tmp_path, f"rtsp://127.0.0.1:{port}/cam", mqtt_prefix, model_path, window)
    token = operator_token(config)
    camera = rtsp_server.start(port=port)
    app = ConsoleProcess(config, free_port())
    try:
        app.wait_ready()
        scripted = live_the_night(app.url, token, mqtt_prefix, mqtt_subscriber, app.log)
    except BaseException:
        print(app.log())
        raise
    finally:
        app.stop()
        camera.stop()

    out = tmp_path / "report"
    done = run_cli(
        ["report", "--config", str(config), "--shift", shift_date, "--out", str(out)], tmp_path
    )
    assert done.returncode == 0, done.stdout + done.stderr
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    team_b = report["teams"]["team-b"]
    for step, field in (("acknowledged", "acknowledged_s"), ("on_scene", "on_scene_s"),
                        ("resolved", "resolved_s")):  # fmt: skip
        assert team_b[field]["count"] == 1, team_b
        assert team_b[field]["max"] == pytest.approx(scripted[step], abs=TOLERANCE_S), (
            step,
            team_b,
        )
    assert report["teams"]["team-a"]["acknowledged_s"]["count"] == 0, "team-a never answered"
    assert report["escalations"]["total"] >= 1
    assert report["outcomes"].get("referred_police") == 1
    assert [case["kind"] for case in report["cases"]["overdue"]] == ["referred_police"]
    pages = rendered_pages(out / "report.pdf", tmp_path)
    assert len(pages) > 5
    # By hour, response times, by camera, by rule are drawn; no false alarm tonight: no bars.
    assert sum(coloured_share(page) > 0.01 for page in pages) == 4, "the charts are pictures"


def live_the_night(
    url: str, token: str, prefix: str, sub: MqttCollector, log: Any
) -> dict[str, float]:
    """Play the teams and the operator; the scripted seconds after the first order."""

    def wait(topic: str, check: Any, timeout_s: float = 30) -> Received:
        return sub.wait_for(f"{prefix}/{topic}", check, timeout_s, details=log)

    first = wait("dispatch/team-a", lambda m: m.json()["state"] == "dispatched", START_S).json()
    dispatch_id, alert_id = first["dispatch_id"], first["alert_id"]
    ordered_at = datetime.fromisoformat(first["sent_at"])

    def mine(state: str) -> Callable[[Received], bool]:
        def check(message: Received) -> bool:
            body = message.json()
            return bool(body["dispatch_id"] == dispatch_id and body["state"] == state)

        return check

    wait("dispatch/team-b", mine("escalated"))  # team-a stays silent
    scripted: dict[str, float] = {}
    for state, after_s in ANSWERS.items():
        time.sleep(
            max(0.0, (ordered_at + timedelta(seconds=after_s) - datetime.now(UTC)).total_seconds())
        )
        body: dict[str, Any] = {"dispatch_id": dispatch_id, "state": state}
        if state == "resolved":
            body["outcome"] = "referred_police"
        sub.publish(f"{prefix}/dispatch/team-b/reply", json.dumps(body).encode())
        scripted[state] = (datetime.now(UTC) - ordered_at).total_seconds()
        wait("dispatch/team-b/state", mine(state))

    due = datetime.now(UTC) + timedelta(seconds=3)
    resolved = post(
        f"{url}/api/v1/alerts/{alert_id}/resolve",
        token,
        {
            "outcome": "referred_police",
            "note": "fight",
            "case": {"owner": "team-b", "due_at": due.isoformat()},
        },
    )
    assert resolved["outcome"] == "referred_police"
    overdue = wait("dispatch/chief/case", lambda m: m.json()["team"] == "chief", 30).json()
    assert overdue["schema"] == "nightwatch.case-overdue/1" and overdue["owner"] == "team-b"
    time.sleep(3)  # several more looks of the watch: the supervisor is told once
    assert len(sub.messages(f"{prefix}/dispatch/chief/case")) == 1
    return scripted

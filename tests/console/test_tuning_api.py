"""Tuning proposals over the API on a real store: a false alarm proposes a mask or threshold
computed from what it saw; an admin applies it to the configuration file (comments and
`${VAR}` references kept, the result loads, the proposal is audited) or dismisses it; nothing
is applied by itself, and what cannot be applied says how to do it by hand."""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from config.loader import parse_config
from console import create_app
from tests.console.conftest import Console

CONFIG = """\
# The east gate, watched at night.
site:
  name: county-test
cameras:
  gate:
    source: ${GATE_URL:-rtsp://127.0.0.1:8554/gate}   # the gate's substream
    location: 北门广场
    zones:
      dock: {polygon: [[0, 0], [1, 0], [1, 1], [0, 1]]}
    rules:
      - type: intrusion
        name: gate-intrusion
        zone: dock   # the loading dock
"""


@pytest.fixture
def config_file(tmp_path: Path) -> Path:
    path = tmp_path / "site" / "nightwatch.yaml"
    path.parent.mkdir()
    path.write_text(CONFIG, encoding="utf-8")
    return path


@pytest.fixture
def tuned(console: Console, config_file: Path) -> Iterator[TestClient]:
    """The console, knowing the configuration file it may apply proposals to."""
    services = dataclasses.replace(console.services, config_file=config_file)
    with TestClient(create_app(services), base_url="http://127.0.0.1") as client:
        yield client


def false_alarm(console: Console, client: TestClient) -> None:
    body = {"outcome": "false_alarm", "note": "a poster of a man"}
    answer = client.post(
        f"/api/v1/alerts/{console.alert_id}/resolve", json=body, headers=console.as_user("op")
    )
    assert answer.status_code == 200, answer.text


def propose(console: Console, client: TestClient, kind: str) -> dict[str, Any]:
    answer = client.post(
        f"/api/v1/alerts/{console.alert_id}/proposals",
        json={"kind": kind, "reason": "the poster by the gate"},
        headers=console.as_user("op"),
    )
    assert answer.status_code == 201, answer.text
    return dict(answer.json())


def test_an_admin_applies_a_false_alarms_mask_to_the_configuration(
    console: Console, tuned: TestClient, config_file: Path
) -> None:
    false_alarm(console, tuned)
    proposal = propose(console, tuned, "mask")
    [[x1, y1], _, [x2, y2], _] = proposal["change"]["mask"]
    # The seeded alert's person box is [1, 2, 30, 80] in a 160×90 snapshot.
    assert x1 <= 1 / 160 and y1 <= 2 / 90 and x2 >= 30 / 160 and y2 >= 80 / 90
    assert (x2 - x1) * (y2 - y1) < 0.5, "the area of the objects, not the whole picture"
    assert config_file.read_text(encoding="utf-8") == CONFIG, "nothing applied by itself"

    admin = console.as_user("ad")
    waiting = tuned.get("/api/v1/proposals", params={"state": "proposed"}, headers=admin).json()
    assert [item["id"] for item in waiting["items"]] == [proposal["id"]]
    assert waiting["applies_to"] == str(config_file)
    applied = tuned.post(
        f"/api/v1/proposals/{proposal['id']}/apply", json={"note": "ok"}, headers=admin
    )
    assert applied.status_code == 200, applied.text
    assert applied.json()["state"] == "applied"

    text = config_file.read_text(encoding="utf-8")
    assert "# The east gate, watched at night." in text and "# the loading dock" in text
    assert "${GATE_URL:-rtsp://127.0.0.1:8554/gate}" in text
    loaded = parse_config(text, str(config_file), os.environ).config
    [rule] = loaded.cameras["gate"].rules
    assert [list(map(list, mask)) for mask in rule.masks] == [
        [[x1, y1], [x2, y1], [x2, y2], [x1, y2]]
    ]
    again = tuned.post(f"/api/v1/proposals/{proposal['id']}/apply", json={}, headers=admin)
    assert again.status_code == 409
    actions = [r.action for r in console.store.audit.for_target(console.alert_id)]
    assert actions[-2:] == ["tuning.propose", "tuning.apply"]


def test_thresholds_are_computed_from_what_the_alert_saw(
    console: Console, tuned: TestClient, config_file: Path
) -> None:
    false_alarm(console, tuned)
    assert propose(console, tuned, "min_area")["change"] == {"min_area_px": 29 * 78 + 1}
    confidence = propose(console, tuned, "confidence")
    assert confidence["change"] == {"detect.confidence": 0.95, "was": 0.35}
    admin = console.as_user("ad")
    assert tuned.post(
        f"/api/v1/proposals/{confidence['id']}/apply", json={}, headers=admin
    ).is_success
    loaded = parse_config(config_file.read_text(encoding="utf-8"), str(config_file), {}).config
    assert loaded.cameras["gate"].detect.confidence == 0.95
    dismissed = tuned.post(
        f"/api/v1/proposals/{confidence['id'] - 1}/dismiss", json={"note": "too strict"},
        headers=admin,
    )  # fmt: skip
    assert dismissed.json()["state"] == "dismissed"
    assert loaded.cameras["gate"].rules[0].min_area_px == 0, "a dismissed one changes nothing"


def test_what_cannot_be_proposed_or_applied_says_why(
    console: Console, tuned: TestClient, config_file: Path
) -> None:
    op, admin = console.as_user("op"), console.as_user("ad")
    early = tuned.post(
        f"/api/v1/alerts/{console.alert_id}/proposals", json={"kind": "mask"}, headers=op
    )
    assert early.status_code == 409 and "false_alarm" in early.json()["detail"]
    false_alarm(console, tuned)
    unknown = tuned.post(
        f"/api/v1/alerts/{console.alert_id}/proposals", json={"kind": "louder"}, headers=op
    )
    assert unknown.status_code == 422 and "mask" in unknown.text, "the kinds it takes"
    refused = tuned.post(
        f"/api/v1/alerts/{console.alert_id}/proposals", json={"kind": "mask"}, headers=admin
    )
    assert refused.status_code == 403, "an admin applies; the control room proposes"
    proposal = propose(console, tuned, "mask")
    # The console of a cluster does not write the file: it says what to change by hand.
    blind = console.client.post(f"/api/v1/proposals/{proposal['id']}/apply", json={}, headers=admin)
    assert blind.status_code == 409 and "by hand" in blind.json()["detail"]
    # The camera is gone from the file: refused, nothing written.
    config_file.write_text(CONFIG.replace("  gate:", "  north:"), encoding="utf-8")
    other = propose(console, tuned, "min_area")
    gone = tuned.post(f"/api/v1/proposals/{other['id']}/apply", json={}, headers=admin)
    assert gone.status_code == 409 and "no longer in the configuration" in gone.json()["detail"]
    waiting = tuned.get("/api/v1/proposals", params={"state": "proposed"}, headers=admin)
    assert {item["id"] for item in waiting.json()["items"]} == {proposal["id"], other["id"]}, (
        "a refused apply leaves the proposal waiting"
    )

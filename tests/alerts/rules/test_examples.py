"""Every example configuration loads as it is, names labels the model knows, and builds its
rule; `nightwatch analyze` runs one over real footage and writes alerts as JSON lines."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from alerts.camera_rules import CameraRules
from config.loader import parse_config
from nightwatch.cli import main
from nightwatch.paths import EXAMPLES
from nightwatch.startup import check_labels

RULE_EXAMPLES = {
    "loitering.yaml": "LoiteringRule",
    "crowd.yaml": "CrowdRule",
    "line_crossing.yaml": "LineCrossingRule",
    "person_down.yaml": "PersonDownRule",
    "after_hours.yaml": "AfterHoursRule",
    "vehicle.yaml": "VehicleInZoneRule",
}


@pytest.mark.parametrize(("example", "rule_class"), sorted(RULE_EXAMPLES.items()))
def test_example_loads_and_builds_its_rule(example: str, rule_class: str, model_path: Path) -> None:
    path = EXAMPLES / example
    environ = {"NIGHTWATCH_SOURCE": "street.mp4", "NIGHTWATCH_MODEL": str(model_path)}
    loaded = parse_config(path.read_text(encoding="utf-8"), str(path), environ)
    metadata = yaml.safe_load((model_path / "metadata.yaml").read_text(encoding="utf-8"))
    check_labels(loaded, [str(name) for name in metadata["names"].values()])
    [(name, camera)] = loaded.config.cameras.items()
    rules = CameraRules(name, camera, loaded.config.site.timezone)
    assert [type(runner.rule).__name__ for runner in rules.runners] == [rule_class]
    assert all(rule.schedule == "always" for rule in camera.rules)
    for zone in camera.zones.values():
        assert sorted(zone.polygon) == [(0, 0), (0, 1), (1, 0), (1, 1)]


@pytest.mark.slow
def test_analyze_writes_alerts_as_json_lines(
    people_mp4: Path,
    model_path: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("NIGHTWATCH_MODEL", str(model_path))
    out = tmp_path / "alerts.jsonl"
    config = str(EXAMPLES / "line_crossing.yaml")
    start = "2026-01-10T23:00:00+08:00"
    code = main(
        ["analyze", "--config", config, str(people_mp4), "--out", str(out), "--start", start]
    )
    assert code == 0
    alerts = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [alert["type"] for alert in alerts][:1] == ["new"]
    assert alerts[-1]["type"] == "end"
    assert {alert["schema"] for alert in alerts} == {"nightwatch.alert/1"}
    assert all(0.0 <= alert["video_offset_s"] <= 10.1 for alert in alerts)
    first = alerts[0]
    assert first["frame_time"].startswith("2026-01-10T15:00:")  # start + offset, in UTC
    assert first["objects"] and first["rule_type"] == "line_crossing"
    summary = capsys.readouterr().err
    assert "51 frames analysed" in summary
    assert "b_to_a" in summary


def test_analyze_refuses_an_unknown_camera(
    people_mp4: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = str(EXAMPLES / "crowd.yaml")
    code = main(["analyze", "--config", config, str(people_mp4), "--camera", "gate-9"])
    assert code == 2
    assert "no camera named 'gate-9' (known: camera-1)" in capsys.readouterr().err

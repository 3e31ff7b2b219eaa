"""Every example configuration loads as it is, names labels the model knows, and builds its
rule; every rule type of the schema has such an example; `nightwatch analyze` runs one over
real footage and writes alerts as JSON lines."""

from __future__ import annotations

import json
from pathlib import Path
from typing import get_args

import pytest
import yaml

from alerts.camera_rules import CameraRules
from config.loader import LoadedConfig, parse_config
from config.rules import RULE_TYPES, RuleConfig
from detectors.yolo import YoloDetector
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
    "abandoned_object.yaml": "AbandonedObjectRule",
    "tampering.yaml": "TamperRule",
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


def load_example(path: Path, model_path: Path) -> LoadedConfig:
    environ = {"NIGHTWATCH_SOURCE": "street.mp4", "NIGHTWATCH_MODEL": str(model_path)}
    return parse_config(path.read_text(encoding="utf-8"), str(path), environ)


def test_the_schema_lists_every_rule_type_of_its_union() -> None:
    [union, _discriminator] = get_args(RuleConfig)
    types = {model.model_fields["type"].default for model in get_args(union)}
    assert types == set(RULE_TYPES)


@pytest.mark.parametrize("rule_type", RULE_TYPES)
def test_every_rule_type_has_an_example_that_loads_with_the_shared_model(
    rule_type: str, model_path: Path, detector: YoloDetector
) -> None:
    """docs/rules.md promises one runnable example per rule in config/examples/."""
    runnable = []
    for path in sorted(EXAMPLES.glob("*.yaml")):
        loaded = load_example(path, model_path)
        if not any(
            rule.type == rule_type
            for camera in loaded.config.cameras.values()
            for rule in camera.rules
        ):
            continue
        assert Path(loaded.config.model.path) == model_path  # NIGHTWATCH_MODEL picks the model
        check_labels(loaded, list(detector.names.values()))  # the labels are the model's
        for name, camera in loaded.config.cameras.items():
            CameraRules(name, camera, loaded.config.site.timezone)  # and the rules build
        runnable.append(path.name)
    assert runnable, f"no example in {EXAMPLES} has a {rule_type} rule; add one (docs/rules.md)"


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

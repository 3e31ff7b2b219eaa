"""`nightwatch validate-config`: a broken file exits 2 naming file:line, key path and the fix."""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from config.errors import ConfigError
from config.loader import load_config
from tests.support.factories import camera_config, intrusion_rule, line_of, nightwatch_config
from tests.support.process import run_cli

EXIT_CONFIG = 2
UNSET_VARIABLE = "NIGHTWATCH_TEST_NEVER_SET"
YARD = [[0.1, 0.4], [0.9, 0.4], [0.9, 1.0], [0.1, 1.0]]


def valid_config() -> dict[str, Any]:
    camera = camera_config(
        "rtsp://127.0.0.1:8554/cam", zones={"yard": YARD}, rules=[intrusion_rule(zone="yard")]
    )
    return nightwatch_config({"gate": camera}, prefix="site-a", model_path="yolo11n.pt")


def dump(config: dict[str, Any]) -> str:
    # Flow style for leaf lists puts each polygon corner on a line of its own.
    return yaml.safe_dump(config, sort_keys=False, default_flow_style=None)


def gate(config: dict[str, Any]) -> dict[str, Any]:
    camera: dict[str, Any] = config["cameras"]["gate"]
    return camera


@dataclass(frozen=True)
class Broken:
    """One way to break the valid configuration, and what the error must say."""

    id: str
    change: Callable[[dict[str, Any]], None]
    key_path: str
    line_text: str  # text on the line the error must point at
    message: str
    fix: str


def _set_polygon(points: list[list[float]]) -> Callable[[dict[str, Any]], None]:
    def change(config: dict[str, Any]) -> None:
        gate(config)["zones"]["yard"]["polygon"] = points

    return change


def _set_rule(key: str, value: object) -> Callable[[dict[str, Any]], None]:
    def change(config: dict[str, Any]) -> None:
        gate(config)["rules"][0][key] = value

    return change


def _set_camera(key: str, value: object) -> Callable[[dict[str, Any]], None]:
    def change(config: dict[str, Any]) -> None:
        gate(config)[key] = value

    return change


BROKEN = [
    Broken(
        "unknown key",
        _set_camera("sorce", "rtsp://127.0.0.1/typo"),
        "cameras.gate.sorce",
        "sorce:",
        "unknown key",
        "correct its spelling",
    ),
    Broken(
        "zone with two points",
        _set_polygon([[0.0, 0.0], [1.0, 0.0]]),
        "cameras.gate.zones.yard.polygon",
        "polygon:",
        "a zone needs at least 3 points, got 2",
        "at least three [x, y] corners",
    ),
    Broken(
        "corner outside 0-1",
        _set_polygon([[0.0, 0.0], [1.0, 0.0], [1920.0, 1080.0]]),
        "cameras.gate.zones.yard.polygon.2",
        "[1920.0, 1080.0]",
        "point 2 [1920.0, 1080.0] is outside 0-1",
        "divide pixel coordinates by the picture's width and height",
    ),
    Broken(
        "missing environment variable",
        _set_camera("source", f"rtsp://admin:${{{UNSET_VARIABLE}}}@127.0.0.1/cam"),
        "cameras.gate.source",
        UNSET_VARIABLE,
        f"environment variable {UNSET_VARIABLE} is not set",
        f"export {UNSET_VARIABLE}=",
    ),
    Broken(
        "bad severity",
        _set_rule("severity", "urgent"),
        "cameras.gate.rules.0.severity",
        "severity: urgent",
        "'low', 'medium', 'high' or 'critical' (got 'urgent')",
        "use one of 'low', 'medium', 'high' or 'critical'",
    ),
    Broken(
        "rule names an unknown zone",
        _set_rule("zone", "yrad"),
        "cameras.gate.rules.0.zone",
        "zone: yrad",
        "'yrad' is not a zone of this camera (known: yard)",
        "define it under this camera's zones",
    ),
    Broken(
        "no picture at a time for the model",
        lambda config: config["model"].update(requests=0),
        "model.requests",
        "requests: 0",
        "greater than or equal to 1 (got 0)",
        "use a value of at least 1",
    ),
    Broken(
        "unknown time zone",
        lambda config: config["site"].update(timezone="Asia/Shangai"),
        "site.timezone",
        "timezone: Asia/Shangai",
        "unknown time zone 'Asia/Shangai'",
        "",
    ),
]


def test_the_valid_base_config_passes(tmp_path: Path) -> None:
    path = tmp_path / "site.yaml"
    path.write_text(dump(valid_config()), encoding="utf-8")

    result = run_cli(["validate-config", str(path)], cwd=tmp_path)

    assert result.returncode == 0, result.stderr
    assert "valid (1 camera(s): gate)" in result.stdout


@pytest.mark.parametrize("broken", BROKEN, ids=[case.id for case in BROKEN])
def test_a_broken_file_exits_2_naming_file_line_key_and_fix(broken: Broken, tmp_path: Path) -> None:
    config = copy.deepcopy(valid_config())
    broken.change(config)
    text = dump(config)
    path = tmp_path / "site.yaml"
    path.write_text(text, encoding="utf-8")

    result = run_cli(["validate-config", str(path)], cwd=tmp_path)

    assert result.returncode == EXIT_CONFIG, result.stdout + result.stderr
    line = line_of(text, broken.line_text)
    assert f"{path}:{line}: {broken.key_path}: " in result.stderr, result.stderr
    assert broken.message in result.stderr
    if broken.fix:
        fixes = [line.strip() for line in result.stderr.splitlines() if "fix: " in line]
        assert any(broken.fix in line for line in fixes), result.stderr


def test_malformed_yaml_names_the_line_and_the_fix(tmp_path: Path) -> None:
    path = tmp_path / "site.yaml"
    path.write_text("cameras:\n  gate:\n    source: rtsp://127.0.0.1/cam\n  zones: [a,\n", "utf-8")

    result = run_cli(["validate-config", str(path)], cwd=tmp_path)

    assert result.returncode == EXIT_CONFIG
    assert f"{path}:5: " in result.stderr, result.stderr
    assert "not valid YAML" in result.stderr
    assert "fix: check indentation and quoting" in result.stderr


def test_every_problem_in_a_file_is_reported_at_once(tmp_path: Path) -> None:
    config = valid_config()
    _set_camera("sorce", "typo")(config)
    _set_rule("severity", "urgent")(config)
    path = tmp_path / "site.yaml"
    path.write_text(dump(config), encoding="utf-8")

    with pytest.raises(ConfigError) as raised:
        load_config(path, environ={})

    paths = {issue.path for issue in raised.value.issues}
    assert paths == {"cameras.gate.sorce", "cameras.gate.rules.0.severity"}


def test_a_missing_file_is_a_config_error(tmp_path: Path) -> None:
    result = run_cli(["validate-config", str(tmp_path / "absent.yaml")], cwd=tmp_path)

    assert result.returncode == EXIT_CONFIG
    assert "cannot read the file: No such file or directory" in result.stderr


def test_environment_values_are_typed_like_yaml(tmp_path: Path) -> None:
    config = valid_config()
    gate(config)["loop"] = "${LOOP}"
    gate(config)["rules"][0]["clear_s"] = "${CLEAR_S:-2.5}"
    path = tmp_path / "site.yaml"
    path.write_text(dump(config), encoding="utf-8")

    loaded = load_config(path, environ={"LOOP": "true"})

    camera = loaded.config.cameras["gate"]
    assert camera.loop is True
    assert camera.rules[0].clear_s == 2.5

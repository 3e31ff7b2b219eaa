"""Start-up checks against the real model: labels it knows, and weights that will not load."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from config.errors import ConfigError
from config.loader import LoadedConfig, load_config
from detectors.yolo import YoloDetector
from nightwatch.startup import check_input_size, check_labels, load_detector
from tests.support.factories import camera_config, intrusion_rule, line_of, nightwatch_config
from tests.support.process import run_cli, write_config


def config_with(labels: list[str], rule_labels: list[str], model_path: str) -> dict[str, Any]:
    camera = camera_config("rtsp://127.0.0.1:8554/cam", rules=[intrusion_rule(labels=rule_labels)])
    camera["detect"]["labels"] = labels
    return nightwatch_config({"gate": camera}, prefix="site-a", model_path=model_path)


def load(tmp_path: Path, config: dict[str, Any]) -> tuple[LoadedConfig, str]:
    path = write_config(tmp_path / "site.yaml", config)
    return load_config(path), path.read_text(encoding="utf-8")


def test_labels_the_model_knows_pass(
    tmp_path: Path, detector: YoloDetector, model_path: Path
) -> None:
    loaded, _ = load(tmp_path, config_with(["person", "bicycle"], ["person"], str(model_path)))

    check_labels(loaded, list(detector.names.values()))


def test_an_unknown_label_names_its_line_key_the_known_labels_and_the_fix(
    tmp_path: Path, detector: YoloDetector, model_path: Path
) -> None:
    loaded, text = load(tmp_path, config_with(["person", "forklift"], ["person"], str(model_path)))

    with pytest.raises(ConfigError) as raised:
        check_labels(loaded, list(detector.names.values()))

    (issue,) = raised.value.issues
    assert issue.path == "cameras.gate.detect.labels.1"
    assert issue.line == line_of(text, "forklift")
    assert "'forklift' is not a label of the model (known: " in issue.message
    assert "bicycle" in issue.message  # some of the model's labels, as examples
    assert issue.fix == "use one of the model's labels"


def test_a_rule_label_that_is_not_detected_is_refused(
    tmp_path: Path, detector: YoloDetector, model_path: Path
) -> None:
    loaded, _ = load(tmp_path, config_with(["person"], ["person", "car"], str(model_path)))

    with pytest.raises(ConfigError) as raised:
        check_labels(loaded, list(detector.names.values()))

    (issue,) = raised.value.issues
    assert issue.path == "cameras.gate.rules.0.labels"
    assert "['car'] are not detected on this camera" in issue.message
    assert issue.fix == "add them to cameras.gate.detect.labels"


def test_an_input_size_a_fixed_export_cannot_run_is_refused(
    tmp_path: Path, detector: YoloDetector, model_path: Path
) -> None:
    """The shared OpenVINO export takes 640x640 only: 1280 would silently run at 640."""
    config = config_with(["person"], ["person"], str(model_path))
    config["cameras"]["gate"]["detect"]["imgsz"] = 1280
    loaded, text = load(tmp_path, config)
    assert detector.fixed_imgsz == 640

    with pytest.raises(ConfigError) as raised:
        check_input_size(loaded, detector.fixed_imgsz)

    (issue,) = raised.value.issues
    assert (issue.path, issue.line) == ("cameras.gate.detect.imgsz", line_of(text, "1280"))
    assert "fixed 640x640 input, so it cannot run at 1280" in issue.message
    assert issue.fix is not None and "detect.tiling" in issue.fix
    check_input_size(loaded, None)  # weights that take any size: nothing to refuse


def test_missing_weights_stop_start_up_naming_model_path(tmp_path: Path) -> None:
    missing = tmp_path / "models" / "night.pt"
    loaded, text = load(tmp_path, config_with(["person"], ["person"], str(missing)))

    with pytest.raises(ConfigError) as raised:
        load_detector(loaded)

    (issue,) = raised.value.issues
    assert (issue.path, issue.line) == ("model.path", line_of(text, "night.pt"))
    assert f"model file {missing} does not exist" in issue.message


def test_nightwatch_run_exits_2_on_a_label_the_model_lacks(
    tmp_path: Path, model_path: Path
) -> None:
    config = config_with(["person", "forklift"], ["person"], str(model_path))
    path = tmp_path / "site.yaml"
    path.write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")

    result = run_cli(["run", "--config", str(path)], cwd=tmp_path, timeout_s=120)

    assert result.returncode == 2, result.stdout + result.stderr
    assert "cameras.gate.detect.labels.1: 'forklift' is not a label of the model" in result.stderr

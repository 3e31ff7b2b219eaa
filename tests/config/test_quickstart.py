"""The quickstart example validates once its environment variables are set."""

from __future__ import annotations

from pathlib import Path

from config.loader import load_config
from nightwatch.paths import EXAMPLES
from tests.support.process import run_cli

QUICKSTART = EXAMPLES / "quickstart.yaml"


def test_quickstart_validates_with_its_environment(tmp_path: Path, people_mp4: Path) -> None:
    env = {
        "NIGHTWATCH_SOURCE": "rtsp://viewer:secret@192.0.2.10:554/stream1",
        "NIGHTWATCH_MODEL": "yolo11n.pt",
        "NIGHTWATCH_MQTT_URL": "mqtt://127.0.0.1:1883",
    }

    result = run_cli(["validate-config", str(QUICKSTART)], cwd=tmp_path, env=env)

    assert result.returncode == 0, result.stderr
    assert "valid (1 camera(s): camera-1)" in result.stdout


def test_quickstart_values_come_from_the_environment(people_mp4: Path) -> None:
    environ = {
        "NIGHTWATCH_SOURCE": str(people_mp4),
        "NIGHTWATCH_MQTT_URL": "mqtt://broker.example:1884",
        "NIGHTWATCH_CLEAR_S": "2",
        "NIGHTWATCH_LOOP": "false",
    }

    config = load_config(QUICKSTART, environ).config

    camera = config.cameras["camera-1"]
    assert camera.source == str(people_mp4)
    assert camera.loop is False
    assert camera.rules[0].clear_s == 2.0
    assert (config.mqtt.host, config.mqtt.port) == ("broker.example", 1884)
    assert config.site.timezone == "Asia/Shanghai"


def test_quickstart_without_a_source_says_which_variable(tmp_path: Path) -> None:
    result = run_cli(
        ["validate-config", str(QUICKSTART)], cwd=tmp_path, env={"NIGHTWATCH_SOURCE": ""}
    )
    # An empty value is set; the source validator refuses it by name.
    assert result.returncode == 2
    assert "cameras.camera-1.source" in result.stderr


def test_quickstart_unset_source_names_the_variable() -> None:
    from config.errors import ConfigError

    try:
        load_config(QUICKSTART, environ={})
    except ConfigError as error:
        text = str(error)
    else:
        raise AssertionError("quickstart loaded without NIGHTWATCH_SOURCE")
    assert "cameras.camera-1.source: environment variable NIGHTWATCH_SOURCE is not set" in text
    assert "fix: export NIGHTWATCH_SOURCE=" in text

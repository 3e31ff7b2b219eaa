"""A full disk stops clips, never alerts: real RTSP camera, `nightwatch run`, Mosquitto."""

from __future__ import annotations

import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from alerts.mqtt import Topics
from tests.nightwatch.test_end_to_end import START_S, alert_is, street_camera
from tests.support.factories import nightwatch_config
from tests.support.mqtt import MqttCollector, Received
from tests.support.process import NightwatchRunner
from tests.support.rtsp import RtspServers

pytestmark = pytest.mark.slow


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 256 KiB file system: the first clip fills it."""
    folder = tmp_path / "media"
    folder.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", str(folder)], check=True)
    yield folder
    subprocess.run(["umount", "-l", str(folder)], check=False)


def recording_problem(message: Received) -> bool:
    return bool(message.json().get("recording_error"))


def test_a_full_disk_raises_a_recording_alert_and_alerts_keep_coming(
    rtsp_server: RtspServers,
    nightwatch: NightwatchRunner,
    mqtt_prefix: str,
    mqtt_subscriber: MqttCollector,
    model_path: Path,
    small_disk: Path,
    tmp_path: Path,
) -> None:
    server = rtsp_server.start()
    config = nightwatch_config(
        {"street-cam": street_camera(server.url())}, prefix=mqtt_prefix, model_path=str(model_path)
    )
    config["storage"] = {"data_dir": str(tmp_path / "data"), "media_dir": str(small_disk)}
    process = nightwatch.start(config)
    topics = Topics(mqtt_prefix)
    sub = mqtt_subscriber

    def wait(topic: str, check: Callable[[Received], bool], since: int = 0) -> Received:
        return sub.wait_for(topic, check, START_S, since, details=process.log_tail)

    first = wait(topics.alert("street-cam", "street-watch"), alert_is("new"))
    warning = wait(topics.alert("street-cam", "recording"), alert_is("new")).json()
    assert (warning["rule_type"], warning["severity"]) == ("storage", "high")
    status = wait(topics.camera_status("street-cam"), recording_problem).json()
    assert "disk full" in status["recording_error"] and str(small_disk) in status["recording_error"]
    assert status["state"] == "online"

    # Detection and alerting carry on: the street alert keeps updating after the disk filled.
    mark = sub.mark()
    update = wait(topics.alert("street-cam", "street-watch"), alert_is("update"), since=mark)
    assert update.json()["id"] == first.json()["id"]
    assert not list(small_disk.rglob("*.mp4")), "no half-written clip is left as a clip"
    assert process.returncode is None

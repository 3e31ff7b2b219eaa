"""Fixtures shared by the whole suite: shared data, RTSP servers, MQTT, the nightwatch process."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from detectors.yolo import YoloDetector
from nightwatch.paths import sample_footage, sample_model, shared_dir
from tests.support.mqtt import MqttCollector, clear_retained
from tests.support.process import NightwatchRunner
from tests.support.rtsp import RtspServers, make_encoded_copy, make_looped_copy

# Minutes of footage the RTSP server can send before its file ends (the e2e tests need ~1).
LOOPED_FOOTAGE_MINUTES = 5


def _require(path: Path, what: str) -> Path:
    if not path.exists():
        pytest.fail(
            f"Missing {what}: {path} does not exist. The tests read the shared data where it "
            "lies: put the shared folder beside the checkout (../shared) or set "
            "NIGHTWATCH_SHARED to it.",
            pytrace=False,
        )
    return path


@pytest.fixture(scope="session")
def shared() -> Path:
    """The shared data folder (../shared or $NIGHTWATCH_SHARED); fails the test if missing."""
    return _require(shared_dir(), "the shared data folder")


@pytest.fixture(scope="session")
def people_mp4(shared: Path) -> Path:
    """1920x1080 H.264 30 fps, 10 s of a busy shopping street."""
    return _require(sample_footage(), "people.mp4")


@pytest.fixture(scope="session")
def model_path(shared: Path) -> Path:
    """YOLO11n exported to OpenVINO with INT8 weights."""
    return _require(sample_model(), "the OpenVINO YOLO11n model")


@pytest.fixture(scope="session")
def detector(model_path: Path) -> YoloDetector:
    """The real model, loaded once per session (a few seconds)."""
    return YoloDetector(str(model_path))


@pytest.fixture(scope="session")
def looped_people_mp4(people_mp4: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """people.mp4 repeated for LOOPED_FOOTAGE_MINUTES, stream-copied; made once per session."""
    loops = LOOPED_FOOTAGE_MINUTES * 6  # the file lasts 10 s
    target = tmp_path_factory.mktemp("footage") / "people-looped.mp4"
    return make_looped_copy(people_mp4, target, loops)


@pytest.fixture(scope="session")
def substream_mp4(people_mp4: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The street as a camera's substream sends it: 640x360 H.264, looped like the main one."""
    folder = tmp_path_factory.mktemp("substream")
    once = make_encoded_copy(people_mp4, folder / "once.mp4", "h264", 640, 360)
    return make_looped_copy(once, folder / "people-360p-looped.mp4", LOOPED_FOOTAGE_MINUTES * 6)


@pytest.fixture(scope="session")
def hevc_mp4(people_mp4: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The street from an H.265 camera: 960x540 HEVC (hvc1), looped like the others."""
    folder = tmp_path_factory.mktemp("hevc")
    once = make_encoded_copy(people_mp4, folder / "once.mp4", "h265", 960, 540)
    return make_looped_copy(once, folder / "people-hevc-looped.mp4", LOOPED_FOOTAGE_MINUTES * 6)


@pytest.fixture
def rtsp_server(looped_people_mp4: Path, tmp_path: Path) -> Iterator[RtspServers]:
    """Factory: `rtsp_server.start(mounts=("cam",))` serves looped people.mp4 in real time."""
    servers = RtspServers(looped_people_mp4, tmp_path)
    yield servers
    servers.close()


@pytest.fixture
def mqtt_prefix(request: pytest.FixtureRequest) -> Iterator[str]:
    """A topic prefix no other test uses; its retained messages are deleted afterwards."""
    name = re.sub(r"[^A-Za-z0-9_-]+", "-", request.node.name)[:40].strip("-")
    prefix = f"nightwatch-test/{name}-{uuid.uuid4().hex[:8]}"
    yield prefix
    clear_retained(prefix)


@pytest.fixture
def mqtt_subscribe(mqtt_prefix: str) -> Iterator[Callable[[], MqttCollector]]:
    """Factory: each call connects a new subscriber to `<prefix>/#` (retained ones arrive)."""
    collectors: list[MqttCollector] = []

    def subscribe() -> MqttCollector:
        collector = MqttCollector(mqtt_prefix).start()
        collectors.append(collector)
        return collector

    yield subscribe
    for collector in collectors:
        collector.stop()


@pytest.fixture
def mqtt_subscriber(mqtt_subscribe: Callable[[], MqttCollector]) -> MqttCollector:
    """A subscriber on `<prefix>/#` that is listening before the test starts anything."""
    return mqtt_subscribe()


@pytest.fixture
def nightwatch(tmp_path: Path, mqtt_prefix: str) -> Iterator[NightwatchRunner]:
    """Factory: `nightwatch.start(config_dict)` runs `nightwatch run --config` in tmp_path.

    Depends on mqtt_prefix so the process is gone before the retained messages are cleared.
    """
    runner = NightwatchRunner(tmp_path)
    yield runner
    runner.close()

"""Camera streams end to end: a substream analysed beside a recorded main stream, each stream
reconnecting on its own, and H.265 cameras — real GStreamer RTSP servers, `nightwatch run`,
Mosquitto, and the clips and snapshots on disk."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import av
import pytest

from alerts.mqtt import Topics
from ingest.images import read_image
from tests.support.factories import camera_config, intrusion_rule, nightwatch_config
from tests.support.mqtt import MqttCollector, Received
from tests.support.process import NightwatchProcess, NightwatchRunner
from tests.support.rtsp import RtspServers

pytestmark = pytest.mark.slow

WHOLE_PICTURE = [[0.0, 0.0], [1.0, 0.0], [1.0, 1.0], [0.0, 1.0]]
START_S = 90.0


def watched_camera(source: str | dict[str, str], **overrides: Any) -> dict[str, Any]:
    rule = intrusion_rule(name="watch", zone="street", clear_s=2, cooldown_s=1)
    return camera_config(source, zones={"street": WHOLE_PICTURE}, rules=[rule], **overrides)


def is_new(message: Received) -> bool:
    return bool(message.json()["type"] == "new")


def status_where(**wanted: Any) -> Any:
    def check(message: Received) -> bool:
        body = message.json()
        return all(_field(body, key) == value for key, value in wanted.items())

    return check


def _field(body: dict[str, Any], dotted: str) -> Any:
    value: Any = body
    for part in dotted.split("__"):
        value = value.get(part) if isinstance(value, dict) else None
    return value


def stop(process: NightwatchProcess) -> None:
    """Stop nightwatch as an operator would: open alerts end and their clips are finished."""
    process.terminate()
    assert process.wait(60) == 0, process.log_tail()


def evidence(process: NightwatchProcess, media: Path, camera: str) -> tuple[Path, Path]:
    """The camera's first clip and its first clean snapshot."""
    clips = sorted((media / "clips" / camera).rglob("*.mp4"))
    snapshots = sorted(
        path
        for path in (media / "snapshots" / camera).rglob("*.jpg")
        if not path.stem.endswith("-annotated")
    )
    assert clips, f"no clip for {camera}: {process.log_tail()}"
    assert snapshots, f"no snapshot for {camera}: {process.log_tail()}"
    return clips[0], snapshots[0]


def video_properties(path: Path) -> tuple[str, int, int, str]:
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        decoded = sum(1 for _ in container.decode(video=0))
        assert decoded > 30, f"{path} holds only {decoded} pictures"
        context = stream.codec_context
        return str(context.name), int(context.width), int(context.height), str(context.codec_tag)


def test_a_substream_is_analysed_and_the_main_stream_recorded(
    rtsp_server: RtspServers,
    substream_mp4: Path,
    nightwatch: NightwatchRunner,
    mqtt_prefix: str,
    mqtt_subscriber: MqttCollector,
    model_path: Path,
    tmp_path: Path,
) -> None:
    server = rtsp_server.start(mounts=("main", "sub"), files={"sub": substream_mp4})
    streams = {"detect": server.url("sub"), "record": server.url("main")}
    cameras = {
        "plain": watched_camera(streams),
        "sharp": watched_camera(streams, record={"snapshot_from": "record"}),
    }
    config = nightwatch_config(cameras, prefix=mqtt_prefix, model_path=str(model_path))
    process = nightwatch.start(config)
    topics = Topics(mqtt_prefix)
    for camera in cameras:
        status = mqtt_subscriber.wait_for(
            topics.camera_status(camera),
            status_where(state="online", record__state="online"),
            START_S,
            details=process.log_tail,
        ).json()
        assert (status["width"], status["height"]) == (640, 360)  # the analysed substream
        record = status["record"]
        assert (record["width"], record["height"], record["codec"]) == (1920, 1080, "h264")
        mqtt_subscriber.wait_for(topics.alert(camera, "watch"), is_new, START_S)
        new = mqtt_subscriber.wait_for(topics.alert(camera, "watch"), is_new).json()
        for item in new["objects"]:  # boxes are in the analysed picture's pixels
            assert item["box"][2] <= 641 and item["box"][3] <= 361

    for camera in cameras:  # let the clips run for a while (statuses come every 5 s)
        mqtt_subscriber.wait_for(
            topics.camera_status(camera),
            lambda message: message.json()["record"]["packets_total"] >= 300,
            60,
            details=process.log_tail,
        )
    stop(process)
    media = tmp_path / "data" / "media"
    plain_clip, plain_snapshot = evidence(process, media, "plain")
    sharp_clip, sharp_snapshot = evidence(process, media, "sharp")
    for clip in (plain_clip, sharp_clip):  # the main stream's packets, copied as they came
        assert video_properties(clip)[:3] == ("h264", 1920, 1080)
    assert read_image(plain_snapshot).shape[:2] == (360, 640)  # the analysed picture
    assert read_image(sharp_snapshot).shape[:2] == (1080, 1920)  # one picture of the main stream


def test_each_stream_of_a_camera_reconnects_on_its_own(
    rtsp_server: RtspServers,
    substream_mp4: Path,
    nightwatch: NightwatchRunner,
    mqtt_prefix: str,
    mqtt_subscriber: MqttCollector,
    model_path: Path,
) -> None:
    main = rtsp_server.start(mounts=("main",))
    sub = rtsp_server.start(mounts=("sub",), files={"sub": substream_mp4})
    camera = watched_camera({"detect": sub.url("sub"), "record": main.url("main")})
    config = nightwatch_config({"gate": camera}, prefix=mqtt_prefix, model_path=str(model_path))
    process = nightwatch.start(config)
    topic = Topics(mqtt_prefix).camera_status("gate")
    mqtt_subscriber.wait_for(
        topic,
        status_where(state="online", record__state="online"),
        START_S,
        details=process.log_tail,
    )

    mark = mqtt_subscriber.mark()
    main.kill()  # the main stream goes; the substream, and so detection, carries on
    lost = mqtt_subscriber.wait_for(
        topic, status_where(record__state="reconnecting"), 60, since=mark, details=process.log_tail
    ).json()
    assert lost["state"] == "online" and lost["reconnects"] == 0
    assert lost["record"]["error"]
    main.start()
    back = mqtt_subscriber.wait_for(
        topic, status_where(record__state="online"), 90, since=mark, details=process.log_tail
    ).json()
    assert back["state"] == "online" and back["record"]["reconnects"] >= 1


def test_an_h265_camera_is_analysed_and_its_clips_are_copied_as_hvc1(
    rtsp_server: RtspServers,
    hevc_mp4: Path,
    nightwatch: NightwatchRunner,
    mqtt_prefix: str,
    mqtt_subscriber: MqttCollector,
    model_path: Path,
    tmp_path: Path,
) -> None:
    server = rtsp_server.start(mounts=("hevc",), files={"hevc": hevc_mp4})
    config = nightwatch_config(
        {"lane": watched_camera(server.url("hevc"))},
        prefix=mqtt_prefix,
        model_path=str(model_path),
    )
    process = nightwatch.start(config)
    topics = Topics(mqtt_prefix)
    status = mqtt_subscriber.wait_for(
        topics.camera_status("lane"),
        status_where(state="online"),
        START_S,
        details=process.log_tail,
    ).json()
    assert (status["codec"], status["width"], status["height"]) == ("hevc", 960, 540)
    alert = mqtt_subscriber.wait_for(
        topics.alert("lane", "watch"), is_new, START_S, details=process.log_tail
    ).json()
    assert alert["objects"], "nobody detected on the H.265 stream"
    mqtt_subscriber.wait_for(  # let the clip run for a while (statuses come every 5 s)
        topics.camera_status("lane"),
        lambda message: message.json()["frames_total"] >= 300,
        60,
        details=process.log_tail,
    )

    stop(process)
    clip, snapshot = evidence(process, tmp_path / "data" / "media", "lane")
    assert video_properties(clip) == ("hevc", 960, 540, "hvc1")
    assert read_image(snapshot).shape[:2] == (540, 960)

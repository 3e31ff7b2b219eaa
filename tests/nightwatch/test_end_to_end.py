"""End to end with real parts: GStreamer RTSP camera → `nightwatch run` → Mosquitto → subscriber.

people.mp4 (a street with 7-14 people in view) is streamed in real time over RTSP; the
whole picture is the zone, so a person-intrusion alert is due a few seconds after start.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from alerts.mqtt import Topics
from detectors.yolo import ObjectTracker
from tests.support.factories import camera_config, intrusion_rule, nightwatch_config
from tests.support.mqtt import MqttCollector, Received
from tests.support.net import free_port
from tests.support.process import NightwatchRunner
from tests.support.rtsp import RtspServers

pytestmark = pytest.mark.slow

WHOLE_PICTURE = [[0.0, 0.0], [1.0, 0.0], [1.0, 1.0], [0.0, 1.0]]
# Model load, first RTSP keyframe (every 4.3 s in people.mp4) and inertia, with room to spare.
START_S = 90.0
EVENT_S = 45.0
ALERT_FIELDS = {
    "schema",
    "id",
    "type",
    "site",
    "camera",
    "rule",
    "rule_type",
    "zone",
    "severity",
    "started_at",
    "frame_time",
    "ended_at",
    "objects",
}


def text_is(text: str) -> Callable[[Received], bool]:
    return lambda message: message.text == text


def state_is(*states: str) -> Callable[[Received], bool]:
    return lambda message: message.json()["state"] in states


def alert_is(kind: str, alert_id: str | None = None) -> Callable[[Received], bool]:
    def check(message: Received) -> bool:
        body = message.json()
        return bool(body["type"] == kind and (alert_id is None or body["id"] == alert_id))

    return check


def utc_time(text: str) -> datetime:
    """Parse an ISO-8601 time and insist that it is UTC and recent."""
    parsed = datetime.fromisoformat(text)
    assert parsed.utcoffset() == timedelta(0), f"{text} is not UTC"
    assert abs(datetime.now(UTC) - parsed) < timedelta(minutes=5), f"{text} is not now"
    return parsed


def check_alert(message: Received, camera: str, rule: str, zone: str) -> dict[str, Any]:
    """Every documented field of an alert message, with sane values."""
    body = message.json()
    assert set(body) >= ALERT_FIELDS, f"missing {ALERT_FIELDS - set(body)}"
    assert body["schema"] == "nightwatch.alert/1"
    assert str(uuid.UUID(body["id"])) == body["id"]
    assert (body["camera"], body["rule"], body["zone"]) == (camera, rule, zone)
    assert (body["rule_type"], body["severity"], body["site"]) == ("intrusion", "high", "test-site")
    started_at, frame_time = utc_time(body["started_at"]), utc_time(body["frame_time"])
    assert frame_time >= started_at
    if body["type"] == "end":
        assert utc_time(body["ended_at"]) >= started_at
        return body
    assert body["ended_at"] is None
    assert body["objects"], "an alert with nobody in it"
    for item in body["objects"]:
        assert isinstance(item["track_id"], int) and item["track_id"] >= 1
        assert item["label"] == "person"
        # ByteTrack keeps a confirmed track alive on a detection below `confidence` (its
        # second association stage), so scores go down to the tracker's floor.
        assert ObjectTracker.LOW_SCORE <= item["score"] <= 1.0
        x1, y1, x2, y2 = item["box"]
        assert -1 <= x1 < x2 <= 1921 and -1 <= y1 < y2 <= 1081
    return body


def street_camera(url: str, rule: str = "street-watch") -> dict[str, Any]:
    return camera_config(
        url,
        zones={"street": WHOLE_PICTURE},
        rules=[
            intrusion_rule(name=rule, zone="street", clear_s=2, cooldown_s=1, update_interval_s=5)
        ],
    )


def test_alerts_survive_a_camera_outage_and_shutdown_is_clean(
    rtsp_server: RtspServers,
    nightwatch: NightwatchRunner,
    mqtt_prefix: str,
    mqtt_subscriber: MqttCollector,
    mqtt_subscribe: Callable[[], MqttCollector],
    model_path: Path,
) -> None:
    server = rtsp_server.start()
    config = nightwatch_config(
        {"street-cam": street_camera(server.url())},
        prefix=mqtt_prefix,
        model_path=str(model_path),
        keepalive_s=5,
    )
    process = nightwatch.start(config)
    topics = Topics(mqtt_prefix)
    status_topic = topics.camera_status("street-cam")
    alert_topic = topics.alert("street-cam", "street-watch")
    sub = mqtt_subscriber

    def wait(
        topic: str, check: Callable[[Received], bool], timeout_s: float, since: int = 0
    ) -> Received:
        return sub.wait_for(topic, check, timeout_s, since, details=process.log_tail)

    # Up: availability, camera status, then an alert with every field.
    wait(topics.availability, text_is("online"), START_S)
    wait(status_topic, state_is("online"), START_S)
    first = wait(alert_topic, alert_is("new"), START_S)
    new = check_alert(first, "street-cam", "street-watch", "street")
    assert new["started_at"] == new["frame_time"]

    # Availability and camera status are retained: a subscriber joining now gets them.
    late = mqtt_subscribe()
    availability = late.wait_for(topics.availability, timeout_s=10)
    status = late.wait_for(status_topic, timeout_s=10)
    assert (availability.text, availability.retain) == ("online", True)
    status_body = status.json()
    assert status.retain and status_body["schema"] == "nightwatch.camera-status/1"
    assert (status_body["state"], status_body["codec"]) == ("online", "h264")
    assert (status_body["width"], status_body["height"]) == (1920, 1080)

    # The camera goes away: the zone is clear, so the alert ends; the status says why.
    mark = sub.mark()
    server.stop()
    end = wait(alert_topic, alert_is("end", new["id"]), EVENT_S, since=mark)
    check_alert(end, "street-cam", "street-watch", "street")
    assert end.json()["objects"] == []
    lost = wait(status_topic, state_is("reconnecting", "offline"), EVENT_S, since=mark)
    assert lost.json()["error"], "a lost camera's status must say why"

    # The camera comes back on the same address: nightwatch reconnects by itself.
    mark = sub.mark()
    server.start()
    wait(status_topic, state_is("online"), START_S, since=mark)
    second = wait(alert_topic, alert_is("new"), START_S, since=mark)
    again = check_alert(second, "street-cam", "street-watch", "street")
    assert again["id"] != new["id"]
    assert process.returncode is None, "nightwatch must not have restarted"

    # SIGTERM: open alerts end, availability goes offline (retained), exit status 0.
    mark = sub.mark()
    process.terminate()
    assert process.wait(30) == 0, process.log_tail()
    closing = wait(alert_topic, alert_is("end", again["id"]), 10, since=mark)
    offline = wait(topics.availability, text_is("offline"), 10, since=mark)
    assert closing.at <= offline.at
    after = mqtt_subscribe().wait_for(topics.availability, timeout_s=10)
    assert (after.text, after.retain) == ("offline", True)
    assert "Traceback" not in process.log(), process.log_tail()


def test_a_killed_process_leaves_its_last_will(
    rtsp_server: RtspServers,
    nightwatch: NightwatchRunner,
    mqtt_prefix: str,
    mqtt_subscriber: MqttCollector,
    mqtt_subscribe: Callable[[], MqttCollector],
    model_path: Path,
) -> None:
    server = rtsp_server.start()
    config = nightwatch_config(
        {"street-cam": street_camera(server.url())},
        prefix=mqtt_prefix,
        model_path=str(model_path),
        keepalive_s=5,
    )
    process = nightwatch.start(config)
    topics = Topics(mqtt_prefix)
    mqtt_subscriber.wait_for(
        topics.camera_status("street-cam"),
        state_is("online"),
        START_S,
        details=process.log_tail,
    )
    online = mqtt_subscriber.messages(topics.availability)
    assert [message.text for message in online] == ["online"]

    mark = mqtt_subscriber.mark()
    process.kill()  # kill -9: nothing is said on the way out; the broker speaks for it

    # The broker gives up on a silent client after 1.5 x keepalive_s (7.5 s) at worst.
    mqtt_subscriber.wait_for(
        topics.availability, text_is("offline"), 8.0, since=mark, what="the last will"
    )
    retained = mqtt_subscribe().wait_for(topics.availability, timeout_s=10)
    assert (retained.text, retained.retain) == ("offline", True)


def test_an_alert_left_open_by_a_killed_process_is_ended_by_the_next_one(
    rtsp_server: RtspServers,
    nightwatch: NightwatchRunner,
    mqtt_prefix: str,
    mqtt_subscriber: MqttCollector,
    model_path: Path,
) -> None:
    """kill -9 with an alert open: nobody says it ended. Started again, Nightwatch ends it
    first, with the reason, at the last moment it was known to hold; a new alert follows."""
    server = rtsp_server.start()
    config = nightwatch_config(
        {"street-cam": street_camera(server.url())},
        prefix=mqtt_prefix,
        model_path=str(model_path),
    )
    first = nightwatch.start(config, name="first")
    alert_topic = Topics(mqtt_prefix).alert("street-cam", "street-watch")
    opened = mqtt_subscriber.wait_for(
        alert_topic, alert_is("new"), START_S, details=first.log_tail
    ).json()
    first.kill()
    assert not [m for m in mqtt_subscriber.messages(alert_topic) if m.json()["type"] == "end"]

    mark = mqtt_subscriber.mark()
    second = nightwatch.start(config, name="second")
    end = mqtt_subscriber.wait_for(
        alert_topic, alert_is("end", opened["id"]), START_S, since=mark, details=second.log_tail
    ).json()
    assert end["details"]["ended_because"]
    last_seen = datetime.fromisoformat(end["ended_at"])
    assert datetime.fromisoformat(opened["started_at"]) <= last_seen <= datetime.now(UTC)
    # The outbox delivers at least once: the first process's "new" may come again before the
    # second process opens its own alert, so wait for an alert with another id.
    renewed = mqtt_subscriber.wait_for(
        alert_topic,
        lambda message: alert_is("new")(message) and message.json()["id"] != opened["id"],
        START_S,
        since=mark,
        details=second.log_tail,
    ).json()
    assert renewed["started_at"] >= opened["started_at"]


def test_one_unreachable_camera_does_not_stop_the_others(
    rtsp_server: RtspServers,
    nightwatch: NightwatchRunner,
    mqtt_prefix: str,
    mqtt_subscriber: MqttCollector,
    model_path: Path,
) -> None:
    server = rtsp_server.start()
    dead_url = f"rtsp://127.0.0.1:{free_port()}/x"  # nothing listens there
    config = nightwatch_config(
        {
            "street-cam": street_camera(server.url()),
            "dead-cam": camera_config(dead_url, rules=[intrusion_rule(clear_s=2)]),
        },
        prefix=mqtt_prefix,
        model_path=str(model_path),
    )
    process = nightwatch.start(config)
    topics = Topics(mqtt_prefix)

    def wait(topic: str, check: Callable[[Received], bool]) -> Received:
        return mqtt_subscriber.wait_for(topic, check, START_S, details=process.log_tail)

    broken = wait(topics.camera_status("dead-cam"), state_is("reconnecting")).json()
    alert = wait(topics.alert("street-cam", "street-watch"), alert_is("new"))

    check_alert(alert, "street-cam", "street-watch", "street")
    assert broken["error"].startswith(f"cannot open {dead_url}: ")
    assert "Connection refused" in broken["error"]
    assert broken["last_frame_at"] is None and broken["frames_total"] == 0
    assert mqtt_subscriber.messages(topics.alert("dead-cam", "intrusion")) == []
    good = mqtt_subscriber.messages(topics.camera_status("street-cam"))
    assert any(message.json()["state"] == "online" for message in good)
    process.terminate()
    assert process.wait(30) == 0, process.log_tail()

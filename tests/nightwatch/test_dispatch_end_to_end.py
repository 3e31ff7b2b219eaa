"""Dispatch end to end: `nightwatch run` on config/examples/dispatch.yaml as it is (real model,
real footage, Mosquitto on 1883) → an order to the team on duty → silence escalates → replies
move the dispatch through every state; the first team's late reply is refused."""

from __future__ import annotations

import json
import shutil
import uuid
import wave
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import pytest

from alerts.store import open_store
from nightwatch.paths import EXAMPLES
from tests.support.mqtt import MqttCollector, Received
from tests.support.process import NightwatchProcess

pytestmark = pytest.mark.slow

START_S = 120.0  # model load and the first alert, with room to spare on a busy machine
ESCALATE_S = 4


def about(dispatch_id: str, state: str | None = None) -> Callable[[Received], bool]:
    def check(message: Received) -> bool:
        body = message.json()
        return bool(body["dispatch_id"] == dispatch_id and state in (None, body.get("state")))

    return check


def test_the_dispatch_example_orders_escalates_and_follows_a_patrol(
    tmp_path: Path,
    mqtt_prefix: str,
    mqtt_subscriber: MqttCollector,
    people_mp4: Path,
    model_path: Path,
) -> None:
    config = tmp_path / "dispatch.yaml"
    shutil.copy(EXAMPLES / "dispatch.yaml", config)
    environment = {
        "NIGHTWATCH_SOURCE": str(people_mp4),
        "NIGHTWATCH_MODEL": str(model_path),
        "NIGHTWATCH_MQTT_URL": "mqtt://127.0.0.1:1883",
        "NIGHTWATCH_TOPIC_PREFIX": mqtt_prefix,
        "NIGHTWATCH_MQTT_CLIENT_ID": f"nw-{uuid.uuid4().hex[:10]}",
        "NIGHTWATCH_ESCALATE_S": str(ESCALATE_S),
    }
    process = NightwatchProcess(config, tmp_path / "nightwatch.log", environment)
    try:
        dispatch_id = follow_one_dispatch(Patrols(process, mqtt_prefix, mqtt_subscriber), tmp_path)
        process.terminate()
        assert process.wait(30) == 0, process.log_tail()
    finally:
        process.kill()

    store = open_store(f"sqlite:///{tmp_path / 'data' / 'nightwatch.db'}", tmp_path, create=False)
    try:
        actions = [record.action for record in store.audit.for_target(dispatch_id)]
        record = store.dispatches.get(dispatch_id)
    finally:
        store.close()
    assert actions[:3] == ["dispatch.dispatched", "dispatch.escalated", "dispatch.reply_refused"]
    later = ("acknowledged", "en_route", "on_scene", "resolved")
    assert actions[3:7] == [f"dispatch.{state}" for state in later]
    assert record is not None and record.outcome == "handled" and record.team == "team-2"


def sent_at(order: dict[str, str]) -> datetime:
    return datetime.fromisoformat(order["sent_at"])


class Patrols:
    """The teams' side: what arrives for them, and their replies."""

    def __init__(self, process: NightwatchProcess, prefix: str, sub: MqttCollector) -> None:
        self.process, self.prefix, self.sub = process, prefix, sub

    def wait(
        self, topic: str, check: Callable[[Received], bool], timeout_s: float = 20
    ) -> Received:
        full = f"{self.prefix}/dispatch/{topic}"
        return self.sub.wait_for(full, check, timeout_s, details=self.process.log_tail)

    def reply(self, team: str, dispatch_id: str, state: str, **fields: str) -> None:
        body = {"dispatch_id": dispatch_id, "state": state, **fields}
        self.sub.publish(f"{self.prefix}/dispatch/{team}/reply", json.dumps(body).encode())


def follow_one_dispatch(patrols: Patrols, folder: Path) -> str:
    """Order, escalation, a refused late reply, then every state; returns the dispatch id."""
    first = patrols.wait("team-1", lambda m: m.json()["state"] == "dispatched", START_S)
    order = first.json()
    dispatch_id = str(order["dispatch_id"])
    assert (order["team"], order["camera"], order["zone"]) == ("team-1", "camera-1", "whole-frame")
    assert order["location"] == "Quickstart camera" and order["radio_channel"] == "3"
    assert order["snapshot_url"].endswith(f"/api/v1/dispatches/{order['dispatch_id']}/snapshot")
    assert order["instructions"]["zh-CN"] and order["instructions"]["en"]
    voice = patrols.wait("team-1/voice", about(dispatch_id)).json()
    wav = folder / "data" / "media" / "voice" / voice["url"].rsplit("/", 1)[1]
    with wave.open(str(wav)) as clip:
        assert clip.getnframes() / clip.getframerate() > 2.0

    # Nobody on team-1 answers: after ESCALATE_S the order goes to team-2.
    escalated = patrols.wait("team-2", about(dispatch_id, "escalated"), 30).json()
    waited_s = (sent_at(escalated) - sent_at(order)).total_seconds()
    assert ESCALATE_S <= waited_s <= ESCALATE_S + 1.5, f"escalated after {waited_s:.1f} s"
    assert escalated["previous_team"] == "team-1"

    # team-1 answers late: refused, it is team-2's now.
    patrols.reply("team-1", dispatch_id, "acknowledged", member="Zhang Wei")
    refusal = patrols.wait("team-1/error", about(dispatch_id)).json()
    assert refusal["error"] == "wrong_team"

    # team-2 takes it through every state.
    for state, extra in [
        ("acknowledged", {"member": "Wang Fang"}),
        ("en_route", {}),
        ("on_scene", {}),
        ("resolved", {"outcome": "handled", "note": "two people at the stalls, sent home"}),
    ]:
        patrols.reply("team-2", dispatch_id, state, **extra)
        patrols.wait("team-2/state", about(dispatch_id, state))
    return dispatch_id

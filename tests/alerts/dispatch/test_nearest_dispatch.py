"""Nearest-team dispatch with a real store (SQLite and PostgreSQL) and the real broker: of two
teams on duty, the one whose phone last shared a place nearer the camera gets the order, and
the dispatch says why, in its record, its first step, its audit record and the order."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from alerts.dispatch.nearest import TeamPosition
from config.schema import NightwatchConfig
from tests.alerts.dispatch.support import Rig, dispatch_section, running_rig
from tests.alerts.store.support import BACKENDS
from tests.support.mqtt import MqttCollector

GATE = (31.2304, 121.4737)
METRES_PER_DEGREE = 111_195.0


def nearest_config(prefix: str) -> NightwatchConfig:
    route = {"camera": "gate", "teams": ["alpha", "bravo"], "choose": "nearest"}
    return NightwatchConfig.model_validate(
        {
            "site": {"name": "county-market"},
            "mqtt": {"topic_prefix": prefix, "client_id": f"nw-{uuid.uuid4().hex[:10]}"},
            "cameras": {
                "gate": {
                    "source": "rtsp://127.0.0.1/gate",
                    "location": "东门 East gate",
                    "position": {"lat": GATE[0], "lon": GATE[1]},
                    "zones": {"yard": {"polygon": [[0, 0], [1, 0], [1, 1]]}},
                }
            },
            "dispatch": dispatch_section(routes=[route], voice={"enabled": False}),
        }
    )


@pytest.fixture(params=BACKENDS)
def rig(request: pytest.FixtureRequest, tmp_path: Path, mqtt_prefix: str) -> Iterator[Rig]:
    config = nearest_config(mqtt_prefix)
    with running_rig(config, request.param, tmp_path, mqtt_prefix) as running:
        yield running


def share(rig: Rig, team: str, north_m: float, age_s: float = 60) -> None:
    """The team's phone shared a place `north_m` metres north of the camera, age_s ago."""
    at = rig.clock.now - timedelta(seconds=age_s)
    position = TeamPosition(
        team=team,
        lat=GATE[0] + north_m / METRES_PER_DEGREE,
        lon=GATE[1],
        accuracy_m=8,
        at=at,
        received_at=at,
        member=f"{team} phone",
    )
    rig.store.positions.record(position)


def test_the_nearer_of_two_on_duty_teams_gets_the_order_and_the_reason_is_kept(
    rig: Rig, mqtt_subscriber: MqttCollector
) -> None:
    share(rig, "alpha", 1_900)
    share(rig, "bravo", 140)

    record = rig.dispatcher.on_alert(rig.alert())

    reason = "nearest on-duty team: bravo at 140 m (alpha at 1.9 km)"
    assert record is not None
    assert (record.team, record.chain) == ("bravo", ("bravo", "alpha", "chief"))
    assert record.note == reason and record.history[0].note == reason
    stored = rig.dispatcher.get(record.id)
    assert stored is not None and stored.team == "bravo" and stored.history[0].note == reason
    (audit,) = rig.store.audit.for_target(record.id)
    assert audit.action == "dispatch.dispatched" and audit.details["note"] == reason
    order = mqtt_subscriber.wait_for(f"{rig.prefix}/dispatch/bravo", timeout_s=10).json()
    assert (order["dispatch_id"], order["team"], order["note"]) == (record.id, "bravo", reason)


def test_with_no_recent_position_the_roster_order_stays_and_says_so(rig: Rig) -> None:
    share(rig, "bravo", 140, age_s=601)  # older than position_max_age_s (600)

    record = rig.dispatcher.on_alert(rig.alert())

    assert record is not None and record.chain == ("alpha", "bravo", "chief")
    assert record.note == (
        "nearest: no on-duty team shared a position in the last 600 s; roster order"
    )


def test_a_later_position_moves_the_choice(rig: Rig) -> None:
    share(rig, "alpha", 1_900)
    share(rig, "bravo", 140)
    share(rig, "alpha", 20, age_s=5)  # alpha walked over
    share(rig, "bravo", 3_000, age_s=400)  # a late retry of an older fix changes nothing

    record = rig.dispatcher.on_alert(rig.alert())

    assert record is not None and record.team == "alpha"
    assert record.note == "nearest on-duty team: alpha at 20 m (bravo at 140 m)"

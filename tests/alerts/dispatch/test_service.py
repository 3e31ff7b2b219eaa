"""The dispatcher with a real store and the real broker: orders, replies, escalation, refusals."""

from __future__ import annotations

import wave

import pytest

from alerts.dispatch.records import (
    DispatchQuery,
    DispatchRecord,
    DispatchState,
    IllegalTransitionError,
    Outcome,
    UnknownTeamError,
    WrongTeamError,
)
from alerts.dispatch.service import Dispatcher
from tests.alerts.dispatch.support import Rig
from tests.support.mqtt import MqttCollector

S = DispatchState


def dispatched(rig: Rig) -> DispatchRecord:
    record = rig.dispatcher.on_alert(rig.alert())
    assert record is not None
    return record


def states_seen(sub: MqttCollector, rig: Rig, team: str) -> list[str]:
    return [m.json()["state"] for m in sub.messages(f"{rig.prefix}/dispatch/{team}/state")]


def test_an_alert_in_a_routed_zone_is_ordered_to_the_team_on_duty(
    rig: Rig, mqtt_subscriber: MqttCollector
) -> None:
    alert = rig.alert()

    record = rig.dispatcher.on_alert(alert)

    assert record is not None and (record.team, record.chain) == (
        "alpha",
        ("alpha", "bravo", "chief"),
    )
    order = mqtt_subscriber.wait_for(f"{rig.prefix}/dispatch/alpha", timeout_s=10).json()
    assert order["schema"] == "nightwatch.dispatch-order/1"
    assert (order["dispatch_id"], order["alert_id"], order["state"]) == (
        record.id,
        alert.id,
        "dispatched",
    )
    assert order["location"] == "东门 East gate" and order["radio_channel"] == "3"
    assert order["snapshot_url"] == (
        f"http://nightwatch.local:8000/api/v1/dispatches/{order['dispatch_id']}/snapshot"
    )
    assert order["reply_topic"] == f"{rig.prefix}/dispatch/alpha/reply"
    assert (
        "东门" in order["instructions"]["zh-CN"] and "acknowledged" in order["instructions"]["en"]
    )
    assert "区域入侵" in order["summary"]["zh-CN"]
    voice = mqtt_subscriber.wait_for(f"{rig.prefix}/dispatch/alpha/voice", timeout_s=10).json()
    assert voice["url"].endswith(f"/api/v1/dispatches/{record.id}/voice/{record.id}-0.wav")
    with wave.open(str(rig.store.media_dir / "voice" / f"{record.id}-0.wav")) as clip:
        assert clip.getnframes() / clip.getframerate() == pytest.approx(
            voice["duration_s"], abs=0.01
        )
    rig.wait_drained()
    assert rig.store.alerts.get(alert.id).category == "dispatched"  # type: ignore[union-attr]
    assert [r.action for r in rig.store.audit.for_target(record.id)] == ["dispatch.dispatched"]


def test_replies_move_a_dispatch_through_every_state(
    rig: Rig, mqtt_subscriber: MqttCollector
) -> None:
    record = dispatched(rig)
    steps = [
        {"state": "acknowledged", "member": "张伟"},
        {"state": "en_route"},
        {"state": "on_scene"},
        {"state": "resolved", "outcome": "false_alarm", "note": "a cat on the stalls"},
    ]

    for step in steps:
        rig.reply("alpha", {"dispatch_id": record.id, **step})
        rig.wait_state(record.id, S(step["state"]))

    done = rig.dispatcher.get(record.id)
    assert done is not None and (done.outcome, done.note) == (
        Outcome.FALSE_ALARM,
        "a cat on the stalls",
    )
    assert [(s.state, s.actor) for s in done.history][:2] == [
        (S.DISPATCHED, "nightwatch"),
        (S.ACKNOWLEDGED, "张伟"),
    ]
    actions = [r.action for r in rig.store.audit.for_target(record.id)]
    assert actions == [
        f"dispatch.{s}" for s in ("dispatched", "acknowledged", "en_route", "on_scene", "resolved")
    ]
    mqtt_subscriber.wait_for(
        f"{rig.prefix}/dispatch/alpha/state", lambda m: m.json()["state"] == "resolved"
    )
    assert states_seen(mqtt_subscriber, rig, "alpha") == [
        "dispatched", "acknowledged", "en_route", "on_scene", "resolved"
    ]  # fmt: skip


def test_silence_escalates_to_the_next_team_and_the_first_team_is_refused(
    rig: Rig, mqtt_subscriber: MqttCollector
) -> None:
    record = dispatched(rig)
    rig.clock.advance(seconds=59)
    assert rig.dispatcher.escalate_due() == []

    rig.clock.advance(seconds=1)
    [escalated] = rig.dispatcher.escalate_due()

    assert (escalated.state, escalated.team, escalated.escalations) == (S.ESCALATED, "bravo", 1)
    order = mqtt_subscriber.wait_for(f"{rig.prefix}/dispatch/bravo", timeout_s=10).json()
    assert (order["state"], order["escalation"], order["previous_team"]) == (
        "escalated",
        1,
        "alpha",
    )
    moved = mqtt_subscriber.wait_for(
        f"{rig.prefix}/dispatch/alpha/state", lambda m: m.json()["state"] == "escalated"
    )
    assert (moved.json()["team"], moved.json()["previous_team"]) == ("bravo", "alpha")

    rig.reply("alpha", {"dispatch_id": record.id, "state": "acknowledged", "message_id": "late-1"})
    error = mqtt_subscriber.wait_for(f"{rig.prefix}/dispatch/alpha/error", timeout_s=10).json()
    assert (error["error"], error["dispatch_id"], error["reply_message_id"]) == (
        "wrong_team",
        record.id,
        "late-1",
    )
    assert "with team bravo" in error["message"]
    rig.reply("bravo", {"dispatch_id": record.id, "state": "acknowledged"})
    rig.wait_state(record.id, S.ACKNOWLEDGED)
    rig.clock.advance(seconds=600)
    assert rig.dispatcher.escalate_due() == []
    assert "dispatch.reply_refused" in [r.action for r in rig.store.audit.for_target(record.id)]


@pytest.mark.parametrize(
    ("body", "code"),
    [
        (b"ACK!!", "malformed"),
        (b'{"dispatch_id": "no-such-dispatch", "state": "acknowledged"}', "unknown_dispatch"),
        (b'{"dispatch_id": "ID", "state": "cancelled"}', "illegal_transition"),
        (b'{"dispatch_id": "ID", "state": "resolved"}', "outcome_required"),
        (b'{"dispatch_id": "ID", "state": "dispatched"}', "illegal_transition"),
    ],
)
def test_bad_replies_are_refused_published_audited_and_change_nothing(
    rig: Rig, mqtt_subscriber: MqttCollector, body: bytes, code: str
) -> None:
    record = dispatched(rig)
    rig.reply("alpha", {"dispatch_id": record.id, "state": "en_route"})
    rig.wait_state(record.id, S.EN_ROUTE)

    rig.reply("alpha", body.replace(b"ID", record.id.encode()))

    error = mqtt_subscriber.wait_for(f"{rig.prefix}/dispatch/alpha/error", timeout_s=10).json()
    assert error["schema"] == "nightwatch.dispatch-error/1" and error["error"] == code
    assert error["received"] == body.replace(b"ID", record.id.encode()).decode()
    after = rig.dispatcher.get(record.id)
    assert after is not None and after.state == S.EN_ROUTE and len(after.history) == 2
    refusals = [r for r in rig.store.audit.records() if r.action == "dispatch.reply_refused"]
    assert [r.details["error"] for r in refusals] == [code]


def test_a_reply_from_an_unknown_team_is_refused(rig: Rig, mqtt_subscriber: MqttCollector) -> None:
    record = dispatched(rig)

    rig.reply("zulu", {"dispatch_id": record.id, "state": "acknowledged"})

    error = mqtt_subscriber.wait_for(f"{rig.prefix}/dispatch/zulu/error", timeout_s=10).json()
    assert error["error"] == "unknown_team"
    assert rig.dispatcher.get(record.id).state == S.DISPATCHED  # type: ignore[union-attr]


def test_an_mqtt5_reply_may_carry_the_dispatch_id_as_correlation_data(
    rig: Rig, mqtt_subscriber: MqttCollector
) -> None:
    record = dispatched(rig)

    rig.reply("alpha", {"state": "acknowledged"}, correlation=record.id)

    rig.wait_state(record.id, S.ACKNOWLEDGED)


def test_the_console_dispatches_cancels_lists_and_hears_every_change(rig: Rig) -> None:
    heard: list[DispatchRecord] = []
    rig.dispatcher.subscribe(heard.append)
    alert = rig.alert()

    manual = rig.dispatcher.dispatch_alert(
        alert.id, "bravo", "operator-li", note="check the back gate"
    )
    cancelled = rig.dispatcher.cancel(manual.id, "operator-li", note="camera glitch")

    assert (manual.team, manual.chain, manual.note) == (
        "bravo",
        ("bravo", "chief"),
        "check the back gate",
    )
    assert cancelled.state == S.CANCELLED and [r.state for r in heard] == [
        S.DISPATCHED,
        S.CANCELLED,
    ]
    assert rig.dispatcher.list(DispatchQuery(alert_id=alert.id)) == [rig.dispatcher.get(manual.id)]
    assert rig.dispatcher.list(DispatchQuery(states=(S.DISPATCHED,))) == []
    assert rig.dispatcher.teams() == ["alpha", "bravo", "chief"]
    with pytest.raises(UnknownTeamError):
        rig.dispatcher.dispatch_alert(alert.id, "zulu", "operator-li")
    with pytest.raises(WrongTeamError):
        rig.dispatcher.transition(dispatched(rig).id, "acknowledged", "x", team="bravo")
    with pytest.raises(IllegalTransitionError, match="'pending' is not one of dispatched"):
        rig.dispatcher.transition(manual.id, "pending", "operator-li", team=None)
    rig.wait_drained()
    assert rig.dispatcher.outbox_depth() == 0


def test_alert_updates_and_ends_are_not_dispatched(rig: Rig) -> None:
    update = rig.alert().model_copy(update={"type": "update"})

    assert rig.dispatcher.on_alert(update) is None
    assert rig.dispatcher.list(DispatchQuery()) == []


def test_the_escalation_clock_survives_a_restart(rig: Rig) -> None:
    record = dispatched(rig)
    rig.dispatcher.stop()

    restarted = Dispatcher(rig.config, rig.store, rig.outbox, None, rig.clock)
    rig.clock.advance(seconds=3600)  # it was down for an hour
    [escalated] = restarted.escalate_due()

    assert (escalated.id, escalated.team, escalated.state) == (record.id, "bravo", S.ESCALATED)

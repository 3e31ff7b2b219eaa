"""A scripted night on a real store: alerts recorded as the pipeline records them, dispatched
by the real dispatcher, answered and escalated at known times on a clock the script moves.

Site time Asia/Shanghai (UTC+8), shift 20:00-24:00 on 2026-03-01 (12:00-16:00 UTC). Every
figure the tests expect is worked out by hand in `EXPECTED_*` from the times below.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from alerts.cases import CasePlan
from alerts.dispatch.records import DispatchRecord, DispatchState, Outcome
from alerts.dispatch.service import Dispatcher
from alerts.mqtt import MqttPublisher
from alerts.outbox import Outbox
from alerts.store import Store
from config.schema import NightwatchConfig
from tests.alerts.dispatch.support import dispatch_section
from tests.alerts.store.support import FakeClock, make_payload

SHIFT_DAY = date(2026, 3, 1)
SHIFT_START = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)  # 20:00 in Shanghai
QUIET_DAY = date(2026, 3, 5)
S = DispatchState


def site_config(prefix: str = "nightwatch-test/report", **top: Any) -> dict[str, Any]:
    """The configuration as YAML would hold it: two cameras, alpha/bravo/chief on duty."""
    section = dispatch_section(voice={"enabled": False})
    section["routes"] = [{"camera": "gate", "teams": ["alpha", "bravo"]}]
    return {
        "site": {"name": "county-market", "timezone": "Asia/Shanghai"},
        "mqtt": {"topic_prefix": prefix, "client_id": f"nw-{uuid.uuid4().hex[:10]}"},
        "cameras": {
            "gate": {
                "source": "rtsp://127.0.0.1/gate",
                "location": "东门 East gate",
                "zones": {"yard": {"polygon": [[0, 0], [1, 0], [1, 1]]}},
            },
            "market": {
                "source": "rtsp://127.0.0.1/market",
                "location": "菜市场 Market",
                "zones": {"stalls": {"polygon": [[0, 0], [1, 0], [1, 1]]}},
            },
        },
        "dispatch": section,
        **top,
    }


@dataclass
class Night:
    """What the script did, for tests that check more than the figures."""

    alerts: list[str] = field(default_factory=list)
    dispatches: list[DispatchRecord] = field(default_factory=list)
    case_id: str = ""  # the follow-up case the referral opened


class NightScript:
    """Drives the real dispatcher (no broker needed: replies go through `transition`, the
    call the MQTT inbox makes) on a real store whose clock this script moves."""

    def __init__(self, config: NightwatchConfig, store: Store, clock: FakeClock) -> None:
        self.store = store
        self.clock = clock
        outbox = Outbox(store.outbox, MqttPublisher(config.mqtt), clock)
        self.dispatcher = Dispatcher(config, store, outbox, None, clock)
        self.night = Night()

    def at(self, local_hhmm: str, seconds: float = 0) -> None:
        """Set the clock to HH:MM of the shift's evening (site time), plus `seconds`."""
        hour, minute = (int(part) for part in local_hhmm.split(":"))
        offset = timedelta(hours=hour - 20, minutes=minute, seconds=seconds)
        self.clock.now = SHIFT_START + offset

    def alert(self, camera: str, rule: str, zone: str) -> tuple[str, DispatchRecord | None]:
        payload = make_payload(camera=camera, rule=rule, zone=zone, started_at=self.clock.now)
        self.store.alerts.record(payload)
        self.night.alerts.append(payload.id)
        record = self.dispatcher.on_alert(payload)
        if record is not None:
            self.night.dispatches.append(record)
        return payload.id, record

    def answer(
        self, dispatch: DispatchRecord, team: str, state: DispatchState, after_s: float
    ) -> None:
        """The team reports `state`, `after_s` seconds after the dispatch's first order."""
        self.clock.now = dispatch.created_at + timedelta(seconds=after_s)
        outcome = Outcome.HANDLED if state == S.RESOLVED else None
        self.dispatcher.transition(dispatch.id, state, team, team, outcome, source="mqtt")

    def escalate(self, dispatch: DispatchRecord, after_s: float) -> None:
        self.clock.now = dispatch.created_at + timedelta(seconds=after_s)
        assert [r.id for r in self.dispatcher.escalate_due()] == [dispatch.id]

    def resolve_alert(self, alert_id: str, outcome: Outcome) -> None:
        self.store.alerts.resolve(alert_id, "operator-1", outcome, None, "console")

    def refer_to_police(self, alert_id: str, due_local: str) -> None:
        """Resolve as referred to the police, opening a follow-up case due at HH:MM."""
        hour, minute = (int(part) for part in due_local.split(":"))
        due_at = SHIFT_START + timedelta(hours=hour - 20, minutes=minute)
        plan = CasePlan(owner="bravo", due_at=due_at, title="东门 referral")
        self.night.case_id = self.store.cases.resolve_into_case(
            alert_id,
            "operator-1",
            Outcome.REFERRED_POLICE,
            None,
            "console",
            plan=plan,
            announce=lambda _case, _action: [],
        )[1].id


def script_night(config: NightwatchConfig, store: Store, clock: FakeClock) -> Night:
    """Five alerts in the shift, one before and one after it (site time)."""
    night = NightScript(config, store, clock)
    night.at("19:50")
    _a0, d0 = night.alert("gate", "gate-intrusion", "yard")  # before the shift: not counted
    assert d0 is not None
    night.answer(d0, "alpha", S.ACKNOWLEDGED, 5)

    night.at("20:10")
    a1, d1 = night.alert("gate", "gate-intrusion", "yard")
    assert d1 is not None and d1.team == "alpha"
    night.answer(d1, "alpha", S.ACKNOWLEDGED, 30)
    night.answer(d1, "alpha", S.ON_SCENE, 300)
    night.answer(d1, "alpha", S.RESOLVED, 600)
    night.resolve_alert(a1, Outcome.HANDLED)

    night.at("20:40")
    a2, d2 = night.alert("gate", "gate-intrusion", "yard")
    assert d2 is not None
    night.answer(d2, "alpha", S.EN_ROUTE, 90)  # skips acknowledged: its first answer
    night.answer(d2, "alpha", S.ON_SCENE, 420)
    night.answer(d2, "alpha", S.RESOLVED, 900)
    night.resolve_alert(a2, Outcome.FALSE_ALARM)

    night.at("21:15")
    a3, d3 = night.alert("gate", "gate-intrusion", "yard")
    assert d3 is not None
    night.escalate(d3, 60)  # alpha stays silent for escalation.after_s
    night.answer(d3, "bravo", S.ACKNOWLEDGED, 100)
    night.answer(d3, "bravo", S.ON_SCENE, 500)
    night.answer(d3, "bravo", S.RESOLVED, 1000)
    night.refer_to_police(a3, due_local="23:00")  # opens a case, overdue by the shift's end

    night.at("22:05")
    _a4, d4 = night.alert("gate", "gate-intrusion", "yard")
    assert d4 is not None
    night.answer(d4, "alpha", S.ACKNOWLEDGED, 45)
    night.answer(d4, "alpha", S.ON_SCENE, 200)  # still on scene when the shift ends

    night.at("23:30")
    a5, d5 = night.alert("market", "market-loiter", "stalls")  # no route: the supervisor
    assert d5 is not None and d5.team == "chief"
    night.resolve_alert(a5, Outcome.FALSE_ALARM)

    night.at("23:59", 59)
    night.clock.now += timedelta(seconds=1)  # 24:00: the next shift's time
    night.alert("market", "market-loiter", "stalls")
    return night.night


# Worked out by hand from the script. Percentiles interpolate linearly between ranks:
# alpha acknowledged: 30, 45, 90 -> p50 45, p90 45 + 0.8 * (90 - 45) = 81, max 90
# alpha on scene: 200, 300, 420 -> p50 300, p90 300 + 0.8 * 120 = 396, max 420
# alpha resolved: 600, 900 -> p50 750, p90 600 + 0.9 * 300 = 870, max 900
# bravo (after the escalation, from the first order): 100, 500, 1000
EXPECTED_TEAMS = {
    "alpha": {
        "orders": 4,
        "acknowledged_s": {"count": 3, "p50": 45.0, "p90": 81.0, "max": 90.0},
        "on_scene_s": {"count": 3, "p50": 300.0, "p90": 396.0, "max": 420.0},
        "resolved_s": {"count": 2, "p50": 750.0, "p90": 870.0, "max": 900.0},
    },
    "bravo": {
        "orders": 1,
        "acknowledged_s": {"count": 1, "p50": 100.0, "p90": 100.0, "max": 100.0},
        "on_scene_s": {"count": 1, "p50": 500.0, "p90": 500.0, "max": 500.0},
        "resolved_s": {"count": 1, "p50": 1000.0, "p90": 1000.0, "max": 1000.0},
    },
    "chief": {
        "orders": 1,
        "acknowledged_s": {"count": 0, "p50": None, "p90": None, "max": None},
        "on_scene_s": {"count": 0, "p50": None, "p90": None, "max": None},
        "resolved_s": {"count": 0, "p50": None, "p90": None, "max": None},
    },
}
EXPECTED_BY_HOUR = {"20:00": 2, "21:00": 1, "22:00": 1, "23:00": 1}
EXPECTED_OUTCOMES = {
    **{outcome.value: 0 for outcome in Outcome},
    "handled": 1,
    "false_alarm": 2,
    "referred_police": 1,
}

"""Published payloads: versioned schemas, UTC ISO-8601 times, objects with ids and boxes."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

from alerts.lifecycle import AlertKey, AlertLifecycle, LifecycleSettings
from alerts.payloads import ALERT_SCHEMA, AlertPayload, alert_payload
from tests.support.factories import at, make_verdict


def test_an_alert_payload_carries_every_documented_field() -> None:
    lifecycle = AlertLifecycle(
        AlertKey("gate", "after-hours", "yard"),
        "intrusion",
        LifecycleSettings(severity="critical", clear_s=1, cooldown_s=1, update_interval_s=1),
    )
    (event,) = lifecycle.step(make_verdict(True, [4, 9]), at(0.25))

    body = json.loads(alert_payload(event, site="county").to_json())

    assert body["schema"] == ALERT_SCHEMA
    assert (body["type"], body["site"], body["camera"], body["rule"], body["zone"]) == (
        "new",
        "county",
        "gate",
        "after-hours",
        "yard",
    )
    assert (body["rule_type"], body["severity"], body["ended_at"]) == (
        "intrusion",
        "critical",
        None,
    )
    for field in ("started_at", "frame_time"):
        parsed = datetime.fromisoformat(body[field])
        assert parsed.utcoffset() == timedelta(0)
        assert parsed == at(0.25)
    assert [item["track_id"] for item in body["objects"]] == [4, 9]
    first = body["objects"][0]
    assert first["label"] == "person"
    assert 0 < first["score"] <= 1
    x1, y1, x2, y2 = first["box"]
    assert x1 < x2 and y1 < y2
    assert AlertPayload.model_validate(body) == alert_payload(event, site="county")

"""Follow-up cases over the API on a real store (both databases): a referral opens a case in the
same write as the resolution; the case gathers alerts, notes, a new owner and due date, and
closes only with a result; every change is audited and announced; a patrol sees only the
cases it owns; bad input is refused with the reason and changes nothing."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

from tests.console.conftest import Console
from tests.console.support import seed_alert

CASES = "/api/v1/cases"


def now(console: Console) -> datetime:
    """The store's clock, which stamps records and judges due dates (moved by the tests)."""
    return console.store.database.clock()


def resolve(console: Console, alert_id: str, outcome: str, **extra: Any) -> Any:
    body = {"outcome": outcome, "note": "seen on camera", **extra}
    return console.client.post(
        f"/api/v1/alerts/{alert_id}/resolve", json=body, headers=console.as_user("op")
    )


def case_messages(console: Console, case_id: str) -> list[dict[str, Any]]:
    rows = [row for row in console.store.outbox.all() if row.message.topic.endswith(case_id)]
    return [json.loads(row.message.payload) for row in rows]


def test_a_referral_opens_a_case_with_defaults_in_the_resolving_write(console_on: Console) -> None:
    console = console_on
    answer = resolve(console, console.alert_id, "referred_police")
    assert answer.status_code == 200, answer.text
    assert answer.json()["outcome"] == "referred_police"
    [case] = console.client.get(CASES, headers=console.as_user("op")).json()["items"]
    assert (case["kind"], case["owner"], case["state"]) == ("referred_police", "op", "open")
    assert case["alert_ids"] == [console.alert_id]
    assert "Gate" in case["title"] or "gate" in case["title"]
    due = datetime.fromisoformat(case["due_at"])
    assert due == now(console) + timedelta(hours=72)
    actions = [record.action for record in console.store.audit.for_target(case["id"])]
    assert actions == ["case.open", "case.alert_added"]
    [message] = case_messages(console, case["id"])
    assert (message["schema"], message["event"], message["case_id"]) == (
        "nightwatch.case/1",
        "open",
        case["id"],
    )


def test_a_case_gathers_alerts_takes_notes_and_closes_only_with_a_result(console: Console) -> None:
    due = (now(console) + timedelta(days=2)).isoformat()
    case = {"owner": "team-a", "due_at": due, "title": "Stall 12 gas cylinders"}
    assert resolve(console, console.alert_id, "referred_market_supervision", case=case).is_success
    [opened] = console.client.get(CASES, headers=console.as_user("op")).json()["items"]
    case_id = opened["id"]
    assert (opened["owner"], opened["title"]) == ("team-a", "Stall 12 gas cylinders")

    second = seed_alert(console.store, camera="gate")
    joined = resolve(console, second, "referred_market_supervision", case_id=case_id)
    assert joined.status_code == 200, joined.text
    op = console.as_user("op")
    note = console.client.post(f"{CASES}/{case_id}/notes", json={"text": "called"}, headers=op)
    assert note.status_code == 200, note.text
    later = (now(console) + timedelta(days=5)).isoformat()
    moved = console.client.patch(f"{CASES}/{case_id}", json={"due_at": later}, headers=op)
    assert moved.status_code == 200, moved.text
    empty = console.client.post(f"{CASES}/{case_id}/close", json={"result": ""}, headers=op)
    assert empty.status_code == 422
    closed = console.client.post(
        f"{CASES}/{case_id}/close", json={"result": "licence shown"}, headers=op
    )
    assert closed.status_code == 200, closed.text
    assert (closed.json()["state"], closed.json()["result"]) == ("closed", "licence shown")
    again = console.client.post(f"{CASES}/{case_id}/notes", json={"text": "x"}, headers=op)
    assert again.status_code == 409 and "closed" in again.json()["detail"]

    detail = console.client.get(f"{CASES}/{case_id}", headers=op).json()
    assert sorted(alert["id"] for alert in detail["alerts"]) == sorted([console.alert_id, second])
    assert all(alert["evidence"] for alert in detail["alerts"]), "their evidence is on the case"
    assert [n["text"] for n in detail["notes"]] == ["called"]
    assert [entry["action"] for entry in detail["timeline"]] == [
        "case.open",
        "case.alert_added",
        "case.alert_added",
        "case.note",
        "case.due_changed",
        "case.close",
    ]
    events = [message["event"] for message in case_messages(console, case_id)]
    assert events == ["open", "alert_added", "note", "due_changed", "close"]


def test_bad_input_is_refused_and_changes_nothing(console: Console) -> None:
    past = (now(console) - timedelta(hours=1)).isoformat()
    refused = resolve(console, console.alert_id, "referred_police", case={"due_at": past})
    assert refused.status_code == 422
    assert "in the past" in refused.json()["detail"]
    handled = resolve(console, console.alert_id, "handled", case={"owner": "op"})
    assert handled.status_code == 422 and "opens no case" in handled.json()["detail"]
    naive = resolve(
        console, console.alert_id, "needs_follow_up", case={"due_at": "2030-01-01T00:00"}
    )
    assert naive.status_code == 422
    unknown = resolve(console, console.alert_id, "needs_follow_up", case_id="case-nope")
    assert unknown.status_code == 404
    # Nothing of the refused requests was kept: the alert is still unresolved, no case exists.
    alert = console.store.alerts.get(console.alert_id)
    assert alert is not None and alert.disposition.resolved_by is None
    assert console.client.get(CASES, headers=console.as_user("op")).json()["items"] == []

    assert resolve(console, console.alert_id, "needs_follow_up").status_code == 200
    [case] = console.client.get(CASES, headers=console.as_user("op")).json()["items"]
    other = seed_alert(console.store)
    assert resolve(console, other, "needs_follow_up").status_code == 200
    taken = console.client.post(
        f"{CASES}/{case['id']}/alerts", json={"alert_id": other}, headers=console.as_user("op")
    )
    assert taken.status_code == 409 and "belongs to case" in taken.json()["detail"]


def test_a_patrol_sees_and_works_only_the_cases_it_owns(console: Console) -> None:
    assert resolve(
        console, console.alert_id, "needs_follow_up", case={"owner": "team-a"}
    ).is_success
    [case] = console.client.get(CASES, headers=console.as_user("op")).json()["items"]
    mine = console.client.get(CASES, headers=console.as_user("pa")).json()["items"]
    assert [item["id"] for item in mine] == [case["id"]]
    assert console.client.get(CASES, headers=console.as_user("pb")).json()["items"] == []
    hidden = console.client.get(f"{CASES}/{case['id']}", headers=console.as_user("pb"))
    assert hidden.status_code == 404
    closed = console.client.post(
        f"{CASES}/{case['id']}/close", json={"result": "talked to the owner"},
        headers=console.as_user("pa"),
    )  # fmt: skip
    assert closed.status_code == 200, closed.text
    audited = console.client.get(f"{CASES}/{case['id']}", headers=console.as_user("au"))
    assert audited.json()["closed_by"] == "pa"


def test_overdue_lists_open_cases_past_their_due_date(console: Console) -> None:
    soon = (now(console) + timedelta(hours=1)).isoformat()
    assert resolve(console, console.alert_id, "referred_fire", case={"due_at": soon}).is_success
    op = console.as_user("op")
    assert console.client.get(CASES, params={"overdue": True}, headers=op).json()["items"] == []
    console.store.database.clock.advance(hours=1)  # type: ignore[attr-defined]
    [late] = console.client.get(CASES, params={"overdue": True}, headers=op).json()["items"]
    assert late["overdue"] is True and late["kind"] == "referred_fire"

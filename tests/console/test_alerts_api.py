"""Alerts through the API: filters, paging through thousands, detail, evidence, actions."""

from __future__ import annotations

from datetime import timedelta

from tests.alerts.store.support import T0, make_payload
from tests.console.conftest import Console

API = "/api/v1/alerts"


def seed_many(console: Console, count: int) -> None:
    cameras, severities = ("gate", "yard"), ("low", "medium", "high", "critical")
    payloads = [
        make_payload(
            camera=cameras[index % 2],
            rule=f"rule-{index % 3}",
            zone=f"zone-{index % 5}",
            severity=severities[index % 4],
            started_at=T0 + timedelta(seconds=index),
        )
        for index in range(count)
    ]
    console.store.alerts.record(*payloads)


def test_paging_through_thousands_of_alerts_by_cursor_sees_each_once(console_on: Console) -> None:
    console = console_on
    seed_many(console, 2000)
    headers = console.as_user("au")
    seen: list[str] = []
    url = f"{API}?camera=gate&limit=200&count=true"
    first = console.client.get(url, headers=headers).json()
    assert first["total"] == 1000 + 1  # and the seeded alert from the fixture
    page = first
    while True:
        seen += [item["id"] for item in page["items"]]
        if page["next_cursor"] is None:
            break
        page = console.client.get(f"{url}&cursor={page['next_cursor']}", headers=headers).json()
    assert len(seen) == len(set(seen)) == 1001


def test_filters_combine(console: Console) -> None:
    seed_many(console, 60)
    headers = console.as_user("op")
    since = (T0 + timedelta(seconds=10)).isoformat()
    until = (T0 + timedelta(seconds=40)).isoformat()
    query = {
        "camera": "yard",
        "severity": ["high", "critical"],
        "since": since,
        "until": until,
        "state": "open",
        "limit": 100,
    }
    items = console.client.get(API, params=query, headers=headers).json()["items"]
    assert items, "nothing matched"
    for item in items:
        assert item["camera"] == "yard" and item["severity"] in ("high", "critical")
        assert item["location"] == "East yard"
    rule = console.client.get(API, params={"rule": "rule-1", "zone": "zone-2"}, headers=headers)
    assert {(i["rule"], i["zone"]) for i in rule.json()["items"]} == {("rule-1", "zone-2")}
    naive = console.client.get(API, params={"since": "2026-03-01T22:00:00"}, headers=headers)
    assert naive.status_code == 422


def test_detail_has_evidence_timeline_and_dispatch(console: Console) -> None:
    detail = console.client.get(f"{API}/{console.alert_id}", headers=console.as_user("op")).json()
    kinds = sorted(item["kind"] for item in detail["evidence"])
    assert kinds == ["clip", "snapshot", "snapshot_annotated"]
    assert detail["clip_url"] == f"{API}/{console.alert_id}/clip"
    assert [entry["action"] for entry in detail["timeline"]][:2] == ["alert.new", "alert.end"]
    assert [item["team"] for item in detail["dispatches"]] == ["team-a"]
    assert detail["location"] == "北门广场"


def test_acknowledge_then_resolve_as_false_alarm(console: Console) -> None:
    headers = console.as_user("op")
    url = f"{API}/{console.alert_id}"
    ack = console.client.post(f"{url}/acknowledge", json={"note": "看到了"}, headers=headers)
    assert ack.json()["acknowledged_by"] == "op"
    body = {"outcome": "false_alarm", "note": "树影晃动"}
    resolved = console.client.post(f"{url}/resolve", json=body, headers=headers).json()
    assert (resolved["resolved_by"], resolved["outcome"], resolved["note"]) == (
        "op",
        "false_alarm",
        "树影晃动",
    )
    assert console.client.post(f"{url}/resolve", json=body, headers=headers).status_code == 409
    alert = console.store.alerts.get(console.alert_id)
    assert alert is not None and alert.category == "false_alarm"  # the shorter retention
    listed = console.client.get(API, headers=headers).json()["items"][0]
    assert listed["disposition"]["resolved_by"] == "op"


def test_a_clip_answers_range_requests_so_a_browser_can_seek(
    console: Console, clip_bytes: bytes
) -> None:
    url = f"{API}/{console.alert_id}/clip"
    headers = console.as_user("op")
    whole = console.client.get(url, headers=headers)
    assert whole.status_code == 200 and whole.content == clip_bytes
    assert whole.headers["accept-ranges"] == "bytes"
    assert whole.headers["content-type"] == "video/mp4"
    middle = len(clip_bytes) // 2
    part = console.client.get(url, headers={**headers, "Range": f"bytes={middle}-{middle + 999}"})
    assert part.status_code == 206
    assert part.headers["content-range"] == f"bytes {middle}-{middle + 999}/{len(clip_bytes)}"
    assert part.content == clip_bytes[middle : middle + 1000]
    tail = console.client.get(url, headers={**headers, "Range": "bytes=-100"})
    assert tail.content == clip_bytes[-100:]
    beyond = console.client.get(url, headers={**headers, "Range": f"bytes={len(clip_bytes)}-"})
    assert beyond.status_code == 416


def test_every_view_is_audited_with_the_user_once_per_viewing(console: Console) -> None:
    base = f"{API}/{console.alert_id}"
    for name in ("op", "au"):
        for offset in (0, 1000, 5000):  # one playback, seeking: one view
            headers = {**console.as_user(name), "Range": f"bytes={offset}-"}
            console.client.get(f"{base}/clip", headers=headers)
        console.client.get(f"{base}/snapshot", headers=console.as_user(name))
    views = [
        r for r in console.store.audit.for_target(console.alert_id) if r.action == "evidence.view"
    ]
    seen = sorted((r.actor, r.details["kind"]) for r in views)
    assert seen == [
        ("au", "clip"),
        ("au", "snapshot_annotated"),
        ("op", "clip"),
        ("op", "snapshot_annotated"),
    ]
    assert all(r.evidence_sha256 for r in views)


def test_an_export_is_a_verifiable_bundle_and_audited(console: Console) -> None:
    from alerts.store.bundle_check import verify_bundle

    response = console.client.get(
        f"/api/v1/audit/export/{console.alert_id}", headers=console.as_user("au")
    )
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/zip"
    bundle = console.store.media_dir.parent / "bundle.zip"
    bundle.write_bytes(response.content)
    assert verify_bundle(bundle).ok
    exports = [
        r for r in console.store.audit.for_target(console.alert_id) if r.action == "evidence.export"
    ]
    assert [(r.actor, r.evidence_sha256) for r in exports] == [
        ("au", response.headers["x-manifest-sha256"])
    ]

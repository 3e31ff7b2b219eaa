from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from alerts.audit import AuditEntry, sha256_file
from alerts.store import AlertQuery, Store, StoreError, UnknownAlertError, open_store
from alerts.store.verify import verify_store
from tests.alerts.store.support import (
    T0,
    FakeClock,
    database_url,
    make_payload,
    record_ended_alert,
    tamper,
    write_media,
)


def test_an_alerts_messages_are_stored_with_its_state_and_audited(store: Store) -> None:
    new = make_payload(started_at=T0)
    update = new.model_copy(update={"type": "update", "frame_time": T0 + timedelta(seconds=5)})
    ended_at = T0 + timedelta(seconds=40)
    end = new.model_copy(update={"type": "end", "frame_time": ended_at, "ended_at": ended_at})

    store.alerts.record(new)
    assert store.alerts.get(new.id).state == "open"  # type: ignore[union-attr]
    store.alerts.record(update)
    store.alerts.record(end)

    alert = store.alerts.get(new.id)
    assert alert is not None
    assert (alert.state, alert.started_at, alert.ended_at) == ("ended", T0, ended_at)
    assert (alert.camera, alert.rule, alert.zone, alert.severity) == (
        "gate",
        "gate-intrusion",
        "dock",
        "high",
    )
    assert (alert.category, alert.legal_hold) == ("normal", False)
    assert alert.payload["type"] == "end"
    assert alert.payload["objects"][0]["label"] == "person"
    assert [item.type for item in store.alerts.transitions(new.id)] == ["new", "update", "end"]
    records = store.audit.for_target(new.id)
    assert [record.action for record in records] == ["alert.new", "alert.update", "alert.end"]
    assert {(record.actor, record.source) for record in records} == {("system", "pipeline")}
    assert [t.audit_id for t in store.alerts.transitions(new.id)] == [r.id for r in records]


def test_times_are_stored_as_utc_and_come_back_aware(store: Store) -> None:
    shanghai = timezone(timedelta(hours=8))
    local_start = datetime(2026, 3, 2, 6, 0, 0, 123456, tzinfo=shanghai)
    payload = make_payload(started_at=local_start)
    store.alerts.record(payload)

    alert = store.alerts.get(payload.id)
    assert alert is not None
    assert alert.started_at == local_start
    assert alert.started_at.tzinfo == UTC
    assert alert.started_at.hour == 22 and alert.started_at.microsecond == 123456
    naive = datetime(2026, 3, 2, 6, 0)
    with pytest.raises(Exception, match="naive"):
        store.evidence.add(
            payload.id, "snapshot", write_media(store, "a.jpg", b"x"), naive, naive, "jpeg", 1, 1
        )


def test_alerts_are_found_by_every_filter(store: Store) -> None:
    hour = timedelta(hours=1)
    ids = {
        "a": record_ended_alert(store, T0, camera="gate", severity="high"),
        "b": record_ended_alert(store, T0 + hour, camera="yard", zone="fence", severity="low"),
        "c": record_ended_alert(store, T0 + 2 * hour, rule="yard-loiter", severity="critical"),
    }
    open_alert = make_payload(started_at=T0 + 3 * hour, camera="yard", zone="fence")
    store.alerts.record(open_alert)
    ids["d"] = open_alert.id
    store.alerts.set_category(ids["c"], "dispatched", actor="op")
    store.alerts.set_legal_hold(ids["a"], True, actor="op")
    expected = {
        AlertQuery(): "dcba",
        AlertQuery(camera="yard"): "db",
        AlertQuery(rule="yard-loiter"): "c",
        AlertQuery(zone="fence"): "db",
        AlertQuery(severity="low"): "b",
        AlertQuery(severity=("high", "critical")): "dca",
        AlertQuery(state="open"): "d",
        AlertQuery(state="ended"): "cba",
        AlertQuery(since=T0 + hour): "dcb",
        AlertQuery(until=T0 + hour): "a",
        AlertQuery(since=T0 + hour, until=T0 + 3 * hour): "cb",
        AlertQuery(category="dispatched"): "c",
        AlertQuery(legal_hold=True): "a",
        AlertQuery(camera="yard", state="ended"): "b",
        AlertQuery(camera="nowhere"): "",
    }
    by_id = {alert_id: letter for letter, alert_id in ids.items()}
    for query, letters in expected.items():
        found = "".join(by_id[alert.id] for alert in store.alerts.query(query))
        assert found == letters, query
        assert store.alerts.count(query) == len(letters), query


def test_3000_alerts_page_by_keyset_and_offset_without_gaps(store: Store) -> None:
    payloads = [
        make_payload(started_at=T0 + timedelta(seconds=index // 2)) for index in range(3000)
    ]
    store.alerts.record(*payloads)  # pairs share started_at: the id breaks the tie
    newest_first = sorted(payloads, key=lambda p: (p.started_at, p.id), reverse=True)

    seen: list[str] = []
    query: AlertQuery | None = AlertQuery(limit=250)
    while query is not None:
        page = store.alerts.query(query)
        seen.extend(alert.id for alert in page)
        query = query.next_page(page)
    assert seen == [payload.id for payload in newest_first]

    by_offset = store.alerts.query(AlertQuery(limit=250, offset=2750))
    assert [alert.id for alert in by_offset] == seen[2750:]
    assert store.alerts.count(AlertQuery(camera="gate")) == 3000


def test_evidence_is_hashed_stored_relative_and_audited(store: Store) -> None:
    alert_id = record_ended_alert(store, T0)
    clip = write_media(store, "clips/gate/2026-03-01/clip.mp4", b"\x00\x01clip-bytes" * 100)

    evidence = store.evidence.add(
        alert_id, "clip", clip, T0, T0 + timedelta(seconds=30), "h264", 1920, 1080
    )

    digest, size = sha256_file(clip)
    assert (evidence.path, evidence.sha256, evidence.size_bytes) == (
        "clips/gate/2026-03-01/clip.mp4",
        digest,
        size,
    )
    assert (evidence.kind, evidence.codec, evidence.width, evidence.height) == (
        "clip",
        "h264",
        1920,
        1080,
    )
    assert store.evidence.for_alert(alert_id) == [evidence]
    added = store.audit.for_target(alert_id)[-1]
    assert (added.action, added.evidence_sha256) == ("evidence.add", digest)
    assert added.details["path"] == evidence.path


def test_evidence_outside_the_media_folder_or_of_an_unknown_alert_is_refused(
    store: Store, tmp_path: Path
) -> None:
    alert_id = record_ended_alert(store, T0)
    outside = tmp_path / "elsewhere.jpg"
    outside.write_bytes(b"x")
    with pytest.raises(StoreError, match="not inside the media folder"):
        store.evidence.add(alert_id, "snapshot", outside, T0, T0, "jpeg", 1, 1)
    inside = write_media(store, "a.jpg", b"x")
    with pytest.raises(UnknownAlertError):
        store.evidence.add("no-such-alert", "snapshot", inside, T0, T0, "jpeg", 1, 1)
    with pytest.raises(StoreError, match="kind"):
        store.evidence.add(alert_id, "thumbnail", inside, T0, T0, "jpeg", 1, 1)


def test_human_actions_legal_hold_and_category_are_audited(store: Store, clock: FakeClock) -> None:
    alert_id = record_ended_alert(store, T0)
    clock.advance(minutes=5)
    viewed = store.audit.append(
        AuditEntry("alice", "clip.view", alert_id, {"evidence_id": 1}, "10.0.0.7")
    )
    store.alerts.set_legal_hold(alert_id, True, actor="bob", source="10.0.0.8")
    store.alerts.set_category(alert_id, "flagged", actor="bob")

    alert = store.alerts.get(alert_id)
    assert alert is not None and alert.legal_hold and alert.category == "flagged"
    records = store.audit.for_target(alert_id)[-3:]
    assert viewed == records[0]
    assert (viewed.actor, viewed.source, viewed.at) == ("alice", "10.0.0.7", clock.now)
    assert [(r.actor, r.action, dict(r.details)) for r in records[1:]] == [
        ("bob", "alert.legal_hold", {"legal_hold": True, "previous": False}),
        ("bob", "alert.category", {"category": "flagged", "previous": "normal"}),
    ]
    with pytest.raises(StoreError, match="category"):
        store.alerts.set_category(alert_id, "boring", actor="bob")  # type: ignore[arg-type]


def test_the_audit_table_refuses_updates_and_deletes(store: Store) -> None:
    store.audit.append(AuditEntry("alice", "login", "console", {}, "10.0.0.7"))
    engine = store.database.engine  # a mistaken UPDATE through an ordinary connection
    with pytest.raises(Exception, match="append-only"), engine.begin() as connection:
        connection.exec_driver_sql("UPDATE audit_log SET actor = 'mallory'")
    with pytest.raises(Exception, match="append-only"), engine.begin() as connection:
        connection.exec_driver_sql("DELETE FROM audit_log")
    assert verify_store(store).ok


def test_camera_threads_writing_at_once_never_fork_the_chain(store: Store) -> None:
    def camera(name: str) -> None:
        for index in range(15):
            alert_id = record_ended_alert(store, T0 + timedelta(minutes=index), camera=name)
            store.audit.append(AuditEntry("system", "clip.view", alert_id, {"camera": name}, None))

    threads = [threading.Thread(target=camera, args=(f"cam{i}",)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    report = verify_store(store)
    assert report.ok, report.problems
    assert report.records_checked == 4 * 15 * 3
    assert store.audit.head()[0] == 4 * 15 * 3


def test_opening_again_keeps_the_data_and_the_schema(tmp_path: Path) -> None:
    with database_url("sqlite", tmp_path) as url:
        first = open_store(url, tmp_path / "media")
        alert_id = record_ended_alert(first, T0)
        first.close()
        second = open_store(url, tmp_path / "media")
        assert second.alerts.get(alert_id) is not None
        assert verify_store(second).ok
        second.close()


def test_tamper_helper_reaches_the_table(store: Store) -> None:
    store.audit.append(AuditEntry("alice", "login", "console", {}, None))
    tamper(store, "UPDATE audit_log SET actor = :actor", actor="mallory")
    assert store.audit.records()[0].actor == "mallory"


def test_the_migrations_build_exactly_the_tables_the_models_describe(store: Store) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from alerts.store.models import Base

    with store.database.engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    assert differences == []

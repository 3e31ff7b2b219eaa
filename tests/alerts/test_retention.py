"""Retention: by category age, then by quota oldest-first; never a legal hold; all audited."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from alerts.audit import sha256_file
from alerts.retention import apply_retention, media_usage
from alerts.store import AlertQuery, Category, Store
from alerts.store.verify import verify_store
from config.storage import GIB, RetentionConfig, StorageConfig
from tests.alerts.store.support import (
    BACKENDS,
    T0,
    add_snapshot,
    make_payload,
    open_test_store,
    record_ended_alert,
)

DAY = timedelta(days=1)
RETENTION = RetentionConfig(normal=30, false_alarm=7, dispatched=180, flagged=None)


@pytest.fixture(params=BACKENDS)
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    with open_test_store(request.param, tmp_path) as opened:
        yield opened


def _config(quota_bytes: int | None = None) -> StorageConfig:
    quota_gib = None if quota_bytes is None else quota_bytes / GIB
    return StorageConfig(retention=RETENTION, media_quota_gib=quota_gib)


def _alert_with_snapshot(
    store: Store, name: str, ended_days_ago: float, category: Category, size: int = 100
) -> str:
    started_at = NOW - timedelta(days=ended_days_ago, seconds=30)
    alert_id = record_ended_alert(store, started_at)
    add_snapshot(store, alert_id, name, name.encode().ljust(size, b"."), started_at)
    if category != "normal":
        store.alerts.set_category(alert_id, category, actor="operator")
    return alert_id


NOW = T0 + 400 * DAY


def test_ended_alerts_expire_by_their_categorys_retention(store: Store) -> None:
    keep = {
        _alert_with_snapshot(store, "normal-29d", 29, "normal"),
        _alert_with_snapshot(store, "false-alarm-6d", 6, "false_alarm"),
        _alert_with_snapshot(store, "dispatched-179d", 179, "dispatched"),
        _alert_with_snapshot(store, "flagged-forever", 399, "flagged"),
    }
    expire = {
        _alert_with_snapshot(store, "normal-31d", 31, "normal"),
        _alert_with_snapshot(store, "false-alarm-8d", 8, "false_alarm"),
        _alert_with_snapshot(store, "dispatched-181d", 181, "dispatched"),
    }
    store.alerts.record(make_payload(started_at=NOW - 90 * DAY))  # still open: never expires
    files = {a: store.evidence.for_alert(a)[0] for a in expire}

    report = apply_retention(store, _config(), NOW)

    assert (report.alerts_deleted, report.files_deleted) == (3, 3)
    assert report.bytes_freed == 300
    for alert_id in expire:
        assert store.alerts.get(alert_id) is None
        assert not (store.media_dir / files[alert_id].path).exists()
        deletions = [r for r in store.audit.for_target(alert_id) if r.actor == "retention"]
        assert [r.action for r in deletions] == ["evidence.delete", "alert.delete"]
        assert deletions[0].evidence_sha256 == files[alert_id].sha256
        assert deletions[0].details["path"] == files[alert_id].path
    for alert_id in keep:
        assert store.alerts.get(alert_id) is not None
        assert len(store.evidence.for_alert(alert_id)) == 1
    assert store.alerts.count(AlertQuery()) == 5
    assert verify_store(store).ok, verify_store(store).problems


def test_a_legal_hold_outlives_retention_and_quota(store: Store) -> None:
    held = _alert_with_snapshot(store, "held", 1000, "false_alarm", size=5000)
    store.alerts.set_legal_hold(held, True, actor="counsel")
    path = store.media_dir / store.evidence.for_alert(held)[0].path

    report = apply_retention(store, _config(quota_bytes=1000), NOW)

    assert (report.alerts_deleted, report.files_deleted) == (0, 0)
    assert store.alerts.get(held) is not None and path.exists()
    assert report.over_quota  # the only media is on hold: reported, not deleted
    store.alerts.set_legal_hold(held, False, actor="counsel")
    assert apply_retention(store, _config(), NOW).alerts_deleted == 1


def test_over_quota_the_oldest_files_go_first(store: Store) -> None:
    ids = [
        _alert_with_snapshot(store, f"day-{age}", age, "flagged", 1000) for age in (5, 4, 3, 2, 1)
    ]
    store.alerts.set_legal_hold(ids[0], True, actor="counsel")  # the oldest, but held
    assert media_usage(store.media_dir) == 5000

    report = apply_retention(store, _config(quota_bytes=3000), NOW)

    remaining = [bool(store.evidence.for_alert(alert_id)) for alert_id in ids]
    assert remaining == [True, False, False, True, True]
    assert (report.files_deleted, report.bytes_freed, report.alerts_deleted) == (2, 2000, 0)
    assert report.media_bytes == media_usage(store.media_dir) == 3000
    assert not report.over_quota
    deleted = store.evidence.for_alert(ids[1], include_deleted=True)[0]
    assert deleted.deleted_at is not None
    record = store.audit.for_target(ids[1])[-1]
    assert (record.actor, record.action, record.evidence_sha256) == (
        "retention",
        "evidence.delete",
        deleted.sha256,
    )
    assert record.details["reason"].startswith("quota")
    assert verify_store(store).ok


def test_without_a_quota_or_anything_expired_nothing_is_deleted(store: Store) -> None:
    alert_id = _alert_with_snapshot(store, "recent", 1, "normal")
    path = store.media_dir / store.evidence.for_alert(alert_id)[0].path
    digest = sha256_file(path)[0]
    report = apply_retention(store, _config(), NOW)
    assert (report.alerts_deleted, report.files_deleted, report.over_quota) == (0, 0, False)
    assert sha256_file(path)[0] == digest


def test_storage_defaults_and_a_bad_database_url() -> None:
    storage = StorageConfig()
    assert storage.resolved_database_url == "sqlite:///data/nightwatch.db"
    assert storage.media_path == Path("data/media")
    assert storage.media_quota_bytes == 50 * GIB
    days = {c: storage.retention.days_for(c) for c in ("normal", "false_alarm", "dispatched")}
    assert days == {"normal": 30, "false_alarm": 7, "dispatched": 180}
    assert storage.retention.days_for("flagged") == 365
    with pytest.raises(ValueError, match="database scheme 'mysql' is not supported"):
        StorageConfig(database_url="mysql://root@localhost/nightwatch")
    with pytest.raises(ValueError, match="extra"):
        StorageConfig.model_validate({"retention": {"normall": 3}})

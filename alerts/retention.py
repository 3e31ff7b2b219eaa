"""Retention: ended alerts expire by category, media stays under its quota, legal holds stay.

Every deletion is an audit record (actor 'retention', with the deleted file's SHA-256), so an
auditor can tell a file retention removed from one that went missing.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from alerts.store import CATEGORIES, LegalHoldError, Store, StoreError
from config.storage import GIB, StorageConfig

ACTOR = "retention"
_BATCH = 200


@dataclass(slots=True)
class RetentionReport:
    """What one pass deleted, and where the media folder stands afterwards."""

    alerts_deleted: int = 0
    files_deleted: int = 0
    bytes_freed: int = 0
    media_bytes: int = 0
    quota_bytes: int | None = None
    skipped_on_hold: int = 0

    @property
    def over_quota(self) -> bool:
        """Still over quota: what is left is under legal hold or not known to the store."""
        return self.quota_bytes is not None and self.media_bytes > self.quota_bytes


def apply_retention(store: Store, config: StorageConfig, now: datetime) -> RetentionReport:
    """Delete expired alerts, then the oldest evidence files while media is over quota.

    Call it periodically (every `config.retention_interval_s`); `now` is passed in.
    """
    report = RetentionReport(quota_bytes=config.media_quota_bytes)
    _expire_alerts(store, config, now, report)
    report.media_bytes = media_usage(store.media_dir)
    if report.quota_bytes is not None and report.media_bytes > report.quota_bytes:
        _enforce_quota(store, report.quota_bytes, report)
    return report


def _expire_alerts(
    store: Store, config: StorageConfig, now: datetime, report: RetentionReport
) -> None:
    for category in CATEGORIES:
        days = config.retention.days_for(category)
        if days is None:
            continue
        cutoff = now - timedelta(days=days)
        reason = f"age: {category} alert ended more than {days} days ago"
        # Each pass deletes what it found, so the next query starts on fresh rows.
        while batch := store.alerts.expired(category, cutoff, _BATCH):
            for alert in batch:
                try:
                    files = store.alerts.delete(alert.id, ACTOR, reason)
                except LegalHoldError:
                    report.skipped_on_hold += 1  # put on hold since the query
                    continue
                except StoreError:
                    continue  # deleted by another process meanwhile
                report.alerts_deleted += 1
                report.files_deleted += len(files)
                report.bytes_freed += sum(file.size_bytes for file in files)


def _enforce_quota(store: Store, quota_bytes: int, report: RetentionReport) -> None:
    reason = f"quota: media over {quota_bytes / GIB:g} GiB, oldest files first"
    after = None
    while report.media_bytes > quota_bytes:
        batch = store.evidence.oldest(_BATCH, after)
        if not batch:
            return
        for evidence in batch:
            if report.media_bytes <= quota_bytes:
                return
            after = (evidence.started_at, evidence.id)
            try:
                store.evidence.delete(evidence.id, ACTOR, reason)
            except LegalHoldError:
                report.skipped_on_hold += 1
                continue
            except StoreError:
                continue
            report.files_deleted += 1
            report.bytes_freed += evidence.size_bytes
            report.media_bytes -= evidence.size_bytes


def media_usage(media_dir: Path) -> int:
    """Bytes of every file under media_dir, registered as evidence or not."""
    total = 0
    pending = [media_dir]
    while pending:
        try:
            entries = list(os.scandir(pending.pop()))
        except FileNotFoundError:
            continue
        for entry in entries:
            if entry.is_dir(follow_symlinks=False):
                pending.append(Path(entry.path))
            elif entry.is_file(follow_symlinks=False):
                total += entry.stat(follow_symlinks=False).st_size
    return total

"""The alert store: alerts and evidence, the hash-chained audit log, dispatches, the outbox and
webhook deliveries, each kept by its own repository over one shared `Database`.

SQLAlchemy is imported in this package and, for the console's own accounts, in
console/accounts/ only. Open with `open_store` (or `open_configured_store`), which upgrades the
store's tables to the newest migration first.
"""

from __future__ import annotations

from pathlib import Path

from alerts.store.alert_repository import AlertRepository
from alerts.store.audit_repository import AuditRepository, AuditSearch
from alerts.store.case_repository import CaseRepository
from alerts.store.database import Clock, Database, open_database, utc_now
from alerts.store.dispatch_repository import DispatchRepository
from alerts.store.evidence_repository import EvidenceRepository
from alerts.store.outbox_repository import OutboxRepository
from alerts.store.position_repository import PositionRepository
from alerts.store.records import (
    CATEGORIES,
    EVIDENCE_KINDS,
    AlertQuery,
    AlertRecord,
    AlertState,
    AlreadyResolvedError,
    Category,
    Disposition,
    EvidenceKind,
    EvidenceRecord,
    LegalHoldError,
    StoreError,
    StoreUnavailableError,
    TransitionRecord,
    UnknownAlertError,
)
from alerts.store.tuning_repository import TuningRepository
from alerts.store.webhook_repository import WebhookRepository
from config.storage import StorageConfig

MIGRATIONS = Path(__file__).resolve().parent / "migrations"

__all__ = [
    "CATEGORIES",
    "EVIDENCE_KINDS",
    "AlertQuery",
    "AlertRecord",
    "AlertState",
    "AlreadyResolvedError",
    "AuditSearch",
    "Category",
    "Clock",
    "Database",
    "Disposition",
    "EvidenceKind",
    "EvidenceRecord",
    "LegalHoldError",
    "Store",
    "StoreError",
    "StoreUnavailableError",
    "TransitionRecord",
    "UnknownAlertError",
    "open_configured_store",
    "open_store",
]


class Store:
    """The repositories, sharing one database. `close()` when the process stops."""

    def __init__(self, database: Database, media_dir: Path) -> None:
        self.database = database  # for others keeping their own tables beside (the console)
        self.media_dir = media_dir
        self.evidence = EvidenceRepository(database, media_dir)
        self.alerts = AlertRepository(database, self.evidence)
        self.audit = AuditRepository(database)
        self.dispatches = DispatchRepository(database)
        self.outbox = OutboxRepository(database)
        self.positions = PositionRepository(database)
        self.webhooks = WebhookRepository(database)
        self.cases = CaseRepository(database)
        self.tuning = TuningRepository(database)

    def close(self) -> None:
        """Close the database (when the process stops)."""
        self.database.close()


def open_store(
    database_url: str, media_dir: Path | str, clock: Clock = utc_now, create: bool = True
) -> Store:
    """Connect, upgrade the store's tables to head, and return the store.

    `clock` stamps audit records. With `create=False` a missing SQLite file is an error
    instead of a new, empty store (checks must not pass on the wrong folder).
    """
    database = open_database(database_url, clock, create)
    try:
        database.upgrade(MIGRATIONS)
    except BaseException:
        database.close()
        raise
    media = Path(media_dir)
    media.mkdir(parents=True, exist_ok=True)
    return Store(database, media)


def open_configured_store(
    storage: StorageConfig, clock: Clock = utc_now, create: bool = True
) -> Store:
    """`open_store` with the `storage:` section's URL and media folder (defaults applied)."""
    return open_store(storage.resolved_database_url, storage.media_path, clock, create)

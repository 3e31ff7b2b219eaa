"""The alert store: alerts, their messages, evidence files and the hash-chained audit log.

SQLAlchemy is imported here and nowhere else. Open with `open_store` (or `open_configured_store`),
which upgrades the schema to the newest migration first.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.exc import OperationalError

from alerts.store.engine import build_engine, upgrade_to_head
from alerts.store.records import (
    CATEGORIES,
    EVIDENCE_KINDS,
    AlertQuery,
    AlertRecord,
    AlertState,
    Category,
    EvidenceKind,
    EvidenceRecord,
    LegalHoldError,
    StoreError,
    StoreUnavailableError,
    TransitionRecord,
    UnknownAlertError,
)
from alerts.store.repository import Store, utc_now
from alerts.store.rows import Clock
from config.storage import StorageConfig

__all__ = [
    "CATEGORIES",
    "EVIDENCE_KINDS",
    "AlertQuery",
    "AlertRecord",
    "AlertState",
    "Category",
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


def open_store(
    database_url: str, media_dir: Path | str, clock: Clock = utc_now, create: bool = True
) -> Store:
    """Connect, upgrade the schema to head, and return the store.

    `clock` stamps audit records. With `create=False` a missing SQLite file is an error
    instead of a new, empty store (checks must not pass on the wrong folder).
    """
    engine = build_engine(database_url, create=create)
    try:
        upgrade_to_head(engine)
    except OperationalError as error:
        engine.dispose()
        shown = engine.url.render_as_string(hide_password=True)
        raise StoreUnavailableError(f"cannot open the database {shown}: {error.orig}") from error
    except BaseException:
        engine.dispose()
        raise
    media = Path(media_dir)
    media.mkdir(parents=True, exist_ok=True)
    return Store(engine, media, clock)


def open_configured_store(
    storage: StorageConfig, clock: Clock = utc_now, create: bool = True
) -> Store:
    """`open_store` with the `storage:` section's URL and media folder (defaults applied)."""
    return open_store(storage.resolved_database_url, storage.media_path, clock, create)

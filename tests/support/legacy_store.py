"""A database as the store wrote it before the console had its own accounts and before the
control room's decisions were columns of the alert: for testing the upgrade from it.

The schema is the store's own migrations up to 0002_console and 0002_dispatch, plus the
console tables 0002_console used to create (frozen here as they were). Rows are written the
way that code wrote them: the alert, its message and the audit record vouching for it;
users, tokens, sessions and login attempts, each change audited on the same chain.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from sqlalchemy.engine import Connection

from alerts.audit import AuditEntry, canonical_json, chain_hash, jsonable, sha256_text
from alerts.payloads import AlertPayload
from alerts.store import MIGRATIONS
from alerts.store.database import build_engine

LEGACY_HEADS = ("0002_dispatch", "0002_console")
LEGACY_ACCOUNT_TABLES = ("users", "user_sessions", "api_tokens", "login_attempts")
_BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _time(name: str, nullable: bool = False) -> sa.Column[Any]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def _user_id() -> sa.Column[Any]:
    return sa.Column(
        "user_id", sa.BigInteger(), sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False
    )


def _legacy_accounts() -> sa.MetaData:
    """The tables 0002_console created, as it created them."""
    metadata = sa.MetaData()
    sa.Table(
        "users",
        metadata,
        sa.Column("id", _BIG_ID, primary_key=True, autoincrement=True),
        sa.Column("name", sa.String(64), nullable=False, unique=True),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("team", sa.String(64), nullable=True),
        sa.Column("password_hash", sa.String(256), nullable=False),
        sa.Column("disabled", sa.Boolean(), nullable=False),
        _time("created_at"),
        _time("password_changed_at"),
    )
    sessions = sa.Table(
        "user_sessions",
        metadata,
        sa.Column("id", sa.String(64), primary_key=True),
        _user_id(),
        _time("created_at"),
        _time("expires_at"),
        sa.Column("remote", sa.String(64), nullable=True),
    )
    sa.Index("ix_user_sessions_user_id", sessions.c.user_id)
    sa.Index("ix_user_sessions_expires_at", sessions.c.expires_at)
    tokens = sa.Table(
        "api_tokens",
        metadata,
        sa.Column("id", _BIG_ID, primary_key=True, autoincrement=True),
        _user_id(),
        sa.Column("token_sha256", sa.String(64), nullable=False, unique=True),
        sa.Column("label", sa.String(128), nullable=False),
        _time("created_at"),
        _time("revoked_at", nullable=True),
    )
    sa.Index("ix_api_tokens_user_id", tokens.c.user_id)
    attempts = sa.Table(
        "login_attempts",
        metadata,
        sa.Column("id", _BIG_ID, primary_key=True, autoincrement=True),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("remote", sa.String(64), nullable=False),
        _time("at"),
        sa.Column("success", sa.Boolean(), nullable=False),
    )
    sa.Index("ix_login_attempts_name", attempts.c.name, attempts.c.at)
    sa.Index("ix_login_attempts_remote", attempts.c.remote, attempts.c.at)
    return metadata


def create_legacy_database(url: str) -> None:
    """The schema as it stood: the store's migrations to the old heads, the old console tables."""
    engine = build_engine(url)
    try:
        with engine.begin() as connection:
            config = Config()
            config.set_main_option("script_location", str(MIGRATIONS))
            config.attributes["connection"] = connection
            config.attributes["version_table"] = "alembic_version"
            for head in LEGACY_HEADS:
                command.upgrade(config, head)
            _legacy_accounts().create_all(connection)
    finally:
        engine.dispose()


class LegacyWriter:
    """Writes rows as the old store did, in one transaction; `close()` moves the chain head."""

    def __init__(self, connection: Connection) -> None:
        self.connection = connection
        self.sqlite = connection.dialect.name == "sqlite"
        self.tables = sa.MetaData()
        self.tables.reflect(connection)
        head = self.connection.execute(sa.select(self.table("audit_chain_head"))).one()
        self.last_id: int = head.last_id
        self.last_hash: str = head.last_hash

    def table(self, name: str) -> sa.Table:
        return self.tables.tables[name]

    def insert(self, table: str, **values: Any) -> int:
        """Insert one row (datetimes as the old UtcDateTime stored them); its primary key."""
        stored = {key: self._stored(value) for key, value in values.items()}
        result = self.connection.execute(sa.insert(self.table(table)).values(**stored))
        key = result.inserted_primary_key
        return int(key[0]) if key and isinstance(key[0], int) else 0

    def audit(self, entry: AuditEntry, at: datetime) -> int:
        """Append to the chain exactly as AuditChain did; returns the record's id."""
        digest = chain_hash(entry, at, self.last_hash)
        self.last_id += 1
        self.insert(
            "audit_log",
            id=self.last_id,
            at=at,
            actor=entry.actor,
            action=entry.action,
            target=entry.target,
            details=jsonable(entry.details),
            source=entry.source,
            evidence_sha256=entry.evidence_sha256,
            prev_hash=self.last_hash,
            hash=digest,
        )
        self.last_hash = digest
        return self.last_id

    def alert(self, payload: AlertPayload, at: datetime) -> None:
        """Record one alert message: the alert row, the transition, its audit record."""
        document = payload.model_dump(mode="json", by_alias=True)
        alerts = self.table("alerts")
        row = {
            "site": payload.site,
            "camera": payload.camera,
            "rule": payload.rule,
            "rule_type": payload.rule_type,
            "zone": payload.zone,
            "severity": payload.severity,
            "started_at": self._stored(payload.started_at),
            "updated_at": self._stored(at),
            "payload": document,
        }
        if payload.type == "end":
            row.update(state="ended", ended_at=self._stored(payload.ended_at))
        if payload.type == "new":
            self.connection.execute(
                sa.insert(alerts).values(
                    id=payload.id, state="open", category="normal", legal_hold=False, **row
                )
            )
        else:
            self.connection.execute(
                sa.update(alerts).where(alerts.c.id == payload.id).values(**row)
            )
        self.insert(
            "alert_transitions",
            alert_id=payload.id,
            type=payload.type,
            frame_time=payload.frame_time,
            recorded_at=at,
            payload=document,
            audit_id=self.last_id + 1,
        )
        details = {
            "camera": payload.camera,
            "rule": payload.rule,
            "zone": payload.zone,
            "severity": payload.severity,
            "payload_sha256": sha256_text(canonical_json(document)),
        }
        self.audit(
            AuditEntry("system", f"alert.{payload.type}", payload.id, details, "pipeline"), at
        )

    def set_category(self, alert_id: str, category: str, actor: str, at: datetime) -> None:
        alerts = self.table("alerts")
        previous = self.connection.scalar(
            sa.select(alerts.c.category).where(alerts.c.id == alert_id)
        )
        self.connection.execute(
            sa.update(alerts).where(alerts.c.id == alert_id).values(category=category)
        )
        details = {"category": category, "previous": previous}
        self.audit(AuditEntry(actor, "alert.category", alert_id, details, "10.0.0.7"), at)

    def rows(self, table: str) -> list[Mapping[str, Any]]:
        return [dict(row._mapping) for row in self.connection.execute(sa.select(self.table(table)))]

    def close(self) -> None:
        head = self.table("audit_chain_head")
        self.connection.execute(
            sa.update(head)
            .where(head.c.id == 1)
            .values(last_id=self.last_id, last_hash=self.last_hash)
        )

    def _stored(self, value: Any) -> Any:
        if isinstance(value, datetime) and self.sqlite:
            return value.astimezone(UTC).replace(tzinfo=None)
        return value

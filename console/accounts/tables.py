"""The accounts' tables, beside the store's in its database but described and migrated here.

Only hashes are stored: a password's Argon2 hash (made by the console), and the SHA-256 of each
session cookie and API token.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar

from sqlalchemy import BigInteger, ForeignKey, Index, String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from alerts.store.models import BIG_ID, UtcDateTime


class AccountsBase(DeclarativeBase):
    type_annotation_map: ClassVar[dict[Any, Any]] = {datetime: UtcDateTime()}


class UserRow(AccountsBase):
    __tablename__ = "console_users"

    id: Mapped[int] = mapped_column(BIG_ID, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    role: Mapped[str] = mapped_column(String(16))
    team: Mapped[str | None] = mapped_column(String(64))
    password_hash: Mapped[str] = mapped_column(String(256))
    disabled: Mapped[bool]
    created_at: Mapped[datetime]
    password_changed_at: Mapped[datetime]


class SessionRow(AccountsBase):
    """A browser session; `id` is the SHA-256 of the cookie, so a database leak logs no one in."""

    __tablename__ = "console_sessions"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("console_users.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime] = mapped_column(index=True)
    remote: Mapped[str | None] = mapped_column(String(64))


class ApiTokenRow(AccountsBase):
    """An integration's bearer token, stored as its SHA-256 only."""

    __tablename__ = "console_api_tokens"

    id: Mapped[int] = mapped_column(BIG_ID, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("console_users.id", ondelete="CASCADE"), index=True
    )
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    label: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]


class LoginAttemptRow(AccountsBase):
    __tablename__ = "console_login_attempts"

    id: Mapped[int] = mapped_column(BIG_ID, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(64))
    remote: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime]
    success: Mapped[bool]

    __table_args__ = (
        Index("ix_console_login_attempts_name", "name", "at"),
        Index("ix_console_login_attempts_remote", "remote", "at"),
    )

"""Passwords (Argon2id through pwdlib), API tokens and session cookies, and login limits."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher

from console.accounts.records import UserRecord

if TYPE_CHECKING:
    from console.accounts.repository import Accounts

TOKEN_PREFIX = "nw_"
SESSION_COOKIE = "nw_session"
# Unsafe requests authenticated by the session cookie must carry this header: a page on
# another site cannot set it without a CORS preflight, which the console never grants.
CSRF_HEADER = "x-requested-with"
CSRF_VALUE = "nightwatch"

_hasher = PasswordHash((Argon2Hasher(),))
# Checked against when the user does not exist, so both answers take as long.
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def new_password() -> str:
    """A one-time password to print once: 20 URL-safe characters (about 120 bits)."""
    return secrets.token_urlsafe(15)


def new_secret(prefix: str = "") -> str:
    """An API token or session cookie value: 256 random bits."""
    return prefix + secrets.token_urlsafe(32)


def digest(secret: str) -> str:
    """What is stored for a token or session: its SHA-256 (the secret itself is random)."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


@dataclass(frozen=True, slots=True)
class LoginLimits:
    """Failed logins allowed in `window`, per user name and per client address."""

    per_name: int = 5
    per_address: int = 20
    window: timedelta = timedelta(minutes=15)


class LoginRefused(Exception):  # noqa: N818 - a refusal, not a fault
    def __init__(self, reason: str, retry_after_s: int | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retry_after_s = retry_after_s


def check_login(
    users: Accounts,
    name: str,
    password: str,
    remote: str,
    limits: LoginLimits,
    now: datetime,
) -> UserRecord:
    """The user whose password this is; raises LoginRefused (limited, or wrong/disabled).

    Once the limit is reached no password is checked at all until the window passes.
    """
    by_name, by_address = users.failed_logins(name, remote, now - limits.window)
    if by_name >= limits.per_name or by_address >= limits.per_address:
        raise LoginRefused("too-many-attempts", int(limits.window.total_seconds()))
    found = users.password_hash(name)
    valid = _hasher.verify(password, found[1] if found else _DUMMY_HASH)
    if found is None or not valid or found[0].disabled:
        users.record_failed_login(name, remote)
        raise LoginRefused("invalid-credentials")
    return found[0]

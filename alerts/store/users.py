"""People of the console: users, browser sessions, API tokens and login attempts.

Only hashes are stored: a password's Argon2 hash (made by the console), and the SHA-256 of each
session cookie and API token. Changes to users are audited in the same transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal, cast, get_args

from sqlalchemy import ColumnElement, Integer, case, delete, func, or_, select, update
from sqlalchemy.orm import Session

from alerts.audit import AuditEntry
from alerts.store.models import ApiTokenRow, LoginAttemptRow, SessionRow, UserRow
from alerts.store.records import StoreError
from alerts.store.repository import Store

Role = Literal["operator", "patrol", "auditor", "admin"]
ROLES: tuple[Role, ...] = get_args(Role)
NAME_MAX = 64
_PRUNE_AFTER = timedelta(days=1)  # login attempts are kept this long


class UnknownUserError(StoreError, LookupError):
    def __init__(self, name: str) -> None:
        super().__init__(f"no user named {name!r}")
        self.name = name


@dataclass(frozen=True, slots=True)
class UserRecord:
    id: int
    name: str
    role: Role
    team: str | None
    disabled: bool
    created_at: datetime
    password_changed_at: datetime


@dataclass(frozen=True, slots=True)
class NewUser:
    """What `add_user` needs: the password arrives already hashed."""

    name: str
    role: Role
    team: str | None
    password_hash: str


class UserStore:
    """Users and their credentials, in the alert store's database.

    A module of the store package: it shares the Store's sessions and its audited writes.
    """

    def __init__(self, store: Store) -> None:
        self._store = store
        self._reader = store._reader
        self._clock = store._clock

    def now(self) -> datetime:
        """The store's clock (the one that stamps sessions and login attempts)."""
        return self._clock()

    def add_user(self, user: NewUser, actor: str, source: str | None) -> UserRecord:
        _check_user(user)
        now = self._clock()
        with self._store._writing() as (session, chain):
            if session.scalar(select(UserRow.id).where(UserRow.name == user.name)) is not None:
                raise StoreError(f"a user named {user.name!r} exists already")
            row = UserRow(
                name=user.name,
                role=user.role,
                team=user.team,
                password_hash=user.password_hash,
                disabled=False,
                created_at=now,
                password_changed_at=now,
            )
            session.add(row)
            session.flush()
            details = {"role": user.role, "team": user.team}
            chain.append(AuditEntry(actor, "user.add", f"user:{user.name}", details, source))
            return to_user(row)

    def get(self, name: str) -> UserRecord | None:
        with self._reader() as session:
            row = session.scalar(select(UserRow).where(UserRow.name == name))
            return None if row is None else to_user(row)

    def password_hash(self, name: str) -> tuple[UserRecord, str] | None:
        """The user and their stored hash, for checking a password at login."""
        with self._reader() as session:
            row = session.scalar(select(UserRow).where(UserRow.name == name))
            return None if row is None else (to_user(row), row.password_hash)

    def list_users(self) -> list[UserRecord]:
        with self._reader() as session:
            return [to_user(row) for row in session.scalars(select(UserRow).order_by(UserRow.name))]

    def teams(self) -> list[str]:
        """Teams that have at least one active patrol user."""
        statement = (
            select(UserRow.team)
            .where(UserRow.team.is_not(None), UserRow.disabled.is_(False))
            .distinct()
        )
        with self._reader() as session:
            return sorted(team for team in session.scalars(statement) if team)

    def disable(self, name: str, actor: str, source: str | None) -> UserRecord:
        """Disable a user: their sessions end and their tokens are revoked at once."""
        now = self._clock()
        with self._store._writing() as (session, chain):
            row = _user_row(session, name)
            row.disabled = True
            session.execute(delete(SessionRow).where(SessionRow.user_id == row.id))
            session.execute(
                update(ApiTokenRow)
                .where(ApiTokenRow.user_id == row.id, ApiTokenRow.revoked_at.is_(None))
                .values(revoked_at=now)
            )
            chain.append(AuditEntry(actor, "user.disable", f"user:{name}", {}, source))
            return to_user(row)

    def set_password(self, name: str, password_hash: str, actor: str, source: str | None) -> None:
        """Replace the password; every session of the user ends."""
        with self._store._writing() as (session, chain):
            row = _user_row(session, name)
            row.password_hash, row.password_changed_at = password_hash, self._clock()
            session.execute(delete(SessionRow).where(SessionRow.user_id == row.id))
            chain.append(AuditEntry(actor, "user.password", f"user:{name}", {}, source))

    def add_token(
        self, name: str, token_sha256: str, label: str, actor: str, source: str | None
    ) -> None:
        with self._store._writing() as (session, chain):
            row = _user_row(session, name)
            token = ApiTokenRow(
                user_id=row.id,
                token_sha256=token_sha256,
                label=label,
                created_at=self._clock(),
                revoked_at=None,
            )
            session.add(token)
            details = {"label": label, "token_prefix": token_sha256[:8]}
            chain.append(AuditEntry(actor, "user.token", f"user:{name}", details, source))

    def user_for_token(self, token_sha256: str) -> UserRecord | None:
        statement = (
            select(UserRow)
            .join(ApiTokenRow, ApiTokenRow.user_id == UserRow.id)
            .where(
                ApiTokenRow.token_sha256 == token_sha256,
                ApiTokenRow.revoked_at.is_(None),
                UserRow.disabled.is_(False),
            )
        )
        with self._reader() as session:
            row = session.scalar(statement)
            return None if row is None else to_user(row)

    def start_session(
        self, session_sha256: str, name: str, expires_at: datetime, remote: str | None
    ) -> None:
        """Record a successful login: the session, the attempt, and an audit record."""
        now = self._clock()
        with self._store._writing() as (session, chain):
            row = _user_row(session, name)
            session.execute(delete(SessionRow).where(SessionRow.expires_at < now))
            session.add(
                SessionRow(
                    id=session_sha256,
                    user_id=row.id,
                    created_at=now,
                    expires_at=expires_at,
                    remote=remote,
                )
            )
            session.add(LoginAttemptRow(name=name, remote=remote or "", at=now, success=True))
            chain.append(AuditEntry(name, "auth.login", f"user:{name}", {}, remote))

    def user_for_session(self, session_sha256: str) -> UserRecord | None:
        statement = (
            select(UserRow)
            .join(SessionRow, SessionRow.user_id == UserRow.id)
            .where(
                SessionRow.id == session_sha256,
                SessionRow.expires_at > self._clock(),
                UserRow.disabled.is_(False),
            )
        )
        with self._reader() as session:
            row = session.scalar(statement)
            return None if row is None else to_user(row)

    def end_session(self, session_sha256: str) -> None:
        with self._store._writing() as (session, _chain):
            session.execute(delete(SessionRow).where(SessionRow.id == session_sha256))

    def record_failed_login(self, name: str, remote: str) -> None:
        """Keep a failed attempt (attempts older than a day are pruned as new ones come)."""
        now = self._clock()
        with self._store._writing() as (session, _chain):
            session.execute(delete(LoginAttemptRow).where(LoginAttemptRow.at < now - _PRUNE_AFTER))
            session.add(LoginAttemptRow(name=name[:NAME_MAX], remote=remote, at=now, success=False))

    def failed_logins(self, name: str, remote: str, since: datetime) -> tuple[int, int]:
        """Failed attempts since `since`: for this name, and from this address."""
        failed = LoginAttemptRow.success.is_(False)
        recent = LoginAttemptRow.at >= since
        by_name = func.sum(_flag(LoginAttemptRow.name == name[:NAME_MAX]))
        by_remote = func.sum(_flag(LoginAttemptRow.remote == remote))
        statement = select(by_name, by_remote).where(
            failed,
            recent,
            or_(LoginAttemptRow.name == name[:NAME_MAX], LoginAttemptRow.remote == remote),
        )
        with self._reader() as session:
            names, remotes = session.execute(statement).one()
            return int(names or 0), int(remotes or 0)


def _flag(condition: ColumnElement[bool]) -> ColumnElement[int]:
    return case((condition, 1), else_=0).cast(Integer)


def _check_user(user: NewUser) -> None:
    if user.role not in ROLES:
        raise StoreError(f"role {user.role!r} is not one of {', '.join(ROLES)}")
    if not user.name or len(user.name) > NAME_MAX or not user.name.isprintable():
        raise StoreError(f"user name must be 1-{NAME_MAX} printable characters")
    if user.role == "patrol" and not user.team:
        raise StoreError("a patrol user needs a team (--team NAME)")


def _user_row(session: Session, name: str) -> UserRow:
    row = session.scalar(select(UserRow).where(UserRow.name == name))
    if row is None:
        raise UnknownUserError(name)
    return row


def to_user(row: UserRow) -> UserRecord:
    return UserRecord(
        id=row.id,
        name=row.name,
        role=cast(Role, row.role),
        team=row.team,
        disabled=row.disabled,
        created_at=row.created_at,
        password_changed_at=row.password_changed_at,
    )

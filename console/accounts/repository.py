"""Users and their credentials, kept in the store's database; open with `open_accounts`.

Changes to users are audited in the same transaction as the change (on the store's chain).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import ColumnElement, Integer, Select, case, delete, func, or_, select, update
from sqlalchemy.orm import Session

from alerts.audit import AuditEntry
from alerts.store import Database, StoreError
from console.accounts.records import NAME_MAX, NewUser, UnknownUserError, UserRecord
from console.accounts.tables import ApiTokenRow, LoginAttemptRow, SessionRow, UserRow

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
VERSION_TABLE = "console_alembic_version"
_PRUNE_AFTER = timedelta(days=1)  # login attempts are kept this long


def open_accounts(database: Database) -> Accounts:
    """The accounts in `database`, their tables upgraded to the newest migration first."""
    database.upgrade(MIGRATIONS, VERSION_TABLE)
    return Accounts(database)


class Accounts:
    """Users, sessions, API tokens and login attempts. Safe to share between threads."""

    def __init__(self, database: Database) -> None:
        self._database = database

    def now(self) -> datetime:
        """The database's clock (the one that stamps sessions and login attempts)."""
        return self._database.now()

    def add_user(self, user: NewUser, actor: str, source: str | None) -> UserRecord:
        """Create the user (audited); a taken name or an invalid user raises StoreError."""
        user.check()
        now = self.now()
        with self._database.writing() as (session, chain):
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
            return UserRecord.model_validate(row)

    def get(self, name: str) -> UserRecord | None:
        """The user of this name, disabled or not, or None."""
        with self._database.reading() as session:
            row = session.scalar(select(UserRow).where(UserRow.name == name))
            return None if row is None else UserRecord.model_validate(row)

    def password_hash(self, name: str) -> tuple[UserRecord, str] | None:
        """The user and their stored hash, for checking a password at login."""
        with self._database.reading() as session:
            row = session.scalar(select(UserRow).where(UserRow.name == name))
            return None if row is None else (UserRecord.model_validate(row), row.password_hash)

    def list_users(self) -> list[UserRecord]:
        """Every user, by name."""
        with self._database.reading() as session:
            rows = session.scalars(select(UserRow).order_by(UserRow.name))
            return [UserRecord.model_validate(row) for row in rows]

    def teams(self) -> list[str]:
        """Teams that have at least one active patrol user."""
        statement = (
            select(UserRow.team)
            .where(UserRow.team.is_not(None), UserRow.disabled.is_(False))
            .distinct()
        )
        with self._database.reading() as session:
            return sorted(team for team in session.scalars(statement) if team)

    def disable(self, name: str, actor: str, source: str | None) -> UserRecord:
        """Disable a user: their sessions end and their tokens are revoked at once."""
        now = self.now()
        with self._database.writing() as (session, chain):
            row = _user_row(session, name)
            row.disabled = True
            session.execute(delete(SessionRow).where(SessionRow.user_id == row.id))
            session.execute(
                update(ApiTokenRow)
                .where(ApiTokenRow.user_id == row.id, ApiTokenRow.revoked_at.is_(None))
                .values(revoked_at=now)
            )
            chain.append(AuditEntry(actor, "user.disable", f"user:{name}", {}, source))
            return UserRecord.model_validate(row)

    def set_password(self, name: str, password_hash: str, actor: str, source: str | None) -> None:
        """Replace the password; every session of the user ends."""
        with self._database.writing() as (session, chain):
            row = _user_row(session, name)
            row.password_hash, row.password_changed_at = password_hash, self.now()
            session.execute(delete(SessionRow).where(SessionRow.user_id == row.id))
            chain.append(AuditEntry(actor, "user.password", f"user:{name}", {}, source))

    def add_token(
        self, name: str, token_sha256: str, label: str, actor: str, source: str | None
    ) -> None:
        """Keep an API token's SHA-256 for the user (audited with its first 8 digits)."""
        with self._database.writing() as (session, chain):
            row = _user_row(session, name)
            token = ApiTokenRow(
                user_id=row.id,
                token_sha256=token_sha256,
                label=label,
                created_at=self.now(),
                revoked_at=None,
            )
            session.add(token)
            details = {"label": label, "token_prefix": token_sha256[:8]}
            chain.append(AuditEntry(actor, "user.token", f"user:{name}", details, source))

    def user_for_token(self, token_sha256: str) -> UserRecord | None:
        """The active user an unrevoked token belongs to, or None."""
        statement = (
            select(UserRow)
            .join(ApiTokenRow, ApiTokenRow.user_id == UserRow.id)
            .where(
                ApiTokenRow.token_sha256 == token_sha256,
                ApiTokenRow.revoked_at.is_(None),
                UserRow.disabled.is_(False),
            )
        )
        return self._one(statement)

    def start_session(
        self, session_sha256: str, name: str, expires_at: datetime, remote: str | None
    ) -> None:
        """Record a successful login: the session, the attempt, and an audit record."""
        now = self.now()
        with self._database.writing() as (session, chain):
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
        """The active user of a session that has not expired, or None."""
        statement = (
            select(UserRow)
            .join(SessionRow, SessionRow.user_id == UserRow.id)
            .where(
                SessionRow.id == session_sha256,
                SessionRow.expires_at > self.now(),
                UserRow.disabled.is_(False),
            )
        )
        return self._one(statement)

    def end_session(self, session_sha256: str) -> None:
        """Log the session out (nothing to audit: the login was)."""
        with self._database.plain_writing() as session:
            session.execute(delete(SessionRow).where(SessionRow.id == session_sha256))

    def record_failed_login(self, name: str, remote: str) -> None:
        """Keep a failed attempt (attempts older than a day are pruned as new ones come)."""
        now = self.now()
        with self._database.plain_writing() as session:
            session.execute(delete(LoginAttemptRow).where(LoginAttemptRow.at < now - _PRUNE_AFTER))
            session.add(LoginAttemptRow(name=name[:NAME_MAX], remote=remote, at=now, success=False))

    def failed_logins(self, name: str, remote: str, since: datetime) -> tuple[int, int]:
        """Failed attempts since `since`: for this name, and from this address."""
        by_name = func.sum(_flag(LoginAttemptRow.name == name[:NAME_MAX]))
        by_remote = func.sum(_flag(LoginAttemptRow.remote == remote))
        statement = select(by_name, by_remote).where(
            LoginAttemptRow.success.is_(False),
            LoginAttemptRow.at >= since,
            or_(LoginAttemptRow.name == name[:NAME_MAX], LoginAttemptRow.remote == remote),
        )
        with self._database.reading() as session:
            names, remotes = session.execute(statement).one()
            return int(names or 0), int(remotes or 0)

    def _one(self, statement: Select[UserRow]) -> UserRecord | None:
        with self._database.reading() as session:
            row = session.scalar(statement)
            return None if row is None else UserRecord.model_validate(row)


def _flag(condition: ColumnElement[bool]) -> ColumnElement[int]:
    return case((condition, 1), else_=0).cast(Integer)


def _user_row(session: Session, name: str) -> UserRow:
    row = session.scalar(select(UserRow).where(UserRow.name == name))
    if row is None:
        raise UnknownUserError(name)
    return row

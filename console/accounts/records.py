"""Users as the console sees them, and the requests and refusals about them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal, get_args

from pydantic import BaseModel, ConfigDict

from alerts.store import StoreError

Role = Literal["operator", "patrol", "auditor", "admin"]
ROLES: tuple[Role, ...] = get_args(Role)
NAME_MAX = 64


class UnknownUserError(StoreError, LookupError):
    def __init__(self, name: str) -> None:
        super().__init__(f"no user named {name!r}")
        self.name = name


class UserRecord(BaseModel):
    """A user, read from its row by attribute name (the password hash stays behind)."""

    model_config = ConfigDict(frozen=True, from_attributes=True)

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

    def check(self) -> None:
        """Raise StoreError unless the role, name and team make a valid user."""
        if self.role not in ROLES:
            raise StoreError(f"role {self.role!r} is not one of {', '.join(ROLES)}")
        if not self.name or len(self.name) > NAME_MAX or not self.name.isprintable():
            raise StoreError(f"user name must be 1-{NAME_MAX} printable characters")
        if self.role == "patrol" and not self.team:
            raise StoreError("a patrol user needs a team (--team NAME)")

"""People: sign-in, accounts and tokens."""

from __future__ import annotations

from pydantic import Field

from console.accounts.records import Role, UserRecord
from console.schemas.common import ID_PATTERN, USER_PATTERN, Body, Hidden, Out, hidden


class UserOut(UserRecord):
    """A user as the API shows it (the row's id stays inside)."""

    id: Hidden = hidden()


class MeOut(UserOut):
    home: str = Field(description="The page this role starts on.")


class LoginBody(Body):
    name: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=256)


class PasswordChange(Body):
    current: str = Field(min_length=1, max_length=256)
    new: str = Field(min_length=12, max_length=256, description="At least 12 characters.")


class UserCreate(Body):
    name: str = Field(pattern=USER_PATTERN)
    role: Role
    team: str | None = Field(None, pattern=ID_PATTERN, description="Required for patrol.")


class UserCreated(Out):
    user: UserOut
    password: str = Field(description="One-time password; shown this once only.")
    token: str = Field(description="API token; shown this once only.")


class TokenCreate(Body):
    label: str = Field(min_length=1, max_length=128)


class TokenOut(Out):
    token: str = Field(description="Bearer token; shown this once only.")


class ConfigCamera(Out):
    name: str
    location: str
    enabled: bool
    source: str = Field(description="The analysed (detect) stream, with any password masked.")
    record_source: str | None = Field(
        None, description="The recorded main stream when it is another one, password masked."
    )
    detect_fps: float
    zones: list[str]
    rules: list[str]


class ConfigSummary(Out):
    site: str
    timezone: str
    mqtt_url: str
    topic_prefix: str
    cameras: list[ConfigCamera]

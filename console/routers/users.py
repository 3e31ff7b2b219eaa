"""Administration: users, their API tokens, and the configuration in force (secrets masked)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit, urlunsplit

from fastapi import APIRouter, HTTPException, Request, status

from alerts.store import StoreError
from console.accounts.records import NewUser, UnknownUserError, UserRecord
from console.deps import ConfigReader, Services, UsersAdmin, UsersReader, client_address
from console.schemas.common import UserName
from console.schemas.users import (
    ConfigCamera,
    ConfigSummary,
    TokenCreate,
    TokenOut,
    UserCreate,
    UserCreated,
    UserOut,
)
from console.security import TOKEN_PREFIX, digest, hash_password, new_password, new_secret

router = APIRouter(prefix="/api/v1", tags=["admin"])
_USER_REFUSALS: dict[int | str, dict[str, Any]] = {
    404: {"description": "No such user"},
    409: {"description": "Refused"},
}


def user_out(user: UserRecord) -> UserOut:
    return UserOut.model_validate(user, from_attributes=True)


@router.get("/users", response_model=list[UserOut])
def list_users(_user: UsersReader, services: Services) -> list[UserOut]:
    return [user_out(user) for user in services.users.list_users()]


@router.post(
    "/users",
    response_model=UserCreated,
    status_code=status.HTTP_201_CREATED,
    responses={409: {"description": "Name taken"}},
)
def add_user(
    principal: UsersAdmin, body: UserCreate, request: Request, services: Services
) -> UserCreated:
    """Create a user; the answer holds a one-time password and an API token, shown once."""
    password, token = new_password(), new_secret(TOKEN_PREFIX)
    source = client_address(request)
    new = NewUser(body.name, body.role, body.team, hash_password(password))
    try:
        user = services.users.add_user(new, principal.name, source)
        services.users.add_token(user.name, digest(token), "created", principal.name, source)
    except StoreError as error:
        raise HTTPException(status.HTTP_409_CONFLICT, str(error)) from None
    return UserCreated(user=user_out(user), password=password, token=token)


@router.post("/users/{name}/disable", response_model=UserOut, responses=_USER_REFUSALS)
def disable_user(
    principal: UsersAdmin, name: UserName, request: Request, services: Services
) -> UserOut:
    """Disable the user: sessions end and API tokens stop working at once."""
    if name == principal.name:
        raise HTTPException(status.HTTP_409_CONFLICT, "an admin may not disable themselves")
    try:
        return user_out(services.users.disable(name, principal.name, client_address(request)))
    except UnknownUserError:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "no such user") from None


@router.post(
    "/users/{name}/tokens",
    response_model=TokenOut,
    status_code=status.HTTP_201_CREATED,
    responses=_USER_REFUSALS,
)
def add_token(
    principal: UsersAdmin, name: UserName, body: TokenCreate, request: Request, services: Services
) -> TokenOut:
    """A new API token for an integration acting as this user; shown once."""
    token = new_secret(TOKEN_PREFIX)
    source = client_address(request)
    try:
        services.users.add_token(name, digest(token), body.label, principal.name, source)
    except UnknownUserError:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "no such user") from None
    return TokenOut(token=token)


def mask_url(url: str) -> str:
    """The URL with any password replaced by ***."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.hostname or ""
    port = f":{parts.port}" if parts.port else ""
    netloc = f"{parts.username or ''}:***@{host}{port}"
    return urlunsplit(parts._replace(netloc=netloc))


@router.get("/config", response_model=ConfigSummary)
def config_summary(_user: ConfigReader, services: Services) -> ConfigSummary:
    """The configuration in force, without secrets."""
    config = services.config
    return ConfigSummary(
        site=config.site.name,
        timezone=config.site.timezone,
        mqtt_url=mask_url(config.mqtt.url),
        topic_prefix=config.mqtt.topic_prefix,
        cameras=[
            ConfigCamera(
                name=name,
                location=camera.location,
                enabled=camera.enabled,
                source=mask_url(camera.detect_url),
                record_source=(
                    mask_url(camera.record_url) if camera.separate_record_stream else None
                ),
                detect_fps=camera.detect.fps,
                zones=list(camera.zones),
                rules=[rule.rule_name for rule in camera.rules],
            )
            for name, camera in config.cameras.items()
        ],
    )

"""Signing in and out (browser sessions), and changing one's own password."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request, Response, status

from console.accounts.records import UserRecord
from console.deps import Services, SignedIn, client_address
from console.roles import HOME
from console.schemas.users import LoginBody, MeOut, PasswordChange
from console.security import (
    SESSION_COOKIE,
    LoginLimits,
    LoginRefused,
    check_login,
    digest,
    hash_password,
    new_secret,
)

router = APIRouter(prefix="/api/v1/auth", tags=["auth"])


def me_out(user: UserRecord) -> MeOut:
    return MeOut.model_validate({**dict(user), "home": HOME[user.role]})


@router.post(
    "/login",
    response_model=MeOut,
    responses={401: {"description": "Wrong name or password"}, 429: {"description": "Limited"}},
)
def login(body: LoginBody, request: Request, response: Response, services: Services) -> MeOut:
    """Check the password and start a browser session (an HttpOnly, SameSite=Strict cookie).

    After repeated failures for one name or from one address, logins are refused for a while
    without checking the password."""
    remote = client_address(request)
    limits: LoginLimits = services.settings.login_limits
    now = services.users.now()
    try:
        user = check_login(services.users, body.name, body.password, remote, limits, now)
    except LoginRefused as refused:
        if refused.retry_after_s is not None:
            raise HTTPException(
                status.HTTP_429_TOO_MANY_REQUESTS,
                refused.reason,
                {"Retry-After": str(refused.retry_after_s)},
            ) from None
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, refused.reason) from None
    cookie = new_secret()
    ttl = services.settings.session_ttl
    services.users.start_session(digest(cookie), user.name, now + ttl, remote)
    response.set_cookie(
        SESSION_COOKIE,
        cookie,
        max_age=int(ttl.total_seconds()),
        httponly=True,
        samesite="strict",
        secure=services.settings.secure_cookies,
        path="/",
    )
    return me_out(user)


@router.post("/logout", status_code=status.HTTP_204_NO_CONTENT)
def logout(principal: SignedIn, services: Services, response: Response) -> None:
    """End this browser session (an API token stays valid; an admin revokes it)."""
    if principal.session_digest is not None:
        services.users.end_session(principal.session_digest)
    response.delete_cookie(SESSION_COOKIE, path="/")


@router.get("/me", response_model=MeOut)
def me(principal: SignedIn) -> MeOut:
    """Who is signed in, and the page their role starts on."""
    return me_out(principal.user)


@router.post("/password", status_code=status.HTTP_204_NO_CONTENT)
def change_password(
    principal: SignedIn, body: PasswordChange, request: Request, services: Services
) -> None:
    """Replace one's own password (the one-time password first of all); sessions end."""
    remote = client_address(request)
    now = services.users.now()
    limits = services.settings.login_limits
    try:
        check_login(services.users, principal.name, body.current, remote, limits, now)
    except LoginRefused as refused:
        raise HTTPException(status.HTTP_403_FORBIDDEN, refused.reason) from None
    services.users.set_password(principal.name, hash_password(body.new), principal.name, remote)

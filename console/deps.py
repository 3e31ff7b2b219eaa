"""Dependencies as Annotated aliases: the services, who is asking, and what they may do.

Every route takes one guard (`Guard(Permission.X)` or a page's `PageGuard`) as its first
parameter, so who is asking is settled before any other dependency runs (an anonymous caller
gets 401 even where, say, dispatch is not configured); create_app refuses to build an app
with a route whose first dependency is not its guard, unless the route is listed as public.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Literal

from fastapi import Depends, HTTPException, Request, status

from console.accounts.records import UserRecord
from console.event_hub import EventHub
from console.media import ViewAuditor
from console.ports import DispatchControl
from console.roles import Permission, allowed
from console.security import CSRF_HEADER, CSRF_VALUE, SESSION_COOKIE, TOKEN_PREFIX, digest
from console.services import ConsoleServices

_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def get_viewer(request: Request) -> ViewAuditor:
    viewer: ViewAuditor = request.app.state.viewer
    return viewer


def get_services(request: Request) -> ConsoleServices:
    services: ConsoleServices = request.app.state.services
    return services


def get_hub(request: Request) -> EventHub:
    hub: EventHub = request.app.state.hub
    return hub


Services = Annotated[ConsoleServices, Depends(get_services)]


HubDep = Annotated[EventHub, Depends(get_hub)]
ViewerDep = Annotated[ViewAuditor, Depends(get_viewer)]


def get_dispatcher(services: Services) -> DispatchControl:
    if services.dispatcher is None:
        raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, "dispatch is not configured")
    return services.dispatcher


DispatcherDep = Annotated[DispatchControl, Depends(get_dispatcher)]


@dataclass(frozen=True, slots=True)
class Principal:
    """The signed-in user and how they proved it."""

    user: UserRecord
    via: Literal["session", "token"]
    session_digest: str | None = None

    @property
    def name(self) -> str:
        return self.user.name


def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def authenticate(request: Request, services: Services) -> Principal | None:
    """The user behind a bearer token or session cookie, or None."""
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() == "bearer" and token.startswith(TOKEN_PREFIX):
        user = services.users.user_for_token(digest(token.strip()))
        return None if user is None else Principal(user, "token")
    cookie = request.cookies.get(SESSION_COOKIE)
    if cookie:
        session_digest = digest(cookie)
        user = services.users.user_for_session(session_digest)
        if user is not None:
            return Principal(user, "session", session_digest)
    return None


MaybePrincipal = Annotated[Principal | None, Depends(authenticate)]


class Guard:
    """Lets a request through when its user holds `permission`; 401 or 403 otherwise."""

    page = False

    def __init__(self, permission: Permission) -> None:
        self.permission = permission

    def __call__(self, request: Request, principal: MaybePrincipal) -> Principal:
        if principal is None:
            raise self.refuse(request, status.HTTP_401_UNAUTHORIZED)
        if not allowed(principal.user.role, self.permission):
            raise self.refuse(request, status.HTTP_403_FORBIDDEN)
        if (
            principal.via == "session"
            and request.method not in _SAFE_METHODS
            and request.headers.get(CSRF_HEADER) != CSRF_VALUE
        ):
            raise HTTPException(status.HTTP_403_FORBIDDEN, f"{CSRF_HEADER} header missing")
        return principal

    def refuse(self, request: Request, code: int) -> Exception:
        if code == status.HTTP_401_UNAUTHORIZED:
            return HTTPException(code, "sign in first", {"WWW-Authenticate": "Bearer"})
        return HTTPException(code, f"your role may not do this ({self.permission})")

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.permission})"


class PageRefused(Exception):  # noqa: N818 - handled: a redirect to the login page, or a 403 page
    def __init__(self, code: int, path: str) -> None:
        super().__init__(code)
        self.code = code
        self.path = path


class PageGuard(Guard):
    """A page's guard: an anonymous visitor is sent to the login page instead of a 401."""

    page = True

    def refuse(self, request: Request, code: int) -> Exception:
        return PageRefused(code, request.url.path)


def _alias(permission: Permission) -> object:
    return Depends(Guard(permission))


SignedIn = Annotated[Principal, _alias(Permission.SIGNED_IN)]
CameraStatusReader = Annotated[Principal, _alias(Permission.CAMERA_STATUS)]
CameraViewer = Annotated[Principal, _alias(Permission.CAMERA_VIEW)]
AlertReader = Annotated[Principal, _alias(Permission.ALERTS)]
EvidenceViewer = Annotated[Principal, _alias(Permission.EVIDENCE)]
AlertActor = Annotated[Principal, _alias(Permission.ALERT_ACT)]
CaseReader = Annotated[Principal, _alias(Permission.CASES)]
CaseActor = Annotated[Principal, _alias(Permission.CASE_ACT)]
TuningReader = Annotated[Principal, _alias(Permission.TUNING_READ)]
TuningAdmin = Annotated[Principal, _alias(Permission.TUNING_APPLY)]
ReportReader = Annotated[Principal, _alias(Permission.REPORTS)]
DispatchReader = Annotated[Principal, _alias(Permission.DISPATCH_READ)]
DispatchSender = Annotated[Principal, _alias(Permission.DISPATCH_SEND)]
DispatchUpdater = Annotated[Principal, _alias(Permission.DISPATCH_UPDATE)]
Sharer = Annotated[Principal, _alias(Permission.PATROL)]  # a patrol sharing its position
Auditor = Annotated[Principal, _alias(Permission.AUDIT)]
Exporter = Annotated[Principal, _alias(Permission.EXPORT)]
UsersReader = Annotated[Principal, _alias(Permission.USERS_READ)]
UsersAdmin = Annotated[Principal, _alias(Permission.USERS_ADMIN)]
ConfigReader = Annotated[Principal, _alias(Permission.CONFIG)]
MetricsReader = Annotated[Principal, _alias(Permission.METRICS)]

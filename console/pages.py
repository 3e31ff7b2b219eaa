"""The web pages: rendered here in the chosen language, filled and kept live by plain scripts.

No CDN and no build step: templates/ and static/ are all there is.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from alerts.cases import CASE_KIND_OF
from console.deps import MaybePrincipal, PageGuard, Principal, Services
from console.i18n import LANG_COOKIE, LANGUAGES, Translator, catalog, pick_language
from console.ports import OUTCOMES
from console.roles import HOME, Permission, allowed
from console.schemas.common import AlertId, CaseIdPath

TEMPLATES = Jinja2Templates(directory=Path(__file__).resolve().parent / "templates")
router = APIRouter(include_in_schema=False)

_NAV = (
    ("/wall", "nav.wall", Permission.CAMERA_VIEW),
    ("/alerts", "nav.alerts", Permission.ALERTS),
    ("/cases", "nav.cases", Permission.CASES),
    ("/reports", "nav.reports", Permission.REPORTS),
    ("/patrol", "nav.patrol", Permission.PATROL),
    ("/audit", "nav.audit", Permission.AUDIT),
    ("/admin", "nav.admin", Permission.USERS_ADMIN),
)


AnyPage = Annotated[Principal, Depends(PageGuard(Permission.SIGNED_IN))]
WallPage = Annotated[Principal, Depends(PageGuard(Permission.CAMERA_VIEW))]
AlertsPage = Annotated[Principal, Depends(PageGuard(Permission.ALERTS))]
PatrolPage = Annotated[Principal, Depends(PageGuard(Permission.PATROL))]
CasesPage = Annotated[Principal, Depends(PageGuard(Permission.CASES))]
ReportsPage = Annotated[Principal, Depends(PageGuard(Permission.REPORTS))]
AuditPage = Annotated[Principal, Depends(PageGuard(Permission.AUDIT))]
AdminPage = Annotated[Principal, Depends(PageGuard(Permission.USERS_ADMIN))]


def render(
    request: Request,
    services: Services,
    template: str,
    principal: Principal | None,
    status_code: int = 200,
    **boot: Any,
) -> HTMLResponse:
    """A page in the visitor's language; `boot` is handed to the page's script as JSON."""
    language = pick_language(request)
    user = principal.user if principal else None
    nav = [
        {"href": href, "label": key, "current": request.url.path.startswith(href)}
        for href, key, permission in _NAV
        if user is not None and allowed(user.role, permission)
    ]
    context = {
        "t": Translator(language),
        "lang": language,
        "other_lang": next(item for item in LANGUAGES if item != language),
        "user": user,
        "nav": nav,
        "site": services.config.site.name,
        "boot": {
            "lang": language,
            "timezone": services.config.site.timezone,
            "outcomes": [outcome.value for outcome in OUTCOMES],
            "user": None
            if user is None
            else {"name": user.name, "role": user.role, "team": user.team},
            **boot,
        },
        "strings": dict(catalog(language)),
    }
    response = TEMPLATES.TemplateResponse(request, template, context, status_code=status_code)
    if request.query_params.get("lang") in LANGUAGES:
        response.set_cookie(LANG_COOKIE, language, max_age=365 * 86400, samesite="lax")
    return response


@router.get("/")
def home(principal: AnyPage) -> Response:
    return RedirectResponse(HOME[principal.user.role], status_code=303)


@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request, services: Services, principal: MaybePrincipal) -> Response:
    if principal is not None:
        return RedirectResponse(HOME[principal.user.role], status_code=303)
    return render(request, services, "login.html", None)


@router.get("/wall", response_class=HTMLResponse)
def wall(principal: WallPage, request: Request, services: Services) -> HTMLResponse:
    return render(request, services, "wall.html", principal)


@router.get("/alerts", response_class=HTMLResponse)
def alerts(principal: AlertsPage, request: Request, services: Services) -> HTMLResponse:
    cameras = sorted(services.config.cameras)
    return render(request, services, "alerts.html", principal, cameras=cameras)


@router.get("/alerts/{alert_id}", response_class=HTMLResponse)
def alert(
    principal: AlertsPage, alert_id: AlertId, request: Request, services: Services
) -> HTMLResponse:
    role = principal.user.role
    return render(
        request,
        services,
        "alert.html",
        principal,
        alert_id=alert_id,
        can_act=allowed(role, Permission.ALERT_ACT),
        can_dispatch=allowed(role, Permission.DISPATCH_SEND) and services.dispatcher is not None,
        case_outcomes=[outcome.value for outcome in CASE_KIND_OF],
    )


@router.get("/cases", response_class=HTMLResponse)
def cases(principal: CasesPage, request: Request, services: Services) -> HTMLResponse:
    return render(request, services, "cases.html", principal)


@router.get("/cases/{case_id}", response_class=HTMLResponse)
def case(
    principal: CasesPage, case_id: CaseIdPath, request: Request, services: Services
) -> HTMLResponse:
    role = principal.user.role
    return render(
        request,
        services,
        "case.html",
        principal,
        case_id=case_id,
        can_act=allowed(role, Permission.CASE_ACT),
        can_see_evidence=allowed(role, Permission.EVIDENCE),
    )


@router.get("/reports", response_class=HTMLResponse)
def reports(principal: ReportsPage, request: Request, services: Services) -> HTMLResponse:
    return render(request, services, "reports.html", principal)


@router.get("/patrol", response_class=HTMLResponse)
def patrol(principal: PatrolPage, request: Request, services: Services) -> HTMLResponse:
    return render(request, services, "patrol.html", principal)


@router.get("/audit", response_class=HTMLResponse)
def audit(principal: AuditPage, request: Request, services: Services) -> HTMLResponse:
    return render(request, services, "audit.html", principal)


@router.get("/admin", response_class=HTMLResponse)
def admin(principal: AdminPage, request: Request, services: Services) -> HTMLResponse:
    return render(request, services, "admin.html", principal)

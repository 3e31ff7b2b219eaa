"""`create_app(services)`: the console's FastAPI app, built per call, no globals."""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any
from urllib.parse import quote

from fastapi import FastAPI, Request, status
from fastapi.dependencies.models import Dependant
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.routing import APIRoute
from fastapi.staticfiles import StaticFiles

from alerts.payloads import AlertPayload
from alerts.store import StoreUnavailableError
from console import pages
from console.deps import Guard, PageRefused, SignedIn
from console.event_hub import EventHub, LiveMessage
from console.media import ViewAuditor
from console.middleware import LimitsAndHeaders
from console.ports import DispatchView
from console.routers import (
    alerts,
    audit,
    auth,
    cameras,
    cases,
    dispatches,
    events,
    evidence,
    nodes,
    positions,
    reports,
    site_map,
    system,
    tuning,
)
from console.routers import users as users_router
from console.routers.cameras import camera_out
from console.services import ConsoleServices
from console.views import dispatches_out, location_of
from ingest.status import CameraStatus

log = logging.getLogger(__name__)
STATIC = Path(__file__).resolve().parent / "static"
OPENAPI_PATH = "/api/v1/openapi.json"
# Routes anyone may call: health, and what signing in needs. Everything else has a Guard.
PUBLIC_ROUTES = frozenset({"/healthz", "/login", "/api/v1/auth/login"})
ROUTERS = (
    system.router,
    auth.router,
    cameras.router,
    alerts.router,
    evidence.router,
    dispatches.router,
    cases.router,
    tuning.router,
    reports.router,
    audit.router,
    events.router,
    users_router.router,
    nodes.router,
    positions.router,
    site_map.router,
    pages.router,
)


def create_app(services: ConsoleServices) -> FastAPI:
    """The console app over `services`. Live events flow while the app's lifespan runs."""
    hub = EventHub()

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        stops = [services.cameras.subscribe(_pipeline_relay(services, hub))]
        if services.dispatcher is not None:
            stops.append(services.dispatcher.subscribe(_dispatch_relay(services, hub)))
        try:
            yield
        finally:
            hub.close()
            for stop in stops:
                stop()

    app = FastAPI(
        title="Nightwatch console API",
        version="1",
        description="Cameras, alerts, dispatches and the audit log. See docs/console.md.",
        lifespan=lifespan,
        openapi_url=None,
        docs_url=None,
        redoc_url=None,
    )
    app.state.services = services
    app.state.hub = hub
    app.state.viewer = ViewAuditor(services.store, services.settings.view_audit_window_s)
    for router in ROUTERS:
        app.include_router(router)

    @app.get(OPENAPI_PATH, include_in_schema=False)
    def openapi(_user: SignedIn) -> dict[str, Any]:
        return app.openapi()

    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.add_exception_handler(PageRefused, _page_refused)
    app.add_exception_handler(StoreUnavailableError, _unavailable)
    app.add_middleware(
        LimitsAndHeaders,
        max_body_bytes=services.settings.max_body_bytes,
        image_sources=site_map.tile_origins(services.config),
    )
    check_guards(app)
    return app


def route_guards(dependant: Dependant) -> list[Guard]:
    """Every Guard among a route's dependencies, however deep."""
    found = [dependant.call] if isinstance(dependant.call, Guard) else []
    for child in dependant.dependencies:
        found += route_guards(child)
    return found


def api_routes(app: FastAPI) -> list[APIRoute]:
    """Every route the app serves (FastAPI does not flatten included routers into app.routes)."""
    routes = [*(route for router in ROUTERS for route in router.routes), *app.routes]
    return [route for route in routes if isinstance(route, APIRoute)]


def check_guards(app: FastAPI) -> None:
    """Refuse to build an app in which a route has no role decision, or decides it late.

    The guard must be a route's first dependency: FastAPI runs them in order, and one that
    ran before it (the dispatcher, say) would answer an anonymous caller before the guard.
    """
    for route in api_routes(app):
        if route.path in PUBLIC_ROUTES:
            continue
        if not route_guards(route.dependant):
            raise RuntimeError(f"route {route.path} has no Guard: decide who may call it")
        first = route.dependant.dependencies[0].call
        if not isinstance(first, Guard):
            raise RuntimeError(f"route {route.path}: its Guard must be its first parameter")


async def _page_refused(request: Request, error: Exception) -> Response:
    assert isinstance(error, PageRefused)
    if error.code == status.HTTP_401_UNAUTHORIZED:
        return RedirectResponse(f"/login?next={quote(error.path)}", status_code=303)
    services: ConsoleServices = request.app.state.services
    return pages.render(request, services, "forbidden.html", None, status_code=403)


async def _unavailable(_request: Request, error: Exception) -> Response:
    log.error("store unavailable: %s", error)
    return JSONResponse({"detail": "the database is unavailable"}, status_code=503)


def _pipeline_relay(
    services: ConsoleServices, hub: EventHub
) -> Callable[[AlertPayload | CameraStatus], None]:
    def relay(event: AlertPayload | CameraStatus) -> None:
        if isinstance(event, AlertPayload):
            body = event.model_dump(mode="json", by_alias=True)
            body["location"] = location_of(services.config, event.camera)
            hub.publish(LiveMessage("alert", json.dumps(body, ensure_ascii=False)))
            return
        location = services.config.cameras[event.camera].location
        camera = camera_out(event.camera, location, event)
        hub.publish(LiveMessage("camera", camera.model_dump_json()))

    return relay


def _dispatch_relay(services: ConsoleServices, hub: EventHub) -> Callable[[DispatchView], None]:
    def relay(view: DispatchView) -> None:
        body = dispatches_out([view], services.store, services.config)[0]
        hub.publish(LiveMessage("dispatch", body.model_dump_json(), team=view.team))

    return relay

"""/healthz for load balancers (no sign-in) and Prometheus /metrics."""

from __future__ import annotations

import logging
from collections.abc import Iterable

from fastapi import APIRouter, Response, status
from fastapi.responses import PlainTextResponse
from pydantic import BaseModel

from alerts.store import StoreError
from console.deps import HubDep, MetricsReader, Services

router = APIRouter(tags=["system"])
log = logging.getLogger(__name__)
PROMETHEUS_TYPE = "text/plain; version=0.0.4; charset=utf-8"


class Health(BaseModel):
    status: str
    database: str
    cameras_online: int
    cameras_total: int


@router.get("/healthz", response_model=Health, responses={503: {"model": Health}})
def healthz(services: Services, response: Response) -> Health:
    """Alive, with the database reachable. Needs no sign-in and tells nothing sensitive."""
    try:
        services.store.audit.head()
        database = "ok"
    except StoreError:
        log.exception("health check: database unreachable")
        database = "unreachable"
        response.status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    statuses = services.cameras.camera_statuses()
    online = sum(1 for item in statuses.values() if item.state == "online")
    return Health(
        status="ok" if database == "ok" else "degraded",
        database=database,
        cameras_online=online,
        cameras_total=len(statuses),
    )


@router.get("/metrics", response_class=PlainTextResponse)
def metrics(_user: MetricsReader, services: Services, hub: HubDep) -> PlainTextResponse:
    """Prometheus text format: per-camera fps and drops, detection latency, alerts, outbox."""
    lines = list(_camera_lines(services))
    lines += list(_pipeline_lines(services))
    depth = services.dispatcher.outbox_depth() if services.dispatcher else None
    if depth is not None:
        lines += _metric("nightwatch_outbox_depth", "gauge", "Dispatch messages not delivered.")
        lines.append(f"nightwatch_outbox_depth {depth}")
    lines += _metric("nightwatch_console_live_clients", "gauge", "Browsers on the live feed.")
    lines.append(f"nightwatch_console_live_clients {hub.subscribers}")
    return PlainTextResponse("\n".join(lines) + "\n", media_type=PROMETHEUS_TYPE)


def _metric(name: str, kind: str, help_text: str) -> list[str]:
    return [f"# HELP {name} {help_text}", f"# TYPE {name} {kind}"]


def _label(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def _camera_lines(services: Services) -> Iterable[str]:
    statuses = services.cameras.camera_statuses()
    families = (
        ("nightwatch_camera_fps", "gauge", "Pictures decoded per second, last 5 s.", "fps"),
        ("nightwatch_camera_frames_total", "counter", "Pictures decoded.", "frames_total"),
        (
            "nightwatch_camera_frames_dropped_total",
            "counter",
            "Frames replaced before detection took them.",
            "frames_dropped",
        ),
        ("nightwatch_camera_reconnects_total", "counter", "Reconnect attempts.", "reconnects"),
    )
    for name, kind, help_text, field in families:
        yield from _metric(name, kind, help_text)
        for camera, item in sorted(statuses.items()):
            yield f'{name}{{camera="{_label(camera)}"}} {getattr(item, field)}'
    yield from _metric("nightwatch_camera_online", "gauge", "1 while the camera sends pictures.")
    for camera, item in sorted(statuses.items()):
        yield f'nightwatch_camera_online{{camera="{_label(camera)}"}} {int(item.state == "online")}'


def _pipeline_lines(services: Services) -> Iterable[str]:
    figures = services.cameras.figures()
    counters = (
        ("nightwatch_frames_analysed_total", "Frames analysed.", figures.frames_analysed),
        ("nightwatch_detector_frames_total", "Frames detected on.", figures.detector_frames),
        ("nightwatch_alerts_total", "Alert messages published.", figures.alerts_published),
    )
    for name, help_text, value in counters:
        yield from _metric(name, "counter", help_text)
        yield f"{name} {value}"
    name = "nightwatch_detection_latency_seconds"
    yield from _metric(name, "summary", "Detection latency per frame (recent samples).")
    quantiles = (("0.5", figures.detect_latency_p50_s), ("0.95", figures.detect_latency_p95_s))
    for quantile, seconds in quantiles:
        if seconds is not None:
            yield f'{name}{{quantile="{quantile}"}} {seconds:.6f}'
    yield f"{name}_count {figures.detect_latency_count}"
    yield from _metric("nightwatch_mqtt_connected", "gauge", "1 while the broker is connected.")
    yield f"nightwatch_mqtt_connected {int(figures.mqtt_connected)}"
    yield from _metric("nightwatch_mqtt_queued_messages", "gauge", "Messages awaiting the broker.")
    yield f"nightwatch_mqtt_queued_messages {figures.mqtt_queued}"

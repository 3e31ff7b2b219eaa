"""Store records to API bodies: each body is its record plus where things are and how to reach
them (locations, URLs, counts), never a copy of the record's fields."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from alerts.audit import AuditRecord
from alerts.store import AlertRecord, EvidenceRecord, Store
from config.schema import NightwatchConfig
from console.ports import DispatchView
from console.schemas.alerts import AlertSummary, EvidenceOut, TimelineEntry
from console.schemas.dispatch import DispatchOut

API = "/api/v1"


def location_of(config: NightwatchConfig, camera: str) -> str:
    """The camera's configured location, or its name when it has none."""
    found = config.cameras.get(camera)
    return found.location if found is not None and found.location else camera


def alert_summary(record: AlertRecord, config: NightwatchConfig) -> AlertSummary:
    """The alert as listed: its record with its place, object count and URLs."""
    objects = record.payload.get("objects", [])
    return AlertSummary.model_validate(
        {
            **dict(record),
            "location": location_of(config, record.camera),
            "objects": len(objects) if isinstance(objects, list) else 0,
            "snapshot_url": f"{API}/alerts/{record.id}/snapshot",
            "url": f"/alerts/{record.id}",
        }
    )


def evidence_out(item: EvidenceRecord) -> EvidenceOut:
    """The file's record with the URL it is served from."""
    route = "clip" if item.kind == "clip" else "snapshot"
    query = "?plain=true" if item.kind == "snapshot" else ""
    url = f"{API}/alerts/{item.alert_id}/{route}{query}"
    return EvidenceOut.model_validate({**dict(item), "url": url})


def merged_timeline(
    trail: Sequence[AuditRecord], dispatches: Sequence[DispatchView]
) -> list[TimelineEntry]:
    """The alert's audit records and its dispatches' steps, in time order."""
    entries = [TimelineEntry.model_validate(record, from_attributes=True) for record in trail]
    for view in dispatches:
        for step in view.history:
            details = {"dispatch_id": view.id, "state": step.state, "team": step.team}
            if step.outcome is not None:
                details["outcome"] = step.outcome
            if step.note:
                details["note"] = step.note
            action = f"dispatch.{step.state}"
            entries.append(
                TimelineEntry(
                    at=step.at, actor=step.actor, action=action, details=details, source=None
                )
            )
    return sorted(entries, key=lambda entry: entry.at)


def dispatch_out(
    view: DispatchView, alerts: Mapping[str, AlertRecord | None], config: NightwatchConfig
) -> DispatchOut:
    """The dispatch with where and what its alert is, for a patrol on the way."""
    alert = alerts.get(view.alert_id)
    where = {}
    if alert is not None:
        where = {
            "camera": alert.camera,
            "location": location_of(config, alert.camera),
            "rule": alert.rule,
            "severity": alert.severity,
        }
    snapshot_url = f"{API}/dispatches/{view.id}/snapshot"
    return DispatchOut.model_validate({**dict(view), **where, "snapshot_url": snapshot_url})


def dispatches_out(
    views: Sequence[DispatchView], store: Store, config: NightwatchConfig
) -> list[DispatchOut]:
    """`dispatch_out` for many, reading each alert once."""
    alerts = {alert_id: store.alerts.get(alert_id) for alert_id in {v.alert_id for v in views}}
    return [dispatch_out(view, alerts, config) for view in views]

"""Store records to API bodies: summaries, dispositions, timelines, dispatches."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import cast

from alerts.audit import AuditRecord
from alerts.store import AlertRecord, EvidenceRecord, Store
from alerts.store.audit_search import actions_for
from config.schema import NightwatchConfig
from console.ports import DispatchView, Outcome
from console.schemas.alerts import AlertSummary, Disposition, EvidenceOut, TimelineEntry
from console.schemas.audit import AuditRecordOut
from console.schemas.dispatch import DispatchOut, DispatchStepOut

ACKNOWLEDGE = "alert.acknowledge"
RESOLVE = "alert.resolve"
DISPOSITION_ACTIONS = (ACKNOWLEDGE, RESOLVE)
API = "/api/v1"


def location_of(config: NightwatchConfig, camera: str) -> str:
    found = config.cameras.get(camera)
    return found.location if found is not None and found.location else camera


def disposition(records: Sequence[AuditRecord]) -> Disposition:
    """The first acknowledgement and the resolution among an alert's records."""
    acknowledged = next((item for item in records if item.action == ACKNOWLEDGE), None)
    resolved = next((item for item in records if item.action == RESOLVE), None)
    if resolved is not None and acknowledged is None:
        acknowledged = resolved  # resolving acknowledges too
    outcome = resolved.details.get("outcome") if resolved else None
    note = resolved.details.get("note") if resolved else None
    return Disposition(
        acknowledged_by=acknowledged.actor if acknowledged else None,
        acknowledged_at=acknowledged.at if acknowledged else None,
        resolved_by=resolved.actor if resolved else None,
        resolved_at=resolved.at if resolved else None,
        outcome=cast(Outcome, outcome) if isinstance(outcome, str) else None,
        note=note if isinstance(note, str) else None,
    )


def dispositions(store: Store, alert_ids: Sequence[str]) -> dict[str, Disposition]:
    found = actions_for(store, alert_ids, DISPOSITION_ACTIONS)
    return {alert_id: disposition(found.get(alert_id, [])) for alert_id in alert_ids}


def alert_summary(
    record: AlertRecord, config: NightwatchConfig, state: Disposition
) -> AlertSummary:
    objects = record.payload.get("objects", [])
    return AlertSummary(
        id=record.id,
        camera=record.camera,
        location=location_of(config, record.camera),
        rule=record.rule,
        rule_type=record.rule_type,
        zone=record.zone,
        severity=record.severity,
        state=record.state,
        started_at=record.started_at,
        ended_at=record.ended_at,
        updated_at=record.updated_at,
        category=record.category,
        legal_hold=record.legal_hold,
        objects=len(objects) if isinstance(objects, list) else 0,
        disposition=state,
        snapshot_url=f"{API}/alerts/{record.id}/snapshot",
        url=f"/alerts/{record.id}",
    )


def evidence_out(item: EvidenceRecord) -> EvidenceOut:
    route = "clip" if item.kind == "clip" else "snapshot"
    query = "?plain=true" if item.kind == "snapshot" else ""
    return EvidenceOut(
        id=item.id,
        kind=item.kind,
        url=f"{API}/alerts/{item.alert_id}/{route}{query}",
        size_bytes=item.size_bytes,
        sha256=item.sha256,
        started_at=item.started_at,
        ended_at=item.ended_at,
        width=item.width,
        height=item.height,
    )


def timeline_entry(record: AuditRecord) -> TimelineEntry:
    return TimelineEntry(
        at=record.at,
        actor=record.actor,
        action=record.action,
        details=dict(record.details),
        source=record.source,
    )


def merged_timeline(
    trail: Sequence[AuditRecord], dispatches: Sequence[DispatchView]
) -> list[TimelineEntry]:
    """The alert's audit records and its dispatches' steps, in time order."""
    entries = [timeline_entry(record) for record in trail]
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


def audit_out(record: AuditRecord) -> AuditRecordOut:
    return AuditRecordOut(
        id=record.id,
        at=record.at,
        actor=record.actor,
        action=record.action,
        target=record.target,
        details=dict(record.details),
        source=record.source,
        evidence_sha256=record.evidence_sha256,
        prev_hash=record.prev_hash,
        hash=record.hash,
    )


def dispatch_out(
    view: DispatchView, alerts: Mapping[str, AlertRecord | None], config: NightwatchConfig
) -> DispatchOut:
    """The dispatch with where and what its alert is, for a patrol on the way."""
    alert = alerts.get(view.alert_id)
    steps = [
        DispatchStepOut(
            state=step.state,
            at=step.at,
            team=step.team,
            actor=step.actor,
            note=step.note,
            outcome=step.outcome,
        )
        for step in view.history
    ]
    return DispatchOut(
        id=view.id,
        alert_id=view.alert_id,
        team=view.team,
        state=view.state,
        escalations=view.escalations,
        ack_deadline=view.ack_deadline,
        created_at=view.created_at,
        updated_at=view.updated_at,
        created_by=view.created_by,
        outcome=view.outcome,
        note=view.note,
        history=steps,
        camera=alert.camera if alert else None,
        location=location_of(config, alert.camera) if alert else None,
        rule=alert.rule if alert else None,
        severity=alert.severity if alert else None,
        snapshot_url=f"{API}/dispatches/{view.id}/snapshot",
    )


def dispatches_out(
    views: Sequence[DispatchView], store: Store, config: NightwatchConfig
) -> list[DispatchOut]:
    alerts = {alert_id: store.get_alert(alert_id) for alert_id in {v.alert_id for v in views}}
    return [dispatch_out(view, alerts, config) for view in views]

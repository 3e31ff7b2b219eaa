"""The message announcing a finished shift's report on MQTT (and to the supervisor's
webhooks): `nightwatch.shift-report-summary/1` on `<prefix>/reports/shift`."""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Final, Literal

from pydantic import BaseModel, ConfigDict, Field

from alerts.outbox import OutboxMessage
from alerts.report.model import ShiftReport, Spread, Totals

SUMMARY_SCHEMA: Final = "nightwatch.shift-report-summary/1"
_MESSAGE_ID_MAX = 64  # the outbox's message_id column


class TeamSummary(BaseModel):
    model_config = ConfigDict(frozen=True)

    orders: int
    acknowledged_s: Spread
    on_scene_s: Spread
    resolved_s: Spread


class ShiftReportSummary(BaseModel):
    """The headline figures and where the full report lies; `report.json` has the rest."""

    model_config = ConfigDict(frozen=True, populate_by_name=True)

    schema_: Literal["nightwatch.shift-report-summary/1"] = Field(SUMMARY_SCHEMA, alias="schema")
    message_id: str = Field(description="report-<site>-<date>: the same for every resend.")
    site: str
    date: str
    window: str
    timezone: str
    start: datetime
    end: datetime
    generated_at: datetime
    totals: Totals
    alerts_by_rule: dict[str, int]
    alerts_by_camera: dict[str, int]
    teams: dict[str, TeamSummary]
    escalations: int
    outcomes: dict[str, int]
    false_alarm_share_by_camera: dict[str, float | None]
    false_alarm_share_by_rule: dict[str, float | None]
    open_cases: int
    overdue_cases: int
    files: dict[str, str] = Field(description="report.json/html/pdf, relative to data_dir.")


def report_topic(prefix: str) -> str:
    return f"{prefix}/reports/shift"


def report_message_id(site: str, date: str) -> str:
    """`report-<site>-<date>`; a site name too long for the outbox's column is hashed."""
    message_id = f"report-{site}-{date}"
    if len(message_id) <= _MESSAGE_ID_MAX:
        return message_id
    return f"report-{hashlib.sha256(site.encode()).hexdigest()[:16]}-{date}"


def summary_of(report: ShiftReport, files: dict[str, str]) -> ShiftReportSummary:
    shift = report.shift
    return ShiftReportSummary(
        message_id=report_message_id(report.site, shift.date),
        site=report.site,
        date=shift.date,
        window=shift.window,
        timezone=shift.timezone,
        start=shift.start,
        end=shift.end,
        generated_at=report.generated_at,
        totals=report.totals,
        alerts_by_rule=report.alerts.by_rule,
        alerts_by_camera=report.alerts.by_camera,
        teams={
            team: TeamSummary(
                orders=figures.orders,
                acknowledged_s=figures.acknowledged_s,
                on_scene_s=figures.on_scene_s,
                resolved_s=figures.resolved_s,
            )
            for team, figures in report.teams.items()
        },
        escalations=report.escalations.total,
        outcomes=report.outcomes,
        false_alarm_share_by_camera={
            name: share.share for name, share in report.false_alarms.by_camera.items()
        },
        false_alarm_share_by_rule={
            name: share.share for name, share in report.false_alarms.by_rule.items()
        },
        open_cases=len(report.cases.open),
        overdue_cases=len(report.cases.overdue),
        files=files,
    )


def summary_message(summary: ShiftReportSummary, prefix: str) -> OutboxMessage:
    """The outbox message (QoS 1, not retained) carrying `summary`."""
    body = summary.model_dump_json(by_alias=True)
    return OutboxMessage(report_topic(prefix), body, summary.message_id)

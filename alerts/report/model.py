"""The shift report as published: `report.json`, and what the HTML, PDF and MQTT summary show.

Versioned (`schema`); times are ISO-8601 UTC, durations in seconds. Percentiles interpolate
linearly between the two nearest samples (numpy's default), so with samples 10, 20, 30, 40
the p50 is 25 and the p90 is 37.
"""

from __future__ import annotations

from datetime import datetime
from typing import Final, Literal

from pydantic import BaseModel, ConfigDict, Field

REPORT_SCHEMA: Final = "nightwatch.shift-report/1"


class ReportPart(BaseModel):
    model_config = ConfigDict(frozen=True)


class Spread(ReportPart):
    """Seconds from the first order; null figures when there was no sample."""

    count: int = Field(description="How many dispatches reached this step.")
    p50: float | None
    p90: float | None
    max: float | None


class TeamFigures(ReportPart):
    """How fast one team answered, each measured from the dispatch's first order."""

    orders: int = Field(description="Orders the team got: first orders and escalations to it.")
    acknowledged_s: Spread = Field(description="To the team's first answer (any state).")
    on_scene_s: Spread = Field(description="To the team reporting on scene.")
    resolved_s: Spread = Field(description="To the dispatch resolved while with the team.")


class HourCount(ReportPart):
    hour: str = Field(description="The hour's start on the site's clock, HH:MM.")
    start: datetime
    count: int


class AlertCounts(ReportPart):
    by_rule: dict[str, int]
    by_camera: dict[str, int]
    by_hour: list[HourCount]


class Escalation(ReportPart):
    dispatch_id: str
    alert_id: str
    at: datetime
    from_team: str
    to_team: str
    escalation: int


class EscalationFigures(ReportPart):
    total: int
    dispatches: int = Field(description="Dispatches escalated at least once.")
    away_from: dict[str, int] = Field(description="Escalations by the team that left it.")
    items: list[Escalation]


class FalseAlarmShare(ReportPart):
    """Operators' false-alarm outcomes over the alerts they resolved."""

    resolved: int
    false_alarm: int
    share: float | None = Field(description="false_alarm / resolved; null with none resolved.")


class FalseAlarms(ReportPart):
    by_camera: dict[str, FalseAlarmShare]
    by_rule: dict[str, FalseAlarmShare]


class CaseItem(ReportPart):
    """A follow-up case (alerts.cases.CaseRecord), as the report lists it."""

    id: str
    kind: str
    title: str
    owner: str
    opened_at: datetime
    due_at: datetime
    escalated_at: datetime | None
    alert_ids: list[str]


class Cases(ReportPart):
    """Follow-up cases open at report time (whenever opened), and those past their due date."""

    open: list[CaseItem]
    overdue: list[CaseItem]


class Totals(ReportPart):
    alerts: int
    dispatches: int
    resolved: int = Field(description="Alerts the control room closed with an outcome.")
    unresolved: int


class ShiftInfo(ReportPart):
    date: str = Field(description="The date the shift starts on, YYYY-MM-DD.")
    window: str = Field(description="site.shift, HH:MM-HH:MM on the site's clock.")
    timezone: str
    start: datetime
    end: datetime


class ShiftReport(ReportPart):
    schema_: Literal["nightwatch.shift-report/1"] = Field(REPORT_SCHEMA, alias="schema")
    site: str
    shift: ShiftInfo
    generated_at: datetime
    totals: Totals
    alerts: AlertCounts
    teams: dict[str, TeamFigures]
    team_names: dict[str, str] = Field(description="Each team's name, as dispatch.teams says.")
    escalations: EscalationFigures
    outcomes: dict[str, int] = Field(description="Alerts by their resolution's outcome.")
    false_alarms: FalseAlarms
    cases: Cases

    model_config = ConfigDict(frozen=True, populate_by_name=True)

    @property
    def is_empty(self) -> bool:
        """Nothing happened in the shift (the report is still written)."""
        return self.totals.alerts == 0

    def to_json(self) -> str:
        return self.model_dump_json(by_alias=True, indent=2)

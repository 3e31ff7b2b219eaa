"""The report's tables as rows of text, shared by the HTML page and the PDF."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from alerts.report.model import ShiftReport, Spread
from nightwatch.report.labels import both


@dataclass(frozen=True, slots=True)
class Table:
    title: str
    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]


def report_tables(report: ShiftReport) -> list[Table]:
    """Summary, teams, outcomes, escalations and cases, each a table with a bilingual title."""
    totals = report.totals
    overdue = {case.id for case in report.cases.overdue}
    tables = [
        Table(
            both("totals"),
            (both("alerts"), both("dispatches"), both("resolved"), both("unresolved")),
            (
                (
                    str(totals.alerts),
                    str(totals.dispatches),
                    str(totals.resolved),
                    str(totals.unresolved),
                ),
            ),
        ),
        Table(
            both("response"),
            (
                both("team"),
                both("orders"),
                *(
                    f"{both(m)} p50 / p90 / max"
                    for m in ("acknowledged_s", "on_scene_s", "resolved_s")
                ),
            ),
            tuple(
                (
                    team_label(report, team),
                    str(figures.orders),
                    _spread(figures.acknowledged_s),
                    _spread(figures.on_scene_s),
                    _spread(figures.resolved_s),
                )
                for team, figures in report.teams.items()
            ),
        ),
        Table(
            both("outcomes"),
            (both("outcome"), both("count")),
            tuple((both(outcome), str(count)) for outcome, count in report.outcomes.items()),
        ),
        *(
            Table(
                f"{both('false_alarms')} · {both(key)}",
                (both(key), both("resolved"), both("false_alarm"), both("share")),
                tuple(
                    (name, str(share.resolved), str(share.false_alarm), _percent(share.share))
                    for name, share in shares.items()
                ),
            )
            for key, shares in (
                ("camera", report.false_alarms.by_camera),
                ("rule", report.false_alarms.by_rule),
            )
        ),
        Table(
            f"{both('escalations')}: {report.escalations.total}",
            (both("at"), both("escalated_from"), both("escalated_to")),
            tuple(
                (
                    report_time(report, item.at),
                    team_label(report, item.from_team),
                    team_label(report, item.to_team),
                )
                for item in report.escalations.items
            ),
        ),
        Table(
            f"{both('cases')}: {both('open_cases')} {len(report.cases.open)}, "
            f"{both('overdue_cases')} {len(report.cases.overdue)}",
            (both("case"), both("case_title"), both("owner"), both("due"), both("overdue")),
            tuple(
                (
                    case.id,
                    case.title,
                    case.owner,
                    report_day_time(report, case.due_at),
                    both("yes") if case.id in overdue else "",
                )
                for case in report.cases.open
            ),
        ),
    ]
    return tables


def team_label(report: ShiftReport, team: str) -> str:
    """`id · name` (the name volunteers know), or the id alone."""
    name = report.team_names.get(team)
    return f"{team} · {name}" if name and name != team else team


def report_time(report: ShiftReport, moment: datetime) -> str:
    """A time on the site's clock, HH:MM:SS."""
    return moment.astimezone(ZoneInfo(report.shift.timezone)).strftime("%H:%M:%S")


def report_day_time(report: ShiftReport, moment: datetime) -> str:
    """A date and time on the site's clock, YYYY-MM-DD HH:MM."""
    return moment.astimezone(ZoneInfo(report.shift.timezone)).strftime("%Y-%m-%d %H:%M")


def shift_heading(report: ShiftReport) -> str:
    shift = report.shift
    return f"{report.site} · {shift.date} {shift.window} ({shift.timezone})"


def _spread(spread: Spread) -> str:
    if spread.count == 0:
        return "—"
    return f"{spread.p50:g} / {spread.p90:g} / {spread.max:g}  (n={spread.count})"


def _percent(share: float | None) -> str:
    return "—" if share is None else f"{100 * share:.1f}%"

"""Every figure of a shift report, from the store's alerts and dispatches.

`shift_report` reads the records through two small Protocols (the store's repositories
satisfy them); `report_from_records` is the pure part: records in, figures out, no I/O.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Protocol

from alerts.dispatch.records import DispatchQuery, DispatchRecord, DispatchState, Outcome
from alerts.report.cases import CaseSource, cases_section
from alerts.report.model import (
    AlertCounts,
    Cases,
    Escalation,
    EscalationFigures,
    FalseAlarms,
    FalseAlarmShare,
    HourCount,
    ShiftInfo,
    ShiftReport,
    Spread,
    TeamFigures,
    Totals,
)
from alerts.report.shift import Shift
from alerts.store.records import AlertQuery, AlertRecord

_PAGE = 1000
_DISPATCHES_PER_ALERT = 100
S = DispatchState
# A team's first answer of any kind stops the escalation clock: that is its acknowledgement.
_ANSWERED = frozenset({S.ACKNOWLEDGED, S.EN_ROUTE, S.ON_SCENE, S.RESOLVED})
_ORDERS = frozenset({S.DISPATCHED, S.ESCALATED})


class _Key(Protocol):
    def __call__(self, alert: AlertRecord, /) -> str: ...


class AlertSource(Protocol):
    """Alerts by start time (alerts.store.AlertRepository)."""

    def query(self, query: AlertQuery) -> list[AlertRecord]: ...


class DispatchSource(Protocol):
    """Dispatches of an alert (alerts.store.DispatchRepository)."""

    def query(self, query: DispatchQuery) -> list[DispatchRecord]: ...


class ReportSources(Protocol):
    """What a report reads (alerts.store.Store)."""

    @property
    def alerts(self) -> AlertSource: ...
    @property
    def dispatches(self) -> DispatchSource: ...
    @property
    def cases(self) -> CaseSource: ...


@dataclass(frozen=True, slots=True)
class ReportScope:
    """Which shift of which site, the teams to list even when idle, and when it is made."""

    site: str
    shift: Shift
    teams: tuple[str, ...] = ()
    team_names: Mapping[str, str] = field(default_factory=dict)  # id: name (dispatch.teams)
    now: datetime | None = None  # report time (open cases are judged then); default shift end


def shift_report(sources: ReportSources, scope: ReportScope) -> ShiftReport:
    """The report of the alerts that started within the shift and of their dispatches, with
    the follow-up cases open at report time."""
    alerts = sorted(_alerts_in(sources.alerts, scope.shift), key=lambda a: (a.started_at, a.id))
    dispatches = [
        dispatch
        for alert in alerts
        for dispatch in sources.dispatches.query(
            DispatchQuery(alert_id=alert.id, limit=_DISPATCHES_PER_ALERT)
        )
    ]
    now = scope.now or scope.shift.end
    return report_from_records(alerts, dispatches, scope, cases_section(sources.cases, now))


def report_from_records(
    alerts: Sequence[AlertRecord],
    dispatches: Sequence[DispatchRecord],
    scope: ReportScope,
    cases: Cases | None = None,
) -> ShiftReport:
    """The figures of these records; pure (`cases`: the cases section, empty if None)."""
    shift = scope.shift
    outcomes = [alert.disposition.outcome for alert in alerts]
    resolved = sum(outcome is not None for outcome in outcomes)
    return ShiftReport(
        site=scope.site,
        shift=ShiftInfo(
            date=shift.label,
            window=shift.window,
            timezone=shift.timezone,
            start=shift.start,
            end=shift.end,
        ),
        generated_at=scope.now or shift.end,
        totals=Totals(
            alerts=len(alerts),
            dispatches=len(dispatches),
            resolved=resolved,
            unresolved=len(alerts) - resolved,
        ),
        alerts=AlertCounts(
            by_rule=_counted(alert.rule for alert in alerts),
            by_camera=_counted(alert.camera for alert in alerts),
            by_hour=hour_counts(shift, [alert.started_at for alert in alerts]),
        ),
        teams=team_figures(dispatches, scope.teams),
        team_names=dict(scope.team_names),
        escalations=escalation_figures(dispatches),
        outcomes={
            outcome.value: sum(found == outcome for found in outcomes) for outcome in Outcome
        },
        false_alarms=FalseAlarms(
            by_camera=false_alarm_shares(alerts, lambda alert: alert.camera),
            by_rule=false_alarm_shares(alerts, lambda alert: alert.rule),
        ),
        cases=cases or Cases(open=[], overdue=[]),
    )


def percentile(sorted_samples: Sequence[float], fraction: float) -> float:
    """Linear interpolation between the nearest ranks (numpy's default method)."""
    position = fraction * (len(sorted_samples) - 1)
    low = math.floor(position)
    high = min(low + 1, len(sorted_samples) - 1)
    weight = position - low
    return sorted_samples[low] + (sorted_samples[high] - sorted_samples[low]) * weight


def spread(samples: Iterable[float]) -> Spread:
    ordered = sorted(samples)
    if not ordered:
        return Spread(count=0, p50=None, p90=None, max=None)
    return Spread(
        count=len(ordered),
        p50=round(percentile(ordered, 0.5), 3),
        p90=round(percentile(ordered, 0.9), 3),
        max=round(ordered[-1], 3),
    )


def team_figures(
    dispatches: Sequence[DispatchRecord], known_teams: Sequence[str] = ()
) -> dict[str, TeamFigures]:
    """Per team: orders received, and seconds from each dispatch's first order to the
    team's first answer, to on scene and to resolved (each counted for the team that did it)."""
    orders: Counter[str] = Counter()
    samples: dict[tuple[str, str], list[float]] = {}
    for dispatch in dispatches:
        orders.update(step.team for step in dispatch.history if step.state in _ORDERS)
        first = next((s for s in dispatch.history if s.state == S.DISPATCHED), None)
        if first is None:
            continue
        for measure, states in (
            ("acknowledged_s", _ANSWERED),
            ("on_scene_s", {S.ON_SCENE}),
            ("resolved_s", {S.RESOLVED}),
        ):
            step = next((s for s in dispatch.history if s.state in states), None)
            if step is not None:
                seconds = (step.at - first.at).total_seconds()
                samples.setdefault((step.team, measure), []).append(seconds)
    seen = {team for team, _ in samples} | set(orders)
    teams = [*known_teams, *sorted(seen - set(known_teams))]
    return {
        team: TeamFigures(
            orders=orders[team],
            acknowledged_s=spread(samples.get((team, "acknowledged_s"), [])),
            on_scene_s=spread(samples.get((team, "on_scene_s"), [])),
            resolved_s=spread(samples.get((team, "resolved_s"), [])),
        )
        for team in teams
    }


def escalation_figures(dispatches: Sequence[DispatchRecord]) -> EscalationFigures:
    """Every escalation: the team that stayed silent and the team it went to."""
    items: list[Escalation] = []
    for dispatch in dispatches:
        for before, step in zip(dispatch.history, dispatch.history[1:], strict=False):
            if step.state == S.ESCALATED:
                items.append(
                    Escalation(
                        dispatch_id=dispatch.id,
                        alert_id=dispatch.alert_id,
                        at=step.at,
                        from_team=before.team,
                        to_team=step.team,
                        escalation=step.escalation,
                    )
                )
    items.sort(key=lambda item: (item.at, item.dispatch_id))
    return EscalationFigures(
        total=len(items),
        dispatches=len({item.dispatch_id for item in items}),
        away_from=_counted(item.from_team for item in items),
        items=items,
    )


def false_alarm_shares(alerts: Sequence[AlertRecord], key: _Key) -> dict[str, FalseAlarmShare]:
    """Per camera (or rule): false alarms over the alerts resolved with an outcome."""
    resolved: Counter[str] = Counter()
    false: Counter[str] = Counter()
    for alert in alerts:
        outcome = alert.disposition.outcome
        if outcome is None:
            continue
        resolved[key(alert)] += 1
        false[key(alert)] += outcome == Outcome.FALSE_ALARM
    return {
        name: FalseAlarmShare(
            resolved=resolved[name],
            false_alarm=false[name],
            share=round(false[name] / resolved[name], 4) if resolved[name] else None,
        )
        for name in sorted({key(alert) for alert in alerts})
    }


def hour_counts(shift: Shift, started: Sequence[datetime]) -> list[HourCount]:
    """Alerts per hour of the site's clock, from the hour the shift starts in to its end."""
    local_hour = shift.local(shift.start).replace(minute=0, second=0, microsecond=0)
    first = local_hour.astimezone(UTC)  # stepped in UTC: one real hour per bucket
    starts: list[datetime] = []
    moment = first
    while moment < shift.end:
        starts.append(moment)
        moment += timedelta(hours=1)
    counts = Counter(int((when - first).total_seconds() // 3600) for when in started)
    return [
        HourCount(hour=shift.local(start).strftime("%H:%M"), start=start, count=counts[index])
        for index, start in enumerate(starts)
    ]


def _alerts_in(source: AlertSource, shift: Shift) -> Iterator[AlertRecord]:
    query: AlertQuery | None = AlertQuery(since=shift.start, until=shift.end, limit=_PAGE)
    while query is not None:
        page = source.query(query)
        yield from page
        query = query.next_page(page)


def _counted(names: Iterable[str]) -> dict[str, int]:
    counts = Counter(names)
    return dict(sorted(counts.items(), key=lambda item: (-item[1], item[0])))

"""The shift report's figures on a real store, against values worked out by hand."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime

import pytest

from alerts.report.figures import ReportScope, percentile, shift_report
from alerts.report.shift import ShiftDateError, parse_shift_date, shift_on
from config.schema import NightwatchConfig
from tests.alerts.report.conftest import ScriptedStore
from tests.alerts.report.support import (
    EXPECTED_BY_HOUR,
    EXPECTED_OUTCOMES,
    EXPECTED_TEAMS,
    QUIET_DAY,
    SHIFT_DAY,
)


def scope_for(config: NightwatchConfig, day: date) -> ReportScope:
    site = config.site
    teams = tuple(config.dispatch.teams) if config.dispatch else ()
    return ReportScope(site.name, shift_on(day, site.shift, site.timezone), teams)


def test_response_times_per_team_equal_the_scripted_times(scripted: ScriptedStore) -> None:
    report = shift_report(scripted.store, scope_for(scripted.config, SHIFT_DAY))

    teams = report.model_dump(mode="json")["teams"]
    assert teams == EXPECTED_TEAMS


def test_alerts_are_counted_by_rule_camera_and_hour_within_the_shift_only(
    scripted: ScriptedStore,
) -> None:
    report = shift_report(scripted.store, scope_for(scripted.config, SHIFT_DAY))

    assert report.shift.start == datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
    assert report.shift.end == datetime(2026, 3, 1, 16, 0, tzinfo=UTC)
    assert (report.totals.alerts, report.totals.dispatches) == (5, 5)
    assert report.alerts.by_camera == {"gate": 4, "market": 1}
    assert report.alerts.by_rule == {"gate-intrusion": 4, "market-loiter": 1}
    assert {hour.hour: hour.count for hour in report.alerts.by_hour} == EXPECTED_BY_HOUR


def test_escalations_outcomes_and_false_alarm_shares(scripted: ScriptedStore) -> None:
    report = shift_report(scripted.store, scope_for(scripted.config, SHIFT_DAY))

    escalations = report.escalations
    assert (escalations.total, escalations.dispatches, escalations.away_from) == (
        1,
        1,
        {"alpha": 1},
    )
    assert (escalations.items[0].from_team, escalations.items[0].to_team) == ("alpha", "bravo")
    assert report.outcomes == EXPECTED_OUTCOMES
    assert (report.totals.resolved, report.totals.unresolved) == (4, 1)
    gate = report.false_alarms.by_camera["gate"]
    assert (gate.resolved, gate.false_alarm, gate.share) == (3, 1, 0.3333)
    assert report.false_alarms.by_rule["market-loiter"].share == 1.0
    assert [case.id for case in report.cases.open] == [scripted.night.case_id]
    assert [case.id for case in report.cases.overdue] == [scripted.night.case_id]


def test_a_case_not_yet_due_is_open_but_not_overdue(scripted: ScriptedStore) -> None:
    scope = scope_for(scripted.config, SHIFT_DAY)
    before_due = replace(scope, now=datetime(2026, 3, 1, 14, 59, tzinfo=UTC))  # 22:59

    report = shift_report(scripted.store, before_due)

    assert [case.id for case in report.cases.open] == [scripted.night.case_id]
    assert report.cases.overdue == []


def test_a_shift_without_alerts_is_an_empty_report(scripted: ScriptedStore) -> None:
    report = shift_report(scripted.store, scope_for(scripted.config, QUIET_DAY))

    assert report.is_empty and report.totals.dispatches == 0
    assert [hour.count for hour in report.alerts.by_hour] == [0, 0, 0, 0]
    assert report.teams["alpha"].acknowledged_s.p50 is None
    assert report.outcomes == dict.fromkeys(EXPECTED_OUTCOMES, 0)


def test_a_shift_crossing_midnight_ends_the_next_morning() -> None:
    shift = shift_on(date(2026, 3, 1), "22:00-06:00", "Asia/Shanghai")

    assert (shift.start, shift.end) == (
        datetime(2026, 3, 1, 14, 0, tzinfo=UTC),
        datetime(2026, 3, 1, 22, 0, tzinfo=UTC),
    )


def test_percentiles_interpolate_between_ranks() -> None:
    samples = [10.0, 20.0, 30.0, 40.0]
    assert (percentile(samples, 0.5), percentile(samples, 0.9)) == (25.0, 37.0)


@pytest.mark.parametrize("text", ["2026/03/01", "01-03-2026", "2026-02-30", "yesterday"])
def test_a_shift_date_not_written_yyyy_mm_dd_is_refused_with_an_example(text: str) -> None:
    with pytest.raises(ShiftDateError, match=r"e\.g\. --shift 2026-03-01"):
        parse_shift_date(text)

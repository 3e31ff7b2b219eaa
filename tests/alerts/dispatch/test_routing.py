"""Routing, pure: which teams an alert goes to, by route and by duty roster, in site time."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from alerts.dispatch.routing import AlertFacts, RoutingTable
from tests.alerts.dispatch.support import dispatch_config, team
from tests.support.factories import BASE_TIME

SHANGHAI = "Asia/Shanghai"


def yard_alert(severity: str = "high", camera: str = "gate", rule: str = "intrusion") -> AlertFacts:
    return AlertFacts(camera=camera, zone="yard", rule=rule, severity=severity)


def shanghai(year: int, month: int, day: int, hour: int, minute: int = 0) -> datetime:
    """A wall-clock time in Shanghai, as UTC (what the pipeline passes in)."""
    return datetime(year, month, day, hour, minute, tzinfo=ZoneInfo(SHANGHAI)).astimezone(UTC)


def test_a_routed_alert_goes_to_its_teams_then_the_supervisor() -> None:
    table = RoutingTable.from_config(dispatch_config(), "UTC")

    assert table.chain_for(yard_alert(), BASE_TIME) == ("alpha", "bravo", "chief")


def test_the_first_matching_route_wins_and_filters_combine() -> None:
    routes = [
        {"camera": "gate", "rule": "loitering", "teams": ["bravo"]},
        {"zone": "yard", "min_severity": "critical", "teams": ["chief"]},
        {"camera": "gate", "teams": ["alpha"]},
    ]
    table = RoutingTable.from_config(dispatch_config(routes=routes, supervisor=None), "UTC")

    assert table.chain_for(yard_alert(rule="loitering"), BASE_TIME) == ("bravo",)
    assert table.chain_for(yard_alert(severity="critical"), BASE_TIME) == ("chief",)
    assert table.chain_for(yard_alert(severity="high"), BASE_TIME) == ("alpha",)


def test_an_alert_no_route_takes_goes_to_the_fallback_team() -> None:
    table = RoutingTable.from_config(dispatch_config(fallback_team="bravo"), "UTC")

    assert table.chain_for(yard_alert(camera="dock"), BASE_TIME) == ("bravo", "chief")


def test_alerts_below_the_least_severity_are_not_dispatched() -> None:
    table = RoutingTable.from_config(dispatch_config(min_severity="high"), "UTC")

    assert not table.wants(yard_alert(severity="medium"))
    assert table.chain_for(yard_alert(severity="medium"), BASE_TIME) == ()
    assert table.chain_for(yard_alert(severity="critical"), BASE_TIME)[0] == "alpha"


def test_a_night_shift_crosses_midnight_in_the_site_time_zone() -> None:
    # Alpha patrols Friday nights 20:00-02:00 Shanghai time; bravo is always on duty.
    night = [{"windows": ["20:00-02:00"], "days": ["fri"]}]
    teams = {"alpha": team("Alpha", night), "bravo": team("Bravo"), "chief": team("Chief")}
    table = RoutingTable.from_config(dispatch_config(teams=teams), SHANGHAI)
    friday = (2026, 12, 4)  # a Friday

    assert table.chain_for(yard_alert(), shanghai(*friday, 19, 59))[0] == "bravo"
    assert table.chain_for(yard_alert(), shanghai(*friday, 20, 0))[0] == "alpha"
    assert table.chain_for(yard_alert(), shanghai(*friday, 23, 59))[0] == "alpha"
    # Saturday 01:30 still belongs to Friday's shift; Saturday 02:00 does not.
    assert table.chain_for(yard_alert(), shanghai(2026, 12, 5, 1, 30))[0] == "alpha"
    assert table.chain_for(yard_alert(), shanghai(2026, 12, 5, 2, 0))[0] == "bravo"
    # Saturday night is not a Friday.
    assert table.chain_for(yard_alert(), shanghai(2026, 12, 5, 21, 0))[0] == "bravo"


def test_the_same_utc_time_is_on_or_off_duty_depending_on_the_site_time_zone() -> None:
    evening = [{"windows": ["20:00-24:00"]}]
    teams = {"alpha": team("Alpha", evening), "bravo": team("Bravo"), "chief": team("Chief")}
    noon_utc = BASE_TIME  # 12:00 UTC is 20:00 in Shanghai

    in_utc = RoutingTable.from_config(dispatch_config(teams=teams), "UTC")
    in_shanghai = RoutingTable.from_config(dispatch_config(teams=teams), SHANGHAI)

    assert in_utc.chain_for(yard_alert(), noon_utc)[0] == "bravo"
    assert in_shanghai.chain_for(yard_alert(), noon_utc)[0] == "alpha"


def test_off_duty_teams_and_fallback_are_skipped_the_supervisor_never() -> None:
    never = [{"windows": ["00:00-01:00"], "days": ["sun"]}]
    teams = {"alpha": team("A", never), "bravo": team("B", never), "chief": team("C", never)}
    config = dispatch_config(teams=teams, fallback_team="bravo")
    table = RoutingTable.from_config(config, "UTC")

    assert table.chain_for(yard_alert(), BASE_TIME) == ("chief",)
    assert (
        RoutingTable.from_config(dispatch_config(teams=teams, supervisor=None), "UTC").chain_for(
            yard_alert(), BASE_TIME
        )
        == ()
    )


def test_an_operator_may_send_a_team_off_duty_and_escalation_follows_the_chain() -> None:
    never = [{"windows": ["00:00-01:00"], "days": ["sun"]}]
    teams = {"alpha": team("A"), "bravo": team("B", never), "chief": team("C")}
    table = RoutingTable.from_config(dispatch_config(teams=teams, fallback_team="alpha"), "UTC")

    assert table.chain_from("bravo", BASE_TIME) == ("bravo", "alpha", "chief")
    assert table.chain_from("chief", BASE_TIME) == ("chief", "alpha")

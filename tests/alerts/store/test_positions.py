"""Teams' last positions on both databases: one per team, a newer fix replaces it, an older
one (a phone's late retry) does not, and stopping sharing drops it."""

from __future__ import annotations

from datetime import timedelta

from alerts.dispatch.nearest import TeamPosition
from alerts.store import Store
from tests.alerts.store.support import T0


def fix(team: str, lat: float, seconds: float) -> TeamPosition:
    at = T0 + timedelta(seconds=seconds)
    return TeamPosition(
        team=team, lat=lat, lon=121.47, accuracy_m=12.5, at=at, received_at=at, member="李娜"
    )


def test_each_team_keeps_its_newest_position_only(store: Store) -> None:
    store.positions.record(fix("team-b", 31.0, 0))
    store.positions.record(fix("team-a", 31.1, 0))
    kept = store.positions.record(fix("team-a", 31.2, 30))
    late = store.positions.record(fix("team-a", 31.3, 10))

    assert kept.lat == 31.2 and late.lat == 31.2
    latest = store.positions.latest()
    assert [(p.team, p.lat, p.at) for p in latest] == [
        ("team-a", 31.2, T0 + timedelta(seconds=30)),
        ("team-b", 31.0, T0),
    ]
    assert latest[0].member == "李娜" and latest[0].accuracy_m == 12.5
    assert latest[0].at.tzinfo is not None


def test_stopping_sharing_forgets_the_team_position(store: Store) -> None:
    store.positions.record(fix("team-a", 31.1, 0))

    assert store.positions.forget("team-a") is True
    assert store.positions.forget("team-a") is False
    assert store.positions.latest() == []

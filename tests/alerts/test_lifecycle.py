"""The alert lifecycle: new, rate-limited updates, end after clear_s, cooldown, one stable id."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from alerts.lifecycle import AlertEvent, AlertKey, AlertLifecycle, AlertType, LifecycleSettings
from tests.support.factories import at, make_verdict, make_view

KEY = AlertKey("gate", "intrusion", "yard")


def make_lifecycle(
    clear_s: float = 2.0, cooldown_s: float = 10.0, update_interval_s: float = 5.0
) -> AlertLifecycle:
    return AlertLifecycle(
        KEY,
        "intrusion",
        LifecycleSettings(
            severity="high",
            clear_s=clear_s,
            cooldown_s=cooldown_s,
            update_interval_s=update_interval_s,
        ),
    )


def replay(
    lifecycle: AlertLifecycle, steps: Sequence[tuple[float, Sequence[int] | None]]
) -> list[tuple[float, AlertEvent]]:
    """Feed (seconds, active track ids or None for quiet) and collect (seconds, event)."""
    events: list[tuple[float, AlertEvent]] = []
    for seconds, track_ids in steps:
        verdict = make_verdict(track_ids is not None, track_ids or ())
        for event in lifecycle.step(verdict, at(seconds), make_view(seconds=seconds)):
            events.append((seconds, event))
    return events


def kinds(events: list[tuple[float, AlertEvent]]) -> list[tuple[float, AlertType]]:
    return [(seconds, event.type) for seconds, event in events]


def test_the_first_active_frame_raises_a_new_alert() -> None:
    lifecycle = make_lifecycle()

    events = replay(lifecycle, [(0.0, None), (1.0, [7])])

    assert kinds(events) == [(1.0, AlertType.NEW)]
    new = events[0][1]
    assert uuid.UUID(new.id)
    assert (new.key, new.severity, new.rule_type) == (KEY, "high", "intrusion")
    assert new.started_at == new.frame_time == at(1.0)
    assert new.ended_at is None
    assert [int(track) for track in new.objects.track_id] == [7]
    assert lifecycle.is_open


def test_nothing_is_sent_while_the_scene_stays_the_same() -> None:
    events = replay(make_lifecycle(), [(second, [7]) for second in range(20)])

    assert kinds(events) == [(0, AlertType.NEW)]


def test_updates_wait_for_the_update_interval() -> None:
    lifecycle = make_lifecycle(update_interval_s=5.0)

    # A second person arrives at 1 s; the update may only go out 5 s after the last message.
    events = replay(lifecycle, [(0.0, [7]), (1.0, [7, 8]), (3.0, [7, 8]), (5.0, [7, 8])])

    assert kinds(events) == [(0.0, AlertType.NEW), (5.0, AlertType.UPDATE)]
    update = events[1][1]
    assert sorted(int(track) for track in update.objects.track_id) == [7, 8]
    assert update.started_at == at(0.0)
    assert update.frame_time == at(5.0)


def test_updates_are_rate_limited_under_constant_change() -> None:
    lifecycle = make_lifecycle(update_interval_s=5.0)
    # A new track id every second for 20 s.
    events = replay(lifecycle, [(float(second), [second]) for second in range(21)])

    update_times = [seconds for seconds, kind in kinds(events) if kind == AlertType.UPDATE]
    assert update_times == [5.0, 10.0, 15.0, 20.0]


def test_an_alert_ends_after_clear_s_of_quiet() -> None:
    lifecycle = make_lifecycle(clear_s=2.0)

    events = replay(lifecycle, [(0.0, [7]), (1.0, [7]), (2.0, None), (2.9, None), (3.0, None)])

    assert kinds(events) == [(0.0, AlertType.NEW), (3.0, AlertType.END)]
    end = events[1][1]
    assert end.ended_at == at(3.0)
    assert len(end.objects) == 0
    assert not lifecycle.is_open


def test_activity_within_clear_s_keeps_the_alert_open() -> None:
    steps: list[tuple[float, Sequence[int] | None]] = [
        (0.0, [7]),
        (1.5, None),
        (2.5, [7]),  # back before 2 s of quiet
        (4.0, None),
        (4.4, None),
    ]
    events = replay(make_lifecycle(clear_s=2.0), steps)

    assert kinds(events) == [(0.0, AlertType.NEW)]


def test_cooldown_keeps_the_same_rule_and_zone_quiet() -> None:
    lifecycle = make_lifecycle(clear_s=1.0, cooldown_s=10.0)

    events = replay(
        lifecycle,
        [(0.0, [7]), (0.5, None), (1.0, None), (5.0, [8]), (10.9, [8]), (11.0, [8])],
    )

    # Ends at 1.0 (1 s quiet); the cooldown holds until 11.0.
    assert kinds(events) == [(0.0, AlertType.NEW), (1.0, AlertType.END), (11.0, AlertType.NEW)]


def test_every_message_of_one_alert_has_one_id_and_the_next_alert_another() -> None:
    lifecycle = make_lifecycle(clear_s=1.0, cooldown_s=0.0, update_interval_s=1.0)

    events = replay(lifecycle, [(0.0, [1]), (1.0, [1, 2]), (2.0, None), (4.0, [3]), (5.0, None)])

    assert kinds(events) == [
        (0.0, AlertType.NEW),
        (1.0, AlertType.UPDATE),
        (2.0, AlertType.END),
        (4.0, AlertType.NEW),
        (5.0, AlertType.END),
    ]
    first_ids = {event.id for _, event in events[:3]}
    second_ids = {event.id for _, event in events[3:]}
    assert len(first_ids) == len(second_ids) == 1
    assert first_ids != second_ids


def test_a_much_better_snapshot_is_worth_an_update() -> None:
    lifecycle = make_lifecycle(update_interval_s=1.0)
    lifecycle.step(make_verdict(True, [7], score=0.5), at(0.0), make_view(1))

    assert lifecycle.step(make_verdict(True, [7], score=0.52), at(2.0), make_view(2)) == []
    better = make_view(3, seconds=3.0)
    events = lifecycle.step(make_verdict(True, [7], score=0.8), at(3.0), better)

    assert [event.type for event in events] == [AlertType.UPDATE]
    assert events[0].best_view == better


def test_close_ends_an_open_alert_at_once() -> None:
    lifecycle = make_lifecycle()
    (new,) = lifecycle.step(make_verdict(True, [7]), at(0.0))

    end = lifecycle.close(at(0.5))

    assert (end.type, end.id, end.ended_at) == (AlertType.END, new.id, at(0.5))
    assert not lifecycle.is_open

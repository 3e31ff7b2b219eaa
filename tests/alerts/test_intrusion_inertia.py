"""Intrusion with inertia, through the alert lifecycle: a box flickering on the zone's edge
neither raises nor ends an alert. (tests/alerts/rules/ holds the rule's own unit tests.)"""

from __future__ import annotations

from collections.abc import Sequence

from alerts.lifecycle import AlertKey, AlertLifecycle, AlertType, LifecycleSettings
from alerts.rules.intrusion import IntrusionRule
from alerts.zones import Zone
from config.rules import IntrusionRuleConfig
from tests.support.factories import at, make_detections, make_observation

# The right half of a 1000x1000 picture; its left edge is x = 500 px.
RIGHT_HALF = Zone("right", ((0.5, 0.0), (1.0, 0.0), (1.0, 1.0), (0.5, 1.0)))
INSIDE, OUTSIDE = (520.0, 600.0), (480.0, 600.0)  # just either side of the edge


def watch(inertia_frames: int = 3) -> tuple[IntrusionRule, AlertLifecycle]:
    config = IntrusionRuleConfig.model_validate(
        {"zone": "right", "inertia_frames": inertia_frames, "clear_s": 0, "cooldown_s": 0}
    )
    lifecycle = AlertLifecycle(
        AlertKey("gate", "intrusion", "right"),
        "intrusion",
        LifecycleSettings(severity="high", clear_s=0.0, cooldown_s=0.0, update_interval_s=5.0),
    )
    return IntrusionRule(config, RIGHT_HALF), lifecycle


def run(
    positions: Sequence[tuple[float, float] | None], inertia_frames: int = 3
) -> list[tuple[int, AlertType]]:
    """One person (track 1) per frame at `position` (None: not seen); 5 frames a second."""
    rule, lifecycle = watch(inertia_frames)
    events: list[tuple[int, AlertType]] = []
    for index, position in enumerate(positions):
        tracks = make_detections([position] if position else [], track_ids=[1] if position else [])
        verdict = rule.step(make_observation(tracks, index * 0.2))
        events += [(index, event.type) for event in lifecycle.step(verdict, at(index * 0.2))]
    return events


def test_standing_inside_for_inertia_frames_raises_an_alert() -> None:
    assert run([INSIDE] * 5) == [(2, AlertType.NEW)]


def test_flicker_on_the_edge_never_raises_an_alert() -> None:
    assert run([INSIDE, OUTSIDE] * 10) == []


def test_two_frames_in_then_out_is_not_enough() -> None:
    assert run([INSIDE, INSIDE, OUTSIDE, INSIDE, INSIDE, OUTSIDE] * 3) == []


def test_flicker_after_confirmation_does_not_end_the_alert() -> None:
    events = run([INSIDE] * 3 + [OUTSIDE, INSIDE, OUTSIDE, OUTSIDE, INSIDE] * 4)
    assert events == [(2, AlertType.NEW)]


def test_a_missed_detection_does_not_end_the_alert() -> None:
    assert run([INSIDE] * 3 + [None, INSIDE, None, None, INSIDE]) == [(2, AlertType.NEW)]


def test_leaving_for_inertia_frames_ends_the_alert() -> None:
    events = run([INSIDE] * 3 + [OUTSIDE] * 4)
    # Out at frames 3, 4, 5: no longer counted at frame 5, and clear_s is 0.
    assert events == [(2, AlertType.NEW), (5, AlertType.END)]


def test_inertia_of_one_reacts_at_once() -> None:
    assert run([INSIDE, OUTSIDE], inertia_frames=1) == [(0, AlertType.NEW), (1, AlertType.END)]

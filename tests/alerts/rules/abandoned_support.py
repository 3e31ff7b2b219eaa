"""People, bags and the rule, for the abandoned-object rule's tests."""

from __future__ import annotations

from alerts.rules.abandoned import AbandonedObjectRule
from alerts.zones import WHOLE_FRAME
from config.rules import AbandonedObjectRuleConfig
from tests.alerts.rules.replay import TrackSpec, make_track

OWNER, STRANGER, BAG = 1, 2, 7
BAG_FOOT = (530.0, 500.0)  # beside the owner standing at (500, 500); people are 100 px tall


def person(track_id: int, x: float, y: float = 500.0) -> TrackSpec:
    return make_track(track_id, (x, y))


def bag(foot: tuple[float, float] = BAG_FOOT, track_id: int = BAG) -> TrackSpec:
    return make_track(track_id, foot, size=(30.0, 30.0), label="backpack", score=0.8)


def rule(**fields: object) -> AbandonedObjectRule:
    return AbandonedObjectRule(AbandonedObjectRuleConfig.model_validate(fields), WHOLE_FRAME)

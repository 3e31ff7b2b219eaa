"""The engine builds every rule type from configuration, and feeds the picture-reading rules
(tampering, abandoned objects) the scene signals they need."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import numpy as np
import pytest

from alerts.engine import RuleEngine
from alerts.lifecycle import AlertEvent, AlertType
from config.rules import RULE_TYPES
from config.schema import CameraConfig
from detectors.detections import Detections
from ingest.frame import Frame
from tests.alerts.rules.replay import make_frame, make_track, times
from tests.support.factories import BASE_TIME

MINIMAL: dict[str, dict[str, Any]] = {
    "line_crossing": {"line": [[0, 0.5], [1, 0.5]]},
    "after_hours_occupancy": {"licensed_hours": {"windows": ["18:00-02:00"]}},
}


def camera(*rules: dict[str, Any]) -> CameraConfig:
    return CameraConfig.model_validate({"source": "street.mp4", "rules": list(rules)})


@pytest.mark.parametrize("rule_type", RULE_TYPES)
def test_every_rule_type_builds(rule_type: str) -> None:
    engine = RuleEngine("cam", camera({"type": rule_type, **MINIMAL.get(rule_type, {})}), "UTC")
    [runner] = engine.runners
    assert runner.lifecycle.rule_type == rule_type
    needs_picture = rule_type in ("tampering", "abandoned_object")
    assert (engine.scene is not None) == needs_picture


def picture(seconds: float, image: np.ndarray[Any, np.dtype[np.uint8]]) -> Frame:
    return Frame("cam", 1, BASE_TIME + timedelta(seconds=seconds), seconds, image, seconds)


def test_a_blacked_out_camera_raises_a_tampering_alert() -> None:
    rule = {"type": "tampering", "checks": ["blackout"], "learn_s": 3, "confirm_s": 2}
    engine = RuleEngine("cam", camera(rule), "UTC")
    noise = np.random.default_rng(7)
    events: list[AlertEvent] = []
    for t in times(0, 10):
        if t < 5:
            image = noise.integers(40, 220, (120, 160, 3), dtype=np.uint8)
        else:
            image = np.zeros((120, 160, 3), np.uint8)
        events += engine.step(make_frame(t), picture(t, image))
    assert [(event.type, event.rule_type) for event in events] == [(AlertType.NEW, "tampering")]
    assert 7.0 <= (events[0].frame_time - BASE_TIME).total_seconds() <= 8.0


def test_a_bag_left_alone_raises_an_abandoned_object_alert() -> None:
    rule = {
        "type": "abandoned_object",
        "still_s": 10,
        "use_static_foreground": False,
        "min_area_px": 0,
    }
    engine = RuleEngine("cam", camera(rule), "UTC")
    blank = np.zeros((48, 64, 3), np.uint8)
    events: list[AlertEvent] = []
    for t in times(0, 20):
        bag = make_track(5, (500.0, 700.0), size=(40.0, 30.0), label="backpack")
        owner = [make_track(1, (540.0 + 100 * t, 700.0))] if t < 6 else []
        observation = make_frame(t, bag, *owner)
        events += engine.step(observation, picture(t, blank))
    assert [event.type for event in events] == [AlertType.NEW]
    assert isinstance(events[0].objects, Detections)
    assert events[0].objects.label.tolist() == ["backpack"]

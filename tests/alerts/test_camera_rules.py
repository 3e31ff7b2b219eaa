"""A camera's rules: every rule type builds from configuration, and the picture-reading
rules (tampering, abandoned objects) alert on the scene signals of real pictures."""

from __future__ import annotations

from typing import Any

import pytest

from alerts.camera_rules import CameraRules
from alerts.lifecycle import AlertEvent, AlertType
from config.rules import RULE_TYPES
from config.schema import CameraConfig
from detectors.observation import Detections
from detectors.scene import SceneAnalyser
from tests.alerts.rules.replay import make_frame, make_track, times

MINIMAL: dict[str, dict[str, Any]] = {
    "line_crossing": {"line": [[0, 0.5], [1, 0.5]]},
    "after_hours_occupancy": {"licensed_hours": {"windows": ["18:00-02:00"]}},
}


def camera(*rules: dict[str, Any]) -> CameraConfig:
    return CameraConfig.model_validate({"source": "street.mp4", "rules": list(rules)})


@pytest.mark.parametrize("rule_type", RULE_TYPES)
def test_every_rule_type_builds(rule_type: str) -> None:
    config = camera({"type": rule_type, **MINIMAL.get(rule_type, {})})
    [runner] = CameraRules("cam", config, "UTC").runners
    assert runner.lifecycle.rule_type == rule_type
    needs_picture = rule_type in ("tampering", "abandoned_object")
    assert (SceneAnalyser.for_rules(config.rules) is not None) == needs_picture


def test_a_bag_left_alone_raises_an_abandoned_object_alert() -> None:
    rule = {
        "type": "abandoned_object",
        "still_s": 10,
        "use_static_foreground": False,
        "min_area_px": 0,
    }
    rules = CameraRules("cam", camera(rule), "UTC")
    events: list[AlertEvent] = []
    for t in times(0, 20):
        # Put down at 2 s (a bag there from the first look would be scenery); owner walks off.
        bag = [make_track(5, (500.0, 700.0), size=(40.0, 30.0), label="backpack")] if t >= 2 else []
        owner = [make_track(1, (540.0 + 100 * max(0.0, t - 2), 700.0))] if t < 8 else []
        events += rules.step(make_frame(t, *bag, *owner))
    assert [event.type for event in events] == [AlertType.NEW]
    assert isinstance(events[0].objects, Detections)
    assert events[0].objects.label.tolist() == ["backpack"]

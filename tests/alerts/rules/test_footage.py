"""The rules on real footage through `nightwatch analyze`'s loop: real model, real tracker.

Figures seen when these thresholds were chosen (YOLO11n INT8 OpenVINO, 5 detections/s,
ByteTrack), so the assertions are about the footage, not about themselves:
- people.mp4: 7-12 tracked people per frame (11-14 visible); along a horizontal line at
  65 % of the height, 2 people walk down the picture (a_to_b) and 2 walk up (b_to_a).
- one-by-one-person-detection.mp4: six people, one at a time, stand at the table; their
  time in the table zone is about 11, 19, 17, 9, 25 and 9 s.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from alerts.payloads import AlertPayload
from config.loader import LoadedConfig, parse_config
from detectors.yolo import YoloDetector
from nightwatch.analyze_cli import CameraSummary, analyze_video
from nightwatch.startup import load_detector

pytestmark = pytest.mark.slow

# Where people stand at the table in one-by-one-person-detection.mp4 (feet, normalised).
TABLE = [[0.45, 0.8], [0.75, 0.8], [0.75, 0.96], [0.45, 0.96]]
Run = tuple[list[AlertPayload], CameraSummary]


def configuration(video: Path, model: Path, rules: list[dict[str, Any]]) -> LoadedConfig:
    camera = {
        "source": str(video),
        "detect": {"fps": 5, "labels": ["person"], "confidence": 0.35},
        "zones": {"table": {"polygon": TABLE}},
        "rules": rules,
    }
    document = {
        "site": {"name": "footage", "timezone": "UTC"},
        "model": {"path": str(model)},
        "cameras": {"cam": camera},
    }
    return parse_config(yaml.safe_dump(document), "footage.yaml", {})


@pytest.fixture(scope="module")
def detector(model_path: Path, people_mp4: Path) -> YoloDetector:
    return load_detector(configuration(people_mp4, model_path, []))


def analyze(loaded: LoadedConfig, video: Path, detector: YoloDetector) -> Run:
    alerts: list[AlertPayload] = []
    [summary] = analyze_video(loaded, str(video), detector, alerts.append, progress=False)
    return alerts, summary


@pytest.fixture(scope="module")
def street(people_mp4: Path, model_path: Path, detector: YoloDetector) -> Iterator[Run]:
    rules: list[dict[str, Any]] = [
        {"type": "crowd", "name": "crowd-6", "min_count": 6, "min_duration_s": 5},
        {"type": "crowd", "name": "crowd-25", "min_count": 25, "min_duration_s": 5},
        {"type": "line_crossing", "name": "street", "line": [[0, 0.65], [1, 0.65]]},
    ]
    yield analyze(configuration(people_mp4, model_path, rules), people_mp4, detector)


@pytest.fixture(scope="module")
def table(shared: Path, model_path: Path, detector: YoloDetector) -> Iterator[Run]:
    video = shared / "footage" / "one-by-one-person-detection.mp4"
    # No cooldown: the visitors come 20-30 s apart, and each one is an alert of its own.
    rules: list[dict[str, Any]] = [
        {"type": "loitering", "name": f"dwell-{dwell}", "zone": "table", "dwell_s": dwell}
        for dwell in (15, 30)
    ]
    for rule in rules:
        rule["cooldown_s"] = 0
    rules.append({"type": "person_down", "name": "down"})
    yield analyze(configuration(video, model_path, rules), video, detector)


def new_alerts(run: Run, rule: str) -> list[AlertPayload]:
    return [alert for alert in run[0] if alert.rule == rule and alert.type == "new"]


def test_a_crowd_below_the_visible_count_is_raised(street: Run) -> None:
    [alert] = new_alerts(street, "crowd-6")
    assert len(alert.objects) >= 6
    assert alert.video_offset_s == pytest.approx(5.0, abs=1.0)  # min_duration_s into the file


def test_no_crowd_above_the_visible_count(street: Run) -> None:
    assert new_alerts(street, "crowd-25") == []


def test_crossings_are_counted_per_direction(street: Run) -> None:
    counts = street[1].crossings["street"]
    assert 1 <= counts["a_to_b"] <= 4  # walking down the picture
    assert 1 <= counts["b_to_a"] <= 4  # walking up it
    alerts = [alert for alert in street[0] if alert.rule == "street" and alert.type != "end"]
    crossers = {item.track_id for alert in alerts for item in alert.objects}
    assert 1 <= len(crossers) <= counts["a_to_b"] + counts["b_to_a"]
    assert all(alert.video_offset_s is not None for alert in street[0])


def test_people_who_stand_at_the_table_longer_than_dwell_are_loitering(table: Run) -> None:
    alerts = new_alerts(table, "dwell-15")
    # Three of the six stay longer than 15 s (about 17, 19 and 25 s); one alert each.
    assert len(alerts) == 3
    assert len({alert.objects[0].track_id for alert in alerts}) == 3
    offsets = [alert.video_offset_s or 0.0 for alert in alerts]
    assert offsets == sorted(offsets) and offsets[0] > 15.0


def test_nobody_loiters_when_dwell_is_longer_than_anyone_stands(table: Run) -> None:
    assert new_alerts(table, "dwell-30") == []


def test_standing_and_walking_people_are_not_down(table: Run) -> None:
    assert new_alerts(table, "down") == []

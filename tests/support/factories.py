"""Factories: build test inputs from the few values a test cares about."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np

from alerts.rules.base import Verdict
from detectors.observation import Detections, Observation
from ingest.capture import FrameRef
from ingest.frame import Frame

# A Monday, noon UTC; tests state times as offsets from it.
BASE_TIME = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
PICTURE_SIZE = (1000, 1000)  # width, height of the pictures pure-logic tests pretend to see


def at(seconds: float, base: datetime = BASE_TIME) -> datetime:
    """BASE_TIME plus `seconds`."""
    return base + timedelta(seconds=seconds)


def make_detections(
    feet: Sequence[tuple[float, float]] = (),
    *,
    track_ids: Sequence[int] | None = None,
    scores: float | Sequence[float] = 0.9,
    labels: str | Sequence[str] = "person",
    size: tuple[float, float] = (40.0, 100.0),
) -> Detections:
    """Objects whose boxes stand on `feet` (bottom-centre points, pixels); ids 1, 2, …"""
    count = len(feet)
    width, height = size
    boxes = [[x - width / 2, y - height, x + width / 2, y] for x, y in feet]
    ids = list(track_ids) if track_ids is not None else list(range(1, count + 1))
    score_list = [scores] * count if isinstance(scores, float | int) else list(scores)
    label_list = [labels] * count if isinstance(labels, str) else list(labels)
    if count == 0:
        return Detections.empty()
    return Detections.of(boxes, score_list, label_list, ids)


def make_observation(tracks: Detections, seconds: float = 0.0) -> Observation:
    """What a rule sees at BASE_TIME + `seconds` on a PICTURE_SIZE picture."""
    width, height = PICTURE_SIZE
    return Observation(tracks, width, height, at(seconds))


def make_verdict(active: bool, track_ids: Sequence[int] = (1,), score: float = 0.9) -> Verdict:
    """A rule's answer: active with these tracks, or quiet."""
    if not active:
        return Verdict.quiet()
    feet = [(100.0 * (index + 1), 500.0) for index in range(len(track_ids))]
    return Verdict(True, make_detections(feet, track_ids=track_ids, scores=score))


def make_view(seq: int = 1, camera: str = "cam", seconds: float = 0.0) -> FrameRef:
    """A reference to a picture captured at BASE_TIME + `seconds`."""
    return FrameRef(camera, seq, at(seconds), 64, 48)


def make_frame(seq: int = 1, camera: str = "cam", seconds: float = 0.0) -> Frame:
    """A small black picture, as if captured at BASE_TIME + `seconds`."""
    image = np.zeros((48, 64, 3), np.uint8)
    return Frame(camera, seq, at(seconds), seconds, image, seconds)


def intrusion_rule(**overrides: Any) -> dict[str, Any]:
    """An intrusion rule as it appears in YAML."""
    return {"type": "intrusion", "severity": "high", **overrides}


def camera_config(
    source: str | dict[str, str],
    *,
    zones: dict[str, list[list[float]]] | None = None,
    rules: list[dict[str, Any]] | None = None,
    **overrides: Any,
) -> dict[str, Any]:
    """One camera as it appears in YAML; quick reconnects so tests do not wait long."""
    camera: dict[str, Any] = {
        "source": source,
        "detect": {"fps": 5, "labels": ["person"], "confidence": 0.35},
        "reconnect": {"initial_s": 0.5, "max_s": 2, "open_timeout_s": 5, "stall_timeout_s": 5},
    }
    if zones is not None:
        camera["zones"] = {name: {"polygon": polygon} for name, polygon in zones.items()}
    camera["rules"] = rules if rules is not None else [intrusion_rule()]
    camera.update(overrides)
    return camera


def nightwatch_config(
    cameras: dict[str, dict[str, Any]],
    *,
    prefix: str,
    model_path: str,
    keepalive_s: int = 30,
    site: str = "test-site",
) -> dict[str, Any]:
    """A whole configuration file's content."""
    return {
        "site": {"name": site, "timezone": "UTC"},
        "mqtt": {
            "url": "mqtt://127.0.0.1:1883",
            "client_id": prefix.replace("/", "-"),
            "topic_prefix": prefix,
            "keepalive_s": keepalive_s,
        },
        "model": {"path": model_path},
        "cameras": cameras,
    }


def line_of(text: str, needle: str) -> int:
    """1-based number of the first line of `text` containing `needle`."""
    for number, line in enumerate(text.splitlines(), start=1):
        if needle in line:
            return number
    raise AssertionError(f"{needle!r} not in the text")

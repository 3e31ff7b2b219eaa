"""Motion gating on real footage: far fewer detector runs, the same people alerted."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from alerts.lifecycle import AlertType
from config.schema import CameraConfig
from detectors.yolo import YoloDetector
from ingest.camera import sample
from ingest.frame import Frame
from ingest.source import SourceSettings, VideoSource
from nightwatch.analyser import FrameAnalyser, direct_detection
from tests.support.factories import BASE_TIME

pytestmark = pytest.mark.slow


def whole_frame_camera(source: str, gate: bool) -> CameraConfig:
    return CameraConfig.model_validate(
        {
            "source": source,
            "detect": {"fps": 5, "motion_gate": {"enabled": gate}},
            "zones": {"room": {"polygon": [[0, 0], [1, 0], [1, 1], [0, 1]]}},
            "rules": [{"type": "intrusion", "zone": "room", "clear_s": 2, "cooldown_s": 0}],
        }
    )


def run(
    video: Path, detector: YoloDetector, gate: bool
) -> tuple[list[float], list[bool], list[int]]:
    """Alert start offsets, and per frame: whether the detector ran, how many people it saw."""
    analyser = FrameAnalyser(
        "cam", whole_frame_camera(str(video), gate), "UTC", direct_detection(detector)
    )
    starts: list[float] = []
    ran: list[bool] = []
    people: list[int] = []
    source = VideoSource(SourceSettings(str(video), realtime=False))
    for seq, picture in enumerate(sample(source.pictures(), 5)):
        captured = BASE_TIME + timedelta(seconds=picture.offset_s)
        analysis = analyser.analyse(
            Frame("cam", seq, captured, picture.offset_s, picture.to_image(), picture.offset_s)
        )
        starts += [picture.offset_s for event in analysis.events if event.type is AlertType.NEW]
        ran.append(analysis.detected)
        people.append(len(analysis.tracks))
    source.close()
    return starts, ran, people


def test_gating_skips_empty_stretches_and_alerts_every_visitor(
    detector: YoloDetector, shared: Path
) -> None:
    video = shared / "footage" / "one-by-one-person-detection.mp4"
    ungated_starts, _, ungated_people = run(video, detector, gate=False)
    gated_starts, ran, _ = run(video, detector, gate=True)

    assert len(ungated_starts) >= 5  # people come to the table one at a time
    assert len(gated_starts) == len(ungated_starts)
    for gated, ungated in zip(gated_starts, ungated_starts, strict=True):
        assert abs(gated - ungated) <= 1.0
    # Empty stretches: nobody seen by the ungated run for 2 s either side.
    empty = [
        index
        for index in range(10, len(ungated_people) - 10)
        if not any(ungated_people[index - 10 : index + 11])
    ]
    assert len(empty) >= 30
    share_on_empty = sum(ran[index] for index in empty) / len(empty)
    assert share_on_empty <= 0.10, (
        f"detector ran on {share_on_empty:.0%} of {len(empty)} empty frames"
    )

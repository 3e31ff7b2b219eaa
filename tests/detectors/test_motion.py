"""Motion on real footage: none in the empty room, some when a person walks in."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from detectors.motion import MotionDetector
from ingest.camera import sample
from ingest.source import SourceSettings, VideoSource


def test_identical_frames_show_no_motion_and_a_moved_block_does() -> None:
    detector = MotionDetector()
    still = np.full((360, 640, 3), 90, np.uint8)
    detector.update(still)
    assert not detector.update(still.copy()).any
    moved = still.copy()
    moved[100:200, 300:360] = 220
    motion = detector.update(moved)
    assert motion.any
    x1, y1, x2, y2 = motion.boxes[0]
    assert x1 <= 300 and y1 <= 100 and x2 >= 360 and y2 >= 200


def test_empty_room_is_still_and_a_person_entering_moves(shared: Path) -> None:
    video = VideoSource(
        SourceSettings(str(shared / "footage" / "one-by-one-person-detection.mp4"), realtime=False)
    )
    detector = MotionDetector()
    flags = [
        detector.update(picture.to_image()).any
        for _, picture in zip(range(45), sample(video.pictures(), 5), strict=False)
    ]
    video.close()
    assert not any(flags[1:28])  # the first ~6 s show the empty room
    assert any(flags[30:45])  # then the first person walks up to the table

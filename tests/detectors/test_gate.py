"""The detection gate: run on motion, re-check still objects, never sleep for ever."""

from __future__ import annotations

from detectors.gate import DetectionGate, GateSettings


def gate(**overrides: float | bool) -> DetectionGate:
    return DetectionGate(GateSettings(**overrides))  # type: ignore[arg-type]


def test_first_frame_is_always_detected() -> None:
    assert gate().should_detect(0.0, motion=False, has_tracks=False)


def test_still_empty_scene_is_skipped_until_the_idle_check() -> None:
    subject = gate(max_idle_s=30.0)
    subject.should_detect(0.0, motion=False, has_tracks=False)
    skipped = [subject.should_detect(t / 5, motion=False, has_tracks=False) for t in range(1, 150)]
    assert not any(skipped)
    assert subject.should_detect(30.0, motion=False, has_tracks=False)


def test_motion_runs_the_detector_on_that_frame() -> None:
    subject = gate()
    subject.should_detect(0.0, motion=False, has_tracks=False)
    assert subject.should_detect(0.2, motion=True, has_tracks=False)


def test_still_tracked_objects_are_rechecked_every_recheck_s() -> None:
    subject = gate(recheck_s=2.0)
    subject.should_detect(0.0, motion=True, has_tracks=False)
    runs = [t / 5 for t in range(1, 51) if subject.should_detect(t / 5, False, has_tracks=True)]
    assert runs == [2.0, 4.0, 6.0, 8.0, 10.0]
    assert subject.detector_share == 6 / 51


def test_disabled_gate_runs_every_frame() -> None:
    subject = gate(enabled=False)
    assert all(subject.should_detect(t / 5, False, False) for t in range(20))

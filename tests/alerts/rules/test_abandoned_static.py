"""The abandoned-object rule on static regions (things no detector names): one left behind by
whoever brought it alerts, one explained by a detection or brought by nobody does not; and end
to end on real footage with the model, the tracker and static foreground."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

import cv2
import numpy as np
import pytest

from alerts.lifecycle import AlertKey, AlertLifecycle, LifecycleSettings
from alerts.rules.abandoned import STATIC_LABEL, AbandonedObjectRule, AbandonedVerdict
from alerts.zones import WHOLE_FRAME, Zone
from config.rules import AbandonedObjectRuleConfig
from detectors.observation import Observation, SceneSignals, StaticRegion
from detectors.scene import SceneAnalyser, static_settings
from detectors.yolo import DetectSettings, ObjectTracker, YoloDetector
from ingest.camera import sample
from ingest.frame import Image
from ingest.source import SourceSettings, VideoSource
from tests.alerts.rules.abandoned_support import OWNER, STRANGER, person, rule
from tests.alerts.rules.replay import FPS, TrackSpec, make_frame, make_track, times
from tests.support.factories import at

REGION = (600.0, 600.0, 660.0, 640.0)  # 60x40 px on the floor


def region_scene(age_s: float | None) -> SceneSignals:
    """Scene signals with REGION static for `age_s` seconds (None: no region yet)."""
    regions = () if age_s is None else (StaticRegion(REGION, age_s, 2400.0),)
    return SceneSignals(static_regions=regions)


def replay_regions(
    subject: AbandonedObjectRule,
    who: Callable[[float], list[TrackSpec]],
    placed_s: float,
    until_s: float = 60.0,
) -> list[tuple[float, AbandonedVerdict]]:
    """Frames with a static region that appeared `placed_s` and aged since (seen from 1 s on)."""
    verdicts = []
    for t in times(0, until_s):
        frame = make_frame(t, *who(t))
        age = t - placed_s if t - placed_s >= 1.0 else None
        verdicts.append((t, subject.judge(frame, region_scene(age))))
    return verdicts


def test_a_static_region_left_behind_alerts_with_its_owner() -> None:
    def owner_leaves(t: float) -> list[TrackSpec]:
        x = 630.0 - 50.0 if t < 5.0 else 580.0 + (t - 5.0) * 150.0
        return [person(OWNER, x, 640.0)] if x < 1000.0 else []

    verdicts = replay_regions(rule(still_s=15.0), owner_leaves, placed_s=2.0)
    active = [(t, verdict) for t, verdict in verdicts if verdict.active]
    assert active, "never alerted"
    seconds, verdict = active[0]
    # Seen from 3 s with the owner beside it; the owner is a height away from 6.4 s on.
    assert seconds == pytest.approx(6.4 + 15.0)
    assert list(verdict.objects.label) == [STATIC_LABEL]
    (item,) = verdict.items
    assert item.source == "static_foreground" and item.owner_track_id == OWNER
    assert item.still_since == at(2.0)


def test_a_static_region_found_after_its_owner_walked_on_names_them_not_a_passer_by() -> None:
    """The thing is reported a second after it was put down, when whoever put it there has
    gone; someone walking past later, in front of it, neither owns nor hides it."""

    def dropped_and_passed(t: float) -> list[TrackSpec]:
        owner_x = 580.0 if t < 2.2 else 580.0 + (t - 2.2) * 500.0
        owner = [person(OWNER, owner_x, 640.0)] if owner_x < 1000.0 else []
        passer_x = 300.0 + (t - 8.0) * 100.0
        passer = [person(STRANGER, passer_x, 645.0)] if 8.0 <= t < 14.0 else []
        return [*owner, *passer]

    verdicts = replay_regions(rule(still_s=15.0), dropped_and_passed, placed_s=2.0, until_s=30.0)
    active = [t for t, verdict in verdicts if verdict.active]
    # First seen at 3 s, with its owner already more than two heights away: alone from then.
    assert active == pytest.approx(times(18.0, 30.0))
    item = next(verdict for _, verdict in verdicts if verdict.active).items[0]
    assert item.owner_track_id == OWNER and item.owner_left_at == at(3.0)


def test_a_static_region_explained_by_a_detection_does_not_alert() -> None:
    """Someone standing still makes static foreground too; the person box explains it."""

    def standing(t: float) -> list[TrackSpec]:
        return [make_track(STRANGER, (630.0, 660.0), size=(80.0, 120.0))]

    verdicts = replay_regions(rule(still_s=15.0, owner_distance=0.0), standing, placed_s=0.0)
    assert not any(verdict.active for _, verdict in verdicts)


def test_static_regions_are_ignored_when_switched_off_outside_the_zone_or_masked() -> None:
    def dropped(t: float) -> list[TrackSpec]:
        """Someone puts the thing down at 0 s and is gone by the time it is seen."""
        return [person(OWNER, 630.0, 640.0)] if t < 0.5 else []

    off = replay_regions(rule(use_static_foreground=False), dropped, placed_s=0.0)
    assert not any(verdict.active for _, verdict in off)
    left_half = Zone("left", ((0.0, 0.0), (0.5, 0.0), (0.5, 1.0), (0.0, 1.0)))
    config = AbandonedObjectRuleConfig(zone="left")
    outside = replay_regions(AbandonedObjectRule(config, left_half), dropped, placed_s=0.0)
    assert not any(verdict.active for _, verdict in outside)
    masked = replay_regions(rule(masks=[[[0.5, 0.5], [1, 0.5], [1, 1], [0.5, 1]]]), dropped, 0.0)
    assert not any(verdict.active for _, verdict in masked)
    on = replay_regions(rule(), dropped, placed_s=0.0)
    # Nobody near from its first report (1 s) on.
    assert next(t for t, verdict in on if verdict.active) == pytest.approx(16.0)


def test_a_static_region_nobody_brought_never_alerts() -> None:
    """Something that appeared with nobody within reach of it (a person standing half hidden,
    a patch of light) is no left object, however long it stays."""

    def passing_at_a_distance(t: float) -> list[TrackSpec]:
        return [person(STRANGER, 750.0, 640.0)] if t < 0.5 else []

    def nobody(t: float) -> list[TrackSpec]:
        return []

    for who in (passing_at_a_distance, nobody):
        verdicts = replay_regions(rule(still_s=15.0), who, placed_s=0.0)
        assert not any(verdict.active for _, verdict in verdicts)


def test_the_rule_reads_the_observation_scene() -> None:
    subject = rule(still_s=5.0)
    brought = [person(OWNER, 630.0, 640.0)]
    verdicts = [
        subject.step(
            Observation(
                make_frame(t, *(brought if t == 0 else [])).tracks,
                1000,
                1000,
                at(t),
                region_scene(t + 1.0),
            )
        )
        for t in times(0, 6)
    ]
    assert verdicts[-1].active and verdicts[-1].items[0].source == "static_foreground"


def box_overlap(first: Sequence[float], second: Sequence[float]) -> float:
    """Intersection over union of two xyxy boxes."""
    width = min(first[2], second[2]) - max(first[0], second[0])
    height = min(first[3], second[3]) - max(first[1], second[1])
    shared = max(width, 0.0) * max(height, 0.0)
    areas = [(box[2] - box[0]) * (box[3] - box[1]) for box in (first, second)]
    return shared / (sum(areas) - shared)


# End to end on real footage: the model, the tracker, static foreground, this rule, the lifecycle.

BAG_XYXY = (40, 340, 120, 400)  # on the floor, left, in the video's 768x432 pixels
PUT_DOWN_S = 32.0


def dark_bag() -> Image:
    """A black fabric bag with a lighter strap, 80x60 pixels."""
    x1, y1, x2, y2 = BAG_XYXY
    bag = np.full((y2 - y1, x2 - x1, 3), (28.0, 30.0, 38.0))
    bag += np.random.default_rng(7).normal(0.0, 6.0, bag.shape)
    cv2.line(bag, (8, 6), (x2 - x1 - 10, 6), (150, 160, 175), 3)
    return np.asarray(np.clip(bag, 0, 255), np.uint8)


@pytest.mark.slow
def test_a_bag_nobody_brought_on_real_footage_never_alerts(
    shared: Path, detector: YoloDetector
) -> None:
    """People come to the table and go; a bag appears on the floor at 32 s with nobody near
    it. The static-foreground signal finds it, and the people standing still, but neither is
    a left object: the model explains the people, and nobody brought the bag."""
    config = AbandonedObjectRuleConfig(owner_distance=0.3)
    subject = AbandonedObjectRule(config, WHOLE_FRAME)
    analyser = SceneAnalyser(static=static_settings(config))
    labels = ("person", *config.labels)
    tracker = ObjectTracker("bytetrack", 0.35)
    lifecycle = AlertLifecycle(
        AlertKey("cam", config.rule_name, "frame"),
        config.type,
        LifecycleSettings(config.severity, config.clear_s, config.cooldown_s, 5.0),
    )
    bag, (x1, y1, x2, y2) = dark_bag(), BAG_XYXY
    path = shared / "footage" / "one-by-one-person-detection.mp4"
    source = VideoSource(SourceSettings(str(path), realtime=False))
    events = []
    found_bag = False
    try:
        for picture in sample(source.pictures(), FPS):
            seconds = picture.offset_s
            if seconds < 20.0:
                continue
            if seconds > 56.0:
                break
            image = picture.to_image()
            if seconds >= PUT_DOWN_S:
                image = image.copy()
                image[y1:y2, x1:x2] = bag
            found = detector.detect(
                image, DetectSettings(labels, 0.35, 320), ObjectTracker.LOW_SCORE
            )
            tracks = tracker.update(found, image, now_s=seconds)
            scene = analyser.update(image, seconds)
            found_bag |= any(box_overlap(r.xyxy, BAG_XYXY) >= 0.8 for r in scene.static_regions)
            observation = Observation(tracks, image.shape[1], image.shape[0], at(seconds), scene)
            verdict = subject.step(observation)
            events += [(seconds, event) for event in lifecycle.step(verdict, at(seconds))]
    finally:
        source.close()
    assert events == []
    assert found_bag, "the static-foreground signal did not find the bag"

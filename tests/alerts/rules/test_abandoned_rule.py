"""The abandoned-object rule, replayed frame by frame: a bag left behind is named with its owner;
a bag attended, picked up or moved is not; static regions no detection explains count too."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

import cv2
import numpy as np
import pytest
from pydantic import ValidationError

from alerts.lifecycle import AlertKey, AlertLifecycle, AlertType, LifecycleSettings
from alerts.rules.abandoned import (
    STATIC_LABEL,
    AbandonedObjectRule,
    AbandonedVerdict,
)
from alerts.zones import WHOLE_FRAME, Zone
from config.rules import AbandonedObjectRuleConfig
from detectors.observation import Observation, SceneSignals, StaticRegion
from detectors.scene import SceneAnalyser, static_settings
from detectors.yolo import DetectSettings, ObjectTracker, YoloDetector
from ingest.camera import sample
from ingest.frame import Image
from ingest.source import SourceSettings, VideoSource
from tests.alerts.rules.replay import FPS, TrackSpec, alert_events, make_frame, make_track, times
from tests.support.factories import at

OWNER, STRANGER, BAG = 1, 2, 7
BAG_FOOT = (530.0, 500.0)  # beside the owner standing at (500, 500); people are 100 px tall


def person(track_id: int, x: float, y: float = 500.0) -> TrackSpec:
    return make_track(track_id, (x, y))


def bag(foot: tuple[float, float] = BAG_FOOT, track_id: int = BAG) -> TrackSpec:
    return make_track(track_id, foot, size=(30.0, 30.0), label="backpack", score=0.8)


def walks_off(start_s: float, speed_px_s: float = 100.0) -> Callable[[float], float]:
    """The owner's x: standing at 500 until start_s, then walking right."""
    return lambda t: 500.0 + max(0.0, t - start_s) * speed_px_s


def rule(**fields: object) -> AbandonedObjectRule:
    return AbandonedObjectRule(AbandonedObjectRuleConfig.model_validate(fields), WHOLE_FRAME)


def scene_frames(
    seconds: Iterable[float], who: Callable[[float], Iterable[TrackSpec]]
) -> list[Observation]:
    return [make_frame(t, *who(t)) for t in seconds]


def left_behind(t: float) -> list[TrackSpec]:
    """The owner puts a bag down at 2 s, walks off at 5 s and is out of sight by 15 s."""
    owner_x = walks_off(5.0)(t)
    present = [person(OWNER, owner_x)] if owner_x < 1000.0 else []
    return present + ([bag()] if t >= 2.0 else [])


def first_active(
    subject: AbandonedObjectRule, frames: list[Observation]
) -> tuple[float, AbandonedVerdict] | None:
    for frame in frames:
        verdict = subject.step(frame)
        if verdict.active:
            return (frame.at - at(0)).total_seconds(), verdict
    return None


def test_a_bag_left_behind_alerts_after_still_s_and_names_its_owner() -> None:
    found = first_active(rule(still_s=15.0), scene_frames(times(0, 40), left_behind))
    assert found is not None
    seconds, verdict = found
    # The owner is more than one height away from 6.8 s on: alone from then, for 15 s.
    assert seconds == pytest.approx(21.8)
    assert list(verdict.objects.track_id) == [BAG] and list(verdict.objects.label) == ["backpack"]
    (item,) = verdict.items
    assert item.owner_track_id == OWNER and item.owner_left_at == at(6.8)
    assert item.still_since == at(2.0) and item.source == "detection"
    assert verdict.details["objects"] == [item.details()]
    assert item.details()["owner_left_at"] == at(6.8).isoformat()


def test_a_bag_whose_owner_stands_beside_it_never_alerts() -> None:
    def waiting(t: float) -> list[TrackSpec]:
        return [person(OWNER, 500.0), bag()]

    assert first_active(rule(still_s=15.0), scene_frames(times(0, 90), waiting)) is None


def test_a_bag_picked_up_and_carried_away_never_alerts() -> None:
    """The owner walks 300 px off, comes back at 10 s and leaves carrying the bag at 12 s."""

    def picked_up(t: float) -> list[TrackSpec]:
        if t < 10.0:
            owner_x = 500.0 + min(t, 3.0) * 100.0
        else:
            owner_x = max(500.0, 800.0 - (t - 10.0) * 300.0) + max(0.0, t - 12.0) * 100.0
        carried = (owner_x + 30.0, 500.0) if t >= 12.0 else BAG_FOOT
        return [person(OWNER, owner_x), bag(carried)]

    assert first_active(rule(still_s=15.0), scene_frames(times(0, 60), picked_up)) is None


def test_a_bag_moved_starts_its_still_clock_again() -> None:
    def kicked(t: float) -> list[TrackSpec]:
        foot = BAG_FOOT if t < 12.0 else (BAG_FOOT[0] + 60.0, BAG_FOOT[1])
        return [*left_behind(t)[:-1], bag(foot)] if t >= 2.0 else left_behind(t)

    found = first_active(rule(still_s=15.0), scene_frames(times(0, 40), kicked))
    assert found is not None and found[0] == pytest.approx(27.0)


def test_a_flickering_detection_or_a_new_track_id_keeps_the_clock() -> None:
    """The detector misses the bag for 2 s, and the tracker gives it a new id afterwards."""

    def flickering(t: float) -> list[TrackSpec]:
        people = [p for p in left_behind(t) if p.label == "person"]
        if t < 2.0 or 10.0 <= t < 12.0:
            return people
        return [*people, bag(track_id=BAG if t < 10.0 else 8)]

    found = first_active(rule(still_s=15.0), scene_frames(times(0, 40), flickering))
    assert found is not None and found[0] == pytest.approx(21.8)
    assert found[1].items[0].owner_track_id == OWNER


def test_anyone_standing_by_counts_as_attending() -> None:
    def guarded(t: float) -> list[TrackSpec]:
        return left_behind(t) + ([person(STRANGER, 470.0)] if 10.0 <= t < 30.0 else [])

    found = first_active(rule(still_s=15.0), scene_frames(times(0, 60), guarded))
    # The stranger leaves at 30 s: alone from then on.
    assert found is not None and found[0] == pytest.approx(45.0)


def test_alert_ends_once_the_bag_is_gone() -> None:
    def taken_at_30(t: float) -> list[TrackSpec]:
        return left_behind(t) if t < 30.0 else []

    events = alert_events(rule(still_s=15.0), scene_frames(times(0, 50), taken_at_30))
    # An object unseen for a second holds its alert no longer; clear_s (5 s) then ends it.
    assert events == [(21.8, AlertType.NEW), (35.8, AlertType.END)]


def test_passers_by_do_not_restart_the_clock() -> None:
    """From 8 s on, someone walks past the left bag every 4 s (a platform, a pavement)."""

    def platform(t: float) -> list[TrackSpec]:
        passers = []
        if t >= 8.0:
            index, into = divmod(t - 8.0, 4.0)
            passers = [person(100 + int(index), 300.0 + into * 150.0)]
        return left_behind(t) + passers

    found = first_active(rule(still_s=15.0), scene_frames(times(0, 40), platform))
    assert found is not None and found[0] == pytest.approx(21.8)


def test_a_stranger_standing_by_the_left_bag_does_not_end_its_alert_but_its_owner_does() -> None:
    def visited(t: float) -> list[TrackSpec]:
        stranger = [person(STRANGER, 470.0)] if 25.0 <= t < 35.0 else []
        owner = [person(OWNER, 500.0)] if t >= 40.0 else []
        return [*left_behind(t), *stranger, *owner]

    events = alert_events(rule(still_s=15.0), scene_frames(times(0, 60), visited))
    assert events == [(21.8, AlertType.NEW), (44.8, AlertType.END)]


def test_a_stranger_pacing_past_a_left_bag_does_not_attend_it() -> None:
    """Walking to and fro beside it, turning back each time, is not standing by it."""

    def paced(t: float) -> list[TrackSpec]:
        # Up and down 80 px (0.8 of their height), around the point where they came in.
        x = 480.0 + 40.0 * math.sin(2.0 * math.pi * (t - 10.0) / 4.0)
        stranger = [person(STRANGER, x)] if 10.0 <= t < 30.0 else []
        return [*left_behind(t), *stranger]

    found = first_active(rule(still_s=15.0), scene_frames(times(0, 40), paced))
    assert found is not None and found[0] == pytest.approx(21.8)


# Static foreground: things no detector names.

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


def test_configuration() -> None:
    config = AbandonedObjectRuleConfig()
    assert config.labels == ("backpack", "handbag", "suitcase") and config.still_s == 15.0
    assert config.use_static_foreground and config.rule_name == "abandoned_object"
    with pytest.raises(ValidationError, match="owner_distance"):
        AbandonedObjectRuleConfig.model_validate({"owner_distance": -1})
    assert config.attend_s == 3.0
    with pytest.raises(ValidationError, match="attend_s"):
        AbandonedObjectRuleConfig.model_validate({"attend_s": -2})
    settings = static_settings(AbandonedObjectRuleConfig(min_area_px=900, forget_after_s=600))
    assert settings.min_area_px == 900.0 and settings.absorb_after_s == 600.0


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


def test_an_object_there_from_the_first_look_is_scenery_but_a_bag_left_beside_it_is_not() -> None:
    """A utility box the detector takes for a suitcase stands there from the start; at 20 s
    someone leaves a bag beside it and walks off at 23 s."""
    box = make_track(9, (300.0, 500.0), size=(60.0, 80.0), label="suitcase", score=0.7)

    def street(t: float) -> list[TrackSpec]:
        if t < 20.0:
            return [box]
        owner_x = 380.0 + max(0.0, t - 23.0) * 100.0
        owner = [person(OWNER, owner_x)] if owner_x < 1000.0 else []
        return [box, bag((350.0, 500.0)), *owner]

    events = alert_events(rule(still_s=15.0), scene_frames(times(0, 60), street))
    assert [kind for _, kind in events] == [AlertType.NEW]
    found = first_active(rule(still_s=15.0), scene_frames(times(0, 60), street))
    assert found is not None
    assert list(found[1].objects.track_id) == [BAG]

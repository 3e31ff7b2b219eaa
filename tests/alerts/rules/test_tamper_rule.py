"""The tampering rule: conditions confirmed over time, replayed frame by frame, and end to end on
real footage through the tamper monitor and the alert lifecycle."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

import cv2
import numpy as np
import pytest
from pydantic import ValidationError

from alerts.lifecycle import AlertKey, AlertLifecycle, AlertType, LifecycleSettings
from alerts.rules.tamper import TamperRule, TamperVerdict
from config.rules import TamperRuleConfig
from detectors.observation import (
    Detections,
    Observation,
    SceneSignals,
    TamperCondition,
    TamperSignals,
)
from detectors.scene import SceneAnalyser, tamper_settings
from ingest.camera import sample
from ingest.frame import Image
from ingest.source import SourceSettings, VideoSource
from tests.alerts.rules.replay import FPS, times
from tests.support.factories import at

BLACKOUT, COVERED, MOVED, FROZEN = (
    TamperCondition.BLACKOUT,
    TamperCondition.COVERED,
    TamperCondition.MOVED,
    TamperCondition.FROZEN,
)


def make_signals(*conditions: TamperCondition, learning: bool = False) -> SceneSignals:
    """Scene signals of one frame in which `conditions` hold."""
    tamper = TamperSignals(
        conditions=frozenset(conditions),
        learning=learning,
        luma=3.0 if BLACKOUT in conditions else 120.0,
        luma_baseline=120.0,
        contrast=40.0,
        sharpness=0.1,
        sharpness_baseline=0.1,
        sharpness_ratio=1.0,
        texture_lost=0.0,
        match_score=0.95,
        frozen_s=0.0,
    )
    return SceneSignals(tamper=tamper)


def judge_all(rule: TamperRule, frames: Sequence[tuple[float, SceneSignals | None]]) -> list[float]:
    """Times (seconds after the base time) at which the rule was active."""
    return [seconds for seconds, scene in frames if rule.judge(at(seconds), scene).active]


def test_a_condition_alerts_once_it_has_held_for_confirm_s() -> None:
    rule = TamperRule(TamperRuleConfig(confirm_s=10.0))
    frames = [(t, make_signals(COVERED) if t >= 5.0 else make_signals()) for t in times(0, 30)]
    active = judge_all(rule, frames)
    assert active[0] == pytest.approx(15.0) and active[-1] == 30.0
    verdict = rule.judge(at(30.2), make_signals(COVERED))
    assert verdict.conditions == ("covered",)
    assert verdict.details["since"] == {"covered": at(5.0).isoformat()}
    assert verdict.details["measures"] == make_signals().tamper.measures()  # type: ignore[union-attr]


def test_short_gaps_keep_the_count_long_ones_restart_it() -> None:
    """Someone walking past a covered camera hides the condition for a moment."""
    rule = TamperRule(TamperRuleConfig(confirm_s=10.0))

    def flickering(t: float) -> SceneSignals:
        hidden = 4.0 <= t < 5.5 or 20.0 <= t < 23.0
        return make_signals() if hidden else make_signals(MOVED)

    active = judge_all(rule, [(t, flickering(t)) for t in times(0, 40)])
    # 1.5 s hidden at 4 s: still one run from 0; 3 s hidden at 20 s: a new run from 23 s.
    assert active[0] == pytest.approx(10.0)
    assert not [t for t in active if 20.0 <= t < 33.0]
    assert active[-1] == 40.0 and min(t for t in active if t > 20.0) == pytest.approx(33.0)


def test_it_clears_as_soon_as_the_condition_goes_and_the_alert_ends_after_clear_s() -> None:
    config = TamperRuleConfig(confirm_s=10.0, clear_s=5.0)
    rule = TamperRule(config)
    lifecycle = AlertLifecycle(
        AlertKey("cam", config.rule_name, "frame"),
        config.type,
        LifecycleSettings(config.severity, config.clear_s, config.cooldown_s, 5.0),
    )
    events = []
    for t in times(0, 60):
        scene = make_signals(BLACKOUT) if 10.0 <= t < 40.0 else make_signals()
        verdict = rule.judge(at(t), scene)
        events += [(t, event.type) for event in lifecycle.step(verdict, at(t))]
    # New after confirm_s; ended clear_s after the last frame with the condition (39.8 s).
    assert events == [(20.0, AlertType.NEW), (44.8, AlertType.END)]


def test_only_enabled_checks_alert() -> None:
    rule = TamperRule(TamperRuleConfig(checks=("blackout", "covered"), confirm_s=5.0))
    assert judge_all(rule, [(t, make_signals(MOVED, FROZEN)) for t in times(0, 30)]) == []


def test_frames_without_scene_signals_repeat_the_last_verdict() -> None:
    rule = TamperRule(TamperRuleConfig(confirm_s=2.0))
    judge_all(rule, [(t, make_signals(FROZEN)) for t in times(0, 3)])
    assert rule.judge(at(3.2), None).conditions == ("frozen",)
    rule.reset()
    assert not rule.judge(at(3.4), None).active


def test_the_rule_reads_the_observation_scene() -> None:
    rule = TamperRule(TamperRuleConfig(confirm_s=1.0))
    verdicts = [
        rule.step(Observation(Detections.empty(), 320, 180, at(t), scene=make_signals(FROZEN)))
        for t in times(0, 2)
    ]
    assert isinstance(verdicts[-1], TamperVerdict) and verdicts[-1].active


def test_configuration_says_what_is_wrong() -> None:
    with pytest.raises(ValidationError, match="whole picture"):
        TamperRuleConfig(zone="door")
    with pytest.raises(ValidationError, match="checks"):
        TamperRuleConfig.model_validate({"checks": ["smoke"]})
    with pytest.raises(ValidationError, match="confirm_secs"):
        TamperRuleConfig.model_validate({"confirm_secs": 3})
    settings = tamper_settings(TamperRuleConfig(defocus_ratio=0.2, baseline_follow_s=60.0))
    assert settings.defocus_ratio == 0.2 and settings.adapt_s == 60.0


# End to end: real footage, the monitor the engine runs, this rule and the alert lifecycle.

SIZE = (320, 180)
TAMPER_FROM_S, TAMPER_UNTIL_S = 40.0, 60.0


@pytest.fixture(scope="module")
def indoor(shared: Path) -> list[tuple[float, Image]]:
    """The first 75 s of the indoor video at 5 fps, 320x180."""
    path = shared / "footage" / "one-by-one-person-detection.mp4"
    source = VideoSource(SourceSettings(str(path), realtime=False))
    clip = []
    try:
        for picture in sample(source.pictures(), FPS):
            if picture.offset_s > 75.0:
                break
            image = cv2.resize(picture.to_image(), SIZE, interpolation=cv2.INTER_AREA)
            clip.append((picture.offset_s, np.asarray(image, np.uint8)))
    finally:
        source.close()
    return clip


def black(image: Image, index: int) -> Image:
    return np.full_like(image, 2 + index % 2)


def blurred(image: Image, index: int) -> Image:
    return np.asarray(cv2.GaussianBlur(image, (0, 0), 5.0), np.uint8)


def covered(image: Image, index: int) -> Image:
    return np.full_like(image, (90 + index % 3, 125, 180))


def turned(image: Image, index: int) -> Image:
    turn = cv2.getRotationMatrix2D((SIZE[0] / 2, SIZE[1] / 2), 15.0, 1.0)
    return np.asarray(cv2.warpAffine(image, turn, SIZE, borderMode=cv2.BORDER_REFLECT), np.uint8)


@pytest.mark.parametrize(
    ("tamper", "condition"),
    [(black, "blackout"), (blurred, "defocus"), (covered, "covered"), (turned, "moved")],
)
def test_tampering_on_real_footage_raises_one_alert_within_confirm_s(
    indoor: list[tuple[float, Image]], tamper: Callable[[Image, int], Image], condition: str
) -> None:
    config = TamperRuleConfig(confirm_s=10.0, clear_s=5.0)
    analyser = SceneAnalyser(tamper=tamper_settings(config))
    rule = TamperRule(config)
    lifecycle = AlertLifecycle(
        AlertKey("cam", config.rule_name, "frame"),
        config.type,
        LifecycleSettings(config.severity, config.clear_s, config.cooldown_s, 5.0),
    )
    events = []
    for index, (seconds, picture) in enumerate(indoor):
        tampered = TAMPER_FROM_S <= seconds < TAMPER_UNTIL_S
        image = tamper(picture, index) if tampered else picture
        verdict = rule.judge(at(seconds), analyser.update(image, seconds))
        events += [(seconds, event.type, verdict) for event in lifecycle.step(verdict, at(seconds))]
    assert [kind for _, kind, _ in events] == [AlertType.NEW, AlertType.END]
    (started_s, _, first), (ended_s, _, _) = events
    assert TAMPER_FROM_S + 10.0 <= started_s <= TAMPER_FROM_S + 10.0 + 1.0
    assert isinstance(first, TamperVerdict) and first.conditions == (condition,)
    # The last tampered frame, then clear_s.
    assert ended_s == pytest.approx(TAMPER_UNTIL_S - 1 / FPS + 5.0)


def test_a_frozen_stream_on_real_footage_alerts(indoor: list[tuple[float, Image]]) -> None:
    """One real picture, repeated from start-up: the monitor needs no baseline to see it."""
    picture = indoor[0][1]
    config = TamperRuleConfig(confirm_s=10.0)
    analyser = SceneAnalyser(tamper=tamper_settings(config))
    rule = TamperRule(config)
    active = [t for t in times(0, 20) if rule.judge(at(t), analyser.update(picture, t)).active]
    assert active[0] == pytest.approx(10.2)

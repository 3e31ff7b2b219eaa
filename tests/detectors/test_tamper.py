"""The tamper monitor on real footage: each kind of tampering is seen, ordinary scenes are not.

The indoor one-by-one video (139 s, people walking up to a table) is fed at 5 fps, reduced to
320x180; tampering is applied from 40 s to 100 s of it, after the monitor has learnt the view.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import cv2
import numpy as np
import pytest

from detectors.observation import TamperCondition, TamperSignals
from detectors.tamper import TamperMonitor, TamperSettings
from ingest.camera import sample
from ingest.frame import Image
from ingest.source import SourceSettings, VideoSource

FPS = 5.0
SIZE = (320, 180)
START_S, STOP_S = 40.0, 100.0  # the tampered stretch
VIEW_CONDITIONS = frozenset(TamperCondition) - {TamperCondition.FROZEN}

Clip = list[tuple[float, Image]]
Tamper = Callable[[Image, float], Image]


def decode(path: Path, size: tuple[int, int], fps: float = FPS) -> Clip:
    """(video time, BGR picture of `size`) at `fps`, as the pipeline samples a file."""
    source = VideoSource(SourceSettings(str(path), realtime=False))
    try:
        return [
            (picture.offset_s, shrink(picture.to_image(), size))
            for picture in sample(source.pictures(), fps)
        ]
    finally:
        source.close()


def shrink(image: Image, size: tuple[int, int]) -> Image:
    return np.asarray(cv2.resize(image, size, interpolation=cv2.INTER_AREA), np.uint8)


@pytest.fixture(scope="module")
def indoor(shared: Path) -> Clip:
    return decode(shared / "footage" / "one-by-one-person-detection.mp4", SIZE)


def watch(
    clip: Clip, tamper: Tamper | None = None, settings: TamperSettings | None = None
) -> list[TamperSignals]:
    """Feed the clip to a new monitor; `tamper` rewrites the pictures of the tampered stretch."""
    monitor = TamperMonitor(settings or TamperSettings())
    signals = []
    for seconds, picture in clip:
        tampered = tamper is not None and START_S <= seconds < STOP_S
        image = tamper(picture, seconds) if tamper is not None and tampered else picture
        signals.append(monitor.update(image, seconds))
    return signals


def times_with(clip: Clip, signals: list[TamperSignals], condition: TamperCondition) -> list[float]:
    return [
        seconds
        for (seconds, _), found in zip(clip, signals, strict=True)
        if condition in found.conditions
    ]


NOISE = [np.random.default_rng(seed).normal(0.0, 1.0, (*SIZE[::-1], 3)) for seed in range(7)]


def noisy(image: Image, seconds: float, sigma: float = 2.0) -> Image:
    """Sensor noise that changes every frame, as a live camera adds even to a covered view."""
    noise = NOISE[round(seconds * FPS) % len(NOISE)]
    return np.clip(image + sigma * noise, 0, 255).astype(np.uint8)


def blackout(image: Image, seconds: float) -> Image:
    return noisy((image * 0.03).astype(np.uint8), seconds, 1.0)


def defocus(image: Image, seconds: float) -> Image:
    return np.asarray(cv2.GaussianBlur(image, (0, 0), 5.0), np.uint8)


def flat_cover(image: Image, seconds: float) -> Image:
    return noisy(np.full_like(image, (95, 130, 185)), seconds)


def hand_mask(size: tuple[int, int] = SIZE) -> np.ndarray:
    """A palm and four fingers close to the lens, covering about 85% of the picture."""
    width, height = size
    mask = np.zeros((height, width), np.uint8)
    cv2.ellipse(
        mask, (width // 2, height), (int(width * 0.62), int(height * 0.8)), 0, 0, 360, 255, -1
    )
    for index in range(4):
        centre = (int(width * (0.2 + 0.2 * index)), int(height * 0.2))
        cv2.ellipse(mask, centre, (int(width * 0.11), int(height * 0.4)), 0, 0, 360, 255, -1)
    return mask.astype(np.bool_)


HAND = hand_mask()


SKIN = (
    np.full((*SIZE[::-1], 3), (95.0, 130.0, 185.0)) * np.linspace(1.1, 0.7, SIZE[1])[:, None, None]
)


def hand_cover(image: Image, seconds: float) -> Image:
    """Skin, lit from above (a soft gradient), out of focus, over most of the picture."""
    covered = image.copy()
    covered[HAND] = SKIN[HAND].astype(np.uint8)
    return noisy(covered, seconds)


def shifted(image: Image, seconds: float) -> Image:
    """The camera knocked sideways and down: 15% of the width, 5% of the height."""
    width, height = SIZE
    move = np.array([[1, 0, 0.15 * width], [0, 1, 0.05 * height]], np.float32)
    return np.asarray(cv2.warpAffine(image, move, SIZE, borderMode=cv2.BORDER_REFLECT), np.uint8)


def rotated(image: Image, seconds: float) -> Image:
    width, height = SIZE
    turn = cv2.getRotationMatrix2D((width / 2, height / 2), 12.0, 1.0)
    return np.asarray(cv2.warpAffine(image, turn, SIZE, borderMode=cv2.BORDER_REFLECT), np.uint8)


def test_hand_covers_most_of_the_picture() -> None:
    assert HAND.mean() >= 0.8


@pytest.mark.parametrize(
    ("tamper", "expected", "measure", "limit"),
    [
        (blackout, TamperCondition.BLACKOUT, lambda s: s.luma / s.luma_baseline, 0.1),
        (flat_cover, TamperCondition.COVERED, lambda s: 1.0 - s.texture_lost, 0.1),
        (hand_cover, TamperCondition.COVERED, lambda s: 1.0 - s.texture_lost, 0.2),
        (defocus, TamperCondition.DEFOCUS, lambda s: s.sharpness_ratio, 0.1),
        (shifted, TamperCondition.MOVED, lambda s: s.match_score, 0.3),
        (rotated, TamperCondition.MOVED, lambda s: s.match_score, 0.3),
    ],
    ids=["blackout", "flat-cover", "hand", "defocus", "shifted", "rotated"],
)
def test_each_tampering_is_reported_for_as_long_as_it_lasts(
    indoor: Clip,
    tamper: Tamper,
    expected: TamperCondition,
    measure: Callable[[TamperSignals], float],
    limit: float,
) -> None:
    clip = [(seconds, image) for seconds, image in indoor if seconds < STOP_S + 10.0]
    signals = watch(clip, tamper)
    tampered = [
        (seconds, found)
        for (seconds, _), found in zip(clip, signals, strict=True)
        if START_S <= seconds < STOP_S
    ]
    seen = [seconds for seconds, found in tampered if expected in found.conditions]
    assert seen and seen[0] <= START_S + 1.0, "not seen within a second"
    # Sixty seconds is two baseline time constants: the monitor must not learn the tampering.
    assert len(seen) >= 0.95 * len(tampered)
    others = {c for _, found in tampered for c in found.conditions & VIEW_CONDITIONS} - {expected}
    assert not others, f"also reported {others}"
    assert max(times_with(clip, signals, expected)) < STOP_S + 1.0, "outlasted the tampering"
    # The alert can say why: the measure behind the condition is far off.
    assert measure(tampered[len(tampered) // 2][1]) < limit


def test_a_frozen_stream_is_reported_and_its_duration_counted(indoor: Clip) -> None:
    still = dict(indoor)[START_S]
    signals = watch(indoor, lambda image, seconds: still)
    frozen = times_with(indoor, signals, TamperCondition.FROZEN)
    assert frozen[0] <= START_S + 0.5 and max(frozen) < STOP_S + 0.5
    assert signals[int((STOP_S - 1) * FPS)].frozen_s == pytest.approx(STOP_S - 1 - START_S, abs=0.5)
    # A frozen picture is still a normal view.
    assert not any(found.conditions & VIEW_CONDITIONS for found in signals)


def test_untouched_footage_raises_nothing(indoor: Clip) -> None:
    signals = watch(indoor)
    assert [
        (s, found.conditions)
        for (s, _), found in zip(indoor, signals, strict=True)
        if found.conditions
    ] == []
    assert not signals[int(40 * FPS)].learning
    assert min(found.match_score for found in signals) > 0.6


def test_dusk_raises_nothing(indoor: Clip) -> None:
    """The light falls to 15% over the clip (far faster than real dusk): the baselines follow."""
    length_s = indoor[-1][0]

    def dusk(image: Image, seconds: float) -> Image:
        return (image * (1.0 - 0.85 * seconds / length_s)).astype(np.uint8)

    dimmed = [(seconds, dusk(image, seconds)) for seconds, image in indoor]
    signals = watch(dimmed)
    assert [found.conditions for found in signals if found.conditions] == []
    assert signals[-1].luma < 0.2 * signals[0].luma


def test_a_busy_street_raises_nothing(people_mp4: Path) -> None:
    """people.mp4 (10 s) played to and fro for 80 s: a crowd does not look like tampering."""
    street = decode(people_mp4, (480, 270))
    pictures = [image for _, image in street]
    there_and_back = pictures + pictures[-2:0:-1]
    frames = [(index / FPS, there_and_back[index % len(there_and_back)]) for index in range(400)]
    signals = watch(frames)
    assert [found.conditions for found in signals if found.conditions] == []


def test_a_camera_re_aimed_for_good_becomes_the_new_view(indoor: Clip) -> None:
    signals = watch(indoor, shifted, TamperSettings(accept_view_s=20.0))
    moved = times_with(indoor, signals, TamperCondition.MOVED)
    assert moved[0] <= START_S + 1.0
    assert START_S + 19.0 <= max(t for t in moved if t < STOP_S) <= START_S + 21.0


def infrared(image: Image, seconds: float) -> Image:
    """The camera's night mode: colour gone, the IR lamp lifting the picture, more noise."""
    grey = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY).astype(np.float32)
    lifted = np.clip(grey * 1.6 + 25.0, 0, 255).astype(np.uint8)
    return noisy(cv2.cvtColor(lifted, cv2.COLOR_GRAY2BGR), seconds, sigma=6.0)


def dim(image: Image) -> Image:
    """Evening: the picture at a third of its daylight brightness."""
    return (image * 0.35).astype(np.uint8)


def test_a_switch_to_infrared_night_mode_raises_nothing(indoor: Clip) -> None:
    """In the evening the camera switches to its IR night mode from 40 s to 100 s, and back."""
    evening = [(seconds, dim(image)) for seconds, image in indoor]
    signals = watch(evening, infrared)
    assert [found.conditions for found in signals if found.conditions & VIEW_CONDITIONS] == []
    before, during = signals[int(35 * FPS)], signals[int(45 * FPS)]
    assert during.luma > 1.8 * before.luma  # the jump in brightness is real


def test_a_lens_covered_at_night_is_still_reported(indoor: Clip) -> None:
    """In IR night mode from the start, a hand covers the lens from 40 s to 100 s."""
    night = [(seconds, infrared(dim(image), seconds)) for seconds, image in indoor]
    signals = watch(night, hand_cover)
    covered = times_with(night, signals, TamperCondition.COVERED)
    stretch = [seconds for seconds, _ in night if START_S + 2 <= seconds < STOP_S]
    assert len(covered) >= 0.9 * len(stretch)

"""Factories and a replayer for rule tests: rules are fed frame by frame, as the engine does."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, TypeVar

from pydantic import BaseModel

from alerts.lifecycle import AlertKey, AlertLifecycle, AlertType, LifecycleSettings
from alerts.rules.base import Rule, Verdict
from detectors.observation import Detections, Observation
from tests.support.factories import BASE_TIME

WIDTH = HEIGHT = 1000  # pixels of the pictures the rules pretend to see
FPS = 5.0

ConfigT = TypeVar("ConfigT", bound=BaseModel)


@dataclass(frozen=True, slots=True)
class TrackSpec:
    """One tracked object in one frame."""

    track_id: int
    box: tuple[float, float, float, float]
    label: str
    score: float


def make_track(
    track_id: int = 1,
    foot: tuple[float, float] = (500.0, 500.0),
    *,
    size: tuple[float, float] = (40.0, 100.0),
    label: str = "person",
    score: float = 0.9,
) -> TrackSpec:
    """An object standing on `foot` (bottom-centre, pixels) with a box of `size` (w, h)."""
    width, height = size
    x, y = foot
    return TrackSpec(track_id, (x - width / 2, y - height, x + width / 2, y), label, score)


def make_frame(seconds: float, *tracks: TrackSpec, start: datetime = BASE_TIME) -> Observation:
    """What a rule sees `seconds` after `start`: these tracks on a WIDTH x HEIGHT picture."""
    if tracks:
        detections = Detections.of(
            [list(track.box) for track in tracks],
            [track.score for track in tracks],
            [track.label for track in tracks],
            [track.track_id for track in tracks],
        )
    else:
        detections = Detections.empty()
    return Observation(detections, WIDTH, HEIGHT, start + timedelta(seconds=seconds))


def times(start_s: float, stop_s: float, fps: float = FPS) -> list[float]:
    """Frame times from start_s up to and including stop_s, `fps` a second."""
    count = round((stop_s - start_s) * fps)
    return [round(start_s + index / fps, 6) for index in range(count + 1)]


def scene(
    seconds: Iterable[float], who: Callable[[float], Iterable[TrackSpec]]
) -> list[Observation]:
    """Frames at `seconds`, each holding the tracks `who(t)` names for its time t."""
    return [make_frame(t, *who(t)) for t in seconds]


def config(model: type[ConfigT], **fields: Any) -> ConfigT:
    """A rule configuration as the loader would build it from YAML."""
    return model.model_validate(fields)


def replay(rule: Rule, frames: Iterable[Observation]) -> list[tuple[float, Verdict]]:
    """Each frame's time (seconds after BASE_TIME) and the rule's verdict."""
    return [((frame.at - BASE_TIME).total_seconds(), rule.step(frame)) for frame in frames]


def active_times(rule: Rule, frames: Iterable[Observation]) -> list[float]:
    """Times (seconds after BASE_TIME) of the frames on which the rule held."""
    return [seconds for seconds, verdict in replay(rule, frames) if verdict.active]


def active_ids(rule: Rule, frames: Iterable[Observation]) -> list[tuple[float, list[int]]]:
    """Times of active frames and the track ids the rule named on them."""
    return [
        (seconds, sorted(int(track_id) for track_id in verdict.objects.track_id))
        for seconds, verdict in replay(rule, frames)
        if verdict.active
    ]


def alert_events(
    rule: Rule, frames: Sequence[Observation], clear_s: float = 5.0, cooldown_s: float = 30.0
) -> list[tuple[float, AlertType]]:
    """The alert messages the rule's verdicts produce through the real lifecycle."""
    lifecycle = AlertLifecycle(
        AlertKey("cam", "rule", "zone"),
        "rule",
        LifecycleSettings("high", clear_s, cooldown_s, update_interval_s=5.0),
    )
    events: list[tuple[float, AlertType]] = []
    for frame in frames:
        for event in lifecycle.step(rule.step(frame), frame.at):
            events.append(((frame.at - BASE_TIME).total_seconds(), event.type))
    return events

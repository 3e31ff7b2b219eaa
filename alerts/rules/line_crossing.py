"""Line crossing: a tripwire (polyline) crossed by an object's feet, counted per direction."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import datetime

import numpy as np

from alerts.rules.base import Verdict, watched
from alerts.rules.timing import stale
from alerts.zones import Zone
from config.rules.line_crossing import LineCrossingRuleConfig
from detectors.observation import Observation

Point = tuple[float, float]
A_TO_B, B_TO_A = "a_to_b", "b_to_a"
SIDE_A, SIDE_B = -1, 1


@dataclass(slots=True)
class _Side:
    """The side a track was last confirmed on, and where its feet were then."""

    side: int
    anchor: Point
    last_seen: datetime


class LineCrossingRule:
    """Active on the frame an object crosses the line in the watched direction.

    A track's side only changes once its feet are `margin_heights` box heights clear of
    the line, so a box jittering on the line counts nothing. A change of side is a crossing
    when the path from the last point clear on the old side to the first point clear on the
    new side cuts the line (walking round its end is not). Each track counts once per
    crossing; going back counts once the other way. `counts` holds crossings per direction
    since start, whatever `direction` alerts on.
    """

    def __init__(self, config: LineCrossingRuleConfig, zone: Zone) -> None:
        self.config = config
        self.zone = zone
        self.counts: dict[str, int] = {A_TO_B: 0, B_TO_A: 0}
        self._sides: dict[int, _Side] = {}
        self._alerting = {A_TO_B, B_TO_A} if config.direction == "both" else {config.direction}

    @property
    def tracked_objects(self) -> int:
        return len(self._sides)

    def reset(self) -> None:
        """Forget track sides (counts are kept: they are totals for analysis)."""
        self._sides.clear()

    def step(self, observation: Observation) -> Verdict:
        now = observation.at
        tracks = watched(
            observation.tracks, self.config, self.zone, observation.width, observation.height
        )
        line = [(x * observation.width, y * observation.height) for x, y in self.config.line]
        feet = tracks.bottom_centre
        heights = tracks.xyxy[:, 3] - tracks.xyxy[:, 1]
        crossed = np.zeros(len(tracks), np.bool_)
        for index, raw_id in enumerate(tracks.track_id):
            if raw_id < 0:
                continue
            foot = (float(feet[index][0]), float(feet[index][1]))
            margin = self.config.margin_heights * float(heights[index])
            direction = self._move(int(raw_id), foot, margin, line, now)
            if direction is not None:
                self.counts[direction] += 1
                crossed[index] = direction in self._alerting
        self._sides = {
            track_id: state
            for track_id, state in self._sides.items()
            if not stale(state.last_seen, now)
        }
        return Verdict(True, tracks[crossed]) if crossed.any() else Verdict.quiet()

    def _move(
        self, track_id: int, foot: Point, margin: float, line: list[Point], now: datetime
    ) -> str | None:
        """Advance one track; the direction it crossed in on this frame, if it did."""
        state = self._sides.get(track_id)
        if state is not None:
            state.last_seen = now
        distance = signed_distance(foot, line)
        if abs(distance) < margin or distance == 0.0:
            return None  # on the line: wait until it is clearly on one side
        side = SIDE_B if distance > 0 else SIDE_A
        if state is None:
            self._sides[track_id] = _Side(side, foot, now)
            return None
        if side == state.side:
            state.anchor = foot
            return None
        cut = crosses(state.anchor, foot, line)
        state.side, state.anchor = side, foot
        if not cut:
            return None
        return A_TO_B if side == SIDE_B else B_TO_A


def signed_distance(point: Point, line: list[Point]) -> float:
    """Distance from `point` to the polyline, negative on side A (left of the line walked from
    its first to its last point as seen on screen, where y grows downwards)."""
    best, best_sign = float("inf"), 1.0
    px, py = point
    for (ax, ay), (bx, by) in itertools.pairwise(line):
        dx, dy = bx - ax, by - ay
        along = max(0.0, min(1.0, ((px - ax) * dx + (py - ay) * dy) / (dx * dx + dy * dy)))
        distance = float(np.hypot(px - (ax + along * dx), py - (ay + along * dy)))
        if distance < best:
            cross = dx * (py - ay) - dy * (px - ax)
            best, best_sign = distance, (1.0 if cross >= 0 else -1.0)
    return best_sign * best


def crosses(start: Point, end: Point, line: list[Point]) -> bool:
    """Whether the segment start→end cuts any segment of the polyline."""
    return any(
        _segments_cut(start, end, first, second) for first, second in itertools.pairwise(line)
    )


def _segments_cut(p1: Point, p2: Point, q1: Point, q2: Point) -> bool:
    def orientation(a: Point, b: Point, c: Point) -> float:
        return (b[0] - a[0]) * (c[1] - a[1]) - (b[1] - a[1]) * (c[0] - a[0])

    d1, d2 = orientation(q1, q2, p1), orientation(q1, q2, p2)
    d3, d4 = orientation(p1, p2, q1), orientation(p1, p2, q2)
    return (d1 * d2 <= 0) and (d3 * d4 <= 0) and not (d1 == d2 == 0)

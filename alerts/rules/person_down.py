"""Person down: someone who was upright is lying, or has collapsed, for `down_s`."""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import Enum

import numpy as np

from alerts.rules.base import Verdict, watched
from alerts.rules.timing import stale
from alerts.zones import Zone
from config.rules.person_down import PersonDownRuleConfig
from detectors.observation import Detections, Observation

# A collapse keeps the feet where they were: the bottom edge may move this much (in upright
# box heights) while the top edge drops. Walking away from the camera moves both edges.
FEET_TOLERANCE = 0.25


class Posture(Enum):
    UPRIGHT = "upright"
    LYING = "lying"
    UNSURE = "unsure"


# Postures of every object in a Detections. Boxes are the default source; a pose model's
# keypoints (hips below shoulders, or not) could provide the same answer per track.
PostureEstimator = Callable[[Detections, PersonDownRuleConfig], list[Posture]]


def box_postures(tracks: Detections, config: PersonDownRuleConfig) -> list[Posture]:
    """Posture from each box's shape: tall is upright, wide is lying, in between unsure."""
    widths = np.maximum(tracks.xyxy[:, 2] - tracks.xyxy[:, 0], 1e-6)
    heights = np.maximum(tracks.xyxy[:, 3] - tracks.xyxy[:, 1], 1e-6)
    postures: list[Posture] = []
    for width, height in zip(widths, heights, strict=True):
        if height / width >= config.upright_ratio:
            postures.append(Posture.UPRIGHT)
        elif width / height >= config.lying_ratio:
            postures.append(Posture.LYING)
        else:
            postures.append(Posture.UNSURE)
    return postures


@dataclass(frozen=True, slots=True)
class _Upright:
    at: datetime
    height_px: float
    bottom_px: float


@dataclass(slots=True)
class _Body:
    last_seen: datetime
    was_upright: bool = False
    # Upright boxes of the last drop_within_s: a fall may pass through shorter upright boxes.
    recent_upright: deque[_Upright] = field(default_factory=deque)
    down_since: datetime | None = None


class PersonDownRule:
    """Fires while a person has been down for `down_s` or longer.

    Down means a box that turned from upright (height/width ≥ `upright_ratio`) to lying
    (width/height ≥ `lying_ratio`), or one whose top edge dropped by `drop_fraction` of its
    upright height within `drop_within_s` with the feet staying put: a fall seen head-on,
    where the box does not get wide. Standing up again (an upright box) ends it.
    """

    def __init__(
        self,
        config: PersonDownRuleConfig,
        zone: Zone,
        posture: PostureEstimator = box_postures,
    ) -> None:
        self.config = config
        self.zone = zone
        self.posture = posture
        self._bodies: dict[int, _Body] = {}

    @property
    def tracked_objects(self) -> int:
        return len(self._bodies)

    def reset(self) -> None:
        self._bodies.clear()

    def step(self, observation: Observation) -> Verdict:
        now = observation.at
        people = watched(
            observation.tracks, self.config, self.zone, observation.width, observation.height
        )
        people = people[people.track_id >= 0]
        down_for = timedelta(seconds=self.config.down_s)
        is_down = np.zeros(len(people), np.bool_)
        for index, posture in enumerate(self.posture(people, self.config)):
            track_id = int(people.track_id[index])
            body = self._bodies.setdefault(track_id, _Body(now))
            body.last_seen = now
            top, bottom = float(people.xyxy[index][1]), float(people.xyxy[index][3])
            self._advance(body, posture, bottom - top, bottom, now)
            is_down[index] = body.down_since is not None and now - body.down_since >= down_for
        self._bodies = {
            track_id: body
            for track_id, body in self._bodies.items()
            if not stale(body.last_seen, now)
        }
        return Verdict(True, people[is_down]) if is_down.any() else Verdict.quiet()

    def _advance(
        self, body: _Body, posture: Posture, height: float, bottom: float, now: datetime
    ) -> None:
        window = timedelta(seconds=self.config.drop_within_s)
        while body.recent_upright and now - body.recent_upright[0].at > window:
            body.recent_upright.popleft()
        if posture is Posture.UPRIGHT:
            body.was_upright, body.down_since = True, None
            body.recent_upright.append(_Upright(now, height, bottom))
            return
        if body.down_since is not None:
            return  # down until seen upright again
        if (
            posture is Posture.LYING and (body.was_upright or not self.config.require_upright_first)
        ) or self._collapsed(body, height, bottom):
            body.down_since = now

    def _collapsed(self, body: _Body, height: float, bottom: float) -> bool:
        """Whether the box lost drop_fraction of a recent upright height, feet in place."""
        return any(
            height <= (1.0 - self.config.drop_fraction) * upright.height_px
            and abs(bottom - upright.bottom_px) <= FEET_TOLERANCE * upright.height_px
            for upright in body.recent_upright
        )

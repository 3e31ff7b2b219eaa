"""Loitering: one object stays in the zone longer than `dwell_s`, across tracker id switches."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np

from alerts.rules.base import Verdict, watched
from alerts.rules.timing import stale
from alerts.zones import Zone
from config.rules.loitering import LoiteringRuleConfig
from detectors.observation import Detections, FloatArray, Observation


@dataclass(slots=True)
class _Stay:
    """One object's time in the zone, whichever track ids it has had."""

    since: datetime
    last_seen: datetime
    foot: tuple[float, float]
    height_px: float


class LoiteringRule:
    """Fires while an object has stayed in the zone for `dwell_s` or longer.

    Trackers lose an object that stands still behind a passer-by and find it again under a
    new id. A new id that appears within `gap_s` close to where a lost one was last seen
    (within `link_distance_heights` box heights) inherits the lost one's dwell. Only ids
    that are new can inherit, and only from an id gone from view (one that walked out of the
    zone keeps its own), so a pedestrian walking past a loiterer neither resets nor takes
    over the loiterer's time. An object out of the zone for longer than `gap_s` has
    left: coming back starts a new dwell.
    """

    def __init__(self, config: LoiteringRuleConfig, zone: Zone) -> None:
        self.config = config
        self.zone = zone
        self._present: dict[int, _Stay] = {}
        self._lost: dict[int, _Stay] = {}

    @property
    def tracked_objects(self) -> int:
        """Objects the rule holds state for (present or recently lost)."""
        return len(self._present) + len(self._lost)

    def reset(self) -> None:
        self._present.clear()
        self._lost.clear()

    def step(self, observation: Observation) -> Verdict:
        now = observation.at
        inside = watched(
            observation.tracks, self.config, self.zone, observation.width, observation.height
        )
        inside = inside[inside.track_id >= 0]
        # An id still in view but out of the zone walked out: nobody inherits its dwell.
        in_view = {int(track_id) for track_id in observation.tracks.track_id}
        self._follow(inside, in_view, now)
        self._lost = {
            track_id: stay
            for track_id, stay in self._lost.items()
            if not stale(stay.last_seen, now, self.config.gap_s)
        }
        dwell = timedelta(seconds=self.config.dwell_s)
        loitering = np.fromiter(
            (now - self._present[int(track_id)].since >= dwell for track_id in inside.track_id),
            np.bool_,
            count=len(inside),
        )
        if not loitering.any():
            return Verdict.quiet()
        return Verdict(True, inside[loitering])

    def _follow(self, inside: Detections, in_view: set[int], now: datetime) -> None:
        """Update every object's stay: known ids, returning ids, inherited ids, new ones."""
        feet = inside.bottom_centre
        heights = inside.xyxy[:, 3] - inside.xyxy[:, 1]
        seen = {int(track_id) for track_id in inside.track_id}
        for track_id in [track_id for track_id in self._present if track_id not in seen]:
            self._lost[track_id] = self._present.pop(track_id)
        newcomers: list[int] = []
        for index, raw_id in enumerate(inside.track_id):
            track_id = int(raw_id)
            stay = self._present.get(track_id) or self._lost.pop(track_id, None)
            if stay is None:
                newcomers.append(index)
                continue
            self._present[track_id] = _update(stay, feet[index], float(heights[index]), now)
        for index, stay in self._link(newcomers, feet, heights, in_view, now).items():
            self._present[int(inside.track_id[index])] = stay

    def _link(
        self,
        newcomers: list[int],
        feet: FloatArray,
        heights: FloatArray,
        in_view: set[int],
        now: datetime,
    ) -> dict[int, _Stay]:
        """Stays for new ids: inherited from the nearest lost object in reach, else fresh."""
        pairs: list[tuple[float, int, int]] = []
        lost = {track_id: stay for track_id, stay in self._lost.items() if track_id not in in_view}
        for index in newcomers:
            for lost_id, stay in lost.items():
                distance = math.dist(stay.foot, (float(feet[index][0]), float(feet[index][1])))
                height = max(stay.height_px, float(heights[index]))
                reach = self.config.link_distance_heights * height
                if distance <= reach:
                    pairs.append((distance, index, lost_id))
        stays: dict[int, _Stay] = {}
        for _, index, lost_id in sorted(pairs):
            if index in stays or lost_id not in self._lost:
                continue
            stay = self._lost.pop(lost_id)
            stays[index] = _update(stay, feet[index], float(heights[index]), now)
        for index in newcomers:
            if index not in stays:
                foot = (float(feet[index][0]), float(feet[index][1]))
                stays[index] = _Stay(now, now, foot, float(heights[index]))
        return stays


def _update(stay: _Stay, foot: FloatArray, height: float, now: datetime) -> _Stay:
    stay.last_seen = now
    stay.foot = (float(foot[0]), float(foot[1]))
    stay.height_px = float(height)
    return stay

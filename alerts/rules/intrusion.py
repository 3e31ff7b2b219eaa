"""Zone intrusion: a watched object stands in the zone."""

from __future__ import annotations

import numpy as np

from alerts.rules.base import Verdict, watched
from alerts.zones import Zone
from config.rules.intrusion import IntrusionRuleConfig
from detectors.observation import Observation


class IntrusionRule:
    """Fires while at least one object has been inside the zone for `inertia_frames` frames.

    Inertia works both ways: an object must be seen inside that many consecutive frames to
    count, and outside (or unseen) that many to stop counting, so a box flickering on the
    zone's edge neither raises nor ends an alert.
    """

    def __init__(self, config: IntrusionRuleConfig, zone: Zone) -> None:
        self.config = config
        self.zone = zone
        self._inside_streak: dict[int, int] = {}
        self._outside_streak: dict[int, int] = {}

    def reset(self) -> None:
        self._inside_streak.clear()
        self._outside_streak.clear()

    def step(self, observation: Observation) -> Verdict:
        inside = watched(
            observation.tracks, self.config, self.zone, observation.width, observation.height
        )
        inside_ids = {int(track_id) for track_id in inside.track_id}
        needed = self.config.inertia_frames
        for track_id in inside_ids:
            self._inside_streak[track_id] = self._inside_streak.get(track_id, 0) + 1
            self._outside_streak.pop(track_id, None)
        for track_id in list(self._inside_streak):
            if track_id in inside_ids:
                continue
            misses = self._outside_streak.get(track_id, 0) + 1
            if misses >= needed or self._inside_streak[track_id] < needed:
                # Gone long enough, or never confirmed: drop the track's state.
                del self._inside_streak[track_id]
                self._outside_streak.pop(track_id, None)
            else:
                self._outside_streak[track_id] = misses
        confirmed = {
            track_id for track_id, streak in self._inside_streak.items() if streak >= needed
        }
        if not confirmed:
            return Verdict.quiet()
        present = np.isin(inside.track_id, np.fromiter(confirmed, np.int64))
        return Verdict(True, inside[present])

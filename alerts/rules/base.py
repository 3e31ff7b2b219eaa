"""What every rule sees and returns, and the filters all rules share."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from alerts.zones import Zone
from config.rules.base import RuleBase
from detectors.observation import Detections, Observation


@dataclass(frozen=True, slots=True)
class Verdict:
    """Whether the rule's condition holds now, and the objects that make it hold."""

    active: bool
    objects: Detections

    @classmethod
    def quiet(cls) -> Verdict:
        return cls(False, Detections.empty())

    @property
    def details(self) -> Mapping[str, object]:
        """JSON-ready facts published with the alert (rules that know more override this)."""
        return {}


class Rule(Protocol):
    """A rule keeps its own per-track state; it does no I/O and never reads a clock."""

    def step(self, observation: Observation) -> Verdict:
        """Advance by one frame."""
        ...

    def reset(self) -> None:
        """Forget all state (the rule's schedule closed)."""
        ...


def watched(
    tracks: Detections, config: RuleBase, zone: Zone, width: int, height: int
) -> Detections:
    """Tracks of the rule's labels and size whose bottom-centre stands in the zone and in
    none of the rule's masks."""
    if len(tracks) == 0:
        return tracks
    feet = tracks.bottom_centre
    keep = np.isin(tracks.label, np.asarray(config.labels, np.str_))
    keep &= tracks.area_px >= config.min_area_px
    keep &= zone.contains(feet, width, height)
    for polygon in config.masks:
        keep &= ~Zone("mask", polygon).contains(feet, width, height)
    return tracks[keep]

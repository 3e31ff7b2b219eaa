"""Person down: someone who was seen standing has been down (lying, or collapsed) for down_s.

A person is followed as a *body*, which outlives tracker ids: trackers often lose someone as
they fall and find them again, lying, under a new id, or not at all when the lying body scores
below the confidence that starts a track. So a new id near where a body was lost continues
it, and a body that was falling or is down is also continued by a weak (untracked,
low-score) box that looks like someone lying there.

A body goes through: seen standing (`UPRIGHT_CONFIRM_S`) → falling → down (the first lying
observation) → alert while down for `down_s` and seen within `SEEN_WITHIN_S`. Down survives
unsure and missed frames; standing, or sitting or kneeling up, for `recover_s` ends it, and so
does the box moving more than a standing height away (lying people stay where they fell). A
body never seen standing (lying at start-up) never goes down. Postures: alerts/rules/posture.py.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime

import numpy as np

from alerts.rules.base import Verdict
from alerts.rules.posture import Box, Keypoints, Posture, Reference, judge_posture
from alerts.zones import Zone
from config.rules.person_down import PersonDownRuleConfig
from detectors.observation import Detections, Observation

UPRIGHT_CONFIRM_S = 1.0  # seen standing this long before a body can fall
REFERENCE_WINDOW_S = 4.0  # the standing height is the tallest box of this much standing
SEEN_WITHIN_S = 1.0  # a down body alerts only while seen this recently
MOVE_HEIGHTS = 1.0  # a down body whose box moves this far (standing heights) is not down
DESCENT_REL_H = 0.25  # the top this far down (standing heights), feet in place: falling
FORGET_S = 10.0  # a body unseen this long is forgotten
EDGE_SHARE = 0.01  # a box this near an edge (share of the picture) touches it


@dataclass(slots=True)
class _Body:
    track_id: int | None
    last_seen: float
    box: Box
    standing: deque[tuple[float, Reference]] = field(default_factory=deque)
    standing_s: float = 0.0
    last_standing_at: float | None = None
    falling: bool = False
    down_since: float | None = None
    down_at: tuple[float, float] | None = None  # box centre when it went down
    up_since: float | None = None
    why: str = ""
    weak: bool = False  # last seen in a weak box

    def reference(self) -> Reference | None:
        """The tallest standing box of the last REFERENCE_WINDOW_S of standing."""
        if not self.standing:
            return None
        return max((ref for _, ref in self.standing), key=lambda ref: ref.height)


@dataclass(frozen=True, slots=True)
class _Sighting:
    body: _Body
    box: Box
    keypoints: Keypoints | None
    weak: bool


@dataclass(frozen=True, slots=True)
class PersonDownVerdict(Verdict):
    """A verdict with, per person down (same order as `objects`), since when and why."""

    down_since: tuple[datetime, ...] = ()
    reasons: tuple[str, ...] = ()

    @property
    def details(self) -> Mapping[str, object]:
        return {
            "down": [
                {"since": since.isoformat(), "why": why}
                for since, why in zip(self.down_since, self.reasons, strict=True)
            ]
        }


class PersonDownRule:
    """Fires while a person who was standing has been down for `down_s`."""

    def __init__(self, config: PersonDownRuleConfig, zone: Zone) -> None:
        self.config = config
        self.zone = zone
        self._bodies: list[_Body] = []

    @property
    def tracked_objects(self) -> int:
        return len(self._bodies)

    def reset(self) -> None:
        self._bodies.clear()

    def step(self, observation: Observation) -> PersonDownVerdict:
        now = observation.at.timestamp()
        size = (observation.width, observation.height)
        people = self._people(observation.tracks, size)
        weak = self._people(observation.weak, size)
        weak = weak[weak.score >= self.config.weak_min_score]
        for sighting in self._sightings(people[people.track_id >= 0], weak, size, now):
            self._advance(sighting, size, now)
        self._bodies = [body for body in self._bodies if now - body.last_seen <= FORGET_S]
        return self._verdict(now)

    # Which boxes count --------------------------------------------------------------------
    def _people(self, found: Detections, size: tuple[int, int]) -> Detections:
        """Boxes of the rule's labels and size standing in the zone, outside the masks.

        Masks are judged on the box's centre: someone lying on a masked bed or bench has no
        feet on the floor, and the bottom of a lying box reaches past the bed's outline."""
        if len(found) == 0:
            return found
        width, height = size
        keep = np.isin(found.label, np.asarray(self.config.labels, np.str_))
        keep &= found.area_px >= self.config.min_area_px
        keep &= self.zone.contains(found.bottom_centre, width, height)
        centres = np.stack(
            [(found.xyxy[:, 0] + found.xyxy[:, 2]) / 2, (found.xyxy[:, 1] + found.xyxy[:, 3]) / 2],
            axis=1,
        ).astype(np.float32)
        for polygon in self.config.masks:
            keep &= ~Zone("mask", polygon).contains(centres, width, height)
        return found[keep]

    # Following bodies ----------------------------------------------------------------------
    def _sightings(
        self, people: Detections, weak: Detections, size: tuple[int, int], now: float
    ) -> list[_Sighting]:
        by_track = {body.track_id: body for body in self._bodies if body.track_id is not None}
        sightings: list[_Sighting] = []
        newcomers: list[tuple[int, Box, Keypoints | None]] = []
        for index, track_id in enumerate(people.track_id.tolist()):
            box, points = _box(people, index), _keypoints(people, index)
            body = by_track.get(track_id)
            if body is None:
                newcomers.append((track_id, box, points))
            else:
                sightings.append(_Sighting(body, box, points, weak=False))
        seen = {id(sighting.body) for sighting in sightings}
        present = set(people.track_id.tolist())
        lost = [
            body
            for body in self._bodies
            if id(body) not in seen
            and body.track_id not in present
            and now - body.last_seen <= self.config.gap_s
            and (body.falling or body.down_since is not None or not _at_edge(body.box, size))
        ]
        bridged = self._bridges([box for _, box, _ in newcomers], lost)
        for index, (track_id, box, points) in enumerate(newcomers):
            body = bridged.get(index)
            if body is None:
                body = _Body(track_id, now, box)
                self._bodies.append(body)
            body.track_id = track_id
            sightings.append(_Sighting(body, box, points, weak=False))
        still_lost = [body for body in lost if body not in bridged.values()]
        return sightings + self._weak_sightings(still_lost, weak)

    def _bridges(self, boxes: list[Box], lost: list[_Body]) -> dict[int, _Body]:
        """Which new track (by index) continues which lost body: nearest pairs first."""
        pairs = sorted(
            (_distance(body, box), index, position)
            for index, box in enumerate(boxes)
            for position, body in enumerate(lost)
            if self._linkable(body, box)
        )
        bridged: dict[int, _Body] = {}
        taken: set[int] = set()
        for _, index, position in pairs:
            if index not in bridged and position not in taken:
                bridged[index] = lost[position]
                taken.add(position)
        return bridged

    def _linkable(self, body: _Body, box: Box) -> bool:
        gap = _distance(body, box)
        if body.down_since is None and not body.falling:
            return gap <= self._reach(body)
        # A lying person's new id appears where they lie, with a box that is not tall.
        return not self._tall(box) and gap <= 0.5 * self._reach(body)

    def _weak_sightings(self, lost: list[_Body], weak: Detections) -> list[_Sighting]:
        """Weak boxes continue bodies that were falling or are down (a lower confidence floor
        near a known person going down): never any other body, never a tall box."""
        going_down = [body for body in lost if body.falling or body.down_since is not None]
        pairs = sorted(
            (_distance(body, _box(weak, index)), index, position)
            for index in range(len(weak))
            if not self._tall(_box(weak, index))
            for position, body in enumerate(going_down)
            if _distance(body, _box(weak, index)) <= self._reach(body)
        )
        taken_boxes: set[int] = set()
        taken_bodies: set[int] = set()
        sightings = []
        for _, index, position in pairs:
            if index in taken_boxes or position in taken_bodies:
                continue
            taken_boxes.add(index)
            taken_bodies.add(position)
            box, points = _box(weak, index), _keypoints(weak, index)
            sightings.append(_Sighting(going_down[position], box, points, weak=True))
        return sightings

    def _reach(self, body: _Body) -> float:
        ref = body.reference()
        height = ref.height if ref is not None else body.box[3] - body.box[1]
        return self.config.link_distance_heights * height

    def _tall(self, box: Box) -> bool:
        return (box[3] - box[1]) >= self.config.upright_ratio * (box[2] - box[0])

    # A body's state ------------------------------------------------------------------------
    def _advance(self, sighting: _Sighting, size: tuple[int, int], now: float) -> None:
        body, box = sighting.body, sighting.box
        ref = body.reference()
        posture, why = judge_posture(box, sighting.keypoints, ref, size, self.config)
        if sighting.weak and posture is not Posture.LYING:
            return  # a weak box is evidence of a person only when it looks like one lying
        if self._moved_away(body, box, ref):
            self._end_down(body)
        body.box, body.last_seen, body.why, body.weak = box, now, why, sighting.weak
        if posture is Posture.UPRIGHT:
            self._stood(body, box, now)
        else:
            body.last_standing_at = None
            body.falling = body.falling or self._falling(body, box, posture, size)
        if posture in (Posture.UPRIGHT, Posture.RAISED):
            if body.down_since is not None:
                body.up_since = body.up_since if body.up_since is not None else now
                if now - body.up_since >= self.config.recover_s:
                    self._end_down(body)
            return
        body.up_since = None
        first_seen_standing = body.standing_s >= UPRIGHT_CONFIRM_S
        may_fall = first_seen_standing or not self.config.require_upright_first
        if posture is Posture.LYING and body.down_since is None and may_fall:
            body.down_since = now
            body.down_at = _centre(box)

    def _stood(self, body: _Body, box: Box, now: float) -> None:
        while body.standing and now - body.standing[0][0] > REFERENCE_WINDOW_S:
            body.standing.popleft()
        if body.last_standing_at is not None:
            body.standing_s += min(now - body.last_standing_at, 1.0)
        body.last_standing_at = now
        body.standing.append((now, Reference(box[1], box[3], box[3] - box[1])))
        body.falling = False

    def _falling(self, body: _Body, box: Box, posture: Posture, size: tuple[int, int]) -> bool:
        """Lying, or the top came down with the feet in place, after being seen standing."""
        ref = body.reference()
        if body.standing_s < UPRIGHT_CONFIRM_S or ref is None:
            return False
        if posture is Posture.LYING:
            return True
        bottom_in_view = box[3] < size[1] - EDGE_SHARE * max(size)
        feet_in_place = bottom_in_view and abs(box[3] - ref.bottom) <= 0.25 * ref.height
        return box[1] - ref.top >= DESCENT_REL_H * ref.height and feet_in_place

    def _moved_away(self, body: _Body, box: Box, ref: Reference | None) -> bool:
        """A down body whose box went on (walked out of view, or now someone else's)."""
        if body.down_since is None or body.down_at is None or ref is None:
            return False
        centre = _centre(box)
        moved = math.hypot(centre[0] - body.down_at[0], centre[1] - body.down_at[1])
        return moved > MOVE_HEIGHTS * ref.height

    @staticmethod
    def _end_down(body: _Body) -> None:
        body.down_since = body.down_at = body.up_since = None

    def _verdict(self, now: float) -> PersonDownVerdict:
        down = [
            body
            for body in self._bodies
            if body.down_since is not None
            and now - body.down_since >= self.config.down_s
            and now - body.last_seen <= SEEN_WITHIN_S
        ]
        if not down:
            return PersonDownVerdict(False, Detections.empty())
        objects = Detections.of(
            [list(body.box) for body in down],
            [0.5 if body.weak else 0.9 for body in down],  # a weak box ranks below a track
            ["person"] * len(down),
            [-1 if body.weak or body.track_id is None else body.track_id for body in down],
        )
        since = tuple(datetime.fromtimestamp(body.down_since or now, UTC) for body in down)
        return PersonDownVerdict(True, objects, since, tuple(body.why for body in down))


def _box(found: Detections, index: int) -> Box:
    x1, y1, x2, y2 = (float(value) for value in found.xyxy[index])
    return (x1, y1, x2, y2)


def _keypoints(found: Detections, index: int) -> Keypoints | None:
    return None if found.keypoints is None else found.keypoints[index]


def _centre(box: Box) -> tuple[float, float]:
    return ((box[0] + box[2]) / 2, (box[1] + box[3]) / 2)


def _distance(body: _Body, box: Box) -> float:
    """From the centre of `box` to the body's last box (0 inside it), pixels."""
    cx, cy = _centre(box)
    dx = max(body.box[0] - cx, 0.0, cx - body.box[2])
    dy = max(body.box[1] - cy, 0.0, cy - body.box[3])
    return math.hypot(dx, dy)


def _at_edge(box: Box, size: tuple[int, int]) -> bool:
    """A body last seen standing at the edge has left: nothing continues it."""
    margin = EDGE_SHARE * max(size)
    return (
        box[0] <= margin
        or box[1] <= margin
        or box[2] >= size[0] - margin
        or (box[3] >= size[1] - margin)
    )

"""Abandoned objects: a bag (or anything that arrived and stayed) left still with nobody near.

What the rule needs from the pipeline
-------------------------------------
- `Observation.tracks`: tracked detections of the rule's labels *and of `person`* (the
  detector's class filter must keep both), with tracker ids.
- `Observation.scene` with `scene.static_regions` (`StaticRegion`, full-frame pixels) filled
  on every analysed frame when `use_static_foreground` is on: the detectors'
  `SceneAnalyser.for_rules` runs static foreground with the camera's first such rule's
  settings. Without scene signals the rule works from detections alone.

What it returns
---------------
An `AbandonedVerdict` (a `Verdict`: `objects` holds the abandoned things, static regions with
label `static_object`, track id -1 and score 0.5) whose `details` names, per object, its
source, since when it has been still and unattended, and where known its owner: the person
track nearest it when it first appeared (`owner_track_id`) and the time of the first frame in
which that person was no longer near it (`owner_left_at`). The engine should publish
`details` with the alert.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import numpy as np

from alerts.rules.base import Verdict, watched
from alerts.rules.boxes import Box, box_of, centre, covered_share, iou
from alerts.zones import Zone
from config.rules.abandoned import AbandonedObjectRuleConfig
from detectors.observation import Detections, Observation, SceneSignals

PERSON = "person"
STATIC_LABEL = "static_object"
_STATIC_SCORE = 0.5  # a static region has no confidence; this ranks it below a clear detection
_LOST_GRACE_S = 5.0  # an object unseen this long is forgotten; meanwhile it keeps its state
_UNSEEN_S = 1.0  # an object unseen this long no longer holds its alert (clear_s bridges gaps)
_MATCH_IOU = 0.3  # an object that lost its track id is found again by this much overlap
_COVER_SHARE = 0.5  # a detection covering this share of a static region explains it
_STANDING_MOVE = 0.5  # a person whose feet stay within this share of their height stands
_STARTUP_S = 10.0  # objects there from the first look and still through this are scenery
_FIRST_LOOK_S = 1.5  # seconds from the rule's first frame that count as its first look
_OWNER_SEARCH = 2.0  # the owner is the nearest person within this many owner distances


@dataclass(frozen=True, slots=True)
class AbandonedItem:
    """One abandoned object, as an alert reports it."""

    xyxy: Box
    label: str
    track_id: int
    source: str  # "detection" or "static_foreground"
    still_since: datetime
    unattended_since: datetime
    owner_track_id: int | None
    owner_left_at: datetime | None

    def details(self) -> dict[str, object]:
        return {
            "xyxy": [round(value, 1) for value in self.xyxy],
            "label": self.label,
            "track_id": self.track_id,
            "source": self.source,
            "still_since": self.still_since.isoformat(),
            "unattended_since": self.unattended_since.isoformat(),
            "owner_track_id": self.owner_track_id,
            "owner_left_at": None if self.owner_left_at is None else self.owner_left_at.isoformat(),
        }


@dataclass(frozen=True, slots=True)
class AbandonedVerdict(Verdict):
    """A verdict with what is known of each abandoned object (same order as `objects`)."""

    items: tuple[AbandonedItem, ...] = ()

    @property
    def details(self) -> Mapping[str, object]:
        """JSON-ready facts for the alert message."""
        return {"objects": [item.details() for item in self.items]}


@dataclass(frozen=True, slots=True)
class _Candidate:
    box: Box
    label: str
    track_id: int
    score: float
    static_age_s: float | None  # None for a detection


@dataclass(slots=True)
class _Item:
    """What the rule remembers of one object."""

    candidate: _Candidate
    anchor: tuple[float, float]
    seen_at: datetime
    still_since: datetime
    unattended_since: datetime | None
    owner_track_id: int | None
    owner_left_at: datetime | None = None
    alerted: bool = False  # once left, only its owner attends it again
    near: dict[int, _Standing] = field(default_factory=dict)  # person track: standing near


@dataclass(frozen=True, slots=True)
class _Standing:
    """Where a person near an object has stood since when."""

    since: datetime
    foot: tuple[float, float]


class _People:
    """The persons of one frame, and how far each is from a box in their own heights."""

    def __init__(self, tracks: Detections) -> None:
        people = tracks[tracks.label == PERSON]
        self.xyxy = people.xyxy.astype(np.float64)
        self.track_id = people.track_id

    def gaps(self, box: Box) -> np.ndarray:
        x1, y1, x2, y2 = box
        dx = np.maximum(0.0, np.maximum(self.xyxy[:, 0] - x2, x1 - self.xyxy[:, 2]))
        dy = np.maximum(0.0, np.maximum(self.xyxy[:, 1] - y2, y1 - self.xyxy[:, 3]))
        heights = np.maximum(self.xyxy[:, 3] - self.xyxy[:, 1], 1.0)
        gaps: np.ndarray = np.hypot(dx, dy) / heights
        return gaps

    def anyone_near(self, box: Box, distance: float) -> bool:
        return bool(len(self.xyxy)) and bool((self.gaps(box) <= distance).any())

    def is_near(self, track_id: int, box: Box, distance: float) -> bool:
        mine = self.track_id == track_id
        return bool(mine.any()) and bool((self.gaps(box)[mine] <= distance).any())

    def near(self, box: Box, distance: float) -> dict[int, tuple[tuple[float, float], float]]:
        """Tracked persons within `distance` of a box: track id to (foot point, height)."""
        near = (self.gaps(box) <= distance) & (self.track_id >= 0)
        return {
            int(track_id): (((x1 + x2) / 2.0, y2), max(y2 - y1, 1.0))
            for track_id, (x1, y1, x2, y2) in zip(
                self.track_id[near], self.xyxy[near].tolist(), strict=True
            )
        }

    def nearest(self, box: Box, distance: float) -> int | None:
        tracked = self.track_id >= 0
        if not tracked.any():
            return None
        gaps = np.where(tracked, self.gaps(box), np.inf)
        index = int(np.argmin(gaps))
        return int(self.track_id[index]) if gaps[index] <= distance else None


class AbandonedObjectRule:
    """Fires while an object has been still, with nobody near it, for `still_s`.

    Both must hold together: the clock starts at the later of "stopped moving" and "nobody
    near", so a bag whose owner stands beside it never fires, and one that is picked up or
    moved starts again.

    Objects in the picture from the rule's first look that stay still through its first
    `_STARTUP_S` are scenery (a bench or a utility box the detector takes for a suitcase, a
    bicycle parked before start-up): nothing that overlaps one of them is judged, for as long
    as the rule runs.
    """

    def __init__(self, config: AbandonedObjectRuleConfig, zone: Zone) -> None:
        self.config = config
        self.zone = zone
        self._items: dict[int, _Item] = {}
        self._keys = itertools.count()
        self._started_at: datetime | None = None
        self._scenery: list[Box] | None = None  # None until the start-up is over

    def reset(self) -> None:
        self._items.clear()

    def step(self, observation: Observation) -> AbandonedVerdict:
        return self.judge(observation, observation.scene)

    def judge(self, observation: Observation, scene: SceneSignals | None) -> AbandonedVerdict:
        """Advance by one frame, with the scene signals of that frame (None: detections only)."""
        at = observation.at
        self._learn_scenery(at)
        people = _People(observation.tracks)
        matched: set[int] = set()
        for candidate in self._candidates(observation, scene):
            key = self._match(candidate, matched)
            if key is None:
                key = next(self._keys)
                self._items[key] = self._new_item(candidate, at, people)
            else:
                self._follow(self._items[key], candidate, at)
            matched.add(key)
        # Everything remembered, seen this frame or not: a person who stands where an object
        # was last seen attends it (and may be why it is hidden).
        for item in self._items.values():
            self._attend(item, at, people)
        grace = timedelta(seconds=_LOST_GRACE_S)
        for key in [key for key, item in self._items.items() if at - item.seen_at > grace]:
            del self._items[key]
        return self._verdict(at)

    def _learn_scenery(self, at: datetime) -> None:
        """At the end of the start-up, take the objects still since the first look as scenery."""
        if self._started_at is None:
            self._started_at = at
        if self._scenery is not None or at - self._started_at < timedelta(seconds=_STARTUP_S):
            return
        first_look = self._started_at + timedelta(seconds=_FIRST_LOOK_S)
        # Static regions are things that arrived after their own start-up: never scenery.
        self._scenery = [
            item.candidate.box
            for item in self._items.values()
            if item.still_since <= first_look and item.candidate.static_age_s is None
        ]

    def _is_scenery(self, box: Box) -> bool:
        scenery = self._scenery or []
        return any(iou(box, known) >= _MATCH_IOU for known in scenery)

    def _candidates(self, observation: Observation, scene: SceneSignals | None) -> list[_Candidate]:
        objects = watched(
            observation.tracks, self.config, self.zone, observation.width, observation.height
        )
        found = [
            _Candidate(box_of(xyxy), str(label), int(track_id), float(score), None)
            for xyxy, label, track_id, score in zip(
                objects.xyxy, objects.label, objects.track_id, objects.score, strict=True
            )
        ]
        if scene is not None and self.config.use_static_foreground:
            found.extend(self._static_candidates(observation, scene))
        return [candidate for candidate in found if not self._is_scenery(candidate.box)]

    def _static_candidates(self, observation: Observation, scene: SceneSignals) -> list[_Candidate]:
        """Static regions in the zone that no detection (of any label) explains."""
        detected = [box_of(xyxy) for xyxy in observation.tracks.xyxy]
        kept: list[_Candidate] = []
        for region in scene.static_regions:
            explained = any(covered_share(region.xyxy, box) >= _COVER_SHARE for box in detected)
            if explained or region.area_px < self.config.min_area_px:
                continue
            if self._watches(region.xyxy, observation):
                kept.append(_Candidate(region.xyxy, STATIC_LABEL, -1, _STATIC_SCORE, region.age_s))
        return kept

    def _watches(self, box: Box, observation: Observation) -> bool:
        """Whether a box's bottom-centre stands in the zone and in none of the masks."""
        foot = np.asarray([[(box[0] + box[2]) / 2, box[3]]], np.float32)
        size = (observation.width, observation.height)
        if not self.zone.contains(foot, *size)[0]:
            return False
        return not any(Zone("mask", mask).contains(foot, *size)[0] for mask in self.config.masks)

    def _match(self, candidate: _Candidate, matched: set[int]) -> int | None:
        free = {key: item for key, item in self._items.items() if key not in matched}
        if candidate.track_id >= 0:
            for key, item in free.items():
                if item.candidate.track_id == candidate.track_id:
                    return key
        overlaps = {key: iou(candidate.box, item.candidate.box) for key, item in free.items()}
        best = max(overlaps, key=overlaps.__getitem__, default=None)
        return best if best is not None and overlaps[best] >= _MATCH_IOU else None

    def _new_item(self, candidate: _Candidate, at: datetime, people: _People) -> _Item:
        still_since = at
        if candidate.static_age_s is not None:
            still_since = at - timedelta(seconds=candidate.static_age_s)
        owner = people.nearest(candidate.box, _OWNER_SEARCH * self.config.owner_distance)
        return _Item(candidate, centre(candidate.box), at, still_since, None, owner)

    def _follow(self, item: _Item, candidate: _Candidate, at: datetime) -> None:
        """Take this frame's sighting; a move beyond the allowance restarts the still clock."""
        middle = centre(candidate.box)
        allowance = self.config.still_move_fraction * max(
            candidate.box[2] - candidate.box[0], candidate.box[3] - candidate.box[1]
        )
        if np.hypot(middle[0] - item.anchor[0], middle[1] - item.anchor[1]) > allowance:
            item.anchor, item.still_since = middle, at
        if candidate.static_age_s is not None:
            # The region's own age restarts when the thing in it changed.
            item.still_since = max(item.still_since, at - timedelta(seconds=candidate.static_age_s))
        item.candidate, item.seen_at = candidate, at

    def _attend(self, item: _Item, at: datetime, people: _People) -> None:
        """Whether someone attends the object now: its owner, or a person who stays beside it.

        A passer-by attends nothing: on a platform or a pavement people walk past a left bag
        every few seconds, and each must not restart its clock. Someone attends it who has
        stood near it (within `_STANDING_MOVE` of their height) for `attend_s`; the owner
        attends it from the first moment they are near again. Once an object has been found
        left, a stranger standing beside it does not end the alert; its owner, or taking the
        object away, does.
        """
        distance = self.config.owner_distance
        box = item.candidate.box
        if item.owner_track_id is None:
            item.owner_track_id = people.nearest(box, distance)
        near = people.near(box, distance)
        item.near = {
            track: _standing(item.near.get(track), at, foot, height)
            for track, (foot, height) in near.items()
        }
        owner_near = item.owner_track_id is not None and item.owner_track_id in near
        if item.owner_track_id is not None:
            if owner_near:
                item.owner_left_at = None
            elif item.owner_left_at is None:
                item.owner_left_at = at
        attend = timedelta(seconds=self.config.attend_s)
        standing_by = (at - standing.since >= attend for standing in item.near.values())
        staying = not item.alerted and any(standing_by)
        if owner_near or staying:
            item.unattended_since = None
        elif item.unattended_since is None:
            item.unattended_since = at

    def _verdict(self, at: datetime) -> AbandonedVerdict:
        still = timedelta(seconds=self.config.still_s)
        unseen = timedelta(seconds=_UNSEEN_S)
        alerting = [
            item
            for item in self._items.values()
            if item.unattended_since is not None
            and at - max(item.still_since, item.unattended_since) >= still
            and at - item.seen_at <= unseen
        ]
        for item in alerting:
            item.alerted = True
        if not alerting:
            return AbandonedVerdict(False, Detections.empty())
        objects = Detections.of(
            [list(item.candidate.box) for item in alerting],
            [item.candidate.score for item in alerting],
            [item.candidate.label for item in alerting],
            [item.candidate.track_id for item in alerting],
        )
        return AbandonedVerdict(True, objects, tuple(_report(item) for item in alerting))


def _standing(
    before: _Standing | None, at: datetime, foot: tuple[float, float], height: float
) -> _Standing:
    """A near person's standing: kept while they stay put, begun again once they walk on."""
    if before is None:
        return _Standing(at, foot)
    moved = np.hypot(foot[0] - before.foot[0], foot[1] - before.foot[1])
    return before if moved <= _STANDING_MOVE * height else _Standing(at, foot)


def _report(item: _Item) -> AbandonedItem:
    assert item.unattended_since is not None
    candidate = item.candidate
    return AbandonedItem(
        xyxy=candidate.box,
        label=candidate.label,
        track_id=candidate.track_id,
        source="detection" if candidate.static_age_s is None else "static_foreground",
        still_since=item.still_since,
        unattended_since=item.unattended_since,
        owner_track_id=item.owner_track_id,
        owner_left_at=item.owner_left_at,
    )

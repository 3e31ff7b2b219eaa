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
track who brought it (`owner_track_id`, see `_bringer`) and the time of the first frame in
which that person was no longer near it (`owner_left_at`). The engine should publish
`details` with the alert.
"""

from __future__ import annotations

import itertools
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import numpy as np

from alerts.rules.attendance import PERSON, People, Standing, standing
from alerts.rules.base import Verdict, watched
from alerts.rules.boxes import Box, box_of, centre, covered_share, iou
from alerts.zones import Zone
from config.rules.abandoned import AbandonedObjectRuleConfig
from detectors.observation import Detections, Observation, SceneSignals

STATIC_LABEL = "static_object"
_STATIC_SCORE = 0.5  # a static region has no confidence; this ranks it below a clear detection
_LOST_GRACE_S = 5.0  # an object unseen this long is forgotten; meanwhile it keeps its state
_UNSEEN_S = 1.0  # an object unseen this long no longer holds its alert (clear_s bridges gaps)
_MATCH_IOU = 0.3  # an object that lost its track id is found again by this much overlap
_COVER_SHARE = 0.5  # a detection covering this share of a static region explains it
_STARTUP_S = 10.0  # objects there from the first look and still through this are scenery
_FIRST_LOOK_S = 1.5  # seconds from the rule's first frame that count as its first look
_OWNER_SEARCH = 2.0  # the owner is the nearest person within this many owner distances
_OWNER_LOOKBACK_S = 2.0  # the owner is looked for from this long before the object stood still
_HISTORY_S = 30.0  # persons are remembered this long, to find who brought a static region
_REACH = 0.3  # a static region is a left thing once someone came this close (their heights)
_OWNER_LATE_S = 2.0  # an object's first seconds, in which a person whose track starts is its owner


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
    found_at: datetime
    seen_at: datetime
    still_since: datetime
    unattended_since: datetime | None
    owner_track_id: int | None
    owner_left_at: datetime | None = None
    alerted: bool = False  # once left, only its owner attends it again
    near: dict[int, Standing] = field(default_factory=dict)  # person track: standing near


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
        self._history: deque[tuple[datetime, People]] = deque()  # the last _HISTORY_S

    def reset(self) -> None:
        self._items.clear()
        self._history.clear()

    def step(self, observation: Observation) -> AbandonedVerdict:
        return self.judge(observation, observation.scene)

    def judge(self, observation: Observation, scene: SceneSignals | None) -> AbandonedVerdict:
        """Advance by one frame, with the scene signals of that frame (None: detections only)."""
        at = observation.at
        self._learn_scenery(at)
        people = People(observation.tracks)
        self._remember(at, people)
        matched: set[int] = set()
        for candidate in self._candidates(observation, scene):
            key = self._match(candidate, matched)
            if key is None:
                key = next(self._keys)
                self._items[key] = self._new_item(candidate, at)
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

    def _remember(self, at: datetime, people: People) -> None:
        self._history.append((at, people))
        while at - self._history[0][0] > timedelta(seconds=_HISTORY_S):
            self._history.popleft()

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
        """Static regions in the zone that no detection explains.

        A detection covering most of a region explains it (a person standing still, a bag the
        model knows), except a person in front of a static object already followed: a
        passer-by hides a left object for a moment and does not make it theirs.
        """
        tracks = observation.tracks
        detected = [
            (box_of(xyxy), str(label))
            for xyxy, label in zip(tracks.xyxy, tracks.label, strict=True)
        ]
        known = [
            item.candidate.box
            for item in self._items.values()
            if item.candidate.static_age_s is not None
        ]
        kept: list[_Candidate] = []
        for region in scene.static_regions:
            if region.area_px < self.config.min_area_px:
                continue
            covering = {
                label for box, label in detected if covered_share(region.xyxy, box) >= _COVER_SHARE
            }
            followed = any(iou(region.xyxy, box) >= _MATCH_IOU for box in known)
            if covering - {PERSON} or (covering and not followed):
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

    def _new_item(self, candidate: _Candidate, at: datetime) -> _Item:
        still_since = at
        if candidate.static_age_s is not None:
            still_since = at - timedelta(seconds=candidate.static_age_s)
        owner = self._bringer(candidate.box, still_since, self._owner_reach(candidate))
        return _Item(candidate, centre(candidate.box), at, at, still_since, None, owner)

    def _owner_reach(self, candidate: _Candidate) -> float:
        """How close (in their heights) a person must have come to own this object.

        A detected bag is a bag whoever is nearest: within `_OWNER_SEARCH` owner distances.
        A static region is only a thing someone left if they came within arm's reach of it
        (`_REACH`) as it arrived; one nobody brought is something else: a person standing
        half hidden behind a sign, a patch of light. It is followed but never alerted.
        """
        if candidate.static_age_s is None:
            return _OWNER_SEARCH * self.config.owner_distance
        return _REACH

    def _bringer(self, box: Box, still_since: datetime, within: float) -> int | None:
        """Who brought an object: the tracked person who came nearest it (within `within`
        of their heights) from just before it stood still until now.

        A static region is found a second or two after the thing was put down, when whoever
        put it there may have walked on; now breaks ties, as the owner is often still there.
        """
        since = still_since - timedelta(seconds=_OWNER_LOOKBACK_S)
        best: tuple[int, float] | None = None
        for seen_at, people in reversed(self._history):
            if seen_at < since:
                break
            closest = people.closest(box)
            if closest is not None and (best is None or closest[1] < best[1]):
                best = closest
        return best[0] if best is not None and best[1] <= within else None

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

    def _attend(self, item: _Item, at: datetime, people: People) -> None:
        """Whether someone attends the object now: its owner, or a person who stays beside it.

        A passer-by attends nothing: on a platform or a pavement people walk past a left bag
        every few seconds, and each must not restart its clock. Someone attends it who has
        stood near it (within half their height) for `attend_s`; the owner
        attends it from the first moment they are near again. Once an object has been found
        left, a stranger standing beside it does not end the alert; its owner, or taking the
        object away, does.
        """
        distance = self.config.owner_distance
        box = item.candidate.box
        if item.owner_track_id is None and at - item.found_at <= timedelta(seconds=_OWNER_LATE_S):
            # Whoever stands by an object as it is first seen and only now has a track.
            reach = min(distance, self._owner_reach(item.candidate))
            item.owner_track_id = people.nearest(box, reach)
        near = people.near(box, distance)
        item.near = {
            track: standing(item.near.get(track), at, foot, height)
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
            and (item.owner_track_id is not None or item.candidate.static_age_s is None)
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

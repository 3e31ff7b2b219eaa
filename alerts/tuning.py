"""Tuning from false alarms: an operator's "false alarm" can propose a change for that camera
and rule, which an admin applies to the configuration (never applied by itself).

Three kinds, each computed from what the alert saw:
- `mask`: ignore the area its objects were in (their boxes together, with a margin), for
  that rule only (`rules[].masks`);
- `min_area`: ignore boxes as small as its objects (`rules[].min_area_px`), for that rule;
- `confidence`: detections as weak as its objects are dropped (`detect.confidence`), for the
  whole camera.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict

from config.schema import CameraConfig

MARGIN = 0.05  # of the picture's width and height, around a mask's boxes
CONFIDENCE_STEP = 0.05
MAX_CONFIDENCE = 0.95


class ProposalKind(StrEnum):
    MASK = "mask"
    MIN_AREA = "min_area"
    CONFIDENCE = "confidence"


class ProposalState(StrEnum):
    PROPOSED = "proposed"
    APPLIED = "applied"
    DISMISSED = "dismissed"


# Audit actions, filed under the alert the proposal came from.
PROPOSE, APPLY, DISMISS = "tuning.propose", "tuning.apply", "tuning.dismiss"


class TuningError(Exception):
    """A proposal that cannot be made or applied; the message says why and what to do."""


class TuningProposal(BaseModel):
    model_config = ConfigDict(frozen=True, from_attributes=True)

    id: int
    alert_id: str
    camera: str
    rule: str
    kind: ProposalKind
    change: dict[str, Any]
    reason: str | None
    state: ProposalState
    proposed_by: str
    proposed_at: datetime
    decided_by: str | None
    decided_at: datetime | None
    decision_note: str | None


@dataclass(frozen=True, slots=True)
class SeenObject:
    """An object of the alert: its box in pixels and its score."""

    box: tuple[float, float, float, float]
    score: float


def objects_seen(messages: Sequence[Mapping[str, Any]]) -> list[SeenObject]:
    """Every object the alert's messages named (the end message names none)."""
    found = []
    for message in messages:
        for item in message.get("objects", ()):
            x1, y1, x2, y2 = (float(value) for value in item["box"])
            found.append(SeenObject((x1, y1, x2, y2), float(item["score"])))
    return found


def proposed_change(
    kind: ProposalKind,
    objects: Sequence[SeenObject],
    camera: CameraConfig,
    picture_size: tuple[int, int] | None,
) -> dict[str, Any]:
    """The change of `kind` that would have kept these objects from raising the alert."""
    if not objects:
        raise TuningError("the alert names no objects to tune against (a tamper alert?)")
    if kind is ProposalKind.CONFIDENCE:
        weakest_kept = max(item.score for item in objects)
        wanted = round(min(MAX_CONFIDENCE, weakest_kept + CONFIDENCE_STEP), 2)
        if wanted <= camera.detect.confidence:
            raise TuningError(
                f"detect.confidence is {camera.detect.confidence} already; the objects scored "
                f"up to {weakest_kept:.2f}, so the tracker kept them: propose a mask instead"
            )
        return {"detect.confidence": wanted, "was": camera.detect.confidence}
    if kind is ProposalKind.MIN_AREA:
        largest = max((x2 - x1) * (y2 - y1) for x1, y1, x2, y2 in (o.box for o in objects))
        return {"min_area_px": int(largest) + 1}
    if picture_size is None:
        raise TuningError("the alert has no snapshot, so its picture size is unknown: no mask")
    width, height = picture_size
    x1 = min(o.box[0] for o in objects) / width - MARGIN
    y1 = min(o.box[1] for o in objects) / height - MARGIN
    x2 = max(o.box[2] for o in objects) / width + MARGIN
    y2 = max(o.box[3] for o in objects) / height + MARGIN
    x1, y1, x2, y2 = (round(min(1.0, max(0.0, v)), 3) for v in (x1, y1, x2, y2))
    return {"mask": [[x1, y1], [x2, y1], [x2, y2], [x1, y2]]}

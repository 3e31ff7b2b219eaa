"""The vocabulary of evidence capture, free of pixels: references to pictures, snapshot
requests and the files written. Later stages decide with these; ingest does the writing."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

Polygon = tuple[tuple[float, float], ...]


@dataclass(frozen=True, slots=True)
class FrameRef:
    """Which picture something was seen on: enough to ask ingest for it later."""

    camera: str
    seq: int
    captured_at: datetime
    width: int
    height: int


@dataclass(frozen=True, slots=True)
class Caption:
    """One box to draw on an annotated snapshot: pixels, and the text above it."""

    xyxy: tuple[float, float, float, float]
    text: str


@dataclass(frozen=True, slots=True)
class SnapshotRequest:
    """Write the clean and the annotated snapshot of `view` for an alert."""

    alert_id: str
    started_at: datetime  # files are filed by the alert's day
    number: int  # the alert's 1st, 2nd, … snapshot: a better view adds one, replacing none
    view: FrameRef
    captions: tuple[Caption, ...]
    zone: Polygon | None


@dataclass(frozen=True, slots=True)
class CapturedFile:
    """A finished evidence file: a snapshot (clean or annotated) or a clip."""

    alert_id: str
    kind: str  # "snapshot", "snapshot_annotated" or "clip"
    path: Path
    started_at: datetime
    ended_at: datetime
    codec: str | None
    width: int | None
    height: int | None

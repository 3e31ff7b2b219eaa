"""What the console needs from the rest of the system, as Protocols it is coded against.

`CameraFeed` is the running pipeline (adapted in nightwatch/console_wiring.py);
`DispatchControl` is what the console asks of the dispatch service
(alerts.dispatch.service.Dispatcher), whose records and errors it uses as they are.
Tests can put anything that fits in their place; the product wires the real ones.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from alerts.dispatch.records import (
    OPEN,
    TEAM_STATES,
    DispatchConflictError,
    DispatchError,
    DispatchQuery,
    DispatchRecord,
    DispatchState,
    DispatchStep,
    Outcome,
    UnknownDispatchError,
)
from alerts.payloads import AlertPayload
from ingest.status import CameraStatus

# The dispatch vocabulary is the dispatch package's own (pure data, no service behind it).
OPEN_DISPATCH_STATES: tuple[DispatchState, ...] = tuple(
    state for state in DispatchState if state in OPEN
)
PATROL_STATES: tuple[DispatchState, ...] = tuple(
    state for state in DispatchState if state in TEAM_STATES
)
OUTCOMES: tuple[Outcome, ...] = tuple(Outcome)
DISPATCH_STATES_SHOWN: tuple[DispatchState, ...] = tuple(DispatchState)
DispatchView = DispatchRecord


class JpegPicture(Protocol):
    """A camera's newest picture, JPEG-encoded."""

    @property
    def seq(self) -> int: ...
    @property
    def captured_at(self) -> datetime: ...
    @property
    def jpeg(self) -> bytes: ...


@dataclass(frozen=True, slots=True)
class PipelineFigures:
    """Counters for /metrics, read when it is scraped."""

    frames_analysed: int
    detector_frames: int
    alerts_published: int
    detect_latency_count: int
    detect_latency_p50_s: float | None
    detect_latency_p95_s: float | None
    mqtt_connected: bool
    mqtt_queued: int


LiveListener = Callable[[AlertPayload | CameraStatus], None]


class CameraFeed(Protocol):
    """The running pipeline, as the console sees it."""

    def camera_statuses(self) -> Mapping[str, CameraStatus]:
        """Every enabled camera's status right now, by name."""
        ...

    def latest_picture(self, camera: str) -> JpegPicture | None:
        """The camera's newest analysed frame, or None before the first (or unknown camera)."""
        ...

    def subscribe(self, listener: LiveListener) -> Callable[[], None]:
        """Call `listener` on every alert message and status change; returns unsubscribe."""
        ...

    def figures(self) -> PipelineFigures: ...


@dataclass(frozen=True, slots=True)
class NodeView:
    """One node of the cluster the cameras run on."""

    id: str
    address: str
    alive: bool
    labels: Mapping[str, str]
    cameras: tuple[str, ...]
    cpu_percent: float | None  # of one core, by this node's camera processes
    analysed_fps: float | None  # frames analysed per second by its cameras, together


class NodeDirectory(Protocol):
    """The nodes of a cluster (nightwatch cluster); none when one process runs everything."""

    def nodes(self) -> Sequence[NodeView]: ...


DispatchListener = Callable[[DispatchView], None]


class DispatchControl(Protocol):
    """What the control room does with dispatches: send patrols, move them on, call them off,
    follow them (alerts.dispatch.service.Dispatcher)."""

    def dispatch_alert(self, alert_id: str, team: str, actor: str) -> DispatchView: ...

    def transition(
        self,
        dispatch_id: str,
        new_state: DispatchState,
        actor: str,
        team: str | None,
        outcome: Outcome | None = None,
        note: str | None = None,
        source: str = "console",
        allow_repeat: bool = True,
    ) -> DispatchView:
        """Move a dispatch on. `team` set: only a dispatch of that team (a patrol's own).

        `allow_repeat=False`: asking for the state it is in already is a conflict (one of two
        people pressing the same button at once is told it was done).
        """
        ...

    def cancel(self, dispatch_id: str, actor: str, note: str | None = None) -> DispatchView: ...

    def get(self, dispatch_id: str) -> DispatchView | None: ...

    def list(self, query: DispatchQuery) -> Sequence[DispatchView]: ...

    def teams(self) -> Sequence[str]: ...

    def outbox_depth(self) -> int | None:
        """Messages to patrols not yet delivered, or None when there is no outbox."""
        ...

    def subscribe(self, listener: DispatchListener) -> Callable[[], None]:
        """Call `listener` on every change, whoever made it; returns unsubscribe."""
        ...


__all__ = [
    "DISPATCH_STATES_SHOWN",
    "OPEN_DISPATCH_STATES",
    "OUTCOMES",
    "PATROL_STATES",
    "CameraFeed",
    "DispatchConflictError",
    "DispatchControl",
    "DispatchError",
    "DispatchListener",
    "DispatchQuery",
    "DispatchRecord",
    "DispatchState",
    "DispatchStep",
    "DispatchView",
    "JpegPicture",
    "LiveListener",
    "Outcome",
    "PipelineFigures",
    "UnknownDispatchError",
]

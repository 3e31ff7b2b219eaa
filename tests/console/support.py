"""Building blocks for console tests: a camera feed, a dispatcher, users and seeded alerts.

The store is always a real one (SQLite or PostgreSQL). The feed stands in for the running
pipeline (the browser test runs the real one); the dispatcher runs the dispatch package's
real state machine in memory until the dispatch service is wired.
"""

from __future__ import annotations

import builtins
import itertools
import subprocess
import threading
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import cache
from pathlib import Path

import numpy as np

from alerts.dispatch.records import (
    DispatchQuery,
    DispatchRecord,
    DispatchState,
    DispatchStep,
    Outcome,
    UnknownDispatchError,
)
from alerts.dispatch.states import TransitionRequest, plan_cancel, plan_transition
from alerts.payloads import AlertPayload
from alerts.store import Store
from config.schema import NightwatchConfig
from console.accounts.records import NewUser, Role
from console.accounts.repository import Accounts
from console.ports import DispatchListener, LiveListener, PipelineFigures
from console.security import TOKEN_PREFIX, digest, hash_password, new_secret
from ingest.images import encode_jpeg
from ingest.status import CameraState, CameraStatus
from tests.alerts.store.support import make_payload, write_media

PASSWORD = "correct horse battery staple"
CAMERAS = {"gate": "北门广场", "yard": "East yard"}


@cache
def password_hash() -> str:
    """One Argon2 hash for every test user (hashing takes ~0.2 s each)."""
    return hash_password(PASSWORD)


def console_config() -> NightwatchConfig:
    return NightwatchConfig.model_validate(
        {
            "site": {"name": "county-test", "timezone": "Asia/Shanghai"},
            "cameras": {
                name: {"source": f"rtsp://viewer:s3cret@127.0.0.1:8554/{name}", "location": where}
                for name, where in CAMERAS.items()
            },
        }
    )


def add_user(users: Accounts, name: str, role: Role, team: str | None = None) -> str:
    """Create a user (password PASSWORD) and return an API token for it."""
    users.add_user(NewUser(name, role, team, password_hash()), "test", "test")
    token = new_secret(TOKEN_PREFIX)
    users.add_token(name, digest(token), "test", "test", "test")
    return token


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@dataclass(frozen=True, slots=True)
class Picture:
    seq: int
    captured_at: datetime
    jpeg: bytes


class FakeFeed:
    """A CameraFeed whose cameras and events the test sets."""

    def __init__(self) -> None:
        image = np.zeros((90, 160, 3), np.uint8)
        image[:, :, 2] = 200
        self.picture = Picture(1, datetime.now(UTC), encode_jpeg(image))
        self.statuses = {name: camera_status(name) for name in CAMERAS}
        self.listeners: list[LiveListener] = []

    def camera_statuses(self) -> dict[str, CameraStatus]:
        return dict(self.statuses)

    def latest_picture(self, camera: str) -> Picture | None:
        return self.picture if camera in self.statuses else None

    def subscribe(self, listener: LiveListener) -> Callable[[], None]:
        self.listeners.append(listener)
        return lambda: self.listeners.remove(listener)

    def figures(self) -> PipelineFigures:
        return PipelineFigures(120, 40, 3, 40, 0.045, 0.09, True, 0)

    def emit(self, event: AlertPayload | CameraStatus) -> None:
        for listener in list(self.listeners):
            listener(event)


def camera_status(name: str, state: CameraState = CameraState.ONLINE) -> CameraStatus:
    return CameraStatus(
        camera=name,
        state=state,
        fps=29.97,
        frames_total=9000,
        frames_dropped=12,
        reconnects=0,
        last_frame_at=datetime.now(UTC),
        error=None,
        width=1920,
        height=1080,
        codec="h264",
    )


@dataclass
class MemoryDispatcher:
    """The DispatchControl protocol over the dispatch package's own pure state machine."""

    known_teams: Sequence[str] = ("team-a", "team-b")
    records: dict[str, DispatchRecord] = field(default_factory=dict)
    listeners: list[DispatchListener] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def dispatch_alert(self, alert_id: str, team: str, actor: str) -> DispatchRecord:
        now = datetime.now(UTC)
        step = DispatchStep(
            state=DispatchState.DISPATCHED, at=now, team=team, actor=actor, source="console"
        )
        record = DispatchRecord(
            id=f"d{next(self._ids)}",
            alert_id=alert_id,
            team=team,
            state=DispatchState.DISPATCHED,
            chain=(team,),
            escalations=0,
            ack_deadline=now + timedelta(minutes=3),
            created_at=now,
            updated_at=now,
            created_by=actor,
            history=(step,),
        )
        return self._keep(record)

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
    ) -> DispatchRecord:
        record = self._record(dispatch_id)
        request = TransitionRequest(new_state, actor, team, source, outcome, note, allow_repeat)
        change = plan_transition(record, request, datetime.now(UTC))
        return record if change is None else self._keep(change.applied_to(record))

    def cancel(self, dispatch_id: str, actor: str, note: str | None = None) -> DispatchRecord:
        record = self._record(dispatch_id)
        change = plan_cancel(record, actor, note, "console", datetime.now(UTC))
        return self._keep(change.applied_to(record))

    def get(self, dispatch_id: str) -> DispatchRecord | None:
        return self.records.get(dispatch_id)

    def list(self, query: DispatchQuery) -> list[DispatchRecord]:
        found = [
            record
            for record in self.records.values()
            if query.team in (None, record.team)
            and (query.states is None or record.state in query.states)
            and query.alert_id in (None, record.alert_id)
        ]
        return sorted(found, key=lambda record: record.created_at, reverse=True)[: query.limit]

    def teams(self) -> builtins.list[str]:
        return list(self.known_teams)

    def outbox_depth(self) -> int | None:
        return 0

    def subscribe(self, listener: DispatchListener) -> Callable[[], None]:
        self.listeners.append(listener)
        return lambda: self.listeners.remove(listener)

    def _record(self, dispatch_id: str) -> DispatchRecord:
        record = self.records.get(dispatch_id)
        if record is None:
            raise UnknownDispatchError(f"no dispatch {dispatch_id}")
        return record

    def _keep(self, record: DispatchRecord) -> DispatchRecord:
        with self._lock:
            self.records[record.id] = record
        for listener in list(self.listeners):
            listener(record)
        return record.model_copy()


def cut_clip(people_mp4: Path, target: Path) -> bytes:
    """Two seconds of people.mp4, stream-copied: a real, seekable H.264 MP4."""
    command = ["ffmpeg", "-v", "error", "-y", "-i", str(people_mp4), "-t", "2", "-c", "copy"]
    subprocess.run([*command, "-an", "-movflags", "+faststart", str(target)], check=True)
    return target.read_bytes()


def seed_alert(
    store: Store,
    camera: str = "gate",
    clip: bytes | None = None,
    started_at: datetime | None = None,
) -> str:
    """An ended alert with a snapshot, an annotated snapshot and (given bytes) a clip."""
    began = started_at or datetime.now(UTC) - timedelta(minutes=5)
    ended = began + timedelta(seconds=30)
    new = make_payload(camera=camera, started_at=began)
    end = new.model_copy(update={"type": "end", "frame_time": ended, "ended_at": ended})
    store.alerts.record(new, end)
    image = np.full((90, 160, 3), 80, np.uint8)
    for kind, suffix in (("snapshot", ""), ("snapshot_annotated", "-annotated")):
        path = write_media(store, f"snapshots/{camera}/{new.id}{suffix}.jpg", encode_jpeg(image))
        store.evidence.add(new.id, kind, path, began, began, "jpeg", 160, 90)
    if clip is not None:
        path = write_media(store, f"clips/{camera}/{new.id}.mp4", clip)
        store.evidence.add(new.id, "clip", path, began, ended, "h264", 1920, 1080)
    return new.id


def new_alert_id() -> str:
    return str(uuid.uuid4())

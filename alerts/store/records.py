"""What the store hands out: immutable records, not database rows, and the alert query.

Records are read from rows by attribute name (`Record.model_validate(row)`), so each field is
named once here and once in the table; the console's API bodies are built from these too.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field

from alerts.dispatch.records import Outcome

Category = Literal["normal", "false_alarm", "dispatched", "flagged"]
CATEGORIES: tuple[Category, ...] = get_args(Category)
EvidenceKind = Literal["snapshot", "snapshot_annotated", "clip"]
EVIDENCE_KINDS: tuple[EvidenceKind, ...] = get_args(EvidenceKind)
AlertState = Literal["open", "ended"]
TransitionType = Literal["new", "update", "end"]


class StoreError(Exception):
    """A request the store refuses."""


class StoreUnavailableError(StoreError):
    """The database could not be reached or opened."""


class UnknownAlertError(StoreError, LookupError):
    def __init__(self, alert_id: str) -> None:
        super().__init__(f"no alert with id {alert_id!r}")
        self.alert_id = alert_id


class LegalHoldError(StoreError):
    def __init__(self, alert_id: str) -> None:
        super().__init__(f"alert {alert_id} is under legal hold; nothing of it may be deleted")
        self.alert_id = alert_id


class AlreadyResolvedError(StoreError):
    def __init__(self, alert_id: str) -> None:
        super().__init__("the alert is resolved already")
        self.alert_id = alert_id


class Record(BaseModel):
    """Immutable, and read from a row (or any object) by attribute name."""

    model_config = ConfigDict(frozen=True, from_attributes=True)


class Disposition(Record):
    """What the control room did about the alert itself (dispatches are listed apart)."""

    acknowledged_by: str | None = None
    acknowledged_at: datetime | None = None
    resolved_by: str | None = None
    resolved_at: datetime | None = None
    outcome: Outcome | None = None
    note: str | None = Field(None, description="The note it was resolved with.")


class AlertRecord(Record):
    """An alert: what its rule saw, as of its last message, and what was decided about it."""

    id: str
    site: str
    camera: str
    rule: str
    rule_type: str
    zone: str
    severity: str
    state: AlertState = Field(description="open while the rule still holds, ended after.")
    started_at: datetime
    ended_at: datetime | None
    updated_at: datetime
    category: Category
    legal_hold: bool
    disposition: Disposition
    payload: Mapping[str, Any]  # the last message, as published (nightwatch.alert/1)


class TransitionRecord(Record):
    """One message of an alert (new, update, end), kept exactly as it was published."""

    id: int
    alert_id: str
    type: TransitionType
    frame_time: datetime
    recorded_at: datetime
    payload: Mapping[str, Any]
    audit_id: int  # the audit record holding this message's SHA-256


class EvidenceRecord(Record):
    """A snapshot or clip of an alert, with the SHA-256 its audit record vouches for."""

    id: int
    alert_id: str
    kind: EvidenceKind
    path: str  # relative to the media folder, with forward slashes
    size_bytes: int
    sha256: str
    started_at: datetime
    ended_at: datetime
    codec: str | None
    width: int | None
    height: int | None
    created_at: datetime
    deleted_at: datetime | None  # set when retention removed the file


@dataclass(frozen=True, slots=True)
class AlertQuery:
    """Filters (all optional, combined with AND) and one page, newest alert first.

    `since`/`until` bound `started_at` (since <= started_at < until). Page with limit and
    offset, or faster on deep pages with `before`: use `next_page(previous_page)`.
    """

    since: datetime | None = None
    until: datetime | None = None
    camera: str | None = None
    rule: str | None = None
    zone: str | None = None
    severity: str | tuple[str, ...] | None = None
    state: AlertState | None = None
    category: Category | None = None
    legal_hold: bool | None = None
    limit: int = 100
    offset: int = 0
    before: tuple[datetime, str] | None = None  # keyset: (started_at, id) of the last seen

    def __post_init__(self) -> None:
        if not 1 <= self.limit <= 10_000:
            raise ValueError(f"limit must be 1-10000, got {self.limit}")
        if self.offset < 0:
            raise ValueError(f"offset must be >= 0, got {self.offset}")

    def next_page(self, page: Sequence[AlertRecord]) -> AlertQuery | None:
        """The query for the page after `page`, by keyset; None when `page` was the last."""
        if len(page) < self.limit:
            return None
        last = page[-1]
        return replace(self, before=(last.started_at, last.id), offset=0)

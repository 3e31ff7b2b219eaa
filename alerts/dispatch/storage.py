"""What the dispatcher keeps its state in, as Protocols (the store implements them).

The dependency runs one way: the store's dispatch repository imports these and the records
of `records.py`; nothing in alerts/dispatch/ imports the store.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol

from alerts.audit import AuditEntry
from alerts.dispatch.nearest import PositionTable
from alerts.dispatch.records import DispatchChange, DispatchQuery, DispatchRecord
from alerts.outbox import OutboxMessage
from alerts.webhooks import WebhookRequest, WebhookTable


class DispatchedAlert(Protocol):
    """The alert a dispatch is about, as orders describe it (alerts.store.AlertRecord)."""

    @property
    def id(self) -> str: ...
    @property
    def camera(self) -> str: ...
    @property
    def rule(self) -> str: ...
    @property
    def rule_type(self) -> str: ...
    @property
    def zone(self) -> str: ...
    @property
    def severity(self) -> str: ...
    @property
    def started_at(self) -> datetime: ...
    @property
    def payload(self) -> Mapping[str, Any]: ...


@dataclass(frozen=True, slots=True)
class Planned:
    """A change and everything that reports it, decided inside the transaction."""

    change: DispatchChange
    messages: Sequence[OutboxMessage] = ()
    webhooks: Sequence[WebhookRequest] = ()
    details: Mapping[str, Any] = field(default_factory=dict)  # extra audit details


# Decides, inside the write transaction, what a dispatch as it is now should become.
Plan = Callable[[DispatchRecord, DispatchedAlert], Planned | None]


class DispatchTable(Protocol):
    """Dispatches and their steps; each step one transaction with its audit record, messages
    and webhooks (alerts.store.dispatch_repository.DispatchRepository)."""

    def create(self, record: DispatchRecord, plan: Plan) -> DispatchRecord: ...

    def change(self, dispatch_id: str, plan: Plan) -> tuple[DispatchRecord, bool]: ...

    def reject(
        self, entry: AuditEntry, messages: Sequence[OutboxMessage], now: datetime
    ) -> None: ...

    def get(self, dispatch_id: str) -> DispatchRecord | None: ...

    def query(self, query: DispatchQuery) -> list[DispatchRecord]: ...

    def due_escalations(self, now: datetime, limit: int = 100) -> list[str]: ...


class AuditTrail(Protocol):
    """Appending to the audit log (alerts.store.AuditRepository)."""

    def append(self, entry: AuditEntry) -> object: ...


class DispatchStorage(Protocol):
    """Everything the dispatcher stores (alerts.store.Store)."""

    @property
    def dispatches(self) -> DispatchTable: ...
    @property
    def webhooks(self) -> WebhookTable: ...
    @property
    def audit(self) -> AuditTrail: ...
    @property
    def media_dir(self) -> Path: ...
    @property
    def positions(self) -> PositionTable: ...

"""The durable outbox: every alert and dispatch message is stored before it is published.

Messages are written to the store's `outbox` table in the same transaction as what they
report (the alert, the dispatch step). One thread drains the table in id order while the
broker is reachable: it publishes with QoS 1, keeps a bounded window in flight, and marks a
message delivered only on its PUBACK. A crash (even `kill -9`) therefore re-sends at most the
messages whose PUBACK had not arrived; each carries a `message_id` so receivers drop repeats.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Protocol

log = logging.getLogger(__name__)

WINDOW = 50  # messages in flight at once: bounded memory, and in order on the wire
IDLE_POLL_S = 1.0  # another process may add rows; look again this often when idle
PRUNE_EVERY_S = 600.0
KEEP_DELIVERED_S = 86_400.0  # delivered rows are kept a day, for inspection
_ERROR_PAUSE_S = 2.0


@dataclass(frozen=True, slots=True)
class OutboxMessage:
    """One message to publish. `correlation` and `response_topic` are MQTT 5 properties."""

    topic: str
    payload: str
    message_id: str
    qos: int = 1
    retain: bool = False
    response_topic: str | None = None
    correlation: str | None = None


@dataclass(frozen=True, slots=True)
class OutboxRecord:
    id: int  # the send order
    message: OutboxMessage
    created_at: datetime
    delivered_at: datetime | None = None
    failure: str | None = None


class PublishHandle(Protocol):
    def is_acknowledged(self) -> bool:
        """True once the broker's PUBACK (QoS 1) arrived."""
        ...

    @property
    def refusal(self) -> str | None:
        """Why the client refused the message outright (it will never be sent), or None."""
        ...


class Transport(Protocol):
    """The broker connection (alerts.mqtt.MqttPublisher)."""

    def wait_connected(self, timeout_s: float) -> bool: ...

    def send(self, message: OutboxMessage) -> PublishHandle: ...

    def on_acknowledged(self, listener: Callable[[], None]) -> None:
        """Call `listener` (on the network thread) whenever a PUBACK arrives."""
        ...


class OutboxTable(Protocol):
    """The store's outbox table (alerts.store.outbox_repository.OutboxRepository)."""

    def add(self, messages: Sequence[OutboxMessage]) -> None: ...

    def pending(self, limit: int, skip: Collection[int]) -> list[OutboxRecord]: ...

    def mark_delivered(self, ids: Collection[int], at: datetime) -> None: ...

    def mark_failed(self, row_id: int, reason: str, at: datetime) -> None: ...

    def depth(self) -> int: ...

    def prune(self, before: datetime) -> int: ...


@dataclass(frozen=True, slots=True)
class OutboxStatus:
    depth: int | None  # messages not yet acknowledged by the broker (None: store unreadable)
    in_flight: int
    delivered: int  # acknowledged since start
    failed: int  # refused by the client since start


class Outbox:
    """Drains the outbox table to the broker, in order, from one thread."""

    def __init__(
        self,
        table: OutboxTable,
        transport: Transport,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        window: int = WINDOW,
    ) -> None:
        self.table = table
        self.transport = transport
        self._clock = clock
        self._window = window
        self._in_flight: dict[int, PublishHandle] = {}
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, name="outbox", daemon=True)
        self._delivered = 0
        self._failed = 0
        self._last_prune_s = time.monotonic()
        transport.on_acknowledged(self._wake.set)

    def enqueue(self, messages: Sequence[OutboxMessage]) -> None:
        """Store messages (in one transaction) and have them sent."""
        self.table.add(messages)
        self.wake()

    def wake(self) -> None:
        """Something was added to the table: look now instead of at the next poll."""
        self._wake.set()

    def depth(self) -> int:
        return self.table.depth()

    def status(self) -> OutboxStatus:
        try:
            depth: int | None = self.depth()
        except Exception:  # the store is down: say so rather than fail the caller
            depth = None
        return OutboxStatus(depth, len(self._in_flight), self._delivered, self._failed)

    def start(self) -> None:
        self._thread.start()

    def stop(self, drain_timeout_s: float = 5.0) -> None:
        """Give pending messages `drain_timeout_s` to go out (if the broker is there), then
        stop. What is left stays in the table for the next start."""
        deadline = time.monotonic() + drain_timeout_s
        while time.monotonic() < deadline and self.transport.wait_connected(0):
            try:
                if self.depth() == 0:
                    break
            except Exception:
                break
            self.wake()
            time.sleep(0.05)
        self._stopping.set()
        self._wake.set()
        self._thread.join(timeout=5.0)

    def _run(self) -> None:
        while not self._stopping.is_set():
            try:
                progressed = self.step()
            except Exception:  # the store or the client failed: the thread must carry on
                log.exception("outbox: draining failed; trying again in %s s", _ERROR_PAUSE_S)
                self._stopping.wait(_ERROR_PAUSE_S)
                continue
            if not progressed:
                # Short waits while messages are in flight (a PUBACK also wakes us).
                self._wake.wait(0.2 if self._in_flight else IDLE_POLL_S)
                self._wake.clear()

    def step(self) -> bool:
        """One round: note acknowledgements, send what fits in the window. True if anything
        happened (the caller loops at once)."""
        now = self._clock()
        acknowledged = [row_id for row_id, h in self._in_flight.items() if h.is_acknowledged()]
        if acknowledged:
            self.table.mark_delivered(acknowledged, now)
            for row_id in acknowledged:
                del self._in_flight[row_id]
            self._delivered += len(acknowledged)
        sent = 0
        room = self._window - len(self._in_flight)
        if room > 0 and self.transport.wait_connected(0):
            # In-flight messages are re-sent by the client itself after a reconnect.
            for record in self.table.pending(room, skip=self._in_flight.keys()):
                handle = self.transport.send(record.message)
                if handle.refusal is not None:
                    log.error("outbox: %s refused: %s", record.message.topic, handle.refusal)
                    self.table.mark_failed(record.id, handle.refusal, now)
                    self._failed += 1
                    continue
                self._in_flight[record.id] = handle
                sent += 1
        self._prune(now)
        return bool(acknowledged or sent)

    def _prune(self, now: datetime) -> None:
        if time.monotonic() - self._last_prune_s < PRUNE_EVERY_S:
            return
        self._last_prune_s = time.monotonic()
        removed = self.table.prune(now - timedelta(seconds=KEEP_DELIVERED_S))
        if removed:
            log.info("outbox: pruned %d delivered messages", removed)

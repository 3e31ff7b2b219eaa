"""Fan-out of live events to browsers: any thread publishes, each SSE stream awaits its queue.

Queues are bounded: a browser that stops reading loses its oldest events (counted), and no
camera thread ever waits for it.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal

LiveKind = Literal["alert", "camera", "dispatch", "disposition"]


@dataclass(frozen=True, slots=True)
class LiveMessage:
    """One event as sent: its kind, the team it concerns (dispatches), and its JSON body."""

    kind: LiveKind
    data: str
    team: str | None = None


_CLOSED = LiveMessage("alert", "")  # sentinel: the hub is closing, end the stream


class Subscription:
    def __init__(self, loop: asyncio.AbstractEventLoop, size: int) -> None:
        self.loop = loop
        self.queue: asyncio.Queue[LiveMessage] = asyncio.Queue(size)
        self.dropped = 0

    def offer(self, message: LiveMessage) -> None:
        """Runs on the subscriber's loop: enqueue, dropping the oldest when full."""
        if self.queue.full():
            self.queue.get_nowait()
            self.dropped += 1
        self.queue.put_nowait(message)

    async def next(self, timeout_s: float) -> LiveMessage | None:
        """The next message; None after `timeout_s` without one. Raises EOFError on close."""
        try:
            message = await asyncio.wait_for(self.queue.get(), timeout_s)
        except TimeoutError:
            return None
        if message is _CLOSED:
            raise EOFError
        return message


class EventHub:
    def __init__(self, queue_size: int = 256) -> None:
        self.queue_size = queue_size
        self.closed = False
        self.published = 0
        self._lock = threading.Lock()
        self._subscriptions: set[Subscription] = set()

    @property
    def subscribers(self) -> int:
        with self._lock:
            return len(self._subscriptions)

    @property
    def dropped(self) -> int:
        with self._lock:
            return sum(item.dropped for item in self._subscriptions)

    @contextlib.contextmanager
    def subscribe(self) -> Iterator[Subscription]:
        """A subscription on the running event loop, for the length of the `with`."""
        subscription = Subscription(asyncio.get_running_loop(), self.queue_size)
        with self._lock:
            self._subscriptions.add(subscription)
            if self.closed:  # subscribed after the close: end at once
                subscription.offer(_CLOSED)
        try:
            yield subscription
        finally:
            with self._lock:
                self._subscriptions.discard(subscription)

    def publish(self, message: LiveMessage) -> None:
        """Safe from any thread; returns at once."""
        with self._lock:
            targets = list(self._subscriptions)
            self.published += 1
        for subscription in targets:
            with contextlib.suppress(RuntimeError):  # its loop has closed: it is going away
                subscription.loop.call_soon_threadsafe(subscription.offer, message)

    def close(self) -> None:
        """End every stream once it has sent what was published before (before the server
        stops, so it need not wait for them)."""
        with self._lock:
            self.closed = True
        self.publish(_CLOSED)

"""A rate over the last few seconds, for camera status."""

from __future__ import annotations

import threading
from collections import deque


class RateMeter:
    """Events per second over the last `window_s` seconds (times from one monotonic clock).

    The reader thread ticks it while status and console threads read it, hence the lock.
    """

    def __init__(self, window_s: float = 5.0) -> None:
        self._events: deque[tuple[float, int]] = deque()
        self._window_s = window_s
        self._lock = threading.Lock()

    def tick(self, now: float, count: int = 1) -> None:
        if count <= 0:
            return
        with self._lock:
            self._events.append((now, count))
            self._expire(now)

    def rate(self, now: float) -> float:
        with self._lock:
            self._expire(now)
            if len(self._events) < 2:
                return 0.0
            span = max(self._events[-1][0] - self._events[0][0], 1e-6)
            return (sum(count for _, count in self._events) - self._events[0][1]) / span

    def _expire(self, now: float) -> None:
        while self._events and now - self._events[0][0] > self._window_s:
            self._events.popleft()

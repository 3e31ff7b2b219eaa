"""Small, bounded latency statistics for logs, metrics and benchmarks."""

from __future__ import annotations

import threading
from collections import deque

import numpy as np


class LatencyRecorder:
    """Keeps the last `capacity` samples (seconds) and reports percentiles."""

    def __init__(self, capacity: int = 10000) -> None:
        self._samples: deque[float] = deque(maxlen=capacity)
        self._lock = threading.Lock()
        self.count = 0

    def add(self, seconds: float) -> None:
        with self._lock:
            self._samples.append(seconds)
            self.count += 1

    def percentile(self, q: float) -> float | None:
        with self._lock:
            if not self._samples:
                return None
            return float(np.percentile(np.fromiter(self._samples, np.float64), q))

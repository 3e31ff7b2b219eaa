"""Small, bounded statistics for logs, metrics and benchmarks: latencies, CPU by thread."""

from __future__ import annotations

import os
import threading
from collections import deque
from dataclasses import dataclass, field

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


# Threads by what they do, from the start of their names (see the pipeline's threads).
THREAD_ROLES = {
    "camera-": "decode",  # demuxing, decoding and colour conversion, one thread per stream
    "worker-": "analysis",  # motion gate, tracking, scene signals, rules, storing alerts
    "inference-": "inference_python",  # Ultralytics' pre- and post-processing per lane
}
NATIVE_ROLE = "inference_native"  # threads no Python code started: OpenVINO's streams


def cpu_by_role() -> dict[str, float]:
    """CPU seconds so far of this process's threads, by role: Python threads by their name
    (THREAD_ROLES, the rest 'other'); threads the libraries started, where the model's
    streams compute, as NATIVE_ROLE. Threads that ended are not counted."""
    names = {thread.native_id: thread.name for thread in threading.enumerate()}
    tick = os.sysconf("SC_CLK_TCK")
    totals: dict[str, float] = {}
    for task in os.listdir("/proc/self/task"):
        try:
            with open(f"/proc/self/task/{task}/stat", encoding="ascii") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
        except OSError:
            continue  # the thread ended meanwhile
        seconds = (int(fields[11]) + int(fields[12])) / tick  # utime + stime
        name = names.get(int(task))
        role = NATIVE_ROLE if name is None else _role(name)
        totals[role] = totals.get(role, 0.0) + seconds
    return totals


def _role(name: str) -> str:
    return next((role for prefix, role in THREAD_ROLES.items() if name.startswith(prefix)), "other")


@dataclass(slots=True)
class PipelineStats:
    """Counters the camera workers and the alert delivery add to; read by logs, metrics and
    benchmarks."""

    frames_analysed: int = 0
    detector_frames: int = 0
    alerts_published: int = 0
    detect_latency: LatencyRecorder = field(default_factory=LatencyRecorder)
    publish_latency: LatencyRecorder = field(default_factory=LatencyRecorder)

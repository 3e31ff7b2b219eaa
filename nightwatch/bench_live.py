"""`nightwatch bench-live`: the real pipeline on live cameras, sustained.

Runs `nightwatch run`'s pipeline in this process for a fixed time against real-time cameras
(the cameras of a configuration, or RTSP URLs given on the command line) and reports, per
camera, the analysed, decoded and sent frame rates and the groups of pictures skipped to stay
live; capture-to-receive latency of alert messages through the broker; resident memory each
minute (growth means a leak or a backlog); and where the CPU went, by kind of thread.
"""

from __future__ import annotations

import os
import tempfile
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from tqdm import tqdm

from alerts.mqtt import MqttPublisher
from alerts.store import open_store
from config.schema import NightwatchConfig
from detectors.gate import DetectionGate
from detectors.yolo import YoloDetector
from nightwatch.bench import AlertLatencySubscriber, percentile, rss_now_mb
from nightwatch.pipeline import CameraWorker, Pipeline
from nightwatch.stats import cpu_by_role


@dataclass(slots=True)
class LiveReport:
    """Per-camera figures are mappings of camera name to number."""

    cameras: int
    duration_s: float
    detect_fps_per_camera: dict[str, float] = field(default_factory=dict)
    analysed_fps: dict[str, float] = field(default_factory=dict)
    decode_fps: dict[str, float] = field(default_factory=dict)
    source_fps: dict[str, float] = field(default_factory=dict)
    skipped_gops: dict[str, int] = field(default_factory=dict)
    dropped_frames: dict[str, int] = field(default_factory=dict)
    record_source_fps: dict[str, float] = field(default_factory=dict)  # separate record streams
    detector_frame_share: float = 0.0
    alerts_received: int = 0
    latency_p50_s: float | None = None
    latency_p99_s: float | None = None
    latency_max_s: float | None = None
    rss_mb_after_warmup: float = 0.0
    rss_mb_end: float = 0.0
    rss_mb_max: float = 0.0
    rss_mb_per_minute: list[float] = field(default_factory=list)  # a trend, not one number
    cpu_percent: float = 0.0
    cpu_percent_by_role: dict[str, float] = field(default_factory=dict)


def live_config(urls: list[str], model: str, detect_fps: float, mqtt_url: str) -> NightwatchConfig:
    """Cameras for URLs given on the command line: whole-frame intrusion on persons, every
    change a message, so alert latency is measured often."""
    prefix = f"nightwatch-bench-{os.getpid()}"
    cameras: dict[str, Any] = {
        f"cam-{index + 1}": {
            "source": url,
            "detect": {"fps": detect_fps},
            "zones": {"frame": {"polygon": [[0, 0], [1, 0], [1, 1], [0, 1]]}},
            "rules": [
                {
                    "type": "intrusion",
                    "zone": "frame",
                    "update_interval_s": 0,
                    "clear_s": 2,
                    "cooldown_s": 0,
                }
            ],
        }
        for index, url in enumerate(urls)
    }
    return NightwatchConfig.model_validate(
        {
            "mqtt": {"url": mqtt_url, "client_id": prefix, "topic_prefix": prefix},
            "model": {"path": model},
            "cameras": cameras,
        }
    )


@dataclass(slots=True)
class _Before:
    """Counters at the start of the measured time."""

    analysed: dict[str, int]
    detected: int
    skipped: dict[str, int]
    dropped: dict[str, int]
    cpu: dict[str, float]
    cpu_total: float
    at: float

    @classmethod
    def take(cls, workers: list[CameraWorker], gates: dict[str, DetectionGate]) -> _Before:
        statuses = {worker.name: worker.reader.status() for worker in workers}
        return cls(
            analysed={name: gate.frames for name, gate in gates.items()},
            detected=sum(gate.detector_frames for gate in gates.values()),
            skipped={name: status.skipped_gops for name, status in statuses.items()},
            dropped={name: status.frames_dropped for name, status in statuses.items()},
            cpu=cpu_by_role(),
            cpu_total=sum(os.times()[:2]),
            at=time.monotonic(),
        )


def bench_live(
    config: NightwatchConfig,
    detector: YoloDetector,
    duration_s: float,
    warmup_s: float,
    progress: bool,
) -> LiveReport:
    """Run the cameras of `config` for `warmup_s`, then measure for `duration_s`."""
    mqtt = config.mqtt
    subscriber = AlertLatencySubscriber(mqtt, f"{mqtt.topic_prefix}/alerts/#")
    data = tempfile.TemporaryDirectory(prefix="nightwatch-bench-")
    store = open_store(f"sqlite:///{data.name}/nightwatch.db", Path(data.name) / "media")
    pipeline = Pipeline(config, detector, MqttPublisher(mqtt), store)
    pipeline.start()
    try:
        threading.Event().wait(warmup_s)
        subscriber.latencies_s.clear()
        gates = {worker.name: worker.analysis.perception.gate for worker in pipeline.workers}
        before = _Before.take(pipeline.workers, gates)
        rss_start = rss_max = rss_now_mb()
        rss_per_minute: list[float] = []
        with tqdm(total=round(duration_s), desc="live", unit="s", disable=not progress) as bar:
            while (elapsed := time.monotonic() - before.at) < duration_s:
                threading.Event().wait(1.0)
                rss = rss_now_mb()
                rss_max = max(rss_max, rss)
                if elapsed >= 60 * (len(rss_per_minute) + 1):
                    rss_per_minute.append(round(rss, 1))
                bar.update(round(elapsed) - bar.n)
        report = _report(pipeline, gates, before, subscriber.latencies_s)
        report.rss_mb_after_warmup = round(rss_start, 1)
        report.rss_mb_end = round(rss_now_mb(), 1)
        report.rss_mb_max = round(rss_max, 1)
        report.rss_mb_per_minute = rss_per_minute
    finally:
        pipeline.stop()
        subscriber.stop()
        store.close()
        data.cleanup()
    return report


def _report(
    pipeline: Pipeline,
    gates: dict[str, DetectionGate],
    before: _Before,
    latencies_s: list[float],
) -> LiveReport:
    elapsed = time.monotonic() - before.at
    report = LiveReport(cameras=len(pipeline.workers), duration_s=round(elapsed, 1))
    for worker in pipeline.workers:
        name, status = worker.name, worker.reader.status()
        report.detect_fps_per_camera[name] = pipeline.config.cameras[name].detect.fps
        report.analysed_fps[name] = round((gates[name].frames - before.analysed[name]) / elapsed, 2)
        report.decode_fps[name] = status.fps
        report.source_fps[name] = status.source_fps or 0.0
        report.skipped_gops[name] = status.skipped_gops - before.skipped[name]
        report.dropped_frames[name] = status.frames_dropped - before.dropped[name]
        if status.record is not None:
            report.record_source_fps[name] = status.record.source_fps
    frames = sum(gate.frames for gate in gates.values()) - sum(before.analysed.values())
    detected = sum(gate.detector_frames for gate in gates.values()) - before.detected
    report.detector_frame_share = round(detected / max(frames, 1), 3) if frames else 0.0
    latencies = list(latencies_s)
    report.alerts_received = len(latencies)
    report.latency_p50_s = percentile(latencies, 50)
    report.latency_p99_s = percentile(latencies, 99)
    report.latency_max_s = round(max(latencies), 4) if latencies else None
    report.cpu_percent = round(100 * (sum(os.times()[:2]) - before.cpu_total) / elapsed, 1)
    cpu_now = cpu_by_role()
    report.cpu_percent_by_role = {
        role: round(100 * (seconds - before.cpu.get(role, 0.0)) / elapsed, 1)
        for role, seconds in sorted(cpu_now.items())
    }
    return report


def as_dict(report: LiveReport) -> dict[str, Any]:
    return asdict(report)

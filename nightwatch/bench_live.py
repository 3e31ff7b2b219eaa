"""`nightwatch bench-live`: the real pipeline on live RTSP cameras, sustained.

Runs `nightwatch run`'s pipeline in this process for a fixed time against real-time cameras
and reports, per camera, analysed frames per second and dropped frames; capture-to-receive
latency of alert messages through the broker; and resident memory over time (growth means a
leak or a backlog).
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
from config.schema import MqttConfig, NightwatchConfig
from detectors.yolo import YoloDetector
from nightwatch.bench import AlertLatencySubscriber, percentile, rss_now_mb
from nightwatch.pipeline import Pipeline


@dataclass(slots=True)
class LiveReport:
    cameras: int
    duration_s: float
    detect_fps_per_camera: float
    analysed_fps: dict[str, float] = field(default_factory=dict)
    dropped_frames: dict[str, int] = field(default_factory=dict)
    camera_fps: dict[str, float] = field(default_factory=dict)
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


def live_config(urls: list[str], model: str, detect_fps: float, mqtt_url: str) -> NightwatchConfig:
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


def bench_live(
    config: NightwatchConfig,
    detector: YoloDetector,
    duration_s: float,
    warmup_s: float,
    progress: bool,
) -> LiveReport:
    mqtt: MqttConfig = config.mqtt
    subscriber = AlertLatencySubscriber(mqtt, f"{mqtt.topic_prefix}/alerts/#")
    data = tempfile.TemporaryDirectory(prefix="nightwatch-bench-")
    store = open_store(f"sqlite:///{data.name}/nightwatch.db", Path(data.name) / "media")
    pipeline = Pipeline(config, detector, MqttPublisher(mqtt), store)
    pipeline.start()
    time.sleep(warmup_s)
    subscriber.latencies_s.clear()
    gates = {worker.name: worker.analysis.perception.gate for worker in pipeline.workers}
    analysed_before = {name: gate.frames for name, gate in gates.items()}
    dropped_before = {worker.name: worker.reader.slot.dropped for worker in pipeline.workers}
    cpu_before, started = sum(os.times()[:2]), time.monotonic()
    rss_start = rss_max = rss_now_mb()
    rss_per_minute: list[float] = []
    with tqdm(total=round(duration_s), desc="live", unit="s", disable=not progress) as bar:
        while (elapsed := time.monotonic() - started) < duration_s:
            threading.Event().wait(1.0)
            rss = rss_now_mb()
            rss_max = max(rss_max, rss)
            if elapsed >= 60 * (len(rss_per_minute) + 1):
                rss_per_minute.append(round(rss, 1))
            bar.update(round(elapsed) - bar.n)
    elapsed = time.monotonic() - started
    cpu = (sum(os.times()[:2]) - cpu_before) / elapsed
    report = LiveReport(
        cameras=len(pipeline.workers),
        duration_s=round(elapsed, 1),
        detect_fps_per_camera=next(iter(config.cameras.values())).detect.fps,
    )
    for worker in pipeline.workers:
        frames = gates[worker.name].frames - analysed_before[worker.name]
        report.analysed_fps[worker.name] = round(frames / elapsed, 2)
        report.dropped_frames[worker.name] = (
            worker.reader.slot.dropped - dropped_before[worker.name]
        )
        report.camera_fps[worker.name] = worker.reader.status().fps
    report.detector_frame_share = round(
        sum(gate.detector_frames for gate in gates.values())
        / max(sum(gate.frames for gate in gates.values()), 1),
        3,
    )
    latencies = list(subscriber.latencies_s)
    report.alerts_received = len(latencies)
    report.latency_p50_s = percentile(latencies, 50)
    report.latency_p99_s = percentile(latencies, 99)
    report.latency_max_s = round(max(latencies), 4) if latencies else None
    report.rss_mb_after_warmup = round(rss_start, 1)
    report.rss_mb_end = round(rss_now_mb(), 1)
    report.rss_mb_max = round(rss_max, 1)
    report.rss_mb_per_minute = rss_per_minute
    report.cpu_percent = round(100 * cpu, 1)
    pipeline.stop()
    subscriber.stop()
    store.close()
    data.cleanup()
    return report


def as_dict(report: LiveReport) -> dict[str, Any]:
    return asdict(report)

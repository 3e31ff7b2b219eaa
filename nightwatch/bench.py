"""`nightwatch bench`: decode, inference and full-pipeline throughput, latency, memory, recall.

Every figure comes from one run on one machine, so ratios between them are meaningful: the
pipeline's frames per second are compared with the same model's inference-only rate on the
same frames, measured minutes apart at most.
"""

from __future__ import annotations

import json
import os
import queue
import resource
import threading
import time
from collections import deque
from concurrent.futures import Future
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
from tqdm import tqdm

from alerts.mqtt import InboundMessage, MqttListener, MqttPublisher
from alerts.payloads import alert_payload
from config.schema import CameraConfig, MqttConfig
from detectors.inference import InferenceWorker
from detectors.observation import Detections
from detectors.perception import PendingFrame, finish_oldest_now, tile_grid
from detectors.tiling import TileGrid
from detectors.yolo import DetectSettings, YoloDetector
from ingest.frame import Frame, Image
from ingest.images import read_image
from ingest.source import SourceSettings, VideoSource
from nightwatch.camera_analysis import CameraAnalysis
from nightwatch.mot_eval import Score, load_frames, score_frame


@dataclass(slots=True)
class BenchReport:
    source: str
    model: str
    frames: int
    decode_fps: float = 0.0
    inference_only_fps: float = 0.0
    inference_lanes: int = 1  # pictures the model runs at once (OpenVINO throughput mode)
    inference_one_at_a_time_fps: float | None = None  # latency mode, as Ultralytics runs it
    pipeline_fps: float = 0.0
    pipeline_to_inference_ratio: float = 0.0
    # Only the frames that reached the detector (the motion gate keeps still ones from it):
    # how fast the pipeline fed the model, against the model's own rate.
    pipeline_detector_fps: float = 0.0
    detector_frames_to_inference_ratio: float = 0.0
    passes: int = 1  # inference-only and the pipeline ran in turn this often; rates are medians
    ratio_per_pass: list[float] = field(default_factory=list)
    pipeline_predecoded_fps: float = 0.0  # the same pipeline fed pre-decoded frames
    detector_frame_share: float = 0.0
    stage_ms: dict[str, float] = field(default_factory=dict)
    alerts_received: int = 0
    latency_p50_s: float | None = None
    latency_p99_s: float | None = None
    cpu_percent: float = 0.0
    peak_rss_mb: float = 0.0  # the whole run, the pre-decoded frames of the inference bound too
    pipeline_rss_mb: float = 0.0  # largest resident size while the pipeline ran
    precision: float | None = None
    recall: float | None = None
    ground_truth_ms_per_frame: float | None = None
    settings: dict[str, Any] = field(default_factory=dict)


def decode_all(source: str, limit: int | None, progress: bool) -> tuple[list[Image], float]:
    """Every picture of the file as BGR, and the decode rate (pictures per second)."""
    images: list[Image] = []
    video = VideoSource(SourceSettings(source, realtime=False))
    started = time.perf_counter()
    for picture in tqdm(video.pictures(), desc="decode", disable=not progress, unit="frame"):
        images.append(picture.to_image())
        if limit is not None and len(images) >= limit:
            break
    elapsed = time.perf_counter() - started
    video.close()
    return images, len(images) / elapsed


def inference_only(
    worker: InferenceWorker, images: list[Image], settings: DetectSettings, progress: bool
) -> float:
    """The model alone on pre-decoded frames, one picture in flight per lane: the bound the
    pipeline is measured against."""
    worker.detect("bench", images[0], settings)  # warm-up outside the timing
    in_flight: deque[Future[Detections]] = deque()
    started = time.perf_counter()
    for image in tqdm(images, desc="inference", disable=not progress, unit="frame"):
        if len(in_flight) >= worker.frames_in_flight:
            in_flight.popleft().result()
        in_flight.append(worker.submit("bench", image, settings))
    for answer in in_flight:
        answer.result()
    return len(images) / (time.perf_counter() - started)


def one_at_a_time(
    model: str, images: list[Image], settings: DetectSettings, progress: bool
) -> float:
    """The same model one picture at a time on all cores: what throughput mode is measured
    against."""
    worker = InferenceWorker(YoloDetector(model, requests=1))
    worker.start()
    try:
        return inference_only(worker, images, settings, progress)
    finally:
        worker.stop()


class AlertLatencySubscriber:
    """Receives alerts through the real broker and measures capture-to-receive latency."""

    def __init__(self, mqtt: MqttConfig, topic: str) -> None:
        self.latencies_s: list[float] = []
        self._listener = MqttListener(mqtt, topic, self._on_message)

    def _on_message(self, message: InboundMessage) -> None:
        payload = json.loads(message.payload)
        frame_time = datetime.fromisoformat(payload["frame_time"])
        self.latencies_s.append((datetime.now(UTC) - frame_time).total_seconds())

    def stop(self) -> None:
        self._listener.stop()


@dataclass(slots=True)
class _PipelineRun:
    frames: int
    fps: float
    rss_mb: float
    detector_share: float
    stage_ms: dict[str, float]
    latencies_s: list[float]


def run_pipeline(
    source: str,
    camera: CameraConfig,
    worker: InferenceWorker,
    mqtt: MqttConfig,
    limit: int | None,
    progress: bool,
    decoded: list[Image] | None = None,
) -> _PipelineRun:
    """The real stages, unthrottled: decode thread → analyser → MQTT through the broker.

    Frames are handed over through a short blocking queue (rather than the live pipeline's
    latest-frame slot) so every frame is analysed and the rate is the pipeline's own. As in
    the live pipeline, later frames are detected while this one is tracked. Given `decoded`
    pictures, those are fed instead of decoding: the pipeline's cost without the decoder's.
    """
    publisher = MqttPublisher(mqtt)
    subscriber = AlertLatencySubscriber(mqtt, f"{mqtt.topic_prefix}/alerts/#")
    publisher.start()
    publisher.wait_connected(10)

    def detect(
        image: Image, settings: DetectSettings, floor: float | None, grid: TileGrid | None
    ) -> Future[Detections]:
        return worker.submit("bench", image, settings, floor, grid)

    analysis = CameraAnalysis("bench", camera, "UTC", detect)
    frames: queue.Queue[Frame | None] = queue.Queue(maxsize=4)
    decode_s = [0.0]
    feed = (
        partial(_decode_into, source, limit, frames, decode_s)
        if decoded is None
        else partial(_feed_decoded, decoded, frames)
    )
    threading.Thread(target=feed, daemon=True).start()
    count, publish_s, rss_mb = 0, 0.0, rss_now_mb()
    bar = tqdm(desc="pipeline", disable=not progress, unit="frame", total=limit)
    pending: deque[PendingFrame] = deque()
    started = time.perf_counter()
    ended = False
    while not ended or pending:
        frame = None if ended else frames.get()
        if frame is None:
            ended = True
        else:
            pending.append(analysis.begin(frame))
        while pending and (ended or finish_oldest_now(pending, worker.frames_in_flight)):
            finished = analysis.finish(pending.popleft())
            before_publish = time.perf_counter()
            for event in finished.events:
                payload = alert_payload(event, "bench")
                publisher.publish(
                    publisher.topics.alert(event.key.camera, event.key.rule), payload.to_json()
                )
            publish_s += time.perf_counter() - before_publish
            count += 1
            if count % 30 == 0:
                rss_mb = max(rss_mb, rss_now_mb())
            bar.update()
    elapsed = time.perf_counter() - started
    bar.close()
    time.sleep(1.0)  # let the last messages arrive
    publisher.stop()
    subscriber.stop()
    seconds = {**analysis.seconds, "publish": publish_s, "decode": decode_s[0]}
    return _PipelineRun(
        frames=count,
        fps=count / elapsed,
        rss_mb=rss_mb,
        detector_share=analysis.perception.gate.detector_share,
        stage_ms={
            stage: round(1000 * total / max(count, 1), 2) for stage, total in seconds.items()
        },
        latencies_s=subscriber.latencies_s,
    )


def _decode_into(
    source: str, limit: int | None, frames: queue.Queue[Frame | None], decode_s: list[float]
) -> None:
    video = VideoSource(SourceSettings(source, realtime=False))
    clock = time.perf_counter()
    for seq, picture in enumerate(video.pictures()):
        if limit is not None and seq >= limit:
            break
        image = picture.to_image()
        now = time.perf_counter()
        decode_s[0] += now - clock
        captured = datetime.now(UTC)
        frames.put(Frame("bench", seq, captured, time.monotonic(), image, picture.offset_s))
        clock = time.perf_counter()
    video.close()
    frames.put(None)


def _feed_decoded(images: list[Image], frames: queue.Queue[Frame | None]) -> None:
    for seq, image in enumerate(images):
        frames.put(Frame("bench", seq, datetime.now(UTC), time.monotonic(), image, seq / 30))
    frames.put(None)


def ground_truth_score(
    worker: InferenceWorker, root: Path, camera: CameraConfig, progress: bool
) -> tuple[Score, float]:
    """Person precision/recall on MOT-format ground truth, with the camera's detect settings,
    and the detector's time per frame through the shared worker (tiles spread over lanes)."""
    detect = camera.detect
    settings = DetectSettings(("person",), detect.confidence, detect.imgsz)
    grid = tile_grid(detect)
    score, elapsed, frames = Score(), 0.0, list(load_frames(root))
    for truth in tqdm(frames, desc="ground truth", disable=not progress, unit="frame"):
        image = read_image(truth.image_path)
        started = time.perf_counter()
        found = worker.submit("bench", image, settings, None, grid).result()
        elapsed += time.perf_counter() - started
        score_frame(found.xyxy, found.score, truth, score)
    return score, 1000 * elapsed / max(len(frames), 1)


def resource_figures(started_cpu: float, started_wall: float) -> tuple[float, float]:
    """CPU use (percent of one core, over the run) and peak resident memory (MiB)."""
    times = os.times()
    cpu = (times.user + times.system - started_cpu) / max(time.perf_counter() - started_wall, 1e-6)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return round(100 * cpu, 1), round(peak_mb, 1)


def rss_now_mb() -> float:
    """Resident memory of this process now, MiB."""
    with open("/proc/self/statm", encoding="ascii") as statm:
        pages = int(statm.read().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


def percentile(values: list[float], q: float) -> float | None:
    return round(float(np.percentile(values, q)), 4) if values else None


def report_json(report: BenchReport) -> str:
    return json.dumps(asdict(report), indent=2)


def bench(
    source: str,
    detector: YoloDetector,
    model: str,
    camera: CameraConfig,
    mqtt: MqttConfig,
    ground_truth: Path | None,
    limit: int | None,
    progress: bool,
    passes: int = 1,
) -> BenchReport:
    """Run every measurement in turn and gather the report.

    Inference-only and the pipeline take turns `passes` times, so a slow spell of the machine
    (a shared host's neighbours) falls on both; the report gives the median of each. The last
    pipeline pass runs after the pre-decoded frames are freed and gives memory and latency.
    """
    cpu_start, wall_start = sum(os.times()[:2]), time.perf_counter()
    images, decode_fps = decode_all(source, limit, progress)
    detect = camera.detect
    settings = DetectSettings(detect.labels, detect.confidence, detect.imgsz)
    worker = InferenceWorker(detector, detector.lanes())
    worker.start()
    try:
        inference_rates, pipeline_rates, detector_rates = [], [], []
        for _ in range(passes - 1):
            inference_rates.append(inference_only(worker, images, settings, progress))
            earlier = run_pipeline(source, camera, worker, mqtt, limit, progress)
            pipeline_rates.append(earlier.fps)
            detector_rates.append(earlier.fps * earlier.detector_share)
        inference_rates.append(inference_only(worker, images, settings, progress))
        one_at_a_time_fps = (
            one_at_a_time(model, images, settings, progress) if len(worker.lanes) > 1 else None
        )
        predecoded = run_pipeline(source, camera, worker, mqtt, limit, progress, images)
        del images
        run = run_pipeline(source, camera, worker, mqtt, limit, progress)
        pipeline_rates.append(run.fps)
        detector_rates.append(run.fps * run.detector_share)
        score, ms_per_frame = (
            ground_truth_score(worker, ground_truth, camera, progress)
            if ground_truth is not None
            else (None, None)
        )
    finally:
        worker.stop()
    inference_fps = float(np.median(inference_rates))
    pipeline_fps = float(np.median(pipeline_rates))
    detector_fps = float(np.median(detector_rates))
    report = BenchReport(
        source=source,
        model=model,
        frames=run.frames,
        decode_fps=round(decode_fps, 1),
        inference_only_fps=round(inference_fps, 2),
        pipeline_fps=round(pipeline_fps, 2),
        pipeline_to_inference_ratio=round(pipeline_fps / inference_fps, 3),
        pipeline_detector_fps=round(detector_fps, 2),
        detector_frames_to_inference_ratio=round(detector_fps / inference_fps, 3),
        passes=passes,
        ratio_per_pass=[
            round(piped / inferred, 3)
            for piped, inferred in zip(pipeline_rates, inference_rates, strict=True)
        ],
        pipeline_predecoded_fps=round(predecoded.fps, 2),
        detector_frame_share=round(run.detector_share, 3),
        stage_ms=run.stage_ms,
        pipeline_rss_mb=round(run.rss_mb, 1),
        alerts_received=len(run.latencies_s),
        latency_p50_s=percentile(run.latencies_s, 50),
        latency_p99_s=percentile(run.latencies_s, 99),
        inference_lanes=len(worker.lanes),
        inference_one_at_a_time_fps=(
            round(one_at_a_time_fps, 2) if one_at_a_time_fps is not None else None
        ),
        settings=detect.model_dump(mode="json"),
    )
    if score is not None and ms_per_frame is not None:
        report.precision = round(score.precision, 3)
        report.recall = round(score.recall, 3)
        report.ground_truth_ms_per_frame = round(ms_per_frame, 1)
    report.cpu_percent, report.peak_rss_mb = resource_figures(cpu_start, wall_start)
    return report


def bench_camera(source: str) -> CameraConfig:
    """The camera the benchmark uses without --config: whole-frame intrusion on persons.

    Updates are not rate-limited, so every change of the objects in view is a message whose
    capture-to-receive latency is measured.
    """
    return CameraConfig.model_validate(
        {
            "source": source,
            "zones": {"frame": {"polygon": [[0, 0], [1, 0], [1, 1], [0, 1]]}},
            "rules": [
                {
                    "type": "intrusion",
                    "zone": "frame",
                    "update_interval_s": 0,
                    "clear_s": 1,
                    "cooldown_s": 0,
                }
            ],
        }
    )


def human_report(report: BenchReport) -> str:
    lines = [f"{key:>28}: {value}" for key, value in asdict(report).items()]
    return "\n".join(lines)

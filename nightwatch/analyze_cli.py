"""`nightwatch analyze`: run the configured rules over a video file as fast as it decodes.

No MQTT and no reader thread: pictures are decoded, sampled at each camera's detect rate and
analysed on the calling thread, so every sampled picture is judged (nothing is dropped) and
two runs over the same file give the same alerts. Frame times are a fixed start time plus
the picture's offset in the file, so schedules and licensed hours can be replayed too.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, TextIO

from tqdm import tqdm

from alerts.payloads import AlertPayload, alert_payload
from alerts.rules.line_crossing import LineCrossingRule
from config.errors import ConfigError
from config.loader import LoadedConfig, load_config
from config.schema import CameraConfig
from detectors.observation import Detections, Observation
from detectors.perception import direct_detection
from detectors.pose import PoseSource
from detectors.yolo import YoloDetector
from ingest.camera import sample
from ingest.frame import Frame
from ingest.source import Picture, SourceError, SourceSettings, VideoSource
from nightwatch.camera_analysis import CameraAnalysis

# Frame times when no start is given: fixed, so the output of two runs is comparable.
DEFAULT_START = datetime(2000, 1, 1, tzinfo=UTC)

AlertSink = Callable[[AlertPayload], None]


@dataclass(slots=True)
class CameraSummary:
    """What one camera's rules made of the video."""

    camera: str
    frames: int = 0
    alerts: int = 0
    # Line-crossing rules: crossings per direction ("a_to_b", "b_to_a"), by rule name.
    crossings: dict[str, dict[str, int]] = field(default_factory=dict)
    last_offset_s: float | None = None  # the last analysed picture, seconds into the file
    # Alerts still open when the file ended: their `end` comes from the end of the file.
    open_at_end: list[str] = field(default_factory=list)


def cameras_to_run(loaded: LoadedConfig, only: str | None) -> dict[str, CameraConfig]:
    """The cameras to analyse: the one named, or every enabled camera of the configuration."""
    cameras = loaded.config.cameras
    if only is None:
        return {name: camera for name, camera in cameras.items() if camera.enabled}
    if only not in cameras:
        known = ", ".join(cameras)
        raise ConfigError(
            [
                loaded.issue(
                    ("cameras",),
                    f"no camera named {only!r} (known: {known})",
                    fix="pass one of the known names to --camera",
                )
            ]
        )
    return {only: cameras[only]}


def analyze_video(
    loaded: LoadedConfig,
    video: str,
    detector: YoloDetector,
    on_alert: AlertSink,
    *,
    camera: str | None = None,
    start: datetime = DEFAULT_START,
    progress: bool = True,
    pose: PoseSource | None = None,
    progress_label: str | None = None,
) -> list[CameraSummary]:
    """Run each selected camera's rules over `video` (its source replaced by the file).

    `pose`: the pose model person-down rules read, if the configuration names one;
    `progress_label` names the progress bar (default: the camera's name)."""
    start = start.astimezone(UTC)  # published times are UTC, whatever offset was given
    summaries = []
    for name, configured in cameras_to_run(loaded, camera).items():
        on_file = configured.model_copy(update={"source": video})
        analysis = CameraAnalysis(
            name, on_file, loaded.config.site.timezone, direct_detection(detector), pose
        )
        bar = (progress_label or name) if progress else None
        summaries.append(_analyze_camera(analysis, on_file, loaded, on_alert, start, bar))
    return summaries


def _analyze_camera(
    analysis: CameraAnalysis,
    camera: CameraConfig,
    loaded: LoadedConfig,
    on_alert: AlertSink,
    start: datetime,
    progress: str | None,
) -> CameraSummary:
    site = loaded.config.site
    name = analysis.name
    summary = CameraSummary(name)
    last: Frame | None = None
    for frame in _frames(name, camera, start, progress):
        for event in analysis.analyse(frame).events:
            on_alert(alert_payload(event, site.name, frame.video_offset_s))
            summary.alerts += 1
        summary.frames += 1
        last = frame
    if last is not None:
        summary.last_offset_s = last.video_offset_s
        ending = Observation(Detections.empty(), last.width, last.height, last.captured_at)
        for event in analysis.close(ending):
            on_alert(alert_payload(event, site.name, last.video_offset_s))
            summary.alerts += 1
            summary.open_at_end.append(event.id)
    summary.crossings = {
        runner.lifecycle.key.rule: dict(runner.rule.counts)
        for runner in analysis.rules.runners
        if isinstance(runner.rule, LineCrossingRule)
    }
    return summary


def _frames(
    name: str, camera: CameraConfig, start: datetime, progress: str | None
) -> Iterator[Frame]:
    """The file's pictures at the camera's detect rate, timed from `start`; a progress bar
    named `progress` unless it is None."""
    source = VideoSource(SourceSettings(camera.detect_url, realtime=False))
    total = source.stream.frames or None
    try:
        pictures: Iterator[Picture] = iter(
            tqdm(
                source.pictures(),
                total=total,
                desc=progress,
                unit="frame",
                disable=progress is None,
                file=sys.stderr,
            )
        )
        for seq, picture in enumerate(sample(pictures, camera.detect.fps), start=1):
            captured_at = start + timedelta(seconds=picture.offset_s)
            offset_s = round(picture.offset_s, 3)
            yield Frame(name, seq, captured_at, picture.offset_s, picture.to_image(), offset_s)
    finally:
        source.close()


def write_jsonl(stream: TextIO) -> AlertSink:
    """An alert sink that writes one JSON object per line and flushes it."""

    def write(payload: AlertPayload) -> None:
        stream.write(payload.to_json() + "\n")
        stream.flush()

    return write


def add_analyze_command(commands: argparse._SubParsersAction[Any]) -> None:
    """Add `analyze` to the `nightwatch` command's subparsers."""
    analyze = commands.add_parser("analyze", help="run the rules over a video file, fast")
    analyze.add_argument("--config", required=True, help="YAML configuration file")
    analyze.add_argument("video", help="video file; it replaces the cameras' sources")
    analyze.add_argument("--out", help="write alerts here (JSON lines) instead of stdout")
    analyze.add_argument("--camera", help="only this camera of the configuration")
    analyze.add_argument("--start", help="ISO time of the first frame (default 2000-01-01Z)")
    analyze.add_argument("--no-progress", action="store_true", help="no progress bar")
    analyze.set_defaults(handler=run_command)


def run_command(args: argparse.Namespace) -> int:
    """`nightwatch analyze`: alerts to stdout or --out, a summary to stderr."""
    from nightwatch.startup import load_detector, load_pose_model

    if not os.path.isfile(args.video):
        print(f"no video file at {args.video}", file=sys.stderr)
        return 1
    try:
        start = _aware_time(args.start) if args.start else DEFAULT_START
    except ValueError:
        print(f"--start {args.start!r} is not an ISO 8601 time", file=sys.stderr)
        return 1
    # Example configurations read their source from NIGHTWATCH_SOURCE; the video stands in.
    environ = {"NIGHTWATCH_SOURCE": args.video, **os.environ}
    loaded = load_config(args.config, environ)
    cameras_to_run(loaded, args.camera)  # a bad --camera fails before the model loads
    detector = load_detector(loaded)
    pose = load_pose_model(loaded)
    with contextlib.ExitStack() as stack:
        out: TextIO = (
            stack.enter_context(open(args.out, "w", encoding="utf-8")) if args.out else sys.stdout
        )
        try:
            summaries = analyze_video(
                loaded,
                args.video,
                detector,
                write_jsonl(out),
                camera=args.camera,
                start=start,
                progress=not args.no_progress,
                pose=pose,
            )
        except SourceError as error:
            print(f"cannot analyse {args.video}: {error}", file=sys.stderr)
            return 1
    for summary in summaries:
        crossings = "".join(
            f", {rule}: {counts['a_to_b']} a_to_b / {counts['b_to_a']} b_to_a"
            for rule, counts in summary.crossings.items()
        )
        print(
            f"{summary.camera}: {summary.frames} frames analysed, "
            f"{summary.alerts} alert messages{crossings}",
            file=sys.stderr,
        )
    return 0


def _aware_time(text: str) -> datetime:
    """An ISO 8601 time; one without an offset is taken as UTC."""
    moment = datetime.fromisoformat(text)
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)

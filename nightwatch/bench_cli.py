"""`nightwatch bench` and `nightwatch bench-live`: the commands around nightwatch/bench*.py."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

from config.errors import EXIT_CONFIG
from config.loader import load_config


def add_bench_commands(commands: argparse._SubParsersAction[Any]) -> None:
    """Add `bench` and `bench-live` to the `nightwatch` command's subparsers."""
    bench = commands.add_parser("bench", help="measure throughput, latency, memory and recall")
    bench.add_argument("--source", required=True, help="video file to run on")
    bench.add_argument("--model", required=True, help="weights (file or OpenVINO folder)")
    bench.add_argument("--ground-truth", help="MOT17-format folder for precision/recall")
    bench.add_argument("--config", help="take detect settings and MQTT from this file")
    bench.add_argument("--camera", help="camera of --config to take settings from")
    bench.add_argument("--frames", type=int, help="stop after this many frames")
    bench.add_argument(
        "--passes",
        type=_at_least_one,
        default=3,
        help="times inference-only and the pipeline each run, in turn (figures: medians)",
    )
    bench.add_argument(
        "--mqtt-url", default="mqtt://127.0.0.1:1883", help="broker without --config"
    )
    bench.add_argument("--json", action="store_true", help="print the report as JSON")
    bench.set_defaults(handler=_bench)

    live = commands.add_parser("bench-live", help="sustained run on live cameras")
    cameras = live.add_mutually_exclusive_group(required=True)
    cameras.add_argument("--config", help="run the cameras of this configuration file")
    cameras.add_argument("--rtsp", nargs="+", help="or these camera URLs, one per camera")
    live.add_argument("--model", help="weights (file or OpenVINO folder); default: the config's")
    live.add_argument("--duration", type=float, default=120.0, help="measured seconds")
    live.add_argument("--warmup", type=float, default=15.0, help="seconds before measuring")
    live.add_argument("--detect-fps", type=float, default=5.0, help="with --rtsp: detections/s")
    live.add_argument("--mqtt-url", default="mqtt://127.0.0.1:1883", help="with --rtsp: broker")
    live.add_argument(
        "--requests", type=int, help="pictures the model runs at once (model.requests)"
    )
    live.add_argument("--json", action="store_true", help="print the report as JSON")
    live.set_defaults(handler=_bench_live)


def _at_least_one(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number of 1 or more")
    return value


def _bench(args: argparse.Namespace) -> int:
    from config.schema import MqttConfig
    from detectors.weights import ModelError
    from detectors.yolo import YoloDetector
    from nightwatch.bench import bench, bench_camera, human_report, report_json

    camera = bench_camera(args.source)
    mqtt = MqttConfig(
        url=args.mqtt_url,
        client_id=f"nightwatch-bench-{os.getpid()}",
        topic_prefix=f"nightwatch-bench-{os.getpid()}",
    )
    if args.config:
        loaded = load_config(args.config)
        name = args.camera or next(iter(loaded.config.cameras))
        camera = loaded.config.cameras[name].model_copy(update={"source": args.source})
        mqtt = loaded.config.mqtt
    try:
        detector = YoloDetector(args.model)
    except ModelError as error:
        print(f"model error: {error}", file=sys.stderr)
        return EXIT_CONFIG
    ground_truth = Path(args.ground_truth) if args.ground_truth else None
    report = bench(
        args.source,
        detector,
        args.model,
        camera,
        mqtt,
        ground_truth,
        args.frames,
        progress=sys.stderr.isatty() or not args.json,
        passes=args.passes,
    )
    print(report_json(report) if args.json else human_report(report))
    return 0


def _bench_live(args: argparse.Namespace) -> int:
    from detectors.weights import ModelError
    from detectors.yolo import YoloDetector
    from nightwatch.bench_live import as_dict, bench_live, live_config

    if args.config:
        config = load_config(args.config).config
        model = args.model or config.model.path
    elif args.model:
        config = live_config(args.rtsp, args.model, args.detect_fps, args.mqtt_url)
        model = args.model
    else:
        print("bench-live --rtsp needs --model", file=sys.stderr)
        return EXIT_CONFIG
    try:
        requests = args.requests or config.model.requests
        detector = YoloDetector(model, config.model.device, requests)
    except ModelError as error:
        print(f"model error: {error}", file=sys.stderr)
        return EXIT_CONFIG
    report = bench_live(config, detector, args.duration, args.warmup, progress=not args.json)
    figures = as_dict(report)
    if args.json:
        print(json.dumps(figures, indent=2))
    else:
        print("\n".join(f"{key:>24}: {value}" for key, value in figures.items()))
    return 0

"""The `nightwatch` command: run, demo, analyze, bench, audit, validate-config."""

from __future__ import annotations

import argparse
import json
import logging
import os
import signal
import sys
import threading
from collections.abc import Sequence
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING

from config.errors import ConfigError
from config.loader import LoadedConfig, load_config
from nightwatch.audit_cli import add_audit_commands
from nightwatch.users_cli import add_users_commands

if TYPE_CHECKING:
    from alerts.payloads import AlertPayload
    from console.server import ConsoleServer
    from nightwatch.pipeline import Pipeline

EXIT_CONFIG = 2
log = logging.getLogger("nightwatch")


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=getattr(logging, args.log_level.upper()),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    try:
        code: int = args.handler(args)
    except ConfigError as error:
        print(f"configuration error:\n{error}", file=sys.stderr)
        return EXIT_CONFIG
    return code


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="nightwatch", description=__doc__)
    parser.add_argument(
        "--log-level", default="info", choices=["debug", "info", "warning", "error"]
    )
    commands = parser.add_subparsers(required=True, metavar="COMMAND")

    run = commands.add_parser("run", help="run the pipeline until SIGINT/SIGTERM")
    run.add_argument("--config", required=True, help="YAML configuration file")
    _add_http_option(run)
    run.set_defaults(handler=_run)

    demo = commands.add_parser("demo", help="run the quickstart on sample footage")
    demo.add_argument("video", nargs="?", help="video file (default: shared people.mp4)")
    demo.add_argument("--duration", type=float, default=None, help="stop after this many seconds")
    _add_http_option(demo)
    demo.set_defaults(handler=_demo)

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

    live = commands.add_parser("bench-live", help="sustained run on live RTSP cameras")
    live.add_argument("--rtsp", nargs="+", required=True, help="camera URLs, one per camera")
    live.add_argument("--model", required=True, help="weights (file or OpenVINO folder)")
    live.add_argument("--duration", type=float, default=120.0, help="measured seconds")
    live.add_argument("--warmup", type=float, default=15.0, help="seconds before measuring")
    live.add_argument("--detect-fps", type=float, default=5.0, help="detections/s per camera")
    live.add_argument("--mqtt-url", default="mqtt://127.0.0.1:1883", help="broker")
    live.add_argument(
        "--requests", type=int, help="pictures the model runs at once (model.requests)"
    )
    live.add_argument("--json", action="store_true", help="print the report as JSON")
    live.set_defaults(handler=_bench_live)

    analyze = commands.add_parser("analyze", help="run the rules over a video file, fast")
    analyze.add_argument("--config", required=True, help="YAML configuration file")
    analyze.add_argument("video", help="video file; it replaces the cameras' sources")
    analyze.add_argument("--out", help="write alerts here (JSON lines) instead of stdout")
    analyze.add_argument("--camera", help="only this camera of the configuration")
    analyze.add_argument("--start", help="ISO time of the first frame (default 2000-01-01Z)")
    analyze.add_argument("--no-progress", action="store_true", help="no progress bar")
    analyze.set_defaults(handler=_analyze)

    add_audit_commands(commands)
    add_users_commands(commands)

    validate = commands.add_parser("validate-config", help="check a configuration file")
    validate.add_argument("file")
    validate.set_defaults(handler=_validate)
    return parser


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
    from detectors.yolo import ModelError, YoloDetector
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
    from detectors.yolo import ModelError, YoloDetector
    from nightwatch.bench_live import as_dict, bench_live, live_config

    config = live_config(args.rtsp, args.model, args.detect_fps, args.mqtt_url)
    try:
        detector = YoloDetector(args.model, requests=args.requests)
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


def _analyze(args: argparse.Namespace) -> int:
    from nightwatch.analyze_cli import run_command

    return run_command(args)


def _validate(args: argparse.Namespace) -> int:
    loaded = load_config(args.file)
    cameras = ", ".join(loaded.config.cameras)
    print(f"{args.file}: valid ({len(loaded.config.cameras)} camera(s): {cameras})")
    return 0


def _add_http_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--http",
        default="127.0.0.1:8000",
        metavar="HOST:PORT",
        help="serve the console here (default 127.0.0.1:8000; 'off' serves none)",
    )


def _run(args: argparse.Namespace) -> int:
    return run_until_signal(load_config(args.config), duration_s=None, http=args.http)


def run_until_signal(
    loaded: LoadedConfig,
    duration_s: float | None,
    print_alerts: bool = False,
    http: str | None = None,
) -> int:
    """Start the pipeline, stop it cleanly on SIGINT/SIGTERM (or after duration_s)."""
    from nightwatch.pipeline import Pipeline
    from nightwatch.startup import (
        build_delivery,
        check_dispatch,
        load_detector,
        open_store_or_explain,
    )

    check_dispatch(loaded)
    store = open_store_or_explain(loaded)
    detector = load_detector(loaded)
    listeners = (_print_alert,) if print_alerts else ()
    publisher, outbox, dispatcher = build_delivery(loaded.config, store)
    pipeline = Pipeline(
        loaded.config, detector, publisher, store, listeners, outbox=outbox, dispatcher=dispatcher
    )
    stop = threading.Event()

    def on_signal(signum: int, _frame: FrameType | None) -> None:
        log.info("received %s; shutting down", signal.Signals(signum).name)
        stop.set()

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    pipeline.start()
    console = _serve_console(pipeline, loaded, http)
    if console is not None and print_alerts:
        print(f"console: {console.url}/", flush=True)
    log.info("running %d camera(s); Ctrl-C stops", len(pipeline.workers))
    stop.wait(duration_s)
    if console is not None:
        console.stop()
    pipeline.stop()
    store.close()
    log.info(
        "stopped after %d frames analysed, %d alert messages",
        pipeline.stats.frames_analysed,
        pipeline.stats.alerts_published,
    )
    return 0


def _serve_console(
    pipeline: Pipeline, loaded: LoadedConfig, http: str | None
) -> ConsoleServer | None:
    """Serve the console; without it the alerts still flow, so failing to listen is logged."""
    if http is None or http == "off":
        return None
    from nightwatch.console_wiring import serve_console

    try:
        return serve_console(pipeline, pipeline.store, loaded.config, http)
    except (OSError, ValueError) as error:
        log.error("console not served: %s", error)
        return None


def _print_alert(payload: AlertPayload) -> None:
    names = ", ".join(f"{item.label}#{item.track_id}" for item in payload.objects)
    print(
        f"ALERT {payload.type:<6} {payload.frame_time:%H:%M:%S} {payload.camera}/{payload.rule} "
        f"zone={payload.zone} severity={payload.severity} id={payload.id[:8]} [{names}]",
        flush=True,
    )


def _demo(args: argparse.Namespace) -> int:
    from nightwatch.broker import InProcessBroker, free_port, reachable
    from nightwatch.paths import EXAMPLES, sample_footage, sample_model

    video = args.video or str(sample_footage())
    if not os.path.isfile(video):
        print(f"no sample video at {video}; pass one: nightwatch demo PATH.mp4", file=sys.stderr)
        return EXIT_CONFIG
    environ = dict(os.environ)
    environ.setdefault("NIGHTWATCH_SOURCE", video)
    if sample_model().is_dir():
        environ.setdefault("NIGHTWATCH_MODEL", str(sample_model()))
    broker: InProcessBroker | None = None
    url = environ.get("NIGHTWATCH_MQTT_URL", "mqtt://127.0.0.1:1883")
    host, _, port = url.split("://", 1)[-1].partition(":")
    if not reachable(host, int(port or 1883)):
        broker = InProcessBroker(free_port())
        broker.start()
        environ["NIGHTWATCH_MQTT_URL"] = f"mqtt://127.0.0.1:{broker.port}"
        environ["NIGHTWATCH_MQTT_PROTOCOL"] = "3.1.1"  # amqtt speaks 3.1.1 only
        print(f"no broker at {url}; started an in-process broker on 127.0.0.1:{broker.port}")
    from config.loader import parse_config

    path = EXAMPLES / "quickstart.yaml"
    loaded = parse_config(path.read_text(encoding="utf-8"), str(path), environ)
    print(
        f"demo: {video} → alerts on {loaded.config.mqtt.url} "
        f"(topic {loaded.config.mqtt.topic_prefix}/alerts/#); Ctrl-C stops"
    )
    if args.http != "off":
        from nightwatch.console_wiring import demo_sign_in

        print(demo_sign_in(loaded.config.storage))
    try:
        return run_until_signal(loaded, args.duration, print_alerts=True, http=args.http)
    finally:
        if broker is not None:
            broker.stop()


if __name__ == "__main__":
    sys.exit(main())

"""The `nightwatch` command: run, demo, analyze, evaluate, report, bench, audit, users,
validate-config."""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import threading
from collections.abc import Sequence
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING

from config.errors import EXIT_CONFIG, ConfigError
from config.loader import LoadedConfig, load_config
from nightwatch.analyze_cli import add_analyze_command
from nightwatch.audit_cli import add_audit_commands
from nightwatch.bench_cli import add_bench_commands
from nightwatch.cluster.cli import add_cluster_commands
from nightwatch.evaluate_cli import add_evaluate_command
from nightwatch.report_cli import add_report_command
from nightwatch.users_cli import add_users_commands

if TYPE_CHECKING:
    from alerts.payloads import AlertPayload
    from console.server import ConsoleServer
    from nightwatch.pipeline import Pipeline

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

    add_bench_commands(commands)
    add_analyze_command(commands)
    add_evaluate_command(commands)
    add_report_command(commands)
    add_audit_commands(commands)
    add_users_commands(commands)
    add_cluster_commands(commands)

    validate = commands.add_parser("validate-config", help="check a configuration file")
    validate.add_argument("file")
    validate.set_defaults(handler=_validate)
    return parser


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
        load_pose_model,
        open_store_or_explain,
    )

    check_dispatch(loaded)
    store = open_store_or_explain(loaded)
    detector = load_detector(loaded)
    listeners = (_print_alert,) if print_alerts else ()
    publisher, outbox, dispatcher = build_delivery(loaded.config, store)
    pipeline = Pipeline(
        loaded.config,
        detector,
        publisher,
        store,
        listeners,
        outbox=outbox,
        dispatcher=dispatcher,
        pose=load_pose_model(loaded),
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
        return serve_console(pipeline, pipeline.store, loaded.config, http, Path(loaded.file))
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

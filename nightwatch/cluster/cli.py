"""`nightwatch cluster start | status | stop` (docs/cluster.md)."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from config.errors import EXIT_CONFIG
from config.loader import load_config

EXIT_PROBLEMS = 1


def add_cluster_commands(subparsers: argparse._SubParsersAction[Any]) -> None:
    """Add `cluster` and its subcommands to the `nightwatch` command."""
    cluster = subparsers.add_parser("cluster", help="run the cameras on a Ray cluster")
    commands = cluster.add_subparsers(required=True, metavar="ACTION")
    start = commands.add_parser("start", help="place the site's cameras on the cluster")
    _common(start)
    start.add_argument(
        "--redis",
        help="with --address local:N: keep the cluster's metadata in Redis at HOST:PORT, so "
        "the head can restart (e.g. 127.0.0.1:6379)",
    )
    start.add_argument("--wait", type=float, default=180.0, help="seconds to wait for cameras")
    start.set_defaults(handler=_start)
    status = commands.add_parser("status", help="list nodes and cameras")
    _common(status)
    status.add_argument("--json", action="store_true", help="print the status as JSON")
    status.set_defaults(handler=_status)
    stop = commands.add_parser("stop", help="remove the site's actors (and a local cluster)")
    _common(stop)
    stop.set_defaults(handler=_stop)


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--config", required=True, help="YAML configuration file")
    parser.add_argument(
        "--address",
        help="the cluster's head, HOST:PORT (default RAY_ADDRESS, or the local cluster this "
        "configuration started); local:N starts N nodes on this machine first (start only)",
    )


def _start(args: argparse.Namespace) -> int:
    from nightwatch.cluster import deploy

    loaded = load_config(args.config)
    try:
        address = deploy.resolve_address(loaded, args.address, args.redis, _say)
        deploy.connect(address, loaded.config.cluster.namespace)
        done = deploy.start(loaded, address)
    except deploy.ClusterError as error:
        print(f"cluster: {error}", file=sys.stderr)
        return EXIT_CONFIG
    for problem in done.problems:
        print(f"cluster: {problem}", file=sys.stderr)
    placed = [name for name in done.placed if name.startswith("camera:")]
    cameras = [
        name.removeprefix("camera:") for name in placed + done.unchanged if "camera:" in name
    ]
    states = deploy.wait_placed(cameras, loaded.config.cluster.namespace, args.wait)
    print(f"cluster at {address}: {len(done.placed)} placed, {len(done.unchanged)} unchanged, "
          f"{len(done.removed)} removed")  # fmt: skip
    for camera, state in sorted(states.items()):
        print(f"  {camera}: {state}")
    return EXIT_PROBLEMS if done.problems else 0


def _status(args: argparse.Namespace) -> int:
    from nightwatch.cluster import deploy
    from nightwatch.cluster.status import cluster_status

    loaded = load_config(args.config)
    try:
        address = deploy.resolve_address(loaded, args.address, None, _say)
        deploy.connect(address, loaded.config.cluster.namespace)
    except deploy.ClusterError as error:
        print(f"cluster: {error}", file=sys.stderr)
        return EXIT_CONFIG
    report = cluster_status(loaded.config.cluster.namespace)
    if args.json:
        print(json.dumps(report, indent=2))
        return 0
    for node in report["nodes"]:
        print(f"node {node['id'][:12]} {node['address']} cameras: {', '.join(node['cameras'])}")
    for camera in report["cameras"]:
        where = (camera["node"] or "-")[:12]
        print(f"  {camera['name']}: {camera['state']} on {where} {camera['error'] or ''}")
    return 0


def _stop(args: argparse.Namespace) -> int:
    from nightwatch.cluster import deploy
    from nightwatch.cluster.local import LocalCluster

    loaded = load_config(args.config)
    local = deploy.local_state_file(loaded)
    try:
        address = deploy.resolve_address(loaded, args.address, None, _say)
        deploy.connect(address, loaded.config.cluster.namespace)
        removed = deploy.stop(loaded)
    except deploy.ClusterError as error:
        print(f"cluster: {error}", file=sys.stderr)
        removed = []
    print(f"removed {len(removed)} actors")
    if local.is_file() and args.address is None:
        LocalCluster.load(local).stop()
        local.unlink()
        print("local cluster stopped")
    return 0


def _say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)

"""Cluster benchmark: what running on Ray costs, and how fast the county recovers.

Real-time RTSP cameras (tools/rtsp_server.py), the real model, PostgreSQL, Mosquitto, Redis:

- overhead: the same cameras through `nightwatch bench-live` (one process), then on a local
  2-node cluster (`nightwatch cluster start --address local:2`): analysed fps per camera, and
  the ratio of the two;
- failover: on a local 3-node cluster, every process of the worker that holds cameras is
  killed with -9, KILLS times; the time until its cameras are online on the other worker (the
  killed node is started again between kills, so there is always a spare);
- head restart: the head is killed and started again after HEAD_DOWN seconds; the longest
  silence of each camera's alert updates (every 2 s while people are in view) around it.

    .venv/bin/python tools/bench_cluster.py --cameras 4 --duration 120 --kills 5 --json

Needs PostgreSQL at 127.0.0.1:5432 (a database is made and dropped), Mosquitto at
127.0.0.1:1883 and Redis at 127.0.0.1:6379.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from statistics import median
from typing import Any

import paho.mqtt.client as mqtt
import psycopg
import yaml
from bench_live import footage, free_port, rtsp_server
from paho.mqtt.enums import CallbackAPIVersion

from nightwatch.cluster.local import LocalCluster

HERE = Path(__file__).resolve().parent
POSTGRES = "postgresql://postgres@127.0.0.1:5432"
REDIS = "127.0.0.1:6379"
UPDATE_S = 2  # each camera's open alert sends an update this often


def progress(text: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {text}", file=sys.stderr, flush=True)


@contextmanager
def database() -> Iterator[str]:
    name = f"nightwatch_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(f"{POSTGRES}/postgres", autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"{POSTGRES}/{name}"
    finally:
        with psycopg.connect(f"{POSTGRES}/postgres", autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextmanager
def cameras(count: int, minutes: int, work: Path) -> Iterator[list[str]]:
    """`count` real-time RTSP cameras of the busy street at 640x360; their URLs."""
    stream = footage("busy", True, minutes)
    port = free_port()
    mounts = [f"--mount=/cam{index}={stream}" for index in range(1, count + 1)]
    with rtsp_server(mounts, port, work / "rtsp.log"):
        yield [f"rtsp://127.0.0.1:{port}/cam{index}" for index in range(1, count + 1)]


def site_config(urls: list[str], database_url: str, work: Path, shared: Path) -> dict[str, Any]:
    prefix = f"nightwatch-bench-{os.getpid()}"
    rule = {"type": "intrusion", "zone": "frame", "update_interval_s": UPDATE_S, "clear_s": 5,
            "cooldown_s": 0}  # fmt: skip
    return {
        "mqtt": {"url": "mqtt://127.0.0.1:1883", "client_id": prefix, "topic_prefix": prefix},
        "model": {"path": str(shared / "models" / "yolo11n_int8_openvino_model")},
        "storage": {"database_url": database_url, "data_dir": str(work / "data")},
        "cluster": {"namespace": f"bench-{uuid.uuid4().hex[:8]}", "console": None},
        "cameras": {
            f"cam-{index}": {
                "source": url,
                "detect": {"fps": 5, "labels": ["person"]},
                "zones": {"frame": {"polygon": [[0, 0], [1, 0], [1, 1], [0, 1]]}},
                "rules": [rule],
                "placement": {"detect_size": [640, 360]},
            }
            for index, url in enumerate(urls, start=1)
        },
    }


class Site:
    """The configuration file and the `nightwatch cluster` commands run on it."""

    def __init__(self, path: Path, config: dict[str, Any]) -> None:
        self.path = path
        self.config = config
        path.write_text(yaml.safe_dump(config), encoding="utf-8")

    def cli(self, *args: str, timeout_s: float = 600) -> subprocess.CompletedProcess[str]:
        command = [sys.executable, "-m", "nightwatch.cli", "--log-level", "error", *args]
        return subprocess.run(
            command, capture_output=True, text=True, timeout=timeout_s, check=False
        )

    def cluster(self, *args: str) -> subprocess.CompletedProcess[str]:
        return self.cli("cluster", *args, "--config", str(self.path))

    def status(self) -> dict[str, Any] | None:
        done = self.cluster("status", "--json")
        if done.returncode != 0:
            return None
        try:
            report: dict[str, Any] = json.loads(done.stdout)
        except json.JSONDecodeError:
            return None
        return report

    @property
    def local(self) -> LocalCluster:
        return LocalCluster.load(self.path.parent / "data" / "cluster" / "local.json")

    def save_local(self, cluster: LocalCluster) -> None:
        cluster.save(self.path.parent / "data" / "cluster" / "local.json")

    def online(self) -> dict[str, Any] | None:
        status = self.status()
        names = set(self.config["cameras"])
        if status is None:
            return None
        states = {camera["name"]: camera for camera in status["cameras"]}
        return status if all(states.get(n, {}).get("state") == "online" for n in names) else None


def wait_for(check: Callable[[], Any], timeout_s: float, what: str) -> Any:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if (found := check()) is not None:
            return found
        time.sleep(0.5)
    raise TimeoutError(f"{what}: not within {timeout_s:.0f} s")


class AlertClock:
    """When each camera's alert messages arrived (the broker, as a subscriber sees it)."""

    def __init__(self, prefix: str) -> None:
        self.arrivals: dict[str, list[float]] = {}
        self._lock = threading.Lock()
        self._client = mqtt.Client(CallbackAPIVersion.VERSION2)
        self._client.on_message = self._on_message
        self._client.connect("127.0.0.1", 1883)
        self._client.subscribe(f"{prefix}/alerts/#", qos=1)
        self._client.loop_start()

    def _on_message(self, _client: Any, _userdata: Any, message: Any) -> None:
        camera = message.topic.split("/")[-2]
        with self._lock:
            self.arrivals.setdefault(camera, []).append(time.monotonic())

    def longest_silence(self, start: float, end: float) -> dict[str, float]:
        with self._lock:
            found = {}
            for camera, times in self.arrivals.items():
                inside = [start, *(t for t in times if start <= t <= end), end]
                found[camera] = round(max(b - a for a, b in itertools.pairwise(inside)), 1)
            return found

    def stop(self) -> None:
        self._client.loop_stop()
        self._client.disconnect()


def plain_run(site: Site, duration_s: float, warmup_s: float) -> dict[str, float]:
    progress(f"plain run: {len(site.config['cameras'])} cameras for {duration_s:.0f} s …")
    done = site.cli("bench-live", "--config", str(site.path), "--duration", str(duration_s),
                    "--warmup", str(warmup_s), "--json", timeout_s=duration_s + 600)  # fmt: skip
    if done.returncode != 0:
        raise RuntimeError(f"bench-live failed: {done.stderr[-2000:]}")
    report = json.loads(done.stdout)
    return {name: round(fps, 2) for name, fps in report["analysed_fps"].items()}


def cluster_run(site: Site, duration_s: float, warmup_s: float) -> dict[str, float]:
    progress("cluster run: starting a local 2-node cluster …")
    started = site.cluster("start", "--address", "local:2")
    if started.returncode != 0:
        raise RuntimeError(f"cluster start failed: {started.stderr[-2000:]}")
    try:
        wait_for(site.online, 300, "every camera online")
        time.sleep(warmup_s)
        first = frames_by_camera(site)
        began = time.monotonic()
        progress(f"cluster run: measuring for {duration_s:.0f} s …")
        time.sleep(duration_s)
        last = frames_by_camera(site)
        span = time.monotonic() - began
        return {name: round((last[name] - first[name]) / span, 2) for name in sorted(first)}
    finally:
        site.cluster("stop")


def frames_by_camera(site: Site) -> dict[str, float]:
    status = wait_for(site.online, 60, "the cameras' figures")
    return {camera["name"]: float(camera["frames_analysed"]) for camera in status["cameras"]}


def failovers(site: Site, kills: int) -> list[float]:
    progress("failover: starting a local 3-node cluster …")
    started = site.cluster("start", "--address", "local:3", "--redis", REDIS)
    if started.returncode != 0:
        raise RuntimeError(f"cluster start failed: {started.stderr[-2000:]}")
    times = []
    for kill in range(1, kills + 1):
        status = wait_for(site.online, 300, "every camera online")
        victim = max(status["nodes"], key=lambda node: len(node["cameras"]))
        cluster = site.local
        index = next(node.index for node in cluster.nodes if node.node_id == victim["id"])
        moved = set(victim["cameras"])
        killed_at = time.monotonic()
        cluster.kill_node(index)

        def elsewhere(moved: set[str] = moved, dead: str = victim["id"]) -> dict[str, Any] | None:
            now = site.online()
            where = {c["name"]: c["node"] for c in (now or {}).get("cameras", [])}
            return now if now and all(where[name] != dead for name in moved) else None

        wait_for(elsewhere, 300, f"kill {kill}: the cameras on another node")
        times.append(round(time.monotonic() - killed_at, 1))
        progress(f"failover {kill}/{kills}: {len(moved)} cameras back in {times[-1]} s")
        cluster.start_node(index)
        site.save_local(cluster)
    return times


def head_restart(site: Site, clock: AlertClock, down_s: float) -> dict[str, Any]:
    """Kill the head, start it again after `down_s`; how long each camera's alerts paused."""
    wait_for(site.online, 300, "every camera online")
    before = time.monotonic()
    time.sleep(20)
    cluster = site.local
    killed_at = time.monotonic()
    progress(f"head restart: head killed, back in {down_s:.0f} s …")
    cluster.kill_node(0)
    time.sleep(down_s)
    cluster.start_node(0)
    site.save_local(cluster)
    wait_for(site.online, 300, "the cluster back")
    answered_s = time.monotonic() - killed_at
    time.sleep(20)
    end = time.monotonic()
    return {
        "head_down_s": down_s,
        "status_answers_again_after_s": round(answered_s, 1),
        "alert_update_interval_s": UPDATE_S,
        "longest_silence_before_s": clock.longest_silence(before, killed_at),
        "longest_silence_around_restart_s": clock.longest_silence(killed_at, end),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cameras", type=int, default=4)
    parser.add_argument("--duration", type=float, default=120.0, help="measured seconds")
    parser.add_argument("--warmup", type=float, default=20.0)
    parser.add_argument("--kills", type=int, default=5)
    parser.add_argument("--head-down", type=float, default=10.0)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    shared = Path(os.environ.get("NIGHTWATCH_SHARED", HERE.parent.parent / "shared"))
    minutes = int((2 * args.duration + 300 * args.kills + 300) / 60) + 2
    report: dict[str, Any] = {"cameras": args.cameras}
    with (
        tempfile.TemporaryDirectory(prefix="nightwatch-bench-cluster-") as folder,
        database() as url,
        cameras(args.cameras, minutes, Path(folder)) as urls,
    ):
        work = Path(folder)
        site = Site(work / "site.yaml", site_config(urls, url, work, shared))
        plain = plain_run(site, args.duration, args.warmup)
        on_ray = cluster_run(site, args.duration, args.warmup)
        report["analysed_fps_plain"] = plain
        report["analysed_fps_cluster"] = on_ray
        report["cluster_over_plain"] = round(
            sum(on_ray.values()) / max(sum(plain.values()), 1e-9), 3
        )
        clock = AlertClock(site.config["mqtt"]["topic_prefix"])
        try:
            report["failover_s"] = failovers(site, args.kills)
            report["failover_p50_s"] = median(report["failover_s"])
            report["failover_max_s"] = max(report["failover_s"])
            report["head_restart"] = head_restart(site, clock, args.head_down)
        finally:
            clock.stop()
            site.cluster("stop")
    print(json.dumps(report, indent=2) if args.json else report)
    return 0


if __name__ == "__main__":
    sys.exit(main())

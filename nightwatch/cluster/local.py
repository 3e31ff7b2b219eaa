"""A local Ray cluster of N nodes on this machine: separate raylet processes, for trying the
cluster out and for tests. Every node binds 127.0.0.1 only.

What it takes on Ray 2.60 (measured here, see docs/cluster.md):
- Ray replaces a node address of 127.0.0.1 with the host's outward address unless the head
  runs with RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER=0 and workers join "LOCALHOST:<port>" (a
  spelling Ray keeps as it is, which resolves to 127.0.0.1);
- each node needs its own temp dir (short: the plasma socket path must fit 107 bytes), its
  own dashboard-agent port and its own slice of worker ports;
- the head runs with no CPUs for Nightwatch, so cameras and the singletons run on workers and
  carry on while the head restarts; with `redis`, the cluster's metadata (GCS) lives in Redis
  and survives the head.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path

# Every node: no lowered priority for camera processes (Ray renices its workers by 15 by
# default), a head outage of up to two minutes ridden out, a dead node noticed in seconds.
NODE_ENVIRONMENT = {
    "RAY_worker_niceness": "0",
    "RAY_gcs_rpc_server_reconnect_timeout_s": "120",
    "RAY_health_check_period_ms": "1000",
    "RAY_health_check_timeout_ms": "2000",
    "RAY_health_check_failure_threshold": "5",
    "RAY_ENABLE_AUTO_CONNECT": "0",
    "RAY_raylet_start_wait_time_s": "120",  # a busy machine starts a raylet slowly
}
OBJECT_STORE_BYTES = 100 * 2**20  # the least Ray allows is 75 MiB; cameras pass no big objects
START_TIMEOUT_S = 180.0


class LocalClusterError(RuntimeError):
    """A node would not start; the message has Ray's own words."""


@dataclass(slots=True)
class LocalNode:
    index: int
    temp_dir: str
    node_id: str | None = None


@dataclass(slots=True)
class LocalCluster:
    """The nodes started on this machine, saved in `state_file` so later commands find them."""

    port: int
    root: str
    redis: str | None = None
    namespace: str = ""
    nodes: list[LocalNode] = field(default_factory=list)

    @property
    def address(self) -> str:
        """What drivers and workers connect to."""
        return f"LOCALHOST:{self.port}"

    # Starting ------------------------------------------------------------------------------
    @classmethod
    def start(cls, count: int, redis: str | None = None, cpus_per_node: int = 2) -> LocalCluster:
        """A head and `count - 1` workers (`count` >= 2: a head alone runs no cameras)."""
        if count < 2:
            raise LocalClusterError(
                "a local cluster needs at least 2 nodes (the head runs no cameras): local:2 or more"
            )
        tag = secrets.token_hex(4)
        cluster = cls(port=_free_port(), root=f"/tmp/nw-{tag}", redis=redis, namespace=f"nw-{tag}")
        try:
            cluster.start_node(0)
            for index in range(1, count):
                cluster.start_node(index, cpus=cpus_per_node)
        except LocalClusterError:
            cluster.stop()
            raise
        return cluster

    def start_node(
        self, index: int, cpus: int = 2, environment: Mapping[str, str] | None = None
    ) -> LocalNode:
        """Start node `index` (0: the head), or start it again after it was killed; with
        `environment` added to its processes' (a node set up differently from the others)."""
        temp_dir = f"{self.root}/n{index}"
        command = [sys.executable, "-m", "ray.scripts.scripts", "start", *self._flags(index)]
        if index == 0:
            command += ["--head", "--node-ip-address", "127.0.0.1", "--port", str(self.port)]
            command += ["--num-cpus", "0", "--include-dashboard", "false"]
        else:
            command += ["--address", self.address, "--num-cpus", str(cpus)]
        extra = dict(environment or {})
        full = {**os.environ, **NODE_ENVIRONMENT, **self._head_environment(index), **extra}
        done = subprocess.run(
            command,
            env=full,
            capture_output=True,
            text=True,
            timeout=START_TIMEOUT_S,
            check=False,
        )
        if done.returncode != 0:
            raise LocalClusterError(
                f"node {index} did not start: {(done.stderr or done.stdout)[-2000:]}"
            )
        node = LocalNode(index, temp_dir, _node_id(temp_dir))
        self.nodes = [existing for existing in self.nodes if existing.index != index] + [node]
        self.nodes.sort(key=lambda item: item.index)
        return node

    def _flags(self, index: int) -> list[str]:
        return [
            "--temp-dir", f"{self.root}/n{index}",
            "--object-store-memory", str(OBJECT_STORE_BYTES),
            "--labels", f"nightwatch.node=n{index}",
            "--dashboard-agent-listen-port", str(52365 + 7 * (self.port % 97) + index),
            "--min-worker-port", str(20000 + 1000 * index),
            "--max-worker-port", str(20999 + 1000 * index),
            "--disable-usage-stats",
        ]  # fmt: skip

    def _head_environment(self, index: int) -> dict[str, str]:
        if index != 0:
            return {}
        environment = {"RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER": "0"}  # keeps the head on 127.0.0.1
        if self.redis is not None:
            environment["RAY_REDIS_ADDRESS"] = self.redis
            environment["RAY_external_storage_namespace"] = self.namespace
        return environment

    # Processes -----------------------------------------------------------------------------
    def pids(self, index: int) -> list[int]:
        """Every process of node `index`: those naming its temp dir or node id, and all their
        descendants (Ray's agents and workers rename themselves but stay the raylet's
        children). Worked out in full before any is killed: killed raylets orphan them."""
        node = next(node for node in self.nodes if node.index == index)
        return node_pids(node.temp_dir, node.node_id)

    def kill_node(self, index: int) -> list[int]:
        """kill -9 every process of node `index`; returns the PIDs."""
        pids = self.pids(index)
        for pid in pids:
            _kill(pid)
        _wait_gone(pids)
        return pids

    def stop(self) -> None:
        """Kill every process of every node (Ray's own `ray stop` would kill other users'
        Ray processes on this machine too), and forget the cluster's Redis keys."""
        pids = node_pids(self.root, None)
        for pid in pids:
            _kill(pid)
        _wait_gone(pids)
        shutil.rmtree(self.root, ignore_errors=True)  # the nodes' logs and sockets
        if self.redis is not None:
            _forget_redis_keys(self.redis, self.namespace)

    # Saving --------------------------------------------------------------------------------
    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(asdict(self), indent=1), encoding="utf-8")

    @classmethod
    def load(cls, path: Path) -> LocalCluster:
        data = json.loads(path.read_text(encoding="utf-8"))
        nodes = [LocalNode(**node) for node in data.pop("nodes")]
        return cls(**data, nodes=nodes)


def node_pids(temp_dir: str, node_id: str | None) -> list[int]:
    """The processes whose command line names `temp_dir` (or `node_id`), with descendants."""
    marker = temp_dir.rstrip("/")
    roots = set()
    for pid, command in _processes():
        joined = "\0".join(command)
        if pid != os.getpid() and (marker in joined or (node_id and node_id in joined)):
            roots.add(pid)
    parents = _parents()
    found = set(roots)
    grown = True
    while grown:
        grown = False
        for pid, parent in parents.items():
            if parent in found and pid not in found:
                found.add(pid)
                grown = True
    return sorted(found)


def _processes() -> list[tuple[int, list[str]]]:
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                raw = Path(f"/proc/{entry}/cmdline").read_bytes()
            except OSError:
                continue
            if raw:
                found.append((int(entry), raw.decode(errors="replace").split("\0")))
    return found


def _parents() -> dict[int, int]:
    parents = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
                parents[int(entry)] = int(stat.rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
    return parents


def _node_id(temp_dir: str) -> str | None:
    """The node id the raylet running with `temp_dir` was given."""
    for _pid, command in _processes():
        if command and command[0].endswith("raylet") and f"--temp_dir={temp_dir}" in command:
            for argument in command:
                if argument.startswith("--node_id="):
                    return argument.split("=", 1)[1]
    return None


def _kill(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)


def _wait_gone(pids: list[int], timeout_s: float = 10.0) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline and any(_alive(pid) for pid in pids):
        time.sleep(0.05)


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _forget_redis_keys(address: str, namespace: str) -> None:
    """Delete the keys Ray's GCS kept in Redis for this cluster (and nothing else)."""
    host, _, port = address.partition(":")
    try:
        from ray._private.gcs_utils import cleanup_redis_storage

        cleanup_redis_storage(host, int(port or 6379), "", False, namespace)
    except Exception:  # Redis away: the keys stay, under this cluster's own namespace
        return

"""A site on a local Ray cluster for the tests: its configuration, and the commands an operator
runs against it (`nightwatch cluster start | status | stop`)."""

from __future__ import annotations

import json
import subprocess
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from nightwatch.cluster.local import LocalCluster, node_pids
from tests.alerts.dispatch.support import dispatch_section
from tests.support.factories import camera_config, intrusion_rule
from tests.support.net import free_port
from tests.support.process import run_cli, write_config

WHOLE_PICTURE = [[0.0, 0.0], [1.0, 0.0], [1.0, 1.0], [0.0, 1.0]]
CLI_TIMEOUT_S = 600.0


@dataclass(slots=True)
class ClusterSite:
    """One site's configuration file and the environment its commands run with."""

    folder: Path
    config: dict[str, Any]
    env: dict[str, str]
    database_url: str
    path: Path = field(init=False)

    def __post_init__(self) -> None:
        self.path = write_config(self.folder / "site.yaml", self.config)

    @property
    def namespace(self) -> str:
        return str(self.config["cluster"]["namespace"])

    def add_camera(self, name: str, camera: dict[str, Any]) -> None:
        self.config["cameras"][name] = camera
        write_config(self.path, self.config)

    def run(self, *args: str) -> subprocess.CompletedProcess[str]:
        return run_cli(
            ["cluster", *args, "--config", str(self.path)],
            cwd=self.folder,
            env=self.env,
            timeout_s=CLI_TIMEOUT_S,
        )

    def status(self) -> dict[str, Any] | None:
        """`nightwatch cluster status --json`, or None when it did not answer."""
        done = self.run("status", "--json")
        if done.returncode != 0:
            return None
        try:
            report: dict[str, Any] = json.loads(done.stdout)
        except json.JSONDecodeError:
            return None
        return report

    @property
    def local(self) -> LocalCluster:
        return LocalCluster.load(self.folder / "data" / "cluster" / "local.json")

    def save_local(self, cluster: LocalCluster) -> None:
        cluster.save(self.folder / "data" / "cluster" / "local.json")

    def camera_processes(self) -> list[int]:
        """The camera actors' processes now running anywhere in the local cluster."""
        found = []
        for pid in node_pids(self.local.root, None):
            try:
                title = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")[0]
            except OSError:
                continue
            if title.startswith(b"ray::CameraActor"):
                found.append(pid)
        return found


def cluster_site(
    folder: Path,
    cameras: dict[str, str],
    prefix: str,
    model: Path,
    database_url: str,
) -> ClusterSite:
    """Whole-picture intrusion on each camera (stream URLs by name), every alert dispatched to
    teams that never answer, so each dispatch escalates (every 5 s, twice)."""
    rule = intrusion_rule(name="watch", zone="all", clear_s=2, cooldown_s=5, update_interval_s=5)
    entries = {
        name: camera_config(
            url,
            zones={"all": WHOLE_PICTURE},
            rules=[rule],
            detect={"fps": 2, "labels": ["person"], "confidence": 0.35},
            placement={"detect_size": [640, 360]},
        )
        for name, url in cameras.items()
    }
    routes = [{"teams": ["alpha", "bravo"]}]
    config = {
        "site": {"name": "county", "timezone": "UTC"},
        "mqtt": {
            "url": "mqtt://127.0.0.1:1883",
            "client_id": f"nw-{uuid.uuid4().hex[:8]}",
            "topic_prefix": prefix,
        },
        "model": {"path": str(model)},
        "storage": {
            "database_url": "${NIGHTWATCH_DATABASE_URL}",  # each node reads its own
            "data_dir": str(folder / "data"),
        },
        "cluster": {
            "namespace": f"site-{uuid.uuid4().hex[:8]}",
            "console": f"127.0.0.1:{free_port()}",
        },
        "dispatch": dispatch_section(
            routes=routes, escalation={"after_s": 5, "max_escalations": 2}
        ),
        "cameras": entries,
    }
    env = {"NIGHTWATCH_DATABASE_URL": database_url}
    return ClusterSite(folder, config, env, database_url)

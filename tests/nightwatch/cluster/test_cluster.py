"""The county on a local three-node Ray cluster with real parts: PostgreSQL, Mosquitto, GStreamer
RTSP cameras, the real model, and Ray's metadata in Redis.

One story, as an operator would live it: six cameras spread over the workers (a seventh whose
labels match no node is refused by name); every process of a worker is killed with -9 and its
cameras come back on the other worker; the head is killed and started again while the cameras
keep alerting; a node that cannot reach the database refuses the camera pinned to it. At the
end every message the store kept reached the broker, no dispatch escalated twice at one step,
and the audit log verifies.
"""

from __future__ import annotations

import json
import re
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from alerts.dispatch.records import DispatchQuery, DispatchState
from alerts.mqtt import Topics
from alerts.store import open_store
from nightwatch.cluster.local import LocalCluster
from tests.alerts.store.support import database_url
from tests.support.cluster import ClusterSite, cluster_site
from tests.support.factories import camera_config
from tests.support.mqtt import MqttCollector
from tests.support.process import run_cli
from tests.support.rtsp import RtspServers
from tests.support.waiting import wait_until

pytestmark = pytest.mark.slow  # three Ray nodes, six cameras, two kills: about 4 minutes

CAMERAS = tuple(f"cam-{index}" for index in range(1, 7))
FAILOVER_S = 60.0
UNREACHABLE_DATABASE = "postgresql://postgres@127.0.0.1:1/unreachable"


@pytest.fixture
def site(
    tmp_path: Path,
    rtsp_server: RtspServers,
    substream_mp4: Path,
    mqtt_prefix: str,
    model_path: Path,
) -> Iterator[ClusterSite]:
    server = rtsp_server.start(mounts=CAMERAS, files=dict.fromkeys(CAMERAS, substream_mp4))
    with database_url("postgresql", tmp_path) as url:
        cameras = {name: server.url(name) for name in CAMERAS}
        county = cluster_site(tmp_path, cameras, mqtt_prefix, model_path, url)
        county.add_camera(
            "mars",
            camera_config(server.url("cam-1"), placement={"labels": {"district": "mars"}}),
        )
        try:
            yield county
        finally:
            county.run("stop")


def online_cameras(site: ClusterSite, names: tuple[str, ...]) -> dict[str, Any] | None:
    """The status once every camera of `names` is online, else None."""
    status = site.status()
    if status is None:
        return None
    states = {camera["name"]: camera for camera in status["cameras"]}
    if all(states.get(name, {}).get("state") == "online" for name in names):
        return status
    return None


def alerted_since(collector: MqttCollector, topics: Topics, cameras: set[str], mark: int) -> bool:
    """Whether each of `cameras` has published an alert message since `mark`."""
    seen = {
        message.topic
        for message in collector.messages(since=mark)
        if message.topic.startswith(f"{topics.prefix}/alerts/")
    }
    return all(topics.alert(camera, "watch") in seen for camera in cameras)


def new_alerts(collector: MqttCollector, prefix: str, mark: int) -> list[str]:
    return [
        message.topic
        for message in collector.messages(since=mark)
        if message.topic.startswith(f"{prefix}/alerts/")
    ]


def test_the_county_rides_out_a_dead_node_a_restarted_head_and_a_node_without_the_database(
    site: ClusterSite, mqtt_subscriber: MqttCollector, mqtt_prefix: str
) -> None:
    topics = Topics(mqtt_prefix)
    started = site.run("start", "--address", "local:3", "--redis", "127.0.0.1:6379")
    # The camera whose labels match no node is refused by name; the others are placed.
    assert started.returncode == 1, started.stderr
    assert "camera mars: no node has the labels district=mars" in started.stderr
    status = wait_until(lambda: online_cameras(site, CAMERAS), 300, "six cameras online")
    placed = {camera["name"]: camera["node"] for camera in status["cameras"]}
    assert "mars" not in placed
    workers = [node for node in status["nodes"] if node["cameras"]]
    assert len(workers) == 2, "the cameras are spread over both workers"
    assert all(node["pids"] for node in status["nodes"])
    wait_until(
        lambda: alerted_since(mqtt_subscriber, topics, set(CAMERAS), 0), 180, "alerts from all"
    )
    _the_console_serves_what_the_workers_wrote(site)

    # kill -9 every process of a worker: its cameras come back on the other one.
    victim = workers[0]
    moved = set(victim["cameras"])
    mark = mqtt_subscriber.mark()
    killed_at = time.monotonic()
    site.local.kill_node(_index_of(site, victim["id"]))
    after = wait_until(
        lambda: _moved(site, moved, victim["id"]), FAILOVER_S, "the cameras on another node"
    )
    failover_s = time.monotonic() - killed_at
    print(f"\nfailover: {sorted(moved)} online on another node {failover_s:.1f} s after kill -9")
    assert {camera["node"] for camera in after["cameras"]} == {workers[1]["id"]}
    wait_until(lambda: alerted_since(mqtt_subscriber, topics, moved, mark), 120, "alerts again")

    # The head goes away for a while: the cameras keep alerting; it comes back; no duplicates.
    cluster = site.local
    mark = mqtt_subscriber.mark()
    cluster.kill_node(0)
    wait_until(lambda: len(new_alerts(mqtt_subscriber, mqtt_prefix, mark)) >= 6, 30, "alerts")
    cluster.start_node(0)
    site.save_local(cluster)
    back = wait_until(lambda: online_cameras(site, CAMERAS), 120, "the cluster back")
    assert sorted(camera["name"] for camera in back["cameras"]) == sorted(CAMERAS)
    assert len(site.camera_processes()) == len(CAMERAS), "one process per camera"

    _a_node_without_the_database_refuses_its_camera(site, cluster)

    # Stopped: nothing the store kept was lost, no step escalated twice, the log verifies.
    final = site.status()
    print(f"before stop: coordinator {final and final['coordinator']}")
    stopped = site.run("stop")
    assert stopped.returncode == 0, stopped.stderr
    _check_nothing_lost(site, mqtt_subscriber)
    verified = run_cli(
        ["audit", "verify", "--config", str(site.path)], cwd=site.folder, env=site.env
    )
    assert verified.returncode == 0, verified.stdout + verified.stderr


def _a_node_without_the_database_refuses_its_camera(
    site: ClusterSite, cluster: LocalCluster
) -> None:
    """It says why in the camera's status; the coordinator ends up on a node with the database."""
    cluster.start_node(3, environment={"NIGHTWATCH_DATABASE_URL": UNREACHABLE_DATABASE})
    site.save_local(cluster)
    isolated = camera_config(
        site.config["cameras"]["cam-1"]["source"],
        placement={"labels": {"nightwatch.node": "n3"}},
    )
    site.add_camera("isolated", isolated)
    again = site.run("start")
    assert "camera isolated" not in again.stderr, again.stderr
    placed_on = ((site.status() or {}).get("coordinator") or {}).get("node")
    refused = wait_until(lambda: _state_of(site, "isolated", "refused"), 120, "a refusal")
    assert "cannot reach the database" in (refused["error"] or "")
    # The new camera's location replaced the coordinator; wherever Ray put it, it ends up
    # draining from a node that reaches the database.
    isolated_node = refused["node"]
    coordinator = wait_until(lambda: _coordinator_running(site), 180, "the coordinator running")
    assert coordinator["node"] != isolated_node, coordinator
    where = "the node without the database" if placed_on == isolated_node else "a node with it"
    print(f"coordinator replaced on {where}; runs on {coordinator['node'][:8]}")


def _the_console_serves_what_the_workers_wrote(site: ClusterSite) -> None:
    """One console for the county: an alert from a camera on a worker, with its snapshot read
    from the shared media folder, through the console the cluster runs."""
    done = run_cli(
        ["users", "add", "county-op", "--role", "operator", "--config", str(site.path)],
        cwd=site.folder,
        env=site.env,
    )
    assert done.returncode == 0, done.stderr
    token = re.search(r"API token:\s+(\S+)", done.stdout)
    assert token, done.stdout
    console = f"http://{site.config['cluster']['console']}"
    headers = {"Authorization": f"Bearer {token.group(1)}"}

    def get(path: str) -> bytes:
        request = urllib.request.Request(console + path, headers=headers)
        with urllib.request.urlopen(request, timeout=10) as response:
            return bytes(response.read())

    def a_snapshot() -> bytes | None:
        try:
            for alert in json.loads(get("/api/v1/alerts?limit=20"))["items"]:
                detail = json.loads(get(f"/api/v1/alerts/{alert['id']}"))
                if any(item["kind"] == "snapshot" for item in detail["evidence"]):
                    return get(detail["snapshot_url"])
        except OSError:
            return None  # the console is still starting
        return None

    picture = wait_until(a_snapshot, 120, "a snapshot through the cluster's console")
    assert picture.startswith(b"\xff\xd8"), "a JPEG"


def _index_of(site: ClusterSite, node_id: str) -> int:
    return next(node.index for node in site.local.nodes if node.node_id == node_id)


def _moved(site: ClusterSite, cameras: set[str], dead: str) -> dict[str, Any] | None:
    status = online_cameras(site, CAMERAS)
    if status is None:
        return None
    where = {camera["name"]: camera["node"] for camera in status["cameras"]}
    return status if all(where[name] != dead for name in cameras) else None


def _state_of(site: ClusterSite, camera: str, state: str) -> dict[str, Any] | None:
    status = site.status()
    for item in (status or {}).get("cameras", []):
        if item["name"] == camera and item["state"] == state:
            return dict(item)
    return None


def _coordinator_running(site: ClusterSite) -> dict[str, Any] | None:
    coordinator = (site.status() or {}).get("coordinator")
    return dict(coordinator) if coordinator and coordinator["state"] == "running" else None


def _message_id(payload: bytes) -> str | None:
    try:
        body = json.loads(payload)
    except ValueError:
        return None  # availability is plain text
    return body.get("message_id") if isinstance(body, dict) else None


def _check_nothing_lost(site: ClusterSite, collector: MqttCollector) -> None:
    store = open_store(site.database_url, site.folder / "data" / "media", create=False)
    try:
        rows = list(store.outbox.all())
        dispatches = store.dispatches.query(DispatchQuery(limit=10_000))
    finally:
        store.close()
    arrived = {_message_id(message.payload) for message in collector.messages()}
    undelivered = [row for row in rows if row.delivered_at is None]
    assert not undelivered, f"{len(undelivered)} messages never left the outbox: " + ", ".join(
        f"{row.message.topic} at {row.created_at:%H:%M:%S}" for row in undelivered[:8]
    )
    lost = [row.message.message_id for row in rows if row.message.message_id not in arrived]
    assert not lost, f"{len(lost)} of {len(rows)} stored messages never reached the broker"
    assert dispatches, "alerts were dispatched"
    for dispatch in dispatches:
        steps = [
            step.escalation for step in dispatch.history if step.state is DispatchState.ESCALATED
        ]
        assert len(steps) == len(set(steps)), f"dispatch {dispatch.id} escalated twice: {steps}"
    print(f"{len(rows)} messages stored and delivered; {len(dispatches)} dispatches")

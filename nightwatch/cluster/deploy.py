"""`nightwatch cluster start` and `stop`: the site's actors placed on a Ray cluster, or removed.

Starting is idempotent: actors that exist with the same configuration are left alone, ones
whose configuration changed are replaced, cameras no longer configured are stopped. All are
detached (they outlive this command) and restart on another node when theirs dies. A camera
whose labels match no node is reported and the others are placed.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import ray

from config.loader import LoadedConfig
from config.schema import NightwatchConfig
from nightwatch.cluster.camera_actor import CameraActor, camera_share
from nightwatch.cluster.console_actor import ConsoleActor
from nightwatch.cluster.coordinator import Coordinator
from nightwatch.cluster.local import LocalCluster
from nightwatch.cluster.names import (
    CAMERA_PREFIX,
    CONSOLE,
    COORDINATOR,
    camera_actor_name,
    config_digest,
)
from nightwatch.cluster.nodes import cluster_nodes
from nightwatch.cluster.placement import camera_placement, singleton_placement, unplaceable

log = logging.getLogger(__name__)
CONNECT_TIMEOUT_S = 3.0
ASK_TIMEOUT_S = 5.0
STOP_TIMEOUT_S = 45.0
ACTOR_OPTIONS: dict[str, Any] = {
    "lifetime": "detached",
    "max_restarts": -1,  # restarted on another node for as long as there is one
    "max_task_retries": -1,  # calls in flight when its node died are answered after the move
}


class ClusterError(Exception):
    """The cluster cannot be reached or used; the message says what to do."""


@dataclass(slots=True)
class Deployment:
    """What `start` did."""

    address: str
    placed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def local_state_file(loaded: LoadedConfig) -> Path:
    """Where a local cluster started for this configuration is remembered."""
    return loaded.config.storage.data_path / "cluster" / "local.json"


def resolve_address(
    loaded: LoadedConfig, address: str | None, redis: str | None, progress: Callable[[str], None]
) -> str:
    """The address to connect to: a local cluster is started first for `local:N`."""
    if address is not None and address.startswith("local:"):
        count = _local_count(address)
        progress(f"starting a local cluster of {count} nodes on 127.0.0.1 …")
        cluster = LocalCluster.start(count, redis=redis)
        cluster.save(local_state_file(loaded))
        return cluster.address
    chosen = address or os.environ.get("RAY_ADDRESS")
    if not chosen and local_state_file(loaded).is_file():
        chosen = LocalCluster.load(local_state_file(loaded)).address
    if not chosen:
        raise ClusterError(
            "no cluster address: pass --address HOST:PORT (the head's GCS port), set "
            "RAY_ADDRESS, or --address local:N to start N nodes on this machine"
        )
    return chosen


def connect(address: str, namespace: str) -> None:
    """Connect this process to the cluster; a clear error when nothing answers there (Ray
    itself would wait for ever)."""
    host, _, port = address.rpartition(":")
    if not host or not port.isdigit():
        raise ClusterError(f"cluster address {address!r} must look like HOST:PORT")
    try:
        with socket.create_connection((host, int(port)), timeout=CONNECT_TIMEOUT_S):
            pass
    except OSError as error:
        raise ClusterError(
            f"cannot reach the Ray cluster at {address} ({error.strerror or error}): start its "
            "head there with `ray start --head --port PORT`, or correct --address"
        ) from error
    if host in ("127.0.0.1", "localhost"):
        address = f"LOCALHOST:{port}"  # Ray would rewrite 127.0.0.1 to the outward address
    os.environ.setdefault("RAY_ENABLE_AUTO_CONNECT", "0")
    ray.init(
        address=address,
        namespace=namespace,
        logging_level=logging.ERROR,
        log_to_driver=False,
        configure_logging=False,
    )


def start(loaded: LoadedConfig, address: str) -> Deployment:
    """Place (or keep) the coordinator, the console and every enabled camera."""
    config = loaded.config
    if not config.storage.resolved_database_url.startswith(("postgresql", "postgres")):
        raise ClusterError(
            "a cluster's nodes share one store: set storage.database_url to a PostgreSQL "
            "database every node can reach (postgresql://…)"
        )
    text = Path(loaded.file).read_text(encoding="utf-8")
    digest = config_digest(text)
    deployment = Deployment(address)
    nodes = cluster_nodes()
    singletons = coordinator_digest(config)
    coordinator = (text, loaded.file, singletons)
    _ensure(COORDINATOR, Coordinator, coordinator, singleton_placement(), singletons, deployment)
    if config.cluster.console is not None:
        arguments = (text, loaded.file, config.cluster.namespace, digest)
        placement = singleton_placement(config.cluster.console_labels)
        _ensure(CONSOLE, ConsoleActor, arguments, placement, digest, deployment)
    wanted = {name for name, camera in config.cameras.items() if camera.enabled}
    for name in sorted(wanted):
        placement = camera_placement(config.cameras[name])
        reason = unplaceable(placement.labels, nodes)
        if reason is not None:
            deployment.problems.append(f"camera {name}: {reason}; the other cameras are placed")
            continue
        share = camera_digest(config, name)
        arguments = (name, text, loaded.file, share)
        _ensure(camera_actor_name(name), CameraActor, arguments, placement, share, deployment)
    for actor_name in _named_actors(config.cluster.namespace):
        camera = actor_name.removeprefix(CAMERA_PREFIX)
        if actor_name.startswith(CAMERA_PREFIX) and camera not in wanted:
            _remove(actor_name, config.cluster.namespace)
            deployment.removed.append(actor_name)
    return deployment


def coordinator_digest(config: NightwatchConfig) -> str:
    """The fingerprint of what the coordinator reads: everything but the cameras, of which it
    needs only the locations its escalation orders name: new zones or rules leave it running."""
    shared = config.model_dump(mode="json", exclude={"cameras"})
    shared["cameras"] = {name: camera.location for name, camera in config.cameras.items()}
    return config_digest(json.dumps(shared, sort_keys=True))


def camera_digest(config: NightwatchConfig, camera: str) -> str:
    """The fingerprint of what one camera's actor runs: its camera and the sections it reads
    (another camera's change leaves it alone)."""
    shared = camera_share(config, camera).model_dump(mode="json")
    return config_digest(json.dumps(shared, sort_keys=True))


def _ensure(
    name: str,
    actor_class: type,
    arguments: tuple[Any, ...],
    placement: Any,
    digest: str,
    deployment: Deployment,
) -> None:
    """The named actor exists with this configuration: left alone, replaced, or made."""
    namespace = ray.get_runtime_context().namespace
    existing = _existing(name, namespace)
    if existing is not None:
        try:
            where = ray.get(existing.where.remote(), timeout=ASK_TIMEOUT_S)
            if where.get("config_digest", digest) == digest:
                deployment.unchanged.append(name)
                return
        except ray.exceptions.RayError:
            pass  # moving, or broken: made anew below
        _remove(name, namespace)
    remote: Any = ray.remote(actor_class)
    for _attempt in range(50):  # a killed actor's name is freed a moment later
        try:
            remote.options(name=name, **ACTOR_OPTIONS, **placement.options()).remote(*arguments)
            deployment.placed.append(name)
            return
        except ValueError:
            time.sleep(0.2)
    deployment.problems.append(f"{name}: could not be created (its name stays taken)")


def _existing(name: str, namespace: str) -> Any:
    try:
        return ray.get_actor(name, namespace=namespace)
    except ValueError:
        return None


def _remove(name: str, namespace: str) -> None:
    """Stop an actor cleanly if it answers (a camera ends its alerts, the coordinator sends
    what the outbox holds), then kill it for good."""
    actor = _existing(name, namespace)
    if actor is None:
        return
    with contextlib.suppress(ray.exceptions.RayError, AttributeError):
        ray.get(actor.stop.remote(), timeout=STOP_TIMEOUT_S)
    ray.kill(actor, no_restart=True)


def _named_actors(namespace: str) -> list[str]:
    found = ray.util.list_named_actors(all_namespaces=True)
    return [
        str(item["name"])
        for item in found
        if isinstance(item, dict) and item.get("namespace") == namespace
    ]


def stop(loaded: LoadedConfig) -> list[str]:
    """Remove every actor of this site's namespace; returns their names. The cameras stop
    first, all at once (each ends its open alerts), then the coordinator sends what is left."""
    namespace = loaded.config.cluster.namespace
    names = _named_actors(namespace)
    cameras = [name for name in names if name.startswith(CAMERA_PREFIX)]
    _remove_all(cameras, namespace)
    _remove_all([name for name in names if name not in cameras], namespace)
    return names


def _remove_all(names: list[str], namespace: str) -> None:
    actors = [actor for name in names if (actor := _existing(name, namespace)) is not None]
    stopping = [actor.stop.remote() for actor in actors]
    ray.wait(stopping, num_returns=len(stopping), timeout=STOP_TIMEOUT_S)
    for actor in actors:
        ray.kill(actor, no_restart=True)


def wait_placed(cameras: list[str], namespace: str, timeout_s: float) -> dict[str, str]:
    """Each camera's state once its actor answers (or 'pending' after `timeout_s`)."""
    deadline = time.monotonic() + timeout_s
    states = dict.fromkeys(cameras, "pending")
    while time.monotonic() < deadline and "pending" in states.values():
        for camera in [name for name, state in states.items() if state == "pending"]:
            actor = _existing(camera_actor_name(camera), namespace)
            if actor is None:
                continue
            try:
                where = ray.get(actor.where.remote(), timeout=1.0)
            except ray.exceptions.RayError:
                continue
            if where["state"] not in ("starting",):
                states[camera] = str(where["state"])
        time.sleep(0.5)
    return states


def _local_count(address: str) -> int:
    count = address.removeprefix("local:")
    if not count.isdigit() or int(count) < 2:
        raise ClusterError(
            f"--address {address}: give the number of nodes, at least 2 (local:3 starts a "
            "head and two workers)"
        )
    return int(count)

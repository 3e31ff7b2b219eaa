"""`nightwatch cluster status`: the nodes, what each runs, and every camera's state.

The JSON: {"nodes": [{"id", "address", "labels", "pids", "cameras"}],
"cameras": [{"name", "node", "state", "error", "frames_analysed"}], "coordinator": {...},
"console": {...}}; `frames_analysed` counts since the camera's actor (re)started;
`state` is the camera status' state (online while frames arrive), or `pending` while its
actor has no node (moving after a node died, or no node has room or the labels it needs),
`starting`, or `refused` when its node cannot reach the database.
"""

from __future__ import annotations

from typing import Any

import ray

from nightwatch.cluster.names import CAMERA_PREFIX, CONSOLE, COORDINATOR
from nightwatch.cluster.nodes import cluster_nodes, node_processes

ASK_TIMEOUT_S = 3.0


def cluster_status(namespace: str) -> dict[str, Any]:
    """Where everything of `namespace` runs now."""
    alive = [node for node in cluster_nodes() if node["Alive"]]
    pids = node_processes([node["NodeID"] for node in alive])
    names = [
        str(item["name"])
        for item in ray.util.list_named_actors(all_namespaces=True)
        if isinstance(item, dict) and item.get("namespace") == namespace
    ]
    answers = _ask_all(names, namespace)
    cameras = [
        {
            "name": name.removeprefix(CAMERA_PREFIX),
            "node": (answers.get(name) or {}).get("node"),
            "state": (answers.get(name) or {}).get("state", "pending"),
            "error": (answers.get(name) or {}).get("error"),
            "frames_analysed": (answers.get(name) or {}).get("frames_analysed"),
        }
        for name in sorted(names)
        if name.startswith(CAMERA_PREFIX)
    ]
    nodes = [
        {
            "id": node["NodeID"],
            "address": f"{node['NodeManagerAddress']}:{node['NodeManagerPort']}",
            "labels": {k: v for k, v in node["Labels"].items() if not k.startswith("ray.io/")},
            "pids": pids.get(node["NodeID"], []),
            "cameras": sorted(c["name"] for c in cameras if c["node"] == node["NodeID"]),
        }
        for node in alive
    ]
    return {
        "nodes": nodes,
        "cameras": cameras,
        "coordinator": answers.get(COORDINATOR),
        "console": answers.get(CONSOLE),
    }


def _ask_all(names: list[str], namespace: str) -> dict[str, dict[str, Any] | None]:
    """Every actor's where(), asked at once; None for one that did not answer in time."""
    asked: dict[str, Any] = {}
    for name in names:
        try:
            asked[name] = ray.get_actor(name, namespace=namespace).where.remote()
        except ValueError:
            continue
    ready, _ = ray.wait(list(asked.values()), num_returns=len(asked), timeout=ASK_TIMEOUT_S)
    found: dict[str, dict[str, Any] | None] = {}
    for name, reference in asked.items():
        try:
            found[name] = ray.get(reference, timeout=0) if reference in ready else None
        except ray.exceptions.RayError:
            found[name] = None
    return found

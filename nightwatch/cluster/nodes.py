"""The cluster's nodes as Ray knows them, and the processes of each (found on the node itself)."""

from __future__ import annotations

from typing import Any

import ray
from ray.util.scheduling_strategies import NodeAffinitySchedulingStrategy

from nightwatch.cluster.local import node_pids

ASK_TIMEOUT_S = 10.0


def cluster_nodes() -> list[dict[str, Any]]:
    """Every node Ray knows (alive or dead): NodeID, NodeManagerAddress/Port, Labels, Alive."""
    nodes: list[dict[str, Any]] = ray.nodes()  # type: ignore[no-untyped-call]
    return nodes


@ray.remote(num_cpus=0, max_retries=0)
def _processes_here(node_id: str) -> list[int]:
    """On the node itself: its Ray processes and Nightwatch's (Ray workers are the raylet's
    descendants; the agents and the raylet name the node's temp dir or id)."""
    temp_dir = ray.get_runtime_context().get_temp_dir()
    return node_pids(temp_dir, node_id)


def node_processes(node_ids: list[str]) -> dict[str, list[int]]:
    """The PIDs of each alive node, asked of a task that runs there ([] if it did not answer)."""
    asked = {
        node_id: _processes_here.options(
            scheduling_strategy=NodeAffinitySchedulingStrategy(node_id, soft=False)
        ).remote(node_id)
        for node_id in node_ids
    }
    found: dict[str, list[int]] = {}
    for node_id, answer in asked.items():
        try:
            pids: list[int] = ray.get(answer, timeout=ASK_TIMEOUT_S)
            found[node_id] = sorted(pids)
        except ray.exceptions.RayError:
            found[node_id] = []
    return found

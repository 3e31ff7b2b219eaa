"""Where each actor may go: resources sized to the camera, node labels, and checking that a
camera's labels match some node (Ray would leave it pending for ever, silently)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from config.schema import CameraConfig

# The coordinator and the console ask for a little CPU so that they never land on the head,
# which a Nightwatch cluster starts with no CPUs: a head restart then stops none of them.
SINGLETON_CPUS = 0.05


@dataclass(frozen=True, slots=True)
class Placement:
    """Ray actor options for one actor."""

    cpus: float
    gpus: float
    labels: Mapping[str, str]

    def options(self) -> dict[str, Any]:
        chosen: dict[str, Any] = {"num_cpus": self.cpus, "scheduling_strategy": "SPREAD"}
        if self.gpus:
            chosen["num_gpus"] = self.gpus
        if self.labels:
            chosen["label_selector"] = dict(self.labels)
        return chosen


def camera_placement(camera: CameraConfig) -> Placement:
    placement = camera.placement
    return Placement(placement.cpu_share(camera.detect.fps), placement.gpus, placement.labels)


def singleton_placement(labels: Mapping[str, str] | None = None) -> Placement:
    return Placement(SINGLETON_CPUS, 0.0, labels or {})


def matches(labels: Mapping[str, str], wanted: Mapping[str, str]) -> bool:
    """Whether a node with `labels` satisfies a selector: 'v', '!v', 'in(a,b)', '!in(a,b)'."""
    for key, expression in wanted.items():
        negated = expression.startswith("!")
        body = expression[1:] if negated else expression
        values = body[3:-1].split(",") if body.startswith("in(") and body.endswith(")") else [body]
        if (labels.get(key) in [value.strip() for value in values]) == negated:
            return False
    return True


def unplaceable(wanted: Mapping[str, str], nodes: Sequence[Mapping[str, Any]]) -> str | None:
    """Why no alive node can take an actor with these labels, or None when one can."""
    if not wanted:
        return None
    alive = [node for node in nodes if node.get("Alive")]
    if any(matches(node.get("Labels", {}), wanted) for node in alive):
        return None
    known: dict[str, set[str]] = {}
    for node in alive:
        for key, value in node.get("Labels", {}).items():
            if not key.startswith("ray.io/"):
                known.setdefault(key, set()).add(value)
    asked = ", ".join(f"{key}={value}" for key, value in wanted.items())
    offered = "; ".join(
        f"{key}: {', '.join(sorted(values))}" for key, values in sorted(known.items())
    )
    return f"no node has the labels {asked} (nodes have {offered or 'no labels'})"

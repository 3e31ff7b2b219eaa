"""Where actors may go: label selectors as Ray reads them, and a camera no node can take named
with what the nodes offer (Ray itself would leave it pending, silently)."""

from __future__ import annotations

from typing import Any

from config.schema import CameraConfig
from nightwatch.cluster.placement import camera_placement, matches, unplaceable
from tests.support.factories import camera_config

NODES: list[dict[str, Any]] = [
    {"Alive": True, "Labels": {"district": "north", "ray.io/node-id": "a"}},
    {"Alive": True, "Labels": {"district": "south", "gpu": "yes"}},
    {"Alive": False, "Labels": {"district": "mars"}},
]


def test_a_selector_matches_values_negations_and_sets() -> None:
    labels = {"district": "north", "gpu": "no"}
    assert matches(labels, {"district": "north"})
    assert not matches(labels, {"district": "south"})
    assert matches(labels, {"district": "!south"})
    assert matches(labels, {"district": "in(south, north)"})
    assert not matches(labels, {"district": "!in(south,north)"})
    assert not matches(labels, {"district": "north", "gpu": "yes"})
    assert not matches({}, {"district": "north"})


def test_a_camera_is_placeable_when_an_alive_node_matches() -> None:
    assert unplaceable({}, NODES) is None
    assert unplaceable({"district": "south", "gpu": "yes"}, NODES) is None


def test_labels_only_a_dead_node_has_are_refused_with_what_the_nodes_offer() -> None:
    reason = unplaceable({"district": "mars"}, NODES)
    assert reason == (
        "no node has the labels district=mars (nodes have district: north, south; gpu: yes)"
    )


def test_a_camera_asks_for_cores_by_its_detection_rate_and_size() -> None:
    source = "rtsp://127.0.0.1:8554/cam"
    small = CameraConfig.model_validate(
        camera_config(source, placement={"detect_size": [640, 360]})
    )
    large = CameraConfig.model_validate(camera_config(source))
    pinned = CameraConfig.model_validate(
        camera_config(source, placement={"cpus": 1.5, "labels": {"district": "north"}})
    )
    assert 0 < camera_placement(small).cpus < camera_placement(large).cpus
    options = camera_placement(pinned).options()
    assert options["num_cpus"] == 1.5
    assert options["label_selector"] == {"district": "north"}
    assert options["scheduling_strategy"] == "SPREAD"

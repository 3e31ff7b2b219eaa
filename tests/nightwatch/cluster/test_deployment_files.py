"""The deployment files agree with the code and with each other: the image holds every package,
and the compose file and the KubeRay manifest give the county example's cameras and console
nodes they can be placed on, a head without CPUs whose metadata survives in Redis, and the
deploy step the head's address and an existing configuration."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any

import pytest
import yaml

from config.loader import LoadedConfig, parse_config
from nightwatch.cluster.placement import matches, unplaceable
from nightwatch.paths import EXAMPLES

ROOT = Path(__file__).resolve().parents[3]
DOCKER = ROOT / "docker"


def county() -> LoadedConfig:
    path = EXAMPLES / "county.yaml"
    return parse_config(path.read_text(encoding="utf-8"), str(path), {})


def flag(command: list[str], name: str) -> str | None:
    return command[command.index(name) + 1] if name in command else None


def node_labels(text: str | None) -> dict[str, str]:
    pairs = (pair.split("=", 1) for pair in (text or "").split(",") if pair)
    return {key.strip(): value.strip() for key, value in pairs}


def check_placeable(nodes: dict[str, dict[str, str]]) -> None:
    """Every camera of the county example fits some node, and one node takes the console."""
    config = county().config
    offered = [{"Alive": True, "Labels": labels} for labels in nodes.values()]
    for name, camera in config.cameras.items():
        assert unplaceable(camera.placement.labels, offered) is None, name
    console = [
        node for node, labels in nodes.items() if matches(labels, config.cluster.console_labels)
    ]
    assert len(console) == 1, f"the console's labels match {console}, not one node"


def test_the_image_holds_every_package_the_project_installs() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    packages = [
        name.rstrip("*") for name in project["tool"]["setuptools"]["packages"]["find"]["include"]
    ]
    copied = re.findall(r"^COPY (\S+) ", (DOCKER / "Dockerfile").read_text(), re.MULTILINE)
    assert sorted(set(packages) - set(copied)) == []


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    services: dict[str, Any] = yaml.safe_load((DOCKER / "compose.cluster.yaml").read_text())[
        "services"
    ]
    return services


def test_compose_runs_a_head_without_cpus_whose_metadata_is_in_redis(
    compose: dict[str, Any],
) -> None:
    head = compose["ray-head"]
    assert head["command"][:2] == ["start", "--head"]
    assert flag(head["command"], "--num-cpus") == "0"
    redis_host, _, _ = head["environment"]["RAY_REDIS_ADDRESS"].partition(":")
    assert redis_host in compose


def test_compose_workers_join_the_head_and_take_every_camera(compose: dict[str, Any]) -> None:
    head_address = f"ray-head:{flag(compose['ray-head']['command'], '--port')}"
    nodes = {name: s for name, s in compose.items() if s.get("entrypoint") == ["ray"]}
    workers = {name: s for name, s in nodes.items() if name != "ray-head"}
    assert len(workers) == 2
    for worker in workers.values():
        assert flag(worker["command"], "--address") == head_address
    check_placeable(
        {name: node_labels(flag(s["command"], "--labels")) for name, s in workers.items()}
    )
    data_dir = str(county().config.storage.data_path)
    for name in [*workers, "ray-head", "deploy"]:
        assert compose[name]["environment"]["NIGHTWATCH_DATA_DIR"] == data_dir
        assert f"media:{data_dir}" in compose[name]["volumes"], name


def test_compose_deploys_an_existing_configuration_at_the_head(compose: dict[str, Any]) -> None:
    deploy = compose["deploy"]
    assert deploy["entrypoint"] == ["nightwatch", "cluster"]
    assert flag(deploy["command"], "--address") == "ray-head:6379"
    config = flag(deploy["command"], "--config")
    assert config == "/config/${NIGHTWATCH_CONFIG:-county.yaml}"
    assert (EXAMPLES / "county.yaml").is_file()


@pytest.fixture(scope="module")
def kuberay() -> dict[str, dict[str, Any]]:
    documents = yaml.safe_load_all((DOCKER / "kuberay.yaml").read_text())
    return {
        document["kind"]: document
        for document in documents
        if document["kind"] != "PersistentVolumeClaim"
    }


def test_kuberay_head_has_no_cpus_and_keeps_its_metadata_in_redis(kuberay: dict[str, Any]) -> None:
    spec = kuberay["RayCluster"]["spec"]
    assert spec["headGroupSpec"]["rayStartParams"]["num-cpus"] == "0"
    assert spec["gcsFaultToleranceOptions"]["redisAddress"]


def test_kuberay_groups_take_every_camera_and_the_service_reaches_the_console(
    kuberay: dict[str, Any],
) -> None:
    groups = kuberay["RayCluster"]["spec"]["workerGroupSpecs"]
    nodes = {group["groupName"]: node_labels(group["rayStartParams"]["labels"]) for group in groups}
    check_placeable(nodes)
    console_labels = county().config.cluster.console_labels
    [console_group] = [
        group for group in groups if matches(nodes[group["groupName"]], console_labels)
    ]
    assert console_group["replicas"] == console_group["maxReplicas"] == 1
    assert kuberay["Service"]["spec"]["selector"]["ray.io/group"] == console_group["groupName"]
    port = int(county().config.cluster.console.rpartition(":")[2])  # type: ignore[union-attr]
    [container] = console_group["template"]["spec"]["containers"]
    assert {"name": "console", "containerPort": port} in container["ports"]


def test_kuberay_deploys_the_configuration_at_the_head_service(kuberay: dict[str, Any]) -> None:
    name = kuberay["RayCluster"]["metadata"]["name"]
    [container] = kuberay["Job"]["spec"]["template"]["spec"]["containers"]
    assert container["args"][:2] == ["cluster", "start"]
    assert flag(container["args"], "--address") == f"{name}-head-svc:6379"
    config = Path(flag(container["args"], "--config") or "")
    assert (EXAMPLES / config.name).is_file()

"""Start-up checks that need the loaded model: labels, and a clear exit on bad weights."""

from __future__ import annotations

from alerts.dispatch.service import Dispatcher
from alerts.mqtt import MqttPublisher
from alerts.outbox import Outbox
from alerts.store import Store, StoreUnavailableError, open_configured_store
from config.errors import ConfigError, ConfigIssue
from config.loader import KeyPath, LoadedConfig
from config.schema import NightwatchConfig
from detectors.weights import ModelError
from detectors.yolo import PoseModel, YoloDetector


def load_detector(loaded: LoadedConfig) -> YoloDetector:
    """Load the model and check that every configured label is one it knows."""
    model = loaded.config.model
    try:
        detector = YoloDetector(model.path, model.device, model.requests)
    except ModelError as error:
        raise ConfigError([loaded.issue(("model", "path"), str(error))]) from error
    check_labels(loaded, list(detector.names.values()))
    check_input_size(loaded, detector.fixed_imgsz)
    return detector


def check_input_size(loaded: LoadedConfig, fixed: int | None) -> None:
    """A model exported with a fixed input runs at that size whatever detect.imgsz asks."""
    if fixed is None:
        return
    issues = [
        loaded.issue(
            ("cameras", name, "detect", "imgsz"),
            f"the model {loaded.config.model.path} was exported with a fixed {fixed}x{fixed} "
            f"input, so it cannot run at {camera.detect.imgsz}",
            fix=f"set imgsz to {fixed} (use detect.tiling for small, distant people), or "
            "export the model at this size or with dynamic=True",
        )
        for name, camera in loaded.config.cameras.items()
        if camera.detect.imgsz != fixed
    ]
    if issues:
        raise ConfigError(issues)


def load_pose_model(loaded: LoadedConfig) -> PoseModel | None:
    """The pose model person-down rules read, when model.pose_path names one."""
    model = loaded.config.model
    if model.pose_path is None:
        return None
    try:
        return PoseModel(model.pose_path, model.device)
    except ModelError as error:
        raise ConfigError([loaded.issue(("model", "pose_path"), str(error))]) from error


def check_labels(loaded: LoadedConfig, known: list[str]) -> None:
    """Every label in detect and rules must be one the model produces."""
    issues: list[ConfigIssue] = []
    known_text = ", ".join(known[:12]) + (", …" if len(known) > 12 else "")  # model order
    for name, camera in loaded.config.cameras.items():
        watched: list[tuple[KeyPath, str]] = [
            (("cameras", name, "detect", "labels", index), label)
            for index, label in enumerate(camera.detect.labels)
        ]
        for rule_index, rule in enumerate(camera.rules):
            watched += [
                (("cameras", name, "rules", rule_index, "labels", index), label)
                for index, label in enumerate(rule.labels)
            ]
            missing = sorted(set(rule.labels) - set(camera.detect.labels))
            if missing:
                issues.append(
                    loaded.issue(
                        ("cameras", name, "rules", rule_index, "labels"),
                        f"labels {missing} are not detected on this camera",
                        fix=f"add them to cameras.{name}.detect.labels",
                    )
                )
        issues += [
            loaded.issue(
                path,
                f"{label!r} is not a label of the model (known: {known_text})",
                fix="use one of the model's labels",
            )
            for path, label in watched
            if label not in known
        ]
    if issues:
        raise ConfigError(issues)


def open_store_or_explain(loaded: LoadedConfig) -> Store:
    """Open (and migrate) the configured store; an unreachable database is a config error."""
    try:
        return open_configured_store(loaded.config.storage)
    except StoreUnavailableError as error:
        raise ConfigError(
            [
                loaded.issue(
                    ("storage", "database_url"),
                    str(error),
                    fix="start the database or correct storage.database_url",
                )
            ]
        ) from error


def check_dispatch(loaded: LoadedConfig) -> None:
    """Every route names a camera, zone and rule that exist (the schema cannot see both)."""
    dispatch = loaded.config.dispatch
    if dispatch is None:
        return
    cameras = loaded.config.cameras
    issues: list[ConfigIssue] = []
    for index, route in enumerate(dispatch.routes):
        path: KeyPath = ("dispatch", "routes", index)
        camera = cameras.get(route.camera) if route.camera is not None else None
        if route.camera is not None and camera is None:
            issues.append(_unknown(loaded, (*path, "camera"), route.camera, list(cameras)))
            continue
        watched = [camera] if camera is not None else list(cameras.values())
        zones = {"frame"} | {zone for watched_camera in watched for zone in watched_camera.zones}
        rules = {rule.rule_name for watched_camera in watched for rule in watched_camera.rules}
        if route.zone is not None and route.zone not in zones:
            issues.append(_unknown(loaded, (*path, "zone"), route.zone, sorted(zones)))
        if route.rule is not None and route.rule not in rules:
            issues.append(_unknown(loaded, (*path, "rule"), route.rule, sorted(rules)))
    if issues:
        raise ConfigError(issues)


def _unknown(loaded: LoadedConfig, path: KeyPath, value: str, known: list[str]) -> ConfigIssue:
    what = str(path[-1])
    return loaded.issue(
        path,
        f"{value!r} is not a {what} of the cameras it applies to (known: {', '.join(known)})",
        fix=f"use one of the known names, or null for any {what}",
    )


def build_delivery(
    config: NightwatchConfig, store: Store
) -> tuple[MqttPublisher, Outbox, Dispatcher | None]:
    """The broker connection, the outbox draining to it, and the dispatcher (if configured)."""
    dispatch = config.dispatch
    session_expiry_s = dispatch.session_expiry_s if dispatch is not None else 0
    publisher = MqttPublisher(config.mqtt, session_expiry_s=session_expiry_s)
    outbox = Outbox(store.outbox, publisher)
    dispatcher = Dispatcher(config, store, outbox, publisher) if dispatch is not None else None
    return publisher, outbox, dispatcher

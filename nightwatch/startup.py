"""Start-up checks that need the loaded model: labels, and a clear exit on bad weights."""

from __future__ import annotations

from alerts.store import Store, StoreUnavailableError, open_configured_store
from config.errors import ConfigError, ConfigIssue
from config.loader import KeyPath, LoadedConfig
from detectors.yolo import ModelError, YoloDetector


def load_detector(loaded: LoadedConfig) -> YoloDetector:
    """Load the model and check that every configured label is one it knows."""
    model = loaded.config.model
    try:
        detector = YoloDetector(model.path, model.device)
    except ModelError as error:
        raise ConfigError([loaded.issue(("model", "path"), str(error))]) from error
    check_labels(loaded, set(detector.names.values()))
    return detector


def check_labels(loaded: LoadedConfig, known: set[str]) -> None:
    """Every label in detect and rules must be one the model produces."""
    issues: list[ConfigIssue] = []
    known_text = ", ".join(sorted(known)[:12]) + (", …" if len(known) > 12 else "")
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

"""Each manifest entry checked against the disk before anything runs: its footage exists, its
configuration loads, names the camera and has the rules the expectations are about."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

from config.errors import ConfigError, ConfigIssue
from config.loader import LoadedConfig, load_config, parse_config
from config.schema import CameraConfig
from nightwatch.evaluation.loading import LoadedManifest
from nightwatch.evaluation.manifest import SOURCE_VARIABLE, Entry


@dataclass(frozen=True, slots=True)
class ResolvedEntry:
    """An entry ready to run: absolute paths, its loaded configuration and camera."""

    index: int
    entry: Entry
    source: Path  # the video file, or the image sequence's folder
    loaded: LoadedConfig
    camera_name: str

    @property
    def name(self) -> str:
        return self.entry.name

    @property
    def camera(self) -> CameraConfig:
        return self.loaded.config.cameras[self.camera_name]

    @property
    def is_video(self) -> bool:
        return self.entry.video is not None


def resolve_entries(manifest: LoadedManifest, only: tuple[str, ...] = ()) -> list[ResolvedEntry]:
    """Every entry (or those named in `only`) resolved; raises ConfigError with every problem."""
    entries = manifest.manifest.entries
    known = [entry.name for entry in entries]
    unknown = [name for name in only if name not in known]
    if unknown:
        raise ConfigError(
            [
                ConfigIssue(
                    str(manifest.path),
                    None,
                    "entries",
                    f"no entry named {name!r} (known: {', '.join(known)})",
                    fix="pass one of the known names to --entry",
                )
                for name in unknown
            ]
        )
    issues: list[ConfigIssue] = []
    resolved: list[ResolvedEntry] = []
    for index, entry in enumerate(entries):
        if only and entry.name not in only:
            continue
        try:
            resolved.append(_resolve(manifest, index, entry))
        except ConfigError as error:
            issues += error.issues
    if issues:
        raise ConfigError(issues)
    return resolved


def _resolve(manifest: LoadedManifest, index: int, entry: Entry) -> ResolvedEntry:
    key = "video" if entry.video is not None else "images"
    written = entry.video if entry.video is not None else entry.images
    assert written is not None
    source = (manifest.folder / written).resolve()
    exists = source.is_file() if entry.video is not None else source.is_dir()
    if not exists:
        what = "video file" if entry.video is not None else "image folder"
        raise ConfigError(
            [
                manifest.issue(
                    index,
                    (key,),
                    f"no {what} at {source}",
                    fix=f"correct the path; a relative one is read from {manifest.folder}",
                )
            ]
        )
    if entry.images is not None:
        _check_boxes(manifest, index, entry, source)
    loaded = _load_config(manifest, index, entry, source)
    camera = _camera(manifest, index, entry, loaded)
    _check_rules(manifest, index, entry, loaded.config.cameras[camera])
    return ResolvedEntry(index, entry, source, loaded, camera)


def _load_config(manifest: LoadedManifest, index: int, entry: Entry, source: Path) -> LoadedConfig:
    # Example configurations read their source from NIGHTWATCH_SOURCE; the footage stands in.
    environ = {**manifest.environ, SOURCE_VARIABLE: str(source)}
    try:
        if isinstance(entry.config, dict):
            text = yaml.safe_dump(entry.config, sort_keys=False)
            return parse_config(text, f"{manifest.path} (entry {entry.name}'s config)", environ)
        path = (manifest.folder / str(entry.config)).resolve()
        if not path.is_file():
            raise ConfigError(
                [
                    manifest.issue(
                        index,
                        ("config",),
                        f"no configuration file at {path}",
                        fix=f"correct the path; a relative one is read from {manifest.folder}",
                    )
                ]
            )
        return load_config(path, environ)
    except ConfigError as error:
        if any(issue.file == str(manifest.path) for issue in error.issues):
            raise
        header = manifest.issue(
            index, ("config",), "its configuration has problems (below)", fix="correct them"
        )
        raise ConfigError([header, *error.issues]) from error


def _camera(manifest: LoadedManifest, index: int, entry: Entry, loaded: LoadedConfig) -> str:
    cameras = loaded.config.cameras
    if entry.camera is not None:
        if entry.camera in cameras:
            return entry.camera
        raise ConfigError(
            [
                manifest.issue(
                    index,
                    ("camera",),
                    f"the configuration has no camera {entry.camera!r} "
                    f"(known: {', '.join(cameras)})",
                    entry.camera,
                    fix="name one of the known cameras",
                )
            ]
        )
    enabled = [name for name, camera in cameras.items() if camera.enabled]
    if len(enabled) == 1:
        return enabled[0]
    raise ConfigError(
        [
            manifest.issue(
                index,
                ("config",),
                f"the configuration has {len(enabled)} enabled cameras "
                f"({', '.join(enabled) or 'none'}); which one runs on this footage?",
                fix="add camera: NAME to the entry",
            )
        ]
    )


def _check_rules(manifest: LoadedManifest, index: int, entry: Entry, camera: CameraConfig) -> None:
    """Expectations about a rule type the camera does not run could never be met (or broken)."""
    present = {rule.type for rule in camera.rules}
    listed = ", ".join(sorted(present)) or "none"
    issues: list[ConfigIssue] = []
    for event_index, event in enumerate(entry.events or ()):
        if event.rule not in present:
            issues.append(
                manifest.issue(
                    index,
                    ("events", event_index, "rule"),
                    f"the camera's configuration has no {event.rule} rule (its rules: {listed})",
                    fix="add the rule to the configuration, or use another configuration",
                )
            )
    for rule_index, rule in enumerate(entry.rules or ()):
        if rule not in present:
            issues.append(
                manifest.issue(
                    index,
                    ("rules", rule_index),
                    f"the camera's configuration has no {rule} rule (its rules: {listed}), "
                    "so it cannot alert falsely either",
                    fix="add the rule to the configuration, or use another configuration",
                )
            )
    if issues:
        raise ConfigError(issues)


def _check_boxes(manifest: LoadedManifest, index: int, entry: Entry, folder: Path) -> None:
    pattern = "gt/gt.txt" if entry.boxes == "mot" else "*.xml"
    if next(folder.rglob(pattern), None) is None:
        other = "voc" if entry.boxes == "mot" else "mot"
        raise ConfigError(
            [
                manifest.issue(
                    index,
                    ("images",),
                    f"no {entry.boxes.upper()} boxes ({pattern}) under {folder}",
                    fix=f"point images: at the sequence's folder, or set boxes: {other}",
                )
            ]
        )

"""Reading a manifest: ${VAR} from its variables and the environment, validation, and
errors that name the entry (by its name), the key, the line and the fix."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from config.errors import ConfigError, ConfigIssue
from config.loader import KeyPath, expand, read_yaml, validation_issues
from nightwatch.evaluation.manifest import SOURCE_VARIABLE, Manifest
from nightwatch.paths import shared_dir


class LoadedManifest:
    """A validated manifest, where it lies, the variables its entries see, and its lines."""

    def __init__(
        self,
        manifest: Manifest,
        path: Path,
        environ: Mapping[str, str],
        lines: Mapping[KeyPath, int],
    ) -> None:
        self.manifest = manifest
        self.path = path
        self.environ = dict(environ)
        self._lines = dict(lines)

    @property
    def folder(self) -> Path:
        return self.path.parent

    def issue(
        self, index: int, key: KeyPath, message: str, value: object = None, fix: str = ""
    ) -> ConfigIssue:
        """An issue about entry `index`'s `key`, naming the entry and pointing at its line."""
        path: KeyPath = ("entries", index, *key)
        line = next(
            (
                self._lines[path[:end]]
                for end in range(len(path), 0, -1)
                if path[:end] in self._lines
            ),
            None,
        )
        name = self.manifest.entries[index].name
        return ConfigIssue(str(self.path), line, _named(path, {index: name}), message, value, fix)


def base_environ(environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment, with NIGHTWATCH_SHARED set to the shared folder where it is unset."""
    values = dict(os.environ if environ is None else environ)
    values.setdefault("NIGHTWATCH_SHARED", str(shared_dir()))
    return values


def load_manifest(path: Path, environ: Mapping[str, str] | None = None) -> LoadedManifest:
    """Read, substitute and validate a manifest. Raises ConfigError naming entry and key."""
    file = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise ConfigError(
            [ConfigIssue(file, None, "", f"cannot read the manifest: {error.strerror}")]
        ) from error
    values = base_environ(environ)
    values = {**_variables(text, values), **values}
    # An entry's source is known only per entry: an inline configuration's ${NIGHTWATCH_SOURCE}
    # stays as written until that configuration is loaded for its entry.
    deferred = {**values, SOURCE_VARIABLE: "${" + SOURCE_VARIABLE + "}"}
    data, lines = read_yaml(text, file, deferred, first_section="entries")
    if not isinstance(data, dict):
        raise ConfigError(
            [ConfigIssue(file, 1, "", "the top level must be a mapping", fix="add entries:")]
        )
    try:
        manifest = Manifest.model_validate(data)
    except ValidationError as error:
        names = _entry_names(data)
        issues = [
            ConfigIssue(
                issue.file,
                issue.line,
                _named_text(issue.path, names),
                issue.message,
                issue.value,
                issue.fix,
            )
            for issue in validation_issues(error, file, lines)
        ]
        raise ConfigError(issues) from error
    return LoadedManifest(manifest, path.resolve(), {**manifest.variables, **values}, lines)


def _variables(text: str, environ: Mapping[str, str]) -> dict[str, str]:
    """The manifest's `variables:` with ${VAR} in them expanded from the environment.

    Read before the rest, because the rest may use them; a malformed file is left for the
    full reading to report."""
    try:
        document = yaml.safe_load(text)
    except yaml.YAMLError:
        return {}
    variables = document.get("variables") if isinstance(document, dict) else None
    if not isinstance(variables, dict):
        return {}
    return {str(key): expand(str(value), environ) for key, value in variables.items()}


def _entry_names(data: Mapping[str, Any]) -> dict[int, str]:
    entries = data.get("entries")
    if not isinstance(entries, list):
        return {}
    return {
        index: str(entry["name"])
        for index, entry in enumerate(entries)
        if isinstance(entry, dict) and isinstance(entry.get("name"), str)
    }


def _named(path: KeyPath, names: Mapping[int, str]) -> str:
    return _named_text(".".join(str(part) for part in path), names)


def _named_text(dotted: str, names: Mapping[int, str]) -> str:
    """entries.3.events.0.rule → entries.fall-lounge.events.0.rule (the entry by its name)."""
    parts = dotted.split(".")
    if len(parts) >= 2 and parts[0] == "entries" and parts[1].isdigit():
        parts[1] = names.get(int(parts[1]), parts[1])
    return ".".join(parts)

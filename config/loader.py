"""Load a YAML configuration: ${ENV} substitution, validation, errors with file and line."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from config.errors import ConfigError, ConfigIssue
from config.rules import RULE_TYPES
from config.schema import NightwatchConfig

_ENV_REFERENCE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}")
KeyPath = tuple[str | int, ...]


@dataclass(frozen=True, slots=True)
class LoadedConfig:
    """A validated configuration and where each key came from, for later error messages."""

    config: NightwatchConfig
    file: str
    lines: Mapping[KeyPath, int] = field(default_factory=dict)

    def issue(
        self, path: KeyPath, message: str, value: object = None, fix: str = ""
    ) -> ConfigIssue:
        """Build an issue that points at the line of `path` (or its nearest parent)."""
        return ConfigIssue(
            self.file, _line_of(self.lines, path), _dotted(path), message, value, fix
        )


def load_config(
    path: str | os.PathLike[str], environ: Mapping[str, str] | None = None
) -> LoadedConfig:
    """Read, substitute and validate a configuration file. Raises ConfigError."""
    file = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as error:
        raise ConfigError(
            [ConfigIssue(file, None, "", f"cannot read the file: {error.strerror}")]
        ) from error
    return parse_config(text, file, os.environ if environ is None else environ)


def parse_config(text: str, file: str, environ: Mapping[str, str]) -> LoadedConfig:
    """Validate configuration text; `file` is used in messages only."""
    data, lines = read_yaml(text, file, environ)
    if not isinstance(data, dict):
        raise ConfigError([ConfigIssue(file, 1, "", "the top level must be a mapping of sections")])
    try:
        config = NightwatchConfig.model_validate(data)
    except ValidationError as error:
        raise ConfigError(validation_issues(error, file, lines)) from error
    return LoadedConfig(config, file, lines)


def read_yaml(
    text: str, file: str, environ: Mapping[str, str], first_section: str = "cameras"
) -> tuple[Any, dict[KeyPath, int]]:
    """YAML text with ${VAR} replaced from `environ`, and the line of every key.

    Raises ConfigError for text that is not YAML, is empty, repeats a key or names an unset
    variable without a default. Other YAML files of the project (the evaluation manifest)
    read the same way, so their errors look alike.
    """
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        problem = getattr(error, "problem", None) or str(error)
        raise ConfigError(
            [
                ConfigIssue(
                    file,
                    line,
                    "",
                    f"not valid YAML: {problem}",
                    fix="check indentation and quoting",
                )
            ]
        ) from error
    if root is None:
        raise ConfigError(
            [ConfigIssue(file, 1, "", "the file is empty", fix=f"add a {first_section}: section")]
        )
    lines: dict[KeyPath, int] = {}
    issues: list[ConfigIssue] = []
    data = _to_python(root, (), lines, environ, file, issues)
    if issues:
        raise ConfigError(issues)
    return data, lines


def validation_issues(
    error: ValidationError, file: str, lines: Mapping[KeyPath, int]
) -> list[ConfigIssue]:
    """One issue per problem pydantic found, each with its line, key path, value and fix."""
    return [_issue_from(item, file, lines) for item in error.errors()]


def expand(value: str, environ: Mapping[str, str]) -> str:
    """`value` with ${VAR} and ${VAR:-default} replaced from `environ`; unset ones stay."""

    def replace(match: re.Match[str]) -> str:
        name, default = match.group(1), match.group(2)
        if name in environ:
            return environ[name]
        return default if default is not None else match.group(0)

    return _ENV_REFERENCE.sub(replace, value)


def _to_python(
    node: yaml.Node,
    path: KeyPath,
    lines: dict[KeyPath, int],
    environ: Mapping[str, str],
    file: str,
    issues: list[ConfigIssue],
) -> Any:
    lines[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        result: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key = yaml.safe_load(yaml.serialize(key_node))
            child = (*path, str(key))
            if key in result:
                issues.append(
                    ConfigIssue(
                        file,
                        key_node.start_mark.line + 1,
                        _dotted(child),
                        "key given twice",
                        fix="keep one of them",
                    )
                )
            result[key] = _to_python(value_node, child, lines, environ, file, issues)
            lines[child] = key_node.start_mark.line + 1
        return result
    if isinstance(node, yaml.SequenceNode):
        return [
            _to_python(item, (*path, index), lines, environ, file, issues)
            for index, item in enumerate(node.value)
        ]
    assert isinstance(node, yaml.ScalarNode)
    if node.style is None and "${" in node.value:
        return _scalar(_substitute(node.value, path, node, environ, file, issues))
    if "${" in node.value:
        return _substitute(node.value, path, node, environ, file, issues)
    return yaml.safe_load(yaml.serialize(node))


def _substitute(
    value: str,
    path: KeyPath,
    node: yaml.Node,
    environ: Mapping[str, str],
    file: str,
    issues: list[ConfigIssue],
) -> str:
    def replace(match: re.Match[str]) -> str:
        name, default = match.group(1), match.group(2)
        if name in environ:
            return environ[name]
        if default is not None:
            return default
        issues.append(
            ConfigIssue(
                file,
                node.start_mark.line + 1,
                _dotted(path),
                f"environment variable {name} is not set",
                value,
                fix=f"export {name}=... or write ${{{name}:-default}}",
            )
        )
        return ""

    return _ENV_REFERENCE.sub(replace, value)


def _scalar(text: str) -> Any:
    """Type a substituted plain scalar as YAML would have (numbers, booleans)."""
    try:
        return yaml.safe_load(text) if text else ""
    except yaml.YAMLError:
        return text


def _issue_from(error: Mapping[str, Any], file: str, lines: Mapping[KeyPath, int]) -> ConfigIssue:
    context: Mapping[str, Any] = error.get("ctx") or {}
    location: KeyPath = tuple(
        part for part in error["loc"] if not (isinstance(part, str) and part in _UNION_TAGS)
    )
    # A model-level check (PydanticCustomError) can name the key it is about, and its fix.
    location = (*location, *context.get("at", ()))
    kind = error["type"]
    message = str(error["msg"]).removeprefix("Value error, ")
    value = error.get("input")
    fix = str(context.get("fix", ""))
    if kind == "extra_forbidden":
        message = "unknown key"
        fix = "remove it or correct its spelling (see docs and config/examples/)"
        value = None
    elif kind == "missing":
        message = "required key is missing"
        value = None
    elif kind == "union_tag_invalid":
        fix = "use one of the rule types listed in docs/rules.md"
    elif kind in ("literal_error", "enum") and "expected" in context:
        fix = f"use one of {context['expected']}"
    elif kind in _BOUNDS and _BOUNDS[kind][0] in context:
        bound, words = _BOUNDS[kind]
        fix = f"use a value {words} {context[bound]}"
    if isinstance(value, dict | list):
        value = None
    return ConfigIssue(file, _line_of(lines, location), _dotted(location), message, value, fix)


_UNION_TAGS = set(RULE_TYPES)
_BOUNDS = {  # pydantic's error type: the bound in its context, and how to say it
    "greater_than_equal": ("ge", "of at least"),
    "greater_than": ("gt", "above"),
    "less_than_equal": ("le", "of at most"),
    "less_than": ("lt", "below"),
}


def _line_of(lines: Mapping[KeyPath, int], path: KeyPath) -> int | None:
    for end in range(len(path), -1, -1):
        line = lines.get(tuple(str(p) if isinstance(p, str) else p for p in path[:end]))
        if line is not None:
            return line
    return None


def _dotted(path: KeyPath) -> str:
    return ".".join(str(part) for part in path)

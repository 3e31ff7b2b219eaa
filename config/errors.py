"""Configuration errors that name the file, line, key path, bad value and fix."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

# Every `nightwatch` command exits with this status on a configuration (or model) problem.
EXIT_CONFIG = 2


@dataclass(frozen=True, slots=True)
class ConfigIssue:
    """One problem in a configuration file."""

    file: str
    line: int | None
    path: str
    message: str
    value: object = None
    fix: str = ""

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line is not None else self.file
        text = f"{where}: {self.path or '<top>'}: {self.message}"
        if self.value is not None:
            text += f" (got {self.value!r})"
        if self.fix:
            text += f"\n    fix: {self.fix}"
        return text


class ConfigError(Exception):
    """Raised when a configuration file cannot be used; carries every issue found."""

    def __init__(self, issues: Sequence[ConfigIssue]) -> None:
        self.issues = tuple(issues)
        super().__init__("\n".join(str(issue) for issue in self.issues))

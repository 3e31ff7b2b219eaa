"""The report's follow-up cases section: open cases, and those past their due date.

The store has no follow-up cases yet (they are being built beside the report); until it has,
`cases_section` is the one place that will read them, and gives an empty section.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Protocol

from alerts.report.model import Cases


class CaseSource(Protocol):
    """Follow-up cases as the report lists them (the store's case repository, once there)."""

    def open_cases(self, now: datetime) -> list[dict[str, Any]]: ...

    def overdue_cases(self, now: datetime) -> list[dict[str, Any]]: ...


def cases_section(source: CaseSource | None, now: datetime) -> Cases:
    """Open and overdue cases at `now`; empty while there is no case store to read."""
    if source is None:
        return Cases(open=[], overdue=[])
    return Cases(open=source.open_cases(now), overdue=source.overdue_cases(now))

"""One shift's report from the configuration and the store: figures, files and summary."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from alerts.report.figures import ReportScope, shift_report
from alerts.report.model import ShiftReport
from alerts.report.shift import Shift, shift_on
from alerts.report.summary import ShiftReportSummary, summary_of
from alerts.store import Store
from config.schema import NightwatchConfig
from config.storage import StorageConfig
from nightwatch.report.files import ReportFiles, write_report


@dataclass(frozen=True, slots=True)
class BuiltReport:
    report: ShiftReport
    files: ReportFiles
    summary: ShiftReportSummary


def reports_folder(storage: StorageConfig, day: date) -> Path:
    """Where the shift-end publisher keeps a date's report: <data_dir>/reports/<date>/."""
    return storage.data_path / "reports" / day.isoformat()


def shift_of(config: NightwatchConfig, day: date) -> Shift:
    return shift_on(day, config.site.shift, config.site.timezone)


def build_report(
    config: NightwatchConfig, store: Store, shift: Shift, folder: Path, now: datetime
) -> BuiltReport:
    """Compute the shift's figures and write report.json, .html and .pdf into `folder`."""
    teams = config.dispatch.teams if config.dispatch is not None else {}
    names = {team: team_config.name for team, team_config in teams.items() if team_config.name}
    scope = ReportScope(config.site.name, shift, tuple(teams), team_names=names, now=now)
    report = shift_report(store, scope)
    files = write_report(report, folder)
    summary = summary_of(report, _relative_files(files, config.storage.data_path))
    return BuiltReport(report, files, summary)


def _relative_files(files: ReportFiles, data_dir: Path) -> dict[str, str]:
    def shown(path: Path) -> str:
        try:
            return path.resolve().relative_to(data_dir.resolve()).as_posix()
        except ValueError:  # written elsewhere (--out): the full path
            return str(path.resolve())

    return {"json": shown(files.json), "html": shown(files.html), "pdf": shown(files.pdf)}

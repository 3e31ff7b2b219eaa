"""One shift's report from the configuration and the store: figures, files and summary."""

from __future__ import annotations

import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor
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

# How much lower than the cameras' process a child drawing a report runs (see draw_apart).
DRAWING_NICENESS = 10


@dataclass(frozen=True, slots=True)
class ReportFiles:
    """The folder's three files (this module, not the drawing's: a child process that drew
    them hands this back without its parent loading matplotlib)."""

    json: Path
    html: Path
    pdf: Path
    pdf_pages: int


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
    config: NightwatchConfig,
    store: Store,
    shift: Shift,
    folder: Path,
    now: datetime,
    apart: bool = False,
) -> BuiltReport:
    """Compute the shift's figures and write report.json, .html and .pdf into `folder`;
    `apart`: draw the files in a child process (`draw_apart`)."""
    teams = config.dispatch.teams if config.dispatch is not None else {}
    names = {team: team_config.name for team, team_config in teams.items() if team_config.name}
    scope = ReportScope(config.site.name, shift, tuple(teams), team_names=names, now=now)
    report = shift_report(store, scope)
    files = draw_apart(report, folder) if apart else draw(report, folder)
    summary = summary_of(report, _relative_files(files, config.storage.data_path))
    return BuiltReport(report, files, summary)


def draw(report: ShiftReport, folder: Path) -> ReportFiles:
    """Write the report's files here (matplotlib is loaded only now)."""
    from nightwatch.report.files import write_report

    return write_report(report, folder)


def draw_apart(report: ShiftReport, folder: Path) -> ReportFiles:
    """`draw` in a child process at a lower priority. Drawing the charts and the PDF takes
    seconds of Python; in the cameras' process it would hold their threads back, and their
    readers would fall behind live and skip groups of pictures. A fresh interpreter (spawn),
    since forking a process that runs threads is not safe."""
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(1, context, _lower_priority) as pool:
        return pool.submit(draw, report, folder).result()


def _lower_priority() -> None:
    os.nice(DRAWING_NICENESS)


def _relative_files(files: ReportFiles, data_dir: Path) -> dict[str, str]:
    def shown(path: Path) -> str:
        try:
            return path.resolve().relative_to(data_dir.resolve()).as_posix()
        except ValueError:  # written elsewhere (--out): the full path
            return str(path.resolve())

    return {"json": shown(files.json), "html": shown(files.html), "pdf": shown(files.pdf)}

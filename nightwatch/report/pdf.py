"""`report.pdf`: the tables on the first pages, then one chart per page (A4 landscape),
with matplotlib's PdfPages, so no other PDF library is needed."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

from matplotlib.backends.backend_pdf import PdfPages
from matplotlib.figure import Figure

from alerts.report.model import ShiftReport
from nightwatch.report.charts import A4_LANDSCAPE_IN
from nightwatch.report.labels import both
from nightwatch.report.tables import Table, report_tables, shift_heading

_ROWS_PER_PAGE = 14


def write_pdf(path: Path, report: ShiftReport, charts: Mapping[str, Figure]) -> int:
    """Write the PDF (inside `charts.cjk_drawing()`); returns its number of pages."""
    pages = [*table_pages(report), *charts.values()]
    metadata = {"Title": f"{both('title')} {shift_heading(report)}", "Creator": "Nightwatch"}
    with PdfPages(path, metadata=metadata) as pdf:
        for page in pages:
            pdf.savefig(page)
    return len(pages)


def table_pages(report: ShiftReport) -> list[Figure]:
    """The heading and every table, as many pages as they need."""
    pages: list[Figure] = []
    chunks = [chunk for table in report_tables(report) for chunk in _split(table)]
    heading = f"{both('title')}  {shift_heading(report)}"
    for start in range(0, len(chunks), 2):
        figure = Figure(figsize=A4_LANDSCAPE_IN)
        figure.text(0.05, 0.95, heading, fontsize=16, weight="bold", va="top")
        if report.is_empty and start == 0:
            figure.text(0.05, 0.90, both("empty"), fontsize=12, va="top")
        for slot, table in enumerate(chunks[start : start + 2]):
            _draw_table(figure, table, top=0.86 - slot * 0.43)
        pages.append(figure)
    return pages


def _split(table: Table) -> Sequence[Table]:
    if len(table.rows) <= _ROWS_PER_PAGE:
        return [table]
    return [
        Table(table.title, table.header, table.rows[start : start + _ROWS_PER_PAGE])
        for start in range(0, len(table.rows), _ROWS_PER_PAGE)
    ]


def _draw_table(figure: Figure, table: Table, top: float) -> None:
    figure.text(0.05, top, table.title, fontsize=12, weight="bold", va="bottom")
    height = 0.36
    axes = figure.add_axes((0.05, top - height - 0.01, 0.9, height))
    axes.set_axis_off()
    rows = [list(row) for row in table.rows] or [["—"] * len(table.header)]
    drawn = axes.table(cellText=rows, colLabels=list(table.header), loc="upper center")
    drawn.auto_set_font_size(False)
    drawn.set_fontsize(9)
    drawn.scale(1, 1.4)

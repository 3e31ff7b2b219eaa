"""Writing one shift's report folder: report.json, report.html and report.pdf."""

from __future__ import annotations

from pathlib import Path

from alerts.report.model import ShiftReport
from nightwatch.report.build import ReportFiles
from nightwatch.report.charts import cjk_drawing, png_bytes, report_charts
from nightwatch.report.html_page import render_html
from nightwatch.report.pdf import write_pdf


def write_report(report: ShiftReport, folder: Path) -> ReportFiles:
    """Write the three files into `folder` (made if missing); each replaces an older one
    only when complete, so a reader never sees half a file."""
    folder.mkdir(parents=True, exist_ok=True)
    files = ReportFiles(folder / "report.json", folder / "report.html", folder / "report.pdf", 0)
    _replace(files.json, report.to_json() + "\n")
    partial = files.pdf.with_suffix(".pdf.partial")
    with cjk_drawing():
        charts = report_charts(report)
        pngs = {name: png_bytes(figure) for name, figure in charts.items()}
        pages = write_pdf(partial, report, charts)
    _replace(files.html, render_html(report, pngs))
    partial.replace(files.pdf)
    return ReportFiles(files.json, files.html, files.pdf, pages)


def _replace(path: Path, text: str) -> None:
    partial = path.with_name(path.name + ".partial")
    partial.write_text(text, encoding="utf-8")
    partial.replace(path)

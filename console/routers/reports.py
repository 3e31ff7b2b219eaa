"""Shift reports (`nightwatch report`, and the one published at each shift's end): the list of
nights with their headline figures, and each night's report.json, report.html and report.pdf
as written under `<storage data dir>/reports/<date>/`."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Annotated, Literal

from fastapi import APIRouter, HTTPException, status
from fastapi import Path as PathParam
from fastapi.responses import FileResponse
from pydantic import Field, ValidationError

from alerts.report.model import ShiftReport
from console.deps import ReportReader, Services
from console.schemas.common import Out

router = APIRouter(prefix="/api/v1/reports", tags=["reports"])
ShiftDate = Annotated[str, PathParam(pattern=r"^\d{4}-\d{2}-\d{2}$", description="YYYY-MM-DD")]
# The HTML report is one self-contained page: its own style, pictures inline, no script.
REPORT_PAGE_POLICY = "default-src 'none'; img-src data:; style-src 'unsafe-inline'"
MEDIA = {"report.pdf": "application/pdf", "report.html": "text/html; charset=utf-8"}


class ReportSummary(Out):
    date: str
    window: str
    generated_at: datetime
    alerts: int
    dispatches: int
    unresolved: int
    escalations: int
    open_cases: int
    overdue_cases: int
    acknowledged_p50_s: dict[str, float | None] = Field(description="Per team.")
    html_url: str
    pdf_url: str


class ReportList(Out):
    items: list[ReportSummary]


@router.get("", response_model=ReportList)
def list_reports(_user: ReportReader, services: Services) -> ReportList:
    """Every night with a report, newest first (a folder whose report.json cannot be read
    is left out; `nightwatch report` writes it again)."""
    root = _root(services.config.storage.data_path)
    items = []
    folders = sorted(root.iterdir(), reverse=True) if root.is_dir() else []
    for folder in folders:
        report = _read(folder)
        if report is not None:
            items.append(_summary(report))
    return ReportList(items=items)


@router.get("/{shift}", response_model=ShiftReport, responses={404: {"description": "None"}})
def get_report(shift: ShiftDate, _user: ReportReader, services: Services) -> ShiftReport:
    report = _read(_folder(services.config.storage.data_path, shift))
    if report is None:
        raise HTTPException(
            status.HTTP_404_NOT_FOUND,
            f"no report for the shift of {shift}: `nightwatch report --shift {shift}` makes one",
        )
    return report


@router.get(
    "/{shift}/{document}", response_class=FileResponse, responses={404: {"description": "None"}}
)
def report_file(
    shift: ShiftDate,
    document: Literal["report.pdf", "report.html"],
    _user: ReportReader,
    services: Services,
) -> FileResponse:
    path = _folder(services.config.storage.data_path, shift) / document
    if not path.is_file():
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no {document} for the shift of {shift}")
    html = document == "report.html"
    headers = {"content-security-policy": REPORT_PAGE_POLICY} if html else {}
    return FileResponse(path, media_type=MEDIA[document], headers=headers)


def _root(data_path: Path) -> Path:
    return data_path / "reports"


def _folder(data_path: Path, shift: str) -> Path:
    try:
        day = date.fromisoformat(shift)
    except ValueError:
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT, f"{shift} is not a date: write YYYY-MM-DD"
        ) from None
    return _root(data_path) / day.isoformat()


def _read(folder: Path) -> ShiftReport | None:
    try:
        return ShiftReport.model_validate_json((folder / "report.json").read_text("utf-8"))
    except (OSError, ValidationError):
        return None


def _summary(report: ShiftReport) -> ReportSummary:
    day = report.shift.date
    return ReportSummary(
        date=day,
        window=report.shift.window,
        generated_at=report.generated_at,
        alerts=report.totals.alerts,
        dispatches=report.totals.dispatches,
        unresolved=report.totals.unresolved,
        escalations=report.escalations.total,
        open_cases=len(report.cases.open),
        overdue_cases=len(report.cases.overdue),
        acknowledged_p50_s={team: f.acknowledged_s.p50 for team, f in report.teams.items()},
        html_url=f"/api/v1/reports/{day}/report.html",
        pdf_url=f"/api/v1/reports/{day}/report.pdf",
    )

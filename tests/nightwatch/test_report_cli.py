"""`nightwatch report`: the real command on a store holding a scripted night."""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from PIL import Image

from alerts.store import open_configured_store
from config.schema import NightwatchConfig
from tests.alerts.report.support import EXPECTED_TEAMS, script_night, site_config
from tests.alerts.store.support import FakeClock
from tests.support.process import run_cli, write_config

CHARTS = 5  # by hour, response times, by camera, by rule, false alarms: the PDF's last pages
# A chart's bars are coloured; the table pages are black on white.
COLOURED_PIXELS_MIN = 0.01


@dataclass
class Site:
    config_path: Path
    folder: Path


@pytest.fixture
def site(tmp_path: Path) -> Iterator[Site]:
    """A configuration and its SQLite store, holding the scripted night of 2026-03-01."""
    document = site_config(storage={"data_dir": str(tmp_path / "data")})
    config = NightwatchConfig.model_validate(document)
    clock = FakeClock()
    store = open_configured_store(config.storage, clock)
    try:
        script_night(config, store, clock)
    finally:
        store.close()
    yield Site(write_config(tmp_path / "site.yaml", document), tmp_path)


def report(site: Site, *args: str) -> subprocess.CompletedProcess[str]:
    return run_cli(["report", "--config", str(site.config_path), *args], cwd=site.folder)


def rendered_pages(pdf: Path, folder: Path) -> list[Path]:
    """Every page of the PDF as a PNG, drawn by poppler's pdftoppm."""
    assert shutil.which("pdftoppm"), (
        "pdftoppm missing: install poppler-utils (make system-packages)"
    )
    subprocess.run(["pdftoppm", "-r", "30", "-png", str(pdf), str(folder / "page")], check=True)
    return sorted(folder.glob("page-*.png"))


def coloured_share(png: Path) -> float:
    """The share of pixels that are neither white, grey nor black."""
    saturation = Image.open(png).convert("HSV").getchannel("S")
    histogram = saturation.histogram()  # pixels per saturation 0-255
    return sum(histogram[81:]) / sum(histogram)


def test_the_report_of_a_night_holds_the_scripted_response_times(site: Site) -> None:
    out = site.folder / "out"

    result = report(site, "--shift", "2026-03-01", "--out", str(out))

    assert result.returncode == 0, result.stderr
    figures = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert figures["schema"] == "nightwatch.shift-report/1"
    assert figures["teams"] == EXPECTED_TEAMS
    assert figures["totals"]["alerts"] == 5 and figures["escalations"]["total"] == 1

    pages = rendered_pages(out / "report.pdf", site.folder)
    assert len(pages) > CHARTS
    shares = [coloured_share(page) for page in pages[-CHARTS:]]
    assert all(share > COLOURED_PIXELS_MIN for share in shares), shares
    pdf = str(out / "report.pdf")
    fonts = subprocess.run(["pdffonts", pdf], check=True, capture_output=True, text=True)
    assert "NotoSansCJK" in fonts.stdout  # the Chinese labels are drawn, not boxes

    page = (out / "report.html").read_text(encoding="utf-8")
    assert "夜班报告 Shift report" in page and "各队响应时间" in page
    assert page.count('src="data:image/png;base64,') == CHARTS
    assert "http://" not in page and "https://" not in page  # self-contained


def test_a_shift_without_alerts_is_an_empty_report_not_an_error(site: Site) -> None:
    out = site.folder / "quiet"

    result = report(site, "--shift", "2026-03-05", "--out", str(out))

    assert result.returncode == 0, result.stderr
    figures = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert figures["totals"] == {"alerts": 0, "dispatches": 0, "resolved": 0, "unresolved": 0}
    assert figures["teams"]["alpha"]["acknowledged_s"] == {
        "count": 0,
        "p50": None,
        "p90": None,
        "max": None,
    }
    pages = rendered_pages(out / "report.pdf", site.folder)
    assert len(pages) > CHARTS  # the charts are there, with nothing in them
    assert "本班次没有告警。 No alerts in this shift." in (out / "report.html").read_text()


def test_without_out_the_report_goes_to_the_data_folder(site: Site) -> None:
    result = report(site, "--shift", "2026-03-01")

    assert result.returncode == 0, result.stderr
    folder = site.folder / "data" / "reports" / "2026-03-01"
    assert {path.name for path in folder.iterdir()} == {"report.json", "report.html", "report.pdf"}


def test_a_malformed_shift_date_exits_2_saying_how_to_write_it(site: Site) -> None:
    result = report(site, "--shift", "2026/03/01")

    assert result.returncode == 2
    assert "--shift" in result.stderr and "'2026/03/01' is not YYYY-MM-DD" in result.stderr
    assert "e.g. --shift 2026-03-01" in result.stderr
    assert not (site.folder / "data" / "reports").exists()

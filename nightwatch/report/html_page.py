"""`report.html`: one self-contained page (charts as PNG data URIs), Chinese and English."""

from __future__ import annotations

import base64
from collections.abc import Mapping
from html import escape

from alerts.report.model import ShiftReport
from nightwatch.report.labels import both
from nightwatch.report.tables import Table, report_tables, shift_heading

_STYLE = """
body { font-family: "Noto Sans CJK SC", "Noto Sans SC", sans-serif; margin: 2em; color: #222; }
table { border-collapse: collapse; margin: 0.5em 0 1.5em; }
th, td { border: 1px solid #bbb; padding: 0.3em 0.7em; text-align: left; }
th { background: #eef2f7; }
img { max-width: 100%; height: auto; display: block; margin: 1em 0 2em; }
.empty { font-size: 1.2em; color: #666; }
"""


def render_html(report: ShiftReport, chart_pngs: Mapping[str, bytes]) -> str:
    """The page: heading, tables, then each chart as an embedded PNG."""
    heading = f"{both('title')} · {shift_heading(report)}"
    parts = [
        "<!doctype html>",
        '<html lang="zh-CN">',
        '<head><meta charset="utf-8">',
        f"<title>{escape(heading)}</title>",
        f"<style>{_STYLE}</style></head>",
        "<body>",
        f"<h1>{escape(heading)}</h1>",
        f"<p>{escape(both('generated'))}: {escape(report.generated_at.isoformat())}</p>",
    ]
    if report.is_empty:
        parts.append(f'<p class="empty">{escape(both("empty"))}</p>')
    parts += [_table(table) for table in report_tables(report)]
    for name, png in chart_pngs.items():
        data = base64.b64encode(png).decode("ascii")
        parts.append(
            f'<img id="chart-{escape(name)}" alt="{escape(both(name))}" '
            f'src="data:image/png;base64,{data}">'
        )
    parts += ["</body>", "</html>"]
    return "\n".join(parts) + "\n"


def _table(table: Table) -> str:
    header = "".join(f"<th>{escape(cell)}</th>" for cell in table.header)
    rows = "".join(
        "<tr>" + "".join(f"<td>{escape(cell)}</td>" for cell in row) + "</tr>" for row in table.rows
    )
    if not table.rows:
        rows = f'<tr><td colspan="{len(table.header)}">{escape(both("none"))}</td></tr>'
    return f"<h2>{escape(table.title)}</h2>\n<table><tr>{header}</tr>{rows}</table>"

"""The shift report's charts, drawn with matplotlib on Figures of their own (no pyplot) in a
CJK font, so the Chinese labels render.

Text (tick labels included, which matplotlib makes only when it draws) takes its font from
matplotlib's settings, so charts are made and saved inside `cjk_drawing()`, which sets the
font for that while and lets one report draw at a time.
"""

from __future__ import annotations

import io
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from functools import cache

from matplotlib import font_manager, rc_context
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from alerts.report.model import ShiftReport
from nightwatch.report.labels import both

CJK_FAMILIES = ("Noto Sans CJK SC", "Noto Sans CJK JP")
A4_LANDSCAPE_IN = (11.69, 8.27)
_MEASURES = ("acknowledged_s", "on_scene_s", "resolved_s")
_BAR = "#1f77b4"
_P50, _P90, _MAX = "#1f77b4", "#ff7f0e", "#d62728"
_DRAWING = threading.Lock()  # matplotlib's settings are process-wide


class FontMissingError(RuntimeError):
    """No CJK font for the report's Chinese labels."""


@cache
def cjk_family() -> str:
    """The first installed family of CJK_FAMILIES; FontMissingError says how to install one."""
    installed = {entry.name for entry in font_manager.fontManager.ttflist}
    for family in CJK_FAMILIES:
        if family in installed:
            return family
    raise FontMissingError(
        f"no CJK font for the report's Chinese text: none of {', '.join(CJK_FAMILIES)} is "
        "installed; install the Debian package fonts-noto-cjk (make system-packages does)"
    )


@contextmanager
def cjk_drawing() -> Iterator[None]:
    """Make and save the report's figures inside this: every text in the CJK font (it has
    Latin letters too). Raises FontMissingError when no CJK font is installed."""
    family = cjk_family()
    with (
        _DRAWING,
        rc_context({"font.family": "sans-serif", "font.sans-serif": [family, "DejaVu Sans"]}),
    ):
        yield


def png_bytes(figure: Figure, dpi: int = 110) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=dpi)
    return buffer.getvalue()


def report_charts(report: ShiftReport) -> dict[str, Figure]:
    """Each chart of the report by name, in the order the report shows them (call inside
    `cjk_drawing()`)."""
    by_hour = {hour.hour: hour.count for hour in report.alerts.by_hour}
    charts = {
        "by_hour": _bars(both("by_hour"), by_hour, both("hour")),
        "response": response_chart(report),
        "by_camera": _bars(both("by_camera"), report.alerts.by_camera, both("camera")),
        "by_rule": _bars(both("by_rule"), report.alerts.by_rule, both("rule")),
        "false_alarms": false_alarm_chart(report),
    }
    return charts


def response_chart(report: ShiftReport) -> Figure:
    """Per team, one panel per step: p50, p90 and max seconds from the first order."""
    figure = Figure(figsize=A4_LANDSCAPE_IN)
    figure.suptitle(both("response"), fontsize=14)
    teams = list(report.teams)
    panels = figure.subplots(1, len(_MEASURES), sharey=True, squeeze=False)[0]
    for axes, measure in zip(panels, _MEASURES, strict=True):
        axes.set_title(both(measure))
        positions = range(len(teams))
        width = 0.27
        for offset, (name, colour) in enumerate((("p50", _P50), ("p90", _P90), ("max", _MAX))):
            values = [
                _or_zero(getattr(getattr(report.teams[team], measure), name)) for team in teams
            ]
            xs = [position + (offset - 1) * width for position in positions]
            axes.bar(xs, values, width, color=colour, label=name)
        axes.set_xticks(list(positions), teams, rotation=30, ha="right")
        axes.grid(axis="y", alpha=0.3)
        if not teams:
            _say_none(axes)
    panels[0].set_ylabel("s")
    panels[-1].legend()
    figure.tight_layout()
    return figure


def false_alarm_chart(report: ShiftReport) -> Figure:
    """False alarms over resolved alerts, per camera and per rule (percent)."""
    figure = Figure(figsize=A4_LANDSCAPE_IN)
    figure.suptitle(both("false_alarms"), fontsize=14)
    panels = figure.subplots(1, 2, squeeze=False)[0]
    sections = (("camera", report.false_alarms.by_camera), ("rule", report.false_alarms.by_rule))
    for axes, (key, shares) in zip(panels, sections, strict=True):
        names = [name for name, share in shares.items() if share.share is not None]
        values = [100 * (shares[name].share or 0.0) for name in names]
        axes.bar(names, values, color=_MAX)
        axes.set_title(both(key))
        axes.set_ylim(0, 100)
        axes.set_ylabel("%")
        axes.tick_params(axis="x", labelrotation=30)
        if not names:
            _say_none(axes)
    figure.tight_layout()
    return figure


def _bars(title: str, counts: Mapping[str, int], xlabel: str) -> Figure:
    figure = Figure(figsize=A4_LANDSCAPE_IN)
    axes = figure.add_subplot()
    names = list(counts)
    bars = axes.bar(names, [counts[name] for name in names], color=_BAR)
    axes.bar_label(bars)
    axes.set_title(title, fontsize=14)
    axes.set_xlabel(xlabel)
    axes.set_ylabel(both("count"))
    axes.yaxis.set_major_locator(MaxNLocator(integer=True))
    axes.tick_params(axis="x", labelrotation=30 if len(names) > 6 else 0)
    if not names:
        _say_none(axes)
    figure.tight_layout()
    return figure


def _say_none(axes: Axes) -> None:
    axes.text(0.5, 0.5, both("none"), ha="center", va="center", transform=axes.transAxes)


def _or_zero(value: float | None) -> float:
    return 0.0 if value is None else value

"""One clip's timeline as a PNG: per rule type, the expected windows and the alerts' spans.

The one module that imports matplotlib; it draws on a Figure of its own (no pyplot, no
global state), so it works without a display and from any thread.
"""

from __future__ import annotations

from pathlib import Path

from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from nightwatch.evaluation.scoring import AlertSpan, ClipScore

_WINDOW = "#8fd18f"  # where an alert must start
_END_WINDOW = "#f6c26b"  # where it must end
_FOUND = "#1f77b4"
_FALSE = "#d62728"
_OTHER = "#9a9a9a"
_BAR = 0.36  # height of an alert's bar, in rows


def draw_timeline(
    path: Path,
    title: str,
    score: ClipScore,
    judged: tuple[str, ...],
    duration_s: float,
    held_from_s: float | None = None,
) -> None:
    """Write the picture to `path` (PNG); `held_from_s`: where the clip's last picture is
    held (prepared clips), shaded."""
    others = sorted({alert.rule_type for alert in score.other_alerts} - set(judged))
    rows = list(judged) + others
    figure = Figure(figsize=(12, 1.5 + 0.6 * max(len(rows), 2)), dpi=100)
    axes = figure.add_subplot()
    legend = [
        Patch(color=_WINDOW, label="alert must start"),
        Patch(facecolor=_END_WINDOW, hatch="//", edgecolor="#b07800", label="alert must end"),
        Patch(color=_FOUND, label="alert (matched)"),
        Patch(color=_FALSE, label="alert (false)"),
        Patch(color=_OTHER, label="alert (not judged)"),
    ]
    if held_from_s is not None and held_from_s < duration_s:
        axes.axvspan(held_from_s, duration_s, color="#eeeeee", zorder=0)
        legend.append(Patch(color="#eeeeee", label="last picture held"))
    for outcome in score.outcomes:
        event = outcome.event
        row = rows.index(event.rule)
        start, end = event.window
        axes.broken_barh([(start, max(end - start, 0.05))], (row - 0.45, 0.9), color=_WINDOW)
        if event.end is not None:
            axes.broken_barh(
                [(event.end[0], max(event.end[1] - event.end[0], 0.05))],
                (row - 0.45, 0.9),
                facecolor=_END_WINDOW,
                hatch="//",
                edgecolor="#b07800",
                linewidth=0,
            )
        axes.plot([event.reference_s] * 2, [row - 0.45, row + 0.45], color="#2b7a2b", lw=1.5)
    matched = {outcome.alert.id for outcome in score.outcomes if outcome.alert is not None}
    alerts = [*(o.alert for o in score.outcomes if o.alert is not None), *score.false_alerts]
    for alert in [*alerts, *score.other_alerts]:
        if alert.rule_type not in rows:
            continue
        colour = _FOUND if alert.id in matched else _FALSE
        if alert.rule_type not in judged:
            colour = _OTHER
        _draw_alert(axes, alert, rows.index(alert.rule_type), colour, duration_s)
    axes.set_xlim(0, max(duration_s, 1.0) * 1.02)
    axes.set_ylim(-0.6, max(len(rows), 1) - 0.4)
    axes.set_yticks(range(len(rows)), rows)
    axes.invert_yaxis()
    axes.set_xlabel("video time (s)")
    axes.grid(axis="x", alpha=0.3)
    axes.set_title(title, loc="left", fontsize=10)
    axes.legend(
        handles=legend, loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8, frameon=False
    )
    figure.tight_layout()
    figure.savefig(path, format="png")


def _draw_alert(axes: Axes, alert: AlertSpan, row: int, colour: str, duration_s: float) -> None:
    end = alert.end_s if alert.end_s is not None else duration_s
    width = max(end - alert.start_s, 0.05)
    axes.broken_barh([(alert.start_s, width)], (row - _BAR / 2, _BAR), color=colour)
    axes.plot([alert.start_s], [row], marker="|", markersize=14, color=colour)
    if alert.open_at_end or alert.end_s is None:
        axes.plot([end], [row], marker=">", markersize=7, color=colour)

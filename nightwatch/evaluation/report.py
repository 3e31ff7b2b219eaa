"""What `nightwatch evaluate` found: per entry and overall, as a table, as JSON, as a status."""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from nightwatch.evaluation.ground_truth import DetectionRun
from nightwatch.evaluation.manifest import PersonExpectation
from nightwatch.evaluation.scoring import AlertSpan, ClipScore, person_shortfalls
from nightwatch.mot_eval import Score

REPORT_SCHEMA = "nightwatch.evaluation/1"
EXIT_PASSED = 0
EXIT_SHORT = 1  # an entry fell short of its expectation


@dataclass(frozen=True, slots=True)
class ClipResult:
    """One video entry's run and score."""

    name: str
    source: str
    clip: str  # the file analysed: the source, or its prepared copy
    config: str
    judged: tuple[str, ...]
    frames: int
    duration_s: float
    seconds: float  # wall-clock time the run took
    score: ClipScore
    timeline: str | None = None  # the picture's file name in the output folder

    @property
    def passed(self) -> bool:
        return self.score.passed

    def shortfalls(self) -> list[str]:
        return self.score.shortfalls()

    def to_json(self) -> dict[str, Any]:
        score = self.score
        return {
            "name": self.name,
            "kind": "video",
            "passed": self.passed,
            "shortfalls": self.shortfalls(),
            "source": self.source,
            "clip": self.clip,
            "config": self.config,
            "rules_judged": list(self.judged),
            "frames": self.frames,
            "duration_s": round(self.duration_s, 3),
            "seconds": round(self.seconds, 1),
            "events_expected": score.expected,
            "found": score.found,
            "missed": score.missed,
            "false": score.false,
            "ends_missed": score.ends_missed,
            "precision": _rounded(score.precision),
            "recall": _rounded(score.recall),
            "events": [
                {
                    "rule": outcome.event.rule,
                    "window": list(outcome.event.window),
                    "at": outcome.event.reference_s,
                    "region": None if outcome.event.region is None else list(outcome.event.region),
                    "end": None if outcome.event.end is None else list(outcome.event.end),
                    "note": outcome.event.note,
                    "found": outcome.found,
                    "alert": None if outcome.alert is None else _alert_json(outcome.alert),
                    "delay_s": _rounded(outcome.delay_s),
                    "end_ok": outcome.end_ok,
                }
                for outcome in score.outcomes
            ],
            "false_alerts": [_alert_json(alert) for alert in score.false_alerts],
            "other_alerts": [_alert_json(alert) for alert in score.other_alerts],
            "timeline": self.timeline,
        }


@dataclass(frozen=True, slots=True)
class ImagesResult:
    """One image-sequence entry's person detection figures."""

    name: str
    source: str
    config: str
    expectation: PersonExpectation
    run: DetectionRun
    seconds: float

    @property
    def passed(self) -> bool:
        return not self.shortfalls()

    def shortfalls(self) -> list[str]:
        return person_shortfalls(self.run.score, self.expectation)

    def to_json(self) -> dict[str, Any]:
        score = self.run.score
        return {
            "name": self.name,
            "kind": "images",
            "passed": self.passed,
            "shortfalls": self.shortfalls(),
            "source": self.source,
            "config": self.config,
            "frames": self.run.frames,
            "seconds": round(self.seconds, 1),
            "precision": round(score.precision, 3),
            "recall": round(score.recall, 3),
            "precision_min": self.expectation.precision_min,
            "recall_min": self.expectation.recall_min,
            "true_positives": score.true_positives,
            "false_positives": score.false_positives,
            "false_negatives": score.false_negatives,
            "ms_per_frame": round(self.run.ms_per_frame, 1),
        }


EntryResult = ClipResult | ImagesResult


def _alert_json(alert: AlertSpan) -> dict[str, Any]:
    return {
        "id": alert.id,
        "rule": alert.rule,
        "rule_type": alert.rule_type,
        "start_s": alert.start_s,
        "end_s": alert.end_s,
        "open_at_end": alert.open_at_end,
        "boxes": [[round(value, 4) for value in box] for box in alert.boxes],
    }


def _rounded(value: float | None, digits: int = 3) -> float | None:
    return None if value is None else round(value, digits)


def exit_status(results: Sequence[EntryResult]) -> int:
    """0 when every entry met its expectation, 1 when one fell short."""
    return EXIT_PASSED if all(result.passed for result in results) else EXIT_SHORT


def overall(results: Sequence[EntryResult]) -> dict[str, Any]:
    """The figures over every entry: events pooled over the clips, persons over the images."""
    clips = [result for result in results if isinstance(result, ClipResult)]
    images = [result for result in results if isinstance(result, ImagesResult)]
    found = sum(result.score.found for result in clips)
    expected = sum(result.score.expected for result in clips)
    false = sum(result.score.false for result in clips)
    delays = [delay for result in clips for delay in result.score.delays_s]
    people = Score()
    for result in images:
        people.true_positives += result.run.score.true_positives
        people.false_positives += result.run.score.false_positives
        people.false_negatives += result.run.score.false_negatives
    return {
        "entries": len(results),
        "passed": sum(result.passed for result in results),
        "failed": [result.name for result in results if not result.passed],
        "events_expected": expected,
        "found": found,
        "missed": expected - found,
        "false": false,
        "ends_missed": sum(result.score.ends_missed for result in clips),
        "precision": _rounded(found / (found + false)) if found + false else None,
        "recall": _rounded(found / expected) if expected else None,
        "delay_median_s": _rounded(statistics.median(delays)) if delays else None,
        "delay_max_s": _rounded(max(delays)) if delays else None,
        "person_precision": _rounded(people.precision) if images else None,
        "person_recall": _rounded(people.recall) if images else None,
    }


def report_json(manifest: str, results: Sequence[EntryResult], seconds: float) -> dict[str, Any]:
    return {
        "schema": REPORT_SCHEMA,
        "manifest": manifest,
        "passed": exit_status(results) == EXIT_PASSED,
        "seconds": round(seconds, 1),
        "overall": overall(results),
        "entries": [result.to_json() for result in results],
    }


_HEADER = ("entry", "kind", "found", "missed", "false", "delay s", "P", "R", "result")


def table(results: Sequence[EntryResult]) -> str:
    """A plain-text table, one line per entry (shortfalls indented below it), and the totals."""
    rows = [_row(result) for result in results]
    widths = [max(len(row[column]) for row in [_HEADER, *rows]) for column in range(len(_HEADER))]
    lines = ["  ".join(text.ljust(width) for text, width in zip(_HEADER, widths, strict=True))]
    for result, row in zip(results, rows, strict=True):
        lines.append("  ".join(text.ljust(width) for text, width in zip(row, widths, strict=True)))
        lines += [f"    - {line}" for line in result.shortfalls()]
    lines.append(_overall_line(overall(results)))
    return "\n".join(line.rstrip() for line in lines)


def _row(result: EntryResult) -> tuple[str, ...]:
    verdict = "pass" if result.passed else "FAIL"
    if isinstance(result, ImagesResult):
        people = result.run.score
        expectation = result.expectation
        return (
            result.name,
            f"{result.run.frames} images",
            "-",
            "-",
            "-",
            f"({result.run.ms_per_frame:.0f} ms/image)",
            f"{people.precision:.3f} (≥{expectation.precision_min:g})",
            f"{people.recall:.3f} (≥{expectation.recall_min:g})",
            verdict,
        )
    score = result.score
    delays = ", ".join(f"{delay:+.1f}" for delay in score.delays_s) or "-"
    return (
        result.name,
        "video",
        f"{score.found}/{score.expected}",
        str(score.missed),
        str(score.false),
        delays,
        _figure(score.precision),
        _figure(score.recall),
        verdict,
    )


def _figure(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"


def _overall_line(figures: dict[str, Any]) -> str:
    text = (
        f"overall: {figures['passed']} of {figures['entries']} entries pass; events "
        f"{figures['found']} of {figures['events_expected']} found, {figures['missed']} missed, "
        f"{figures['false']} false alerts, {figures['ends_missed']} wrong ends"
    )
    if figures["delay_median_s"] is not None:
        text += (
            f"; delay median {figures['delay_median_s']:+.1f} s, "
            f"max {figures['delay_max_s']:+.1f} s"
        )
    if figures["person_precision"] is not None:
        text += (
            f"; persons on images P {figures['person_precision']:.3f} "
            f"R {figures['person_recall']:.3f}"
        )
    return text

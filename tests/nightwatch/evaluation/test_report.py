"""The report: the exit status, the table a person reads, and the overall figures."""

from __future__ import annotations

from nightwatch.evaluation.ground_truth import DetectionRun
from nightwatch.evaluation.manifest import ExpectedEvent, PersonExpectation
from nightwatch.evaluation.report import (
    ClipResult,
    EntryResult,
    ImagesResult,
    exit_status,
    overall,
    report_json,
    table,
)
from nightwatch.evaluation.scoring import AlertSpan, score_clip
from nightwatch.mot_eval import Score


def clip_result(name: str, alert_starts: list[float]) -> ClipResult:
    events = [ExpectedEvent(rule="person_down", window=(8.0, 20.0), at=8.0)]
    alerts = [
        AlertSpan(f"a{index}", "down", "person_down", start, start + 5, False, ())
        for index, start in enumerate(alert_starts)
    ]
    return ClipResult(
        name=name,
        source=f"{name}.mp4",
        clip=f"{name}.mp4",
        config="person_down.yaml",
        judged=("person_down",),
        frames=100,
        duration_s=30.0,
        seconds=4.0,
        score=score_clip(events, ("person_down",), alerts),
        timeline=f"timeline-{name}.png",
    )


def images_result(true_positives: int, false_positives: int, misses: int) -> ImagesResult:
    return ImagesResult(
        name="thermal",
        source="llvip",
        config="quickstart.yaml",
        expectation=PersonExpectation(precision_min=0.85, recall_min=0.75),
        run=DetectionRun(Score(true_positives, false_positives, misses), 50, 30.0),
        seconds=3.0,
    )


def test_every_entry_met_exits_0_and_one_short_exits_1() -> None:
    met: list[EntryResult] = [clip_result("fall", [18.0]), images_result(80, 10, 20)]
    assert exit_status(met) == 0
    assert exit_status([*met, clip_result("late-fall", [23.0])]) == 1
    assert exit_status([images_result(70, 10, 30)]) == 1  # recall 0.7 under 0.75


def test_the_table_gives_each_entry_its_figures_and_what_fell_short() -> None:
    text = table(
        [clip_result("fall", [18.0]), clip_result("late", [23.0]), images_result(70, 10, 30)]
    )
    lines = text.splitlines()
    assert lines[0].split() == [
        "entry",
        "kind",
        "found",
        "missed",
        "false",
        "delay",
        "s",
        "P",
        "R",
        "result",
    ]
    assert lines[1].split() == ["fall", "video", "1/1", "0", "0", "+10.0", "1.00", "1.00", "pass"]
    assert lines[2].split()[:4] == ["late", "video", "0/1", "1"]
    assert lines[3] == "    - missed person_down starting in [8, 20] s"
    assert lines[4] == "    - false person_down alert (down) at 23 s"
    assert "0.875 (≥0.85)" in lines[5] and "0.700 (≥0.75)" in lines[5] and "FAIL" in lines[5]
    assert lines[6] == "    - person recall 0.700 < 0.75"
    assert lines[-1].startswith("overall: 1 of 3 entries pass; events 1 of 2 found, 1 missed")


def test_overall_figures_pool_the_clips_and_the_images() -> None:
    results: list[EntryResult] = [
        clip_result("fall", [18.0]),
        clip_result("late", [23.0]),
        images_result(70, 10, 30),
    ]
    figures = overall(results)
    assert figures["failed"] == ["late", "thermal"]
    assert (figures["found"], figures["missed"], figures["false"]) == (1, 1, 1)
    assert (figures["precision"], figures["recall"]) == (0.5, 0.5)
    assert figures["delay_median_s"] == 10.0
    assert (figures["person_precision"], figures["person_recall"]) == (0.875, 0.7)
    report = report_json("manifest.yaml", results, 12.0)
    assert report["passed"] is False
    assert [entry["name"] for entry in report["entries"]] == ["fall", "late", "thermal"]
    assert report["entries"][0]["events"][0]["delay_s"] == 10.0

"""Matching alerts to expected events: windows, regions, one alert per event, negatives,
delays, ends, and the figures. Pure: no model, no video."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from alerts.payloads import AlertPayload, ObjectPayload
from nightwatch.evaluation.manifest import ExpectedEvent
from nightwatch.evaluation.scoring import AlertSpan, alert_spans, score_clip
from tests.support.factories import BASE_TIME

DOWN = "person_down"
JUDGED = (DOWN,)


def event(start: float, until: float, rule: str = DOWN, **fields: Any) -> ExpectedEvent:
    return ExpectedEvent(rule=rule, window=(start, until), **fields)


def alert(
    start_s: float,
    end_s: float | None = None,
    rule_type: str = DOWN,
    boxes: tuple[tuple[float, float, float, float], ...] = ((0.4, 0.4, 0.6, 0.9),),
    open_at_end: bool = False,
    alert_id: str | None = None,
) -> AlertSpan:
    return AlertSpan(
        id=alert_id or f"{rule_type}-{start_s}",
        rule=rule_type,
        rule_type=rule_type,
        start_s=start_s,
        end_s=end_s,
        open_at_end=open_at_end,
        boxes=boxes,
    )


@pytest.mark.parametrize("start_s", [8.0, 12.5, 20.0])
def test_an_alert_starting_inside_the_window_finds_the_event(start_s: float) -> None:
    score = score_clip([event(8.0, 20.0)], JUDGED, [alert(start_s)])
    assert (score.found, score.missed, score.false) == (1, 0, 0)
    assert score.passed


@pytest.mark.parametrize("start_s", [7.9, 20.1])
def test_an_alert_outside_the_window_is_a_miss_and_a_false_alert(start_s: float) -> None:
    score = score_clip([event(8.0, 20.0)], JUDGED, [alert(start_s)])
    assert (score.found, score.missed, score.false) == (0, 1, 1)
    assert not score.passed
    assert score.shortfalls() == [
        "missed person_down starting in [8, 20] s",
        f"false person_down alert (person_down) at {start_s:g} s",
    ]


def test_an_alert_of_another_rule_type_does_not_find_the_event() -> None:
    score = score_clip([event(8.0, 20.0)], JUDGED, [alert(10.0, rule_type="intrusion")])
    assert (score.found, score.missed, score.false) == (0, 1, 0)
    assert [span.rule_type for span in score.other_alerts] == ["intrusion"]


def test_the_alert_must_overlap_the_region() -> None:
    bag = event(0.0, 30.0, region=(0.7, 0.7, 0.9, 0.9))
    elsewhere = alert(10.0, boxes=((0.1, 0.1, 0.3, 0.3),))
    over_it = alert(12.0, boxes=((0.1, 0.1, 0.3, 0.3), (0.8, 0.8, 0.95, 0.95)))
    score = score_clip([bag], JUDGED, [elsewhere, over_it])
    [outcome] = score.outcomes
    assert outcome.alert == over_it  # the later one: the earlier one is somewhere else
    assert [span.id for span in score.false_alerts] == [elsewhere.id]


def test_touching_the_region_at_an_edge_is_not_overlapping_it() -> None:
    score = score_clip(
        [event(0.0, 30.0, region=(0.5, 0.0, 1.0, 1.0))],
        JUDGED,
        [alert(5.0, boxes=((0.2, 0.2, 0.5, 0.8),))],
    )
    assert score.missed == 1


def test_an_alert_without_objects_cannot_meet_a_region() -> None:
    score = score_clip(
        [event(0.0, 30.0, region=(0.0, 0.0, 1.0, 1.0))], JUDGED, [alert(5, boxes=())]
    )
    assert score.missed == 1


def test_the_first_alert_in_the_window_is_the_one_that_matches() -> None:
    first, second = alert(9.0), alert(11.0)
    score = score_clip([event(8.0, 20.0)], JUDGED, [second, first])
    assert score.outcomes[0].alert == first
    assert score.false_alerts == (second,)


def test_one_alert_finds_one_event_only() -> None:
    score = score_clip([event(0.0, 20.0), event(5.0, 25.0)], JUDGED, [alert(10.0)])
    assert (score.found, score.missed, score.false) == (1, 1, 0)
    assert score.outcomes[0].found and not score.outcomes[1].found


def test_events_are_matched_in_the_order_of_their_windows() -> None:
    later, earlier = event(40.0, 60.0), event(10.0, 30.0)
    score = score_clip([later, earlier], JUDGED, [alert(45.0), alert(15.0)])
    assert [outcome.alert.start_s for outcome in score.outcomes if outcome.alert] == [45.0, 15.0]
    assert score.passed


def test_on_a_negative_clip_every_judged_alert_is_false_and_others_are_not_judged() -> None:
    alerts = [alert(3.0), alert(9.0), alert(4.0, rule_type="intrusion")]
    score = score_clip([], JUDGED, alerts)
    assert (score.expected, score.false) == (0, 2)
    assert score.precision == 0.0 and score.recall is None
    assert [span.rule_type for span in score.other_alerts] == ["intrusion"]
    assert not score.passed


def test_a_quiet_negative_clip_passes_with_no_figures() -> None:
    score = score_clip([], JUDGED, [alert(4.0, rule_type="intrusion")])
    assert score.passed
    assert (score.precision, score.recall) == (None, None)


def test_the_delay_runs_from_the_window_start_or_from_at() -> None:
    score = score_clip(
        [event(8.0, 20.0), event(30.0, 50.0, at=32.0)], JUDGED, [alert(18.5), alert(31.0)]
    )
    assert [outcome.delay_s for outcome in score.outcomes] == [10.5, -1.0]
    assert score.delays_s == [10.5, -1.0]


def test_an_end_inside_the_end_window_passes() -> None:
    score = score_clip([event(140.0, 170.0, end=(177.0, 190.0))], JUDGED, [alert(160.0, 185.0)])
    assert score.outcomes[0].end_ok is True
    assert score.passed


@pytest.mark.parametrize(
    ("end_s", "open_at_end", "said"),
    [
        (175.0, False, "ended at 175 s"),
        (None, False, "was still open at the end of the video"),
        (188.0, True, "was still open at the end of the video"),  # the file's end, not its own
    ],
)
def test_an_end_outside_the_end_window_falls_short(
    end_s: float | None, open_at_end: bool, said: str
) -> None:
    span = alert(160.0, end_s, open_at_end=open_at_end)
    score = score_clip([event(140.0, 170.0, end=(177.0, 190.0))], JUDGED, [span])
    assert (score.found, score.ends_missed) == (1, 1)
    assert not score.passed
    assert score.shortfalls() == [f"person_down alert of [140, 170] s {said}, not in [177, 190] s"]


def test_no_end_window_means_the_end_is_not_judged() -> None:
    score = score_clip([event(0.0, 10.0)], JUDGED, [alert(5.0, open_at_end=True)])
    assert score.outcomes[0].end_ok is None
    assert score.passed


def test_precision_and_recall_count_events_and_alerts() -> None:
    events = [event(0.0, 10.0), event(20.0, 30.0), event(40.0, 50.0), event(60.0, 70.0)]
    alerts = [alert(5.0), alert(25.0), alert(35.0)]
    score = score_clip(events, JUDGED, alerts)
    assert (score.found, score.missed, score.false) == (2, 2, 1)
    assert score.precision == pytest.approx(2 / 3)
    assert score.recall == 0.5


def payload(alert_id: str, kind: str, offset_s: float, boxes: list[list[float]]) -> AlertPayload:
    moment = BASE_TIME + timedelta(seconds=offset_s)
    return AlertPayload(
        id=alert_id,
        type=kind,
        site="s",
        camera="cam",
        rule="down-1",
        rule_type=DOWN,
        zone="frame",
        severity="high",
        started_at=BASE_TIME,
        frame_time=moment,
        objects=tuple(
            ObjectPayload(track_id=1, label="person", score=0.9, box=tuple(box)) for box in boxes
        ),
        video_offset_s=offset_s,
    )


def test_alert_messages_become_spans_with_normalised_boxes() -> None:
    messages = [
        payload("b", "new", 30.0, [[0, 0, 10, 10]]),
        payload("a", "new", 12.0, [[100, 50, 300, 250]]),
        payload("a", "update", 14.0, [[0, 0, 10, 10]]),
        payload("a", "end", 20.0, []),
        payload("b", "end", 40.0, []),
    ]
    first, second = alert_spans(messages, width=400, height=500, open_at_end={"b"})
    assert (first.id, first.start_s, first.end_s, first.open_at_end) == ("a", 12.0, 20.0, False)
    assert first.boxes == ((0.25, 0.1, 0.75, 0.5),)  # as the alert started, not updated
    assert (second.id, second.end_s, second.open_at_end) == ("b", 40.0, True)

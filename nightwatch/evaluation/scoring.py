"""Matching alerts to expected events, and the figures: pure, no model, no video.

An expected event is found by the first alert of its rule type that starts inside its window
(and, when it has a region, one of whose objects overlaps that region as the alert starts).
Events are taken in the order of their windows; each alert matches at most one event. An
alert of a judged rule type that matches no event is false. An event with an `end` window
also needs its alert's end message inside that window; an alert still open when the video
ended has not ended.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass

from alerts.payloads import AlertPayload
from nightwatch.evaluation.manifest import ExpectedEvent, PersonExpectation, Region
from nightwatch.mot_eval import Score

Box = tuple[float, float, float, float]


@dataclass(frozen=True, slots=True)
class AlertSpan:
    """One alert as seen in the video: from its new message to its end message."""

    id: str
    rule: str
    rule_type: str
    start_s: float
    end_s: float | None  # the end message's time; None: none came
    open_at_end: bool  # still open when the video ended (its end is the file's)
    boxes: tuple[Box, ...]  # its objects when it started, normalised [x1, y1, x2, y2]


def alert_spans(
    payloads: Iterable[AlertPayload],
    width: int,
    height: int,
    open_at_end: Collection[str] = (),
) -> list[AlertSpan]:
    """The alerts behind a stream of alert messages (with `video_offset_s`), by start."""
    starts: dict[str, AlertPayload] = {}
    ends: dict[str, float] = {}
    for payload in payloads:
        offset = payload.video_offset_s or 0.0
        if payload.type == "new":
            starts[payload.id] = payload
        elif payload.type == "end":
            ends[payload.id] = offset
    spans = [
        AlertSpan(
            id=alert_id,
            rule=first.rule,
            rule_type=first.rule_type,
            start_s=first.video_offset_s or 0.0,
            end_s=ends.get(alert_id),
            open_at_end=alert_id in open_at_end,
            boxes=tuple(
                (
                    item.box[0] / width,
                    item.box[1] / height,
                    item.box[2] / width,
                    item.box[3] / height,
                )
                for item in first.objects
            ),
        )
        for alert_id, first in starts.items()
    ]
    return sorted(spans, key=lambda span: span.start_s)


def overlaps(box: Box, region: Region) -> bool:
    """Whether the two normalised boxes share some area."""
    return min(box[2], region[2]) > max(box[0], region[0]) and min(box[3], region[3]) > max(
        box[1], region[1]
    )


@dataclass(frozen=True, slots=True)
class EventOutcome:
    """One expected event and the alert that was found for it, if any."""

    event: ExpectedEvent
    alert: AlertSpan | None

    @property
    def found(self) -> bool:
        return self.alert is not None

    @property
    def delay_s(self) -> float | None:
        """Seconds from the event (`at`, else the window's start) to the alert's start."""
        return None if self.alert is None else self.alert.start_s - self.event.reference_s

    @property
    def end_ok(self) -> bool | None:
        """Whether the alert ended inside the end window (None: no end was expected)."""
        window = self.event.end
        if window is None or self.alert is None:
            return None
        alert = self.alert
        return (
            alert.end_s is not None
            and not alert.open_at_end
            and window[0] <= alert.end_s <= window[1]
        )


@dataclass(frozen=True, slots=True)
class ClipScore:
    outcomes: tuple[EventOutcome, ...]
    false_alerts: tuple[AlertSpan, ...]
    other_alerts: tuple[AlertSpan, ...]  # rule types the entry does not judge

    @property
    def expected(self) -> int:
        return len(self.outcomes)

    @property
    def found(self) -> int:
        return sum(outcome.found for outcome in self.outcomes)

    @property
    def missed(self) -> int:
        return self.expected - self.found

    @property
    def false(self) -> int:
        return len(self.false_alerts)

    @property
    def ends_missed(self) -> int:
        return sum(outcome.end_ok is False for outcome in self.outcomes)

    @property
    def precision(self) -> float | None:
        """Matched alerts among the judged ones (None: there were none)."""
        alerts = self.found + self.false
        return self.found / alerts if alerts else None

    @property
    def recall(self) -> float | None:
        """Found events among the expected ones (None: none were expected)."""
        return self.found / self.expected if self.expected else None

    @property
    def delays_s(self) -> list[float]:
        return [outcome.delay_s for outcome in self.outcomes if outcome.delay_s is not None]

    @property
    def passed(self) -> bool:
        return not (self.missed or self.false or self.ends_missed)

    def shortfalls(self) -> list[str]:
        """What fell short, one line each, in words."""
        lines = []
        for outcome in self.outcomes:
            event = outcome.event
            where = f"[{event.window[0]:g}, {event.window[1]:g}] s"
            if outcome.alert is None:
                lines.append(f"missed {event.rule} starting in {where}")
            elif outcome.end_ok is False and event.end is not None:
                ended = (
                    "was still open at the end of the video"
                    if outcome.alert.open_at_end or outcome.alert.end_s is None
                    else f"ended at {outcome.alert.end_s:g} s"
                )
                lines.append(
                    f"{event.rule} alert of {where} {ended}, not in "
                    f"[{event.end[0]:g}, {event.end[1]:g}] s"
                )
        lines += [
            f"false {alert.rule_type} alert ({alert.rule}) at {alert.start_s:g} s"
            for alert in self.false_alerts
        ]
        return lines


def score_clip(
    events: Sequence[ExpectedEvent], judged: Collection[str], alerts: Sequence[AlertSpan]
) -> ClipScore:
    """Match `alerts` to `events` (see the module's docstring)."""
    candidates = sorted(
        (alert for alert in alerts if alert.rule_type in judged), key=lambda a: a.start_s
    )
    used: set[str] = set()
    found: dict[int, AlertSpan] = {}
    for index in sorted(range(len(events)), key=lambda i: events[i].window):
        event = events[index]
        match = next(
            (alert for alert in candidates if alert.id not in used and _fits(event, alert)), None
        )
        if match is not None:
            used.add(match.id)
            found[index] = match
    return ClipScore(
        outcomes=tuple(EventOutcome(event, found.get(i)) for i, event in enumerate(events)),
        false_alerts=tuple(alert for alert in candidates if alert.id not in used),
        other_alerts=tuple(alert for alert in alerts if alert.rule_type not in judged),
    )


def _fits(event: ExpectedEvent, alert: AlertSpan) -> bool:
    if alert.rule_type != event.rule:
        return False
    if not event.window[0] <= alert.start_s <= event.window[1]:
        return False
    region = event.region
    return region is None or any(overlaps(box, region) for box in alert.boxes)


def person_shortfalls(score: Score, expectation: PersonExpectation) -> list[str]:
    """Person precision or recall under its minimum, in words."""
    lines = []
    if score.precision < expectation.precision_min:
        lines.append(f"person precision {score.precision:.3f} < {expectation.precision_min:g}")
    if score.recall < expectation.recall_min:
        lines.append(f"person recall {score.recall:.3f} < {expectation.recall_min:g}")
    return lines

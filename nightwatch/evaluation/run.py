"""Run every entry of a manifest through the real model and rules, and score it."""

from __future__ import annotations

import time
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

from alerts.payloads import AlertPayload
from config.errors import ConfigError
from config.loader import LoadedConfig
from detectors.yolo import YoloDetector
from ingest.source import SourceError, SourceSettings, VideoSource
from nightwatch.analyze_cli import analyze_video
from nightwatch.evaluation.clips import PrepareError, prepared_clip
from nightwatch.evaluation.entries import ResolvedEntry
from nightwatch.evaluation.ground_truth import ground_truth_frames, score_people
from nightwatch.evaluation.loading import LoadedManifest
from nightwatch.evaluation.report import ClipResult, EntryResult, ImagesResult
from nightwatch.evaluation.scoring import alert_spans, score_clip
from nightwatch.evaluation.timeline import draw_timeline
from nightwatch.startup import check_labels, load_detector


@dataclass(frozen=True, slots=True)
class RunSettings:
    out: Path  # report.json and the timelines go here
    cache: Path  # prepared clips go here
    progress: bool


class Detectors:
    """One loaded model per distinct model setting; every configuration's labels checked."""

    def __init__(self) -> None:
        self._loaded: dict[tuple[str, str, int | None], YoloDetector] = {}

    def get(self, loaded: LoadedConfig) -> YoloDetector:
        model = loaded.config.model
        key = (model.path, model.device, model.requests)
        detector = self._loaded.get(key)
        if detector is None:
            detector = self._loaded[key] = load_detector(loaded)
        else:
            check_labels(loaded, list(detector.names.values()))
        return detector


def evaluate(
    manifest: LoadedManifest, entries: list[ResolvedEntry], settings: RunSettings
) -> list[EntryResult]:
    """Score each entry in turn. The models load first, so a bad one fails before any run."""
    detectors = Detectors()
    for entry in entries:
        detectors.get(entry.loaded)
    settings.out.mkdir(parents=True, exist_ok=True)
    results: list[EntryResult] = []
    for position, entry in enumerate(entries, start=1):
        label = f"{position}/{len(entries)} {entry.name}" if settings.progress else None
        detector = detectors.get(entry.loaded)
        if entry.is_video:
            results.append(_run_clip(manifest, entry, detector, settings, label))
        else:
            results.append(_run_images(manifest, entry, detector, label))
    return results


def _run_clip(
    manifest: LoadedManifest,
    entry: ResolvedEntry,
    detector: YoloDetector,
    settings: RunSettings,
    label: str | None,
) -> ClipResult:
    started = time.perf_counter()
    try:
        clip = prepared_clip(entry.source, entry.entry.prepare, settings.cache)
    except PrepareError as error:
        raise ConfigError([manifest.issue(entry.index, ("prepare",), str(error))]) from error
    payloads: list[AlertPayload] = []
    try:
        width, height, duration_s = _probe(clip)
        [summary] = analyze_video(
            entry.loaded,
            str(clip),
            detector,
            payloads.append,
            camera=entry.camera_name,
            progress=label is not None,
            progress_label=label,
        )
    except SourceError as error:
        raise ConfigError(
            [manifest.issue(entry.index, ("video",), f"cannot analyse {clip}: {error}")]
        ) from error
    events = entry.entry.events or ()
    judged = entry.entry.judged_rules
    score = score_clip(events, judged, alert_spans(payloads, width, height, summary.open_at_end))
    duration_s = max(duration_s, summary.last_offset_s or 0.0)
    timeline = f"timeline-{entry.name}.png"
    verdict = "pass" if score.passed else "FAIL"
    title = (
        f"{entry.name}: {verdict} · found {score.found} of {score.expected}, "
        f"{score.false} false · {clip.name}"
    )
    window_ends = [event.window[1] for event in events] + [
        event.end[1] for event in events if event.end is not None
    ]
    prepare = entry.entry.prepare
    held_s = prepare.hold_last_s if prepare is not None else None
    draw_timeline(
        settings.out / timeline,
        title,
        score,
        judged,
        max([duration_s, *window_ends]),
        held_from_s=None if held_s is None else duration_s - held_s,
    )
    return ClipResult(
        name=entry.name,
        source=str(entry.source),
        clip=str(clip),
        config=entry.loaded.file,
        judged=judged,
        frames=summary.frames,
        duration_s=duration_s,
        seconds=time.perf_counter() - started,
        score=score,
        timeline=timeline,
    )


def _probe(clip: Path) -> tuple[int, int, float]:
    """The clip's picture size and length in seconds."""
    source = VideoSource(SourceSettings(str(clip), realtime=False))
    try:
        stream = source.stream
        width, height = source.info.width, source.info.height
        if stream.duration is not None and stream.time_base is not None:
            return width, height, float(stream.duration * Fraction(stream.time_base))
        frames = stream.frames or 0
        return width, height, frames / source.info.fps if source.info.fps else 0.0
    finally:
        source.close()


def _run_images(
    manifest: LoadedManifest, entry: ResolvedEntry, detector: YoloDetector, label: str | None
) -> ImagesResult:
    started = time.perf_counter()
    try:
        frames = ground_truth_frames(entry.source, entry.entry.boxes)
    except (OSError, ValueError) as error:  # a missing picture, a malformed box file
        raise ConfigError(
            [manifest.issue(entry.index, ("images",), f"cannot read the boxes: {error}")]
        ) from error
    run = score_people(detector, frames, entry.camera, label)
    assert entry.entry.person is not None  # the manifest's schema asks it of images
    return ImagesResult(
        name=entry.name,
        source=str(entry.source),
        config=entry.loaded.file,
        expectation=entry.entry.person,
        run=run,
        seconds=time.perf_counter() - started,
    )

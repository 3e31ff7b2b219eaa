"""Person precision and recall on an image sequence with boxes: MOT (gt/gt.txt) or Pascal VOC.

MOT boxes count as `nightwatch.mot_eval` says (consider=1, pedestrian, visibility >= 0.5).
A VOC `person` object counts unless it is marked `difficult`; a difficult person is "don't
care" (a detection on it is neither right nor wrong), as in the VOC benchmark. Other VOC
classes are not persons: a detection on one is a false person.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from xml.etree import ElementTree

import numpy as np
from tqdm import tqdm

from config.schema import CameraConfig
from detectors.enhance import PictureEnhancer
from detectors.perception import tile_grid
from detectors.yolo import DetectSettings, YoloDetector
from ingest.images import read_image
from nightwatch.mot_eval import GroundTruthFrame, Score, load_frames, score_frame

_IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".bmp")


@dataclass(frozen=True, slots=True)
class DetectionRun:
    score: Score
    frames: int
    ms_per_frame: float  # the detector's time per picture (reading it not included)


def load_voc_frames(root: Path) -> Iterator[GroundTruthFrame]:
    """The annotated pictures under `root` (XML beside the pictures, or Annotations/ beside
    JPEGImages/), in the order of the XML files' paths."""
    files = sorted(root.rglob("*.xml"))
    if not files:
        raise FileNotFoundError(f"no Pascal VOC annotations (*.xml) under {root}")
    for file in files:
        tree = ElementTree.parse(file)
        people: list[list[float]] = []
        dont_care: list[list[float]] = []
        for item in tree.iterfind("object"):
            box = item.find("bndbox")
            if box is None:
                continue
            xyxy = [float(box.findtext(key, "0")) for key in ("xmin", "ymin", "xmax", "ymax")]
            name = (item.findtext("name") or "").strip().lower()
            difficult = (item.findtext("difficult") or "0").strip() == "1"
            if name == "person":
                (dont_care if difficult else people).append(xyxy)
        yield GroundTruthFrame(
            _voc_image(file, tree.findtext("filename")), _boxes(people), _boxes(dont_care)
        )


def _boxes(rows: list[list[float]]) -> np.ndarray[tuple[int, int], np.dtype[np.float32]]:
    return np.asarray(rows, np.float32).reshape(-1, 4)


def _voc_image(annotation: Path, filename: str | None) -> Path:
    folders = [annotation.parent, annotation.parent.parent / "JPEGImages"]
    names = [filename.strip()] if filename and filename.strip() else []
    names += [annotation.stem + suffix for suffix in _IMAGE_SUFFIXES]
    for folder in folders:
        for name in names:
            if (folder / name).is_file():
                return folder / name
    raise FileNotFoundError(
        f"no picture for {annotation} (looked for {names[0]} beside it and in ../JPEGImages)"
    )


def ground_truth_frames(root: Path, boxes: str) -> list[GroundTruthFrame]:
    """Every annotated picture of the sequence(s) under `root`, boxes in `boxes` format."""
    return list(load_frames(root) if boxes == "mot" else load_voc_frames(root))


def score_people(
    detector: YoloDetector,
    frames: list[GroundTruthFrame],
    camera: CameraConfig,
    progress: str | None,
) -> DetectionRun:
    """Detect persons on every picture with the camera's detect settings (tiles included)."""
    detect = camera.detect
    settings = DetectSettings(("person",), detect.confidence, detect.imgsz)
    grid = tile_grid(detect)
    enhance = PictureEnhancer(detect.enhance)
    score, elapsed = Score(), 0.0
    bar = tqdm(frames, desc=progress, unit="frame", disable=progress is None, file=sys.stderr)
    for truth in bar:
        image = read_image(truth.image_path)
        started = time.perf_counter()
        image = enhance(image)
        if grid is None:
            found = detector.detect(image, settings)
        else:
            found = detector.detect_tiled(image, settings, grid)
        elapsed += time.perf_counter() - started
        score_frame(found.xyxy, found.score, truth, score)
    return DetectionRun(score, len(frames), 1000 * elapsed / max(len(frames), 1))

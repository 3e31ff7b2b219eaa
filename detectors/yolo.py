"""Ultralytics YOLO detection and ByteTrack / BoT-SORT tracking: the one module that imports it."""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from detectors.detections import Detections
from detectors.tiling import TileGrid, combine
from ingest.frame import Image

log = logging.getLogger(__name__)

WEIGHT_SUFFIXES = (".pt", ".onnx", ".engine", ".torchscript", ".tflite", ".mlpackage")


class ModelError(Exception):
    """Weights that cannot be loaded; the message says what to change."""


@dataclass(frozen=True, slots=True)
class DetectSettings:
    """Per-camera detection settings."""

    labels: tuple[str, ...]
    confidence: float
    imgsz: int


def _check_path(path: str) -> None:
    candidate = Path(path)
    is_bare_name = "/" not in path and not candidate.exists()
    if candidate.is_dir():
        if not any(candidate.glob("*.xml")) and not any(candidate.glob("*.mlmodel")):
            raise ModelError(
                f"model folder {path} holds no OpenVINO .xml; point model.path at a "
                "*_openvino_model folder exported by Ultralytics"
            )
        return
    if not is_bare_name and not candidate.exists():
        raise ModelError(f"model file {path} does not exist; check model.path")
    if candidate.suffix not in WEIGHT_SUFFIXES:
        known = ", ".join(WEIGHT_SUFFIXES)
        raise ModelError(
            f"model {path!r} is not a format Ultralytics loads (known: {known}, "
            "or an OpenVINO folder); set model.path to one of those"
        )


def _max_batch(path: str) -> int:
    """How many images one forward pass takes: exports with a fixed batch say so in metadata."""
    if path.endswith(".pt"):
        return 16
    metadata_file = Path(path) / "metadata.yaml"
    if not metadata_file.is_file():
        return 1
    metadata = yaml.safe_load(metadata_file.read_text(encoding="utf-8")) or {}
    if (metadata.get("args") or {}).get("dynamic"):
        return 16
    return int(metadata.get("batch") or 1)


class YoloDetector:
    """A loaded YOLO model. Thread-compatible: one caller at a time."""

    def __init__(self, path: str, device: str = "cpu") -> None:
        _check_path(path)
        # Ultralytics prints its info lines to stdout, which would mix with `--json` output.
        os.environ.setdefault("YOLO_VERBOSE", "False")
        from ultralytics import YOLO  # deferred: importing it costs seconds

        try:
            self._model = YOLO(path, task="detect")
        except (ConnectionError, TimeoutError) as error:
            raise ModelError(
                f"could not download {path!r} ({error}); this machine seems offline. "
                "Download the weights on a connected machine, copy them here and set model.path "
                "to the file (or to an exported *_openvino_model folder)"
            ) from error
        except Exception as error:  # Ultralytics raises many types for unreadable weights
            raise ModelError(f"cannot load model {path!r}: {error}") from error
        self._device = device
        self.max_batch = _max_batch(path)
        self.names: dict[int, str] = {
            int(key): str(value) for key, value in self._model.names.items()
        }
        self._ids_by_label = {label: class_id for class_id, label in self.names.items()}

    def class_ids(self, labels: tuple[str, ...]) -> list[int]:
        """Class ids for labels; raises KeyError naming the first unknown label."""
        return [self._ids_by_label[label] for label in labels]

    def warm_up(self, imgsz: int) -> None:
        """Run once on a blank image so the first real frame is not slow."""
        self.detect(np.zeros((imgsz, imgsz, 3), np.uint8), DetectSettings(("person",), 0.5, imgsz))

    def detect(
        self, image: Image, settings: DetectSettings, floor: float | None = None
    ) -> Detections:
        """Objects of the wanted labels scoring at least `floor` (default: the confidence)."""
        return self.detect_many([image], settings, floor)[0]

    def detect_many(
        self, images: list[Image], settings: DetectSettings, floor: float | None = None
    ) -> list[Detections]:
        """Detect on several images with the same settings, as one batch when the model allows.

        Exports with a fixed batch of 1 (the usual OpenVINO and TensorRT exports) run the
        images one after another; PyTorch weights and dynamic exports take them as a batch.
        """
        arguments = {
            "conf": settings.confidence if floor is None else floor,
            "imgsz": settings.imgsz,
            "classes": self.class_ids(settings.labels),
            "device": self._device,
            "verbose": False,
        }
        results: list[Any] = []
        step = max(1, self.max_batch)
        for start in range(0, len(images), step):
            batch = images[start : start + step]
            results += self._model.predict(batch if step > 1 else batch[0], **arguments)
        return [self._to_detections(result) for result in results]

    def detect_tiled(
        self, image: Image, settings: DetectSettings, grid: TileGrid, floor: float | None = None
    ) -> Detections:
        """Detect on the whole frame and on overlapping tiles, merged (for small objects)."""
        height, width = image.shape[:2]
        tiles = grid.boxes(width, height)
        crops = [image] + [image[y1:y2, x1:x2] for x1, y1, x2, y2 in tiles]
        found = self.detect_many(crops, settings, floor)
        return combine(found[0], found[1:], tiles, grid, (width, height))

    def _to_detections(self, result: Any) -> Detections:
        boxes = result.boxes.cpu().numpy()
        class_ids = boxes.cls.astype(np.int64)
        return Detections.of(
            xyxy=boxes.xyxy.astype(np.float32),
            score=boxes.conf.astype(np.float32),
            label=np.asarray([self.names[int(cid)] for cid in class_ids], np.str_),
        )


class _BoxesView:
    """What Ultralytics' trackers read from a detection batch (conf, cls, xywh, xyxy)."""

    def __init__(
        self, xyxy: np.ndarray[Any, Any], conf: np.ndarray[Any, Any], cls: np.ndarray[Any, Any]
    ) -> None:
        self.xyxy, self.conf, self.cls = xyxy, conf, cls
        self.xywh = (
            np.column_stack(
                [
                    (xyxy[:, 0] + xyxy[:, 2]) / 2,
                    (xyxy[:, 1] + xyxy[:, 3]) / 2,
                    xyxy[:, 2] - xyxy[:, 0],
                    xyxy[:, 3] - xyxy[:, 1],
                ]
            )
            if len(xyxy)
            else np.zeros((0, 4), np.float32)
        )

    def __len__(self) -> int:
        return len(self.conf)

    def __getitem__(self, index: Any) -> _BoxesView:
        return _BoxesView(self.xyxy[index], self.conf[index], self.cls[index])


class ObjectTracker:
    """One camera's tracker (ByteTrack or BoT-SORT) giving stable track ids."""

    LOW_SCORE = 0.1  # detections this low are kept for ByteTrack's second association stage

    def __init__(
        self, kind: str, confidence: float, frame_rate: float, lost_s: float = 6.0
    ) -> None:
        from ultralytics.trackers.bot_sort import BOTSORT
        from ultralytics.trackers.byte_tracker import BYTETracker
        from ultralytics.utils import YAML, IterableSimpleNamespace
        from ultralytics.utils.checks import check_yaml

        args = IterableSimpleNamespace(**YAML.load(check_yaml(f"{kind}.yaml")))
        args.track_high_thresh = confidence
        args.new_track_thresh = confidence
        args.track_low_thresh = min(self.LOW_SCORE, confidence)
        args.track_buffer = max(1, round(lost_s * frame_rate))
        if kind == "botsort":
            args.with_reid = False
        self._tracker = BOTSORT(args) if kind == "botsort" else BYTETracker(args)
        self._vocabulary: dict[str, int] = {}

    def update(self, detections: Detections, image: Image) -> Detections:
        """Detections of confirmed tracks, with their track ids."""
        codes = np.asarray(
            [
                self._vocabulary.setdefault(str(label), len(self._vocabulary))
                for label in detections.label
            ],
            np.float32,
        )
        boxes = _BoxesView(detections.xyxy.astype(np.float32), detections.score, codes)
        tracks = self._tracker.update(boxes, image)
        if len(tracks) == 0:
            return Detections.empty()
        labels_by_code = {code: label for label, code in self._vocabulary.items()}
        return Detections.of(
            xyxy=tracks[:, 0:4],
            score=tracks[:, 5],
            label=[labels_by_code[int(code)] for code in tracks[:, 6]],
            track_id=tracks[:, 4].astype(np.int64),
        )

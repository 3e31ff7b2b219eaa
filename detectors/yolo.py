"""Ultralytics YOLO detection, pose and ByteTrack / BoT-SORT tracking: the one module that
imports it."""

from __future__ import annotations

import logging
import os
import threading
from dataclasses import dataclass
from typing import Any

import numpy as np

from detectors.observation import Detections
from detectors.openvino_cpu import InferRequestCall, OpenVinoModel
from detectors.tiling import TileGrid, combine, crops
from detectors.weights import ModelError, check_path, export_shape, openvino_xml
from ingest.frame import Image

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class DetectSettings:
    """Per-camera detection settings."""

    labels: tuple[str, ...]
    confidence: float
    imgsz: int


class YoloDetector:
    """A loaded YOLO model. Thread-compatible: one caller at a time; `lanes` for more."""

    def __init__(
        self,
        path: str,
        device: str = "cpu",
        requests: int | None = None,
        shared: OpenVinoModel | None = None,
    ) -> None:
        """`requests`: pictures in flight at once (None: four per throughput-mode stream).

        Only OpenVINO models on the CPU run several; every other model runs one at a time.
        `shared`: the compiled OpenVINO model of the detector this one is a lane of.
        """
        if requests is not None and requests < 1:
            raise ModelError(
                f"{requests} pictures at once is not possible; set model.requests to 1 or more, "
                "or leave it out to let OpenVINO choose"
            )
        check_path(path)
        # Ultralytics prints its info lines to stdout, which would mix with `--json` output.
        os.environ.setdefault("YOLO_VERBOSE", "False")
        from ultralytics import YOLO  # deferred: importing it costs seconds

        self._path = path
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
        self.max_batch, self.fixed_imgsz = export_shape(path)
        self.names: dict[int, str] = {
            int(key): str(value) for key, value in self._model.names.items()
        }
        self._ids_by_label = {label: class_id for class_id, label in self.names.items()}
        self._openvino = shared
        xml = openvino_xml(path, device)
        if shared is None and xml is not None:
            self._openvino = OpenVinoModel(xml, requests)
        if self._openvino is not None and not self._use_request(self._openvino):
            log.warning("this Ultralytics version runs OpenVINO differently; one picture at a time")
            self._openvino = None

    @property
    def parallel_requests(self) -> int:
        """How many pictures the model runs at once at its best (threads that should call it)."""
        return self._openvino.requests if self._openvino is not None else 1

    def lanes(self) -> list[YoloDetector]:
        """This detector and a copy per further request; each may be called on its own thread.

        The copies share the compiled model (and its streams) but not Ultralytics' predictor,
        which keeps per-call state.
        """
        copies = [
            YoloDetector(self._path, self._device, shared=self._openvino)
            for _ in range(self.parallel_requests - 1)
        ]
        return [self, *copies]

    @property
    def runs_own_requests(self) -> bool:
        """True while calls go to this lane's infer requests of the shared OpenVINO model."""
        backend = self._backend()
        return isinstance(getattr(backend, "ov_compiled_model", None), InferRequestCall)

    def _backend(self) -> Any:
        predictor = getattr(self._model, "predictor", None)
        return getattr(getattr(predictor, "model", None), "backend", None)

    def _use_request(self, model: OpenVinoModel) -> bool:
        """Point Ultralytics' OpenVINO backend at this lane's infer requests, letterboxing
        to the smallest rectangle when the model takes any size; False if it has no such
        backend."""
        blank = np.zeros((64, 64, 3), np.uint8)
        # The device must be the one every later call passes, or Ultralytics rebuilds the backend.
        self._model.predict(blank, device=self._device, verbose=False)
        backend = self._backend()
        if backend is None or not hasattr(backend, "ov_compiled_model"):
            return False
        if getattr(backend, "read_model", None) is not None:  # recompiles per input shape
            return False
        backend.ov_compiled_model = model.request()
        # Ultralytics letterboxes "dynamic" models to the smallest rectangle, others to the
        # exported square.
        backend.dynamic = model.any_size
        return True

    def class_ids(self, labels: tuple[str, ...]) -> list[int]:
        """Class ids for labels; raises KeyError naming the first unknown label."""
        return [self._ids_by_label[label] for label in labels]

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
            # A fixed-size export letterboxes within its own size (Ultralytics does the same
            # until told the model takes any shape, as the reshaped OpenVINO model is).
            "imgsz": self.fixed_imgsz or settings.imgsz,
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
        pictures, tiles = crops(image, grid)
        found = self.detect_many(pictures, settings, floor)
        height, width = image.shape[:2]
        return combine(found[0], found[1:], tiles, grid, (width, height))

    def _to_detections(self, result: Any) -> Detections:
        boxes = result.boxes.cpu().numpy()
        class_ids = boxes.cls.astype(np.int64)
        return Detections.of(
            xyxy=boxes.xyxy.astype(np.float32),
            score=boxes.conf.astype(np.float32),
            label=np.asarray([self.names[int(cid)] for cid in class_ids], np.str_),
        )


class PoseModel:
    """A YOLO pose model (COCO keypoints), e.g. yolov8n-pose; safe to share between cameras
    (calls take turns: it runs for a few candidate people, not on every frame)."""

    def __init__(self, path: str, device: str = "cpu") -> None:
        check_path(path)
        os.environ.setdefault("YOLO_VERBOSE", "False")
        from ultralytics import YOLO

        try:
            self._model = YOLO(path, task="pose")
        except Exception as error:  # Ultralytics raises many types for unreadable weights
            raise ModelError(f"cannot load pose model {path!r}: {error}") from error
        self._device = device
        self._lock = threading.Lock()

    def people(self, image: Image, floor: float = 0.1) -> Detections:
        """The people in a picture scoring at least `floor`, with their keypoints."""
        with self._lock:
            [result] = self._model.predict(image, conf=floor, device=self._device, verbose=False)
        boxes = result.boxes.cpu().numpy()
        count = len(boxes.conf)
        keypoints = np.zeros((count, 17, 3), np.float32)
        if count and result.keypoints is not None:
            points = result.keypoints.cpu().numpy()
            keypoints[:, :, :2] = points.xy
            keypoints[:, :, 2] = points.conf if points.conf is not None else 1.0
        found = Detections.of(boxes.xyxy.astype(np.float32), boxes.conf, ["person"] * count)
        return found.with_keypoints(keypoints)


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
    """One camera's tracker (ByteTrack or BoT-SORT) giving stable track ids.

    A track not seen for `lost_s` seconds ends, whether the tracker was stepped on every
    sampled frame or only now and then (the motion gate keeps the detector off a still
    scene): Ultralytics counts its lost-track buffer in updates, so the buffer here is time.
    """

    LOW_SCORE = 0.1  # detections this low are kept for ByteTrack's second association stage
    _NEVER = 2**31 - 1  # Ultralytics' own buffer, in updates: time ends tracks before it does

    def __init__(self, kind: str, confidence: float, lost_s: float = 6.0) -> None:
        from ultralytics.trackers.bot_sort import BOTSORT
        from ultralytics.trackers.byte_tracker import BYTETracker
        from ultralytics.utils import YAML, IterableSimpleNamespace
        from ultralytics.utils.checks import check_yaml

        args = IterableSimpleNamespace(**YAML.load(check_yaml(f"{kind}.yaml")))
        args.track_high_thresh = confidence
        args.new_track_thresh = confidence
        args.track_low_thresh = min(self.LOW_SCORE, confidence)
        args.track_buffer = self._NEVER
        if kind == "botsort":
            args.with_reid = False
        self._tracker = BOTSORT(args) if kind == "botsort" else BYTETracker(args)
        self._vocabulary: dict[str, int] = {}
        self.lost_s = lost_s
        self._seen_s: dict[int, float] = {}  # track id: when it was last matched
        self.untracked = Detections.empty()  # the last picture's detections no track took

    def update(self, detections: Detections, image: Image, now_s: float) -> Detections:
        """Confirmed tracks with their ids, each with the box the detector found for it in
        this picture (not the tracker's smoothed estimate, which lags a person who falls or
        turns by seconds); `now_s` is the picture's time in seconds (any clock that only goes
        forward). The detections no track took are `untracked` afterwards."""
        self._end_lost_tracks(now_s)
        codes = np.asarray(
            [
                self._vocabulary.setdefault(str(label), len(self._vocabulary))
                for label in detections.label
            ],
            np.float32,
        )
        boxes = _BoxesView(detections.xyxy.astype(np.float32), detections.score, codes)
        tracks = self._tracker.update(boxes, image)
        for track in self._tracker.tracked_stracks:
            if track.end_frame == self._tracker.frame_id:
                self._seen_s[track.track_id] = now_s
        self._forget_ended_tracks()
        if len(tracks) == 0:
            self.untracked = detections
            return Detections.empty()
        matched = tracks[:, 7].astype(np.int64)  # the index of the detection each track took
        self.untracked = detections[~np.isin(np.arange(len(detections)), matched)]
        labels_by_code = {code: label for label, code in self._vocabulary.items()}
        return Detections.of(
            xyxy=detections.xyxy[matched],
            score=tracks[:, 5],
            label=[labels_by_code[int(code)] for code in tracks[:, 6]],
            track_id=tracks[:, 4].astype(np.int64),
        )

    @property
    def held_tracks(self) -> int:
        """Tracks the tracker holds: in view, lost (waiting to be found again) and ended."""
        tracker = self._tracker
        return (
            len(tracker.tracked_stracks) + len(tracker.lost_stracks) + len(tracker.removed_stracks)
        )

    def _end_lost_tracks(self, now_s: float) -> None:
        """End the lost tracks unseen for longer than `lost_s`, before they can be matched."""
        tracker = self._tracker
        kept = []
        for track in tracker.lost_stracks:
            if now_s - self._seen_s.get(track.track_id, now_s) > self.lost_s:
                track.mark_removed()
            else:
                kept.append(track)
        tracker.lost_stracks = kept

    def _forget_ended_tracks(self) -> None:
        """Ultralytics keeps up to 1000 ended tracks per camera, scanned on every picture, only
        to drop them from its pool of lost tracks. Keep just those still in that pool: the
        tracking is the same, and a camera's tracker stops growing once its street empties."""
        tracker = self._tracker
        lost = {track.track_id for track in tracker.lost_stracks}
        tracker.removed_stracks = [
            track for track in tracker.removed_stracks if track.track_id in lost
        ]
        held = lost | {track.track_id for track in tracker.tracked_stracks}
        self._seen_s = {key: seen for key, seen in self._seen_s.items() if key in held}

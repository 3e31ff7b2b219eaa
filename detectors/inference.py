"""One inference worker for all cameras of a process: fair, batched, bounded.

Each camera has at most one request waiting (its worker blocks until the answer comes), so
memory is bounded by the number of cameras. Each round serves every waiting camera once, so a
busy camera cannot starve the others, and frames with the same settings go to the model as one
batch (one forward pass on a GPU; one after another for exports with a fixed batch of 1).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial

from detectors.detections import Detections
from detectors.tiling import TileGrid
from detectors.yolo import DetectSettings, YoloDetector
from ingest.frame import Image


@dataclass(slots=True)
class _Request:
    camera: str
    image: Image
    settings: DetectSettings
    floor: float | None
    grid: TileGrid | None
    done: threading.Event = field(default_factory=threading.Event)
    result: Detections | None = None
    error: BaseException | None = None


class InferenceWorker:
    """Runs the detector on its own thread for every camera."""

    def __init__(self, detector: YoloDetector) -> None:
        self.detector = detector
        self._waiting: OrderedDict[str, _Request] = OrderedDict()
        self._condition = threading.Condition()
        self._stopping = False
        self._thread = threading.Thread(target=self._run, name="inference", daemon=True)
        self.batches = 0
        self.images = 0

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        with self._condition:
            self._stopping = True
            self._condition.notify_all()
        self._thread.join(5)

    def detect(
        self,
        camera: str,
        image: Image,
        settings: DetectSettings,
        floor: float | None = None,
        grid: TileGrid | None = None,
    ) -> Detections:
        """Detect on one camera's frame; blocks until the worker has answered."""
        request = _Request(camera, image, settings, floor, grid)
        with self._condition:
            if self._stopping:
                raise RuntimeError("inference worker is stopping")
            self._waiting[camera] = request
            self._condition.notify()
        request.done.wait()
        if request.error is not None:
            raise request.error
        assert request.result is not None
        return request.result

    def _run(self) -> None:
        while True:
            with self._condition:
                while not self._waiting and not self._stopping:
                    self._condition.wait()
                if self._stopping:
                    self._fail_waiting()
                    return
                batch = self._take_round()
            self._serve(batch)

    def _take_round(self) -> list[_Request]:
        """Every waiting camera's request, in the order they came: one round serves all."""
        batch = list(self._waiting.values())
        self._waiting.clear()
        return batch

    def _serve(self, batch: list[_Request]) -> None:
        groups: dict[tuple[object, ...], list[_Request]] = {}
        for request in batch:
            if request.grid is not None:
                self._answer([request], partial(self._tiled, request))
            else:
                groups.setdefault((request.settings, request.floor), []).append(request)
        for requests in groups.values():
            images = [request.image for request in requests]
            first = requests[0]
            run = partial(self.detector.detect_many, images, first.settings, first.floor)
            self._answer(requests, run)

    def _tiled(self, request: _Request) -> list[Detections]:
        assert request.grid is not None
        grid, floor = request.grid, request.floor
        return [self.detector.detect_tiled(request.image, request.settings, grid, floor)]

    def _answer(self, requests: list[_Request], run: Callable[[], list[Detections]]) -> None:
        try:
            results = run()
        except Exception as error:  # the camera's worker re-raises it
            for request in requests:
                request.error = error
                request.done.set()
            return
        self.batches += 1
        self.images += len(requests)
        for request, result in zip(requests, results, strict=True):
            request.result = result
            request.done.set()

    def _fail_waiting(self) -> None:
        for request in self._waiting.values():
            request.error = RuntimeError("inference worker stopped")
            request.done.set()
        self._waiting.clear()

"""One inference worker for all cameras of a process: fair, batched, parallel, bounded.

The worker runs one thread per lane of the detector (`YoloDetector.lanes`): an OpenVINO model
on the CPU has one lane per infer request of its throughput mode, so several pictures are in
flight at once; other models have one lane, and frames with the same settings go to the model
as one batch (one forward pass on a GPU).

Fairness: requests wait per camera, and cameras are served in turn, so a busy camera cannot
starve the others. Memory: each camera keeps at most a few requests waiting (its worker waits
for answers before it submits more), so what waits is bounded by the number of cameras.
"""

from __future__ import annotations

import threading
from collections import OrderedDict, deque
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field
from functools import partial

from detectors.observation import Detections
from detectors.tiling import TileGrid, combine, crops
from detectors.yolo import DetectSettings, YoloDetector
from ingest.frame import Image


@dataclass(slots=True)
class _Request:
    camera: str
    image: Image
    settings: DetectSettings
    floor: float | None
    grid: TileGrid | None
    answer: Future[Detections] = field(default_factory=Future)


class InferenceWorker:
    """Runs the detector for every camera on its own threads, one per lane."""

    def __init__(self, detector: YoloDetector, lanes: list[YoloDetector] | None = None) -> None:
        self.detector = detector
        self.lanes = lanes if lanes is not None else [detector]
        self._waiting: OrderedDict[str, deque[_Request]] = OrderedDict()
        self._condition = threading.Condition()
        self._stopping = False
        self._threads = [
            threading.Thread(target=self._run, args=(lane,), name=f"inference-{index}", daemon=True)
            for index, lane in enumerate(self.lanes)
        ]
        self.batches = 0
        self.images = 0

    @property
    def frames_in_flight(self) -> int:
        """How many frames one camera should have waiting or running to keep the lanes busy:
        one per lane, and one more so a lane never waits while the camera tracks."""
        return len(self.lanes) + 1

    def start(self) -> None:
        for thread in self._threads:
            thread.start()

    def stop(self) -> None:
        with self._condition:
            self._stopping = True
            self._condition.notify_all()
        for thread in self._threads:
            thread.join(5)

    def submit(
        self,
        camera: str,
        image: Image,
        settings: DetectSettings,
        floor: float | None = None,
        grid: TileGrid | None = None,
    ) -> Future[Detections]:
        """Queue one camera's frame; the future holds its detections (or the model's error)."""
        if grid is not None and self._tiles_in_parallel:
            return self._submit_tiles(camera, image, settings, floor, grid)
        return self._enqueue(_Request(camera, image, settings, floor, grid))

    @property
    def _tiles_in_parallel(self) -> bool:
        """Models that take a batch get a frame's tiles as one batch; lanes of a throughput-mode
        model each take a tile, so a tiled frame is answered as fast as the lanes allow."""
        return len(self.lanes) > 1 and self.lanes[0].max_batch == 1

    def _submit_tiles(
        self,
        camera: str,
        image: Image,
        settings: DetectSettings,
        floor: float | None,
        grid: TileGrid,
    ) -> Future[Detections]:
        pictures, tiles = crops(image, grid)
        parts = [
            self._enqueue(_Request(camera, picture, settings, floor, None)) for picture in pictures
        ]
        answer = Future[Detections]()
        remaining = [len(parts)]
        lock = threading.Lock()

        def part_done(_: Future[Detections]) -> None:
            with lock:
                remaining[0] -= 1
                if remaining[0]:
                    return
            try:
                found = [part.result() for part in parts]
            except Exception as error:  # the camera's worker re-raises it
                answer.set_exception(error)
                return
            height, width = image.shape[:2]
            answer.set_result(combine(found[0], found[1:], tiles, grid, (width, height)))

        for part in parts:
            part.add_done_callback(part_done)
        return answer

    def _enqueue(self, request: _Request) -> Future[Detections]:
        camera = request.camera
        with self._condition:
            if self._stopping:
                raise RuntimeError("inference worker is stopping")
            self._waiting.setdefault(camera, deque()).append(request)
            self._condition.notify()
        return request.answer

    def detect(
        self,
        camera: str,
        image: Image,
        settings: DetectSettings,
        floor: float | None = None,
        grid: TileGrid | None = None,
    ) -> Detections:
        """Detect on one camera's frame; blocks until a lane has answered."""
        return self.submit(camera, image, settings, floor, grid).result()

    def _run(self, lane: YoloDetector) -> None:
        while True:
            with self._condition:
                while not self._waiting and not self._stopping:
                    self._condition.wait()
                if self._stopping:
                    self._fail_waiting()
                    return
                batch = self._take(lane.max_batch)
            self._serve(lane, batch)

    def _take(self, max_batch: int) -> list[_Request]:
        """The oldest request of each camera in turn, up to `max_batch` cameras.

        A camera served goes to the back of the line, so each round serves every waiting
        camera once before any camera is served twice.
        """
        batch: list[_Request] = []
        for camera in list(self._waiting)[:max_batch]:
            requests = self._waiting.pop(camera)
            batch.append(requests.popleft())
            if requests:
                self._waiting[camera] = requests  # back of the line
        return batch

    def _serve(self, lane: YoloDetector, batch: list[_Request]) -> None:
        groups: dict[tuple[object, ...], list[_Request]] = {}
        for request in batch:
            if request.grid is not None:
                self._answer([request], partial(_tiled, lane, request))
            else:
                groups.setdefault((request.settings, request.floor), []).append(request)
        for requests in groups.values():
            images = [request.image for request in requests]
            first = requests[0]
            self._answer(requests, partial(lane.detect_many, images, first.settings, first.floor))

    def _answer(self, requests: list[_Request], run: Callable[[], list[Detections]]) -> None:
        try:
            results = run()
        except Exception as error:  # the camera's worker re-raises it
            for request in requests:
                request.answer.set_exception(error)
            return
        with self._condition:
            self.batches += 1
            self.images += len(requests)
        for request, result in zip(requests, results, strict=True):
            request.answer.set_result(result)

    def _fail_waiting(self) -> None:
        for requests in self._waiting.values():
            for request in requests:
                if not request.answer.done():
                    request.answer.set_exception(RuntimeError("inference worker stopped"))
        self._waiting.clear()


def _tiled(lane: YoloDetector, request: _Request) -> list[Detections]:
    assert request.grid is not None
    return [lane.detect_tiled(request.image, request.settings, request.grid, request.floor)]

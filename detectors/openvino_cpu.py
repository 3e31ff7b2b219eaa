"""OpenVINO detection exports on the CPU: compiled here (throughput mode, one compiled model
per input size), and a fixed-size YOLO export run at another input size.

Ultralytics exports OpenVINO models at a fixed 640x640. A 16:9 camera picture letterboxed
into that square is 44 % grey bars, and the model spends that share of its work on them;
letterboxed to the smallest rectangle the strides allow (640x384) it does not. The export's
graph cannot simply be reshaped: a few constants hold the 640x640 layout (the attention
block's 20x20 token grid, the detection head's anchor points and strides). `reshaped` writes
those constants for the new size, which is what the export would have held had it been made
at that size; the weights are untouched.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from detectors.weights import ModelError

log = logging.getLogger(__name__)

STRIDES = (8, 16, 32)  # the detection head's three levels (P3, P4, P5)


def grids(height: int, width: int) -> list[tuple[int, int]]:
    """(rows, columns) of anchor points per level for an input of this size."""
    return [(height // stride, width // stride) for stride in STRIDES]


def anchor_points(height: int, width: int) -> tuple[np.ndarray[Any, Any], np.ndarray[Any, Any]]:
    """The head's anchor centres (2, N) in grid cells and their strides (N,), level by level,
    row by row, as Ultralytics' `make_anchors` lays them out."""
    points, strides = [], []
    for (rows, columns), stride in zip(grids(height, width), STRIDES, strict=True):
        ys, xs = np.meshgrid(np.arange(rows) + 0.5, np.arange(columns) + 0.5, indexing="ij")
        points.append(np.stack([xs.ravel(), ys.ravel()]))
        strides.append(np.full(rows * columns, stride, np.float32))
    return np.concatenate(points, 1).astype(np.float32), np.concatenate(strides)


@dataclass(frozen=True, slots=True)
class _Layout:
    """The exported input size's grids and anchors against those of the new size."""

    old_grids: list[tuple[int, int]]
    new_grids: list[tuple[int, int]]
    old_points: np.ndarray[Any, Any]
    old_strides: np.ndarray[Any, Any]
    new_points: np.ndarray[Any, Any]
    new_strides: np.ndarray[Any, Any]

    @classmethod
    def of(cls, old: tuple[int, int], new: tuple[int, int]) -> _Layout:
        return cls(grids(*old), grids(*new), *anchor_points(*old), *anchor_points(*new))

    @property
    def old_count(self) -> int:
        return len(self.old_strides)

    @property
    def new_count(self) -> int:
        return len(self.new_strides)

    def target_shape(self, shape: list[int]) -> list[int]:
        """A Reshape's target shape with the exported grid sizes replaced: all anchor points,
        a level's flattened tokens (last), or a level's rows and columns (last two)."""
        tokens = {
            rows * columns: new[0] * new[1]
            for (rows, columns), new in zip(self.old_grids, self.new_grids, strict=True)
        }
        wanted = [self.new_count if value == self.old_count else value for value in shape]
        if shape and shape[-1] in tokens and shape[-1] != self.old_count:
            wanted[-1] = tokens[shape[-1]]
        for old, new in zip(self.old_grids, self.new_grids, strict=True):
            if len(shape) >= 3 and tuple(shape[-2:]) == old:
                wanted[-2:] = list(new)
        return wanted

    def head_constant(self, data: np.ndarray[Any, Any]) -> tuple[str, np.ndarray[Any, Any]] | None:
        """("anchors" or "strides", the new value) for the head's anchor points [1, 2, N]
        or strides [1, 1, N] of the exported size; None for any other constant."""
        if data.shape == (1, 2, self.old_count) and np.allclose(data[0], self.old_points):
            return "anchors", self.new_points[None].astype(data.dtype)
        if data.shape == (1, 1, self.old_count) and np.allclose(data[0, 0], self.old_strides):
            return "strides", self.new_strides[None, None].astype(data.dtype)
        return None


def reshaped(model: Any, height: int, width: int) -> Any:
    """A copy of an Ultralytics YOLO detection export (an `openvino.Model` of input
    [1, 3, H, W]) that takes [1, 3, height, width]; both sides multiples of 32.

    Raises ModelError when the graph is not laid out as such an export (another kind of
    model, or a layout this does not know): it then runs only at its exported size.
    """
    import openvino as ov
    from openvino import opset13

    if height % STRIDES[-1] or width % STRIDES[-1] or height <= 0 or width <= 0:
        raise ModelError(f"{width}x{height} is not a multiple of {STRIDES[-1]} on both sides")
    copy = model.clone()
    parameter = copy.get_parameters()[0]
    exported = parameter.get_partial_shape()
    if exported.is_dynamic or len(exported) != 4:
        raise ModelError(f"the model's input {exported} is not a fixed [1, 3, H, W] picture")
    old = (int(exported[2].get_length()), int(exported[3].get_length()))
    layout = _Layout.of(old, (height, width))
    parameter.set_partial_shape(ov.PartialShape([1, 3, height, width]))
    replaced: set[str] = set()
    for node in copy.get_ordered_ops():
        if node.get_type_name() == "Reshape":
            target = node.input_value(1).get_node()
            if target.get_type_name() != "Constant":
                continue
            shape = [int(value) for value in target.get_data()]
            if (wanted := layout.target_shape(shape)) != shape:
                constant = opset13.constant(np.asarray(wanted, np.int64))
                node.input(1).replace_source_output(constant.output(0))
        elif _ends_with(node, layout.old_count) and (
            found := layout.head_constant(node.get_data())
        ):
            name, value = found
            replaced.add(name)
            constant = opset13.constant(value)
            for user in list(node.output(0).get_target_inputs()):
                user.replace_source_output(constant.output(0))
    if replaced != {"anchors", "strides"}:
        raise ModelError("the model has no YOLO detection head with anchor points and strides")
    return _checked(copy, height, width, layout.new_count)


def _ends_with(node: Any, count: int) -> bool:
    """A constant whose last dimension is `count` (read before its data: weights are large)."""
    shape = node.get_output_partial_shape(0)
    return bool(node.get_type_name() == "Constant" and len(shape) and shape[-1] == count)


def _checked(model: Any, height: int, width: int, anchors: int) -> Any:
    try:
        model.validate_nodes_and_infer_types()
    except RuntimeError as error:
        reason = str(error).strip().splitlines()[0]
        raise ModelError(f"the model's graph does not take {width}x{height}: {reason}") from None
    output = model.outputs[0].get_partial_shape()
    if output.is_dynamic or int(output[-1].get_length()) != anchors:
        raise ModelError(f"the reshaped model gives {output}, not {anchors} anchor points")
    return model


class InferRequestCall:
    """Stands in for the compiled model Ultralytics' OpenVINO backend calls: one lane's infer
    requests, one per input size it has seen."""

    def __init__(self, model: OpenVinoModel) -> None:
        self._model = model
        self._requests: dict[tuple[int, int], Any] = {}

    def __call__(self, inputs: Any) -> Any:
        size = (int(inputs.shape[2]), int(inputs.shape[3]))
        request = self._requests.get(size)
        if request is None:
            request = self._requests[size] = self._model.compiled(size).create_infer_request()
        return request.infer(inputs, share_inputs=True)


class OpenVinoModel:
    """An OpenVINO detection export on the CPU, compiled here rather than by Ultralytics:
    in throughput mode (several streams) unless one request is asked for, and once per input
    size the pictures need.

    Each lane gets its own infer requests; requests on different threads run at the same time,
    each on its own stream, where Ultralytics' latency mode runs one picture on all cores.
    By default there are four requests per stream (OpenVINO's optimal number of requests
    is one per stream): a lane spends a fifth or more of each call in Ultralytics' Python pre-
    and post-processing, waiting for the interpreter while cameras' threads run, and with
    further requests waiting its stream computes meanwhile.

    Pictures are letterboxed to the smallest rectangle the strides allow, as Ultralytics
    letterboxes for PyTorch weights: a 16:9 picture runs at 640x384, not in a 640x640 square
    that is 44 % grey bars (`reshaped` above). A graph that cannot be reshaped so
    runs every picture at its exported size.
    """

    REQUESTS_PER_STREAM = 4

    def __init__(self, xml: Path, requests: int | None) -> None:
        import openvino as ov

        self._core = ov.Core()
        self._graph = self._core.read_model(str(xml))
        self._hint = "LATENCY" if requests == 1 else "THROUGHPUT"
        self._lock = threading.Lock()
        shape = self._graph.get_parameters()[0].get_partial_shape()
        self.exported = (int(shape[2].get_length()), int(shape[3].get_length()))
        self._compiled: dict[tuple[int, int], Any] = {
            self.exported: self._core.compile_model(
                self._graph, "CPU", {"PERFORMANCE_HINT": self._hint}
            )
        }
        streams = int(self._compiled[self.exported].get_property("NUM_STREAMS"))
        self.requests = requests if requests is not None else self.REQUESTS_PER_STREAM * streams
        self._reshaped: dict[tuple[int, int], Any] = {}  # graphs reshaped, not yet compiled
        self.any_size = self._reshapes(xml)

    def _reshapes(self, xml: Path) -> bool:
        """Whether the graph takes other sizes, tried on a 16:9 picture's letterbox (the
        commonest camera shape, so the graph is kept for its first picture)."""
        height, width = self.exported
        wide = (-(-width * 9 // 16) + 31) // 32 * 32
        try:
            self._reshaped[(wide, width)] = reshaped(self._graph, wide, width)
        except ModelError as error:
            log.warning("%s runs every picture at %dx%d: %s", xml.name, width, height, error)
            return False
        return True

    def compiled(self, size: tuple[int, int]) -> Any:
        """The model compiled for an input of (height, width), compiled on first use."""
        with self._lock:
            model = self._compiled.get(size)
            if model is None:
                graph = self._reshaped.pop(size, None)
                if graph is None:
                    graph = reshaped(self._graph, *size)
                model = self._core.compile_model(graph, "CPU", {"PERFORMANCE_HINT": self._hint})
                self._compiled[size] = model
                log.info("detector compiled for %dx%d pictures", size[1], size[0])
            return model

    def request(self) -> InferRequestCall:
        return InferRequestCall(self)

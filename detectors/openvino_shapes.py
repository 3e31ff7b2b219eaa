"""A fixed-size YOLO detection export run at another input size.

Ultralytics exports OpenVINO models at a fixed 640x640. A 16:9 camera picture letterboxed
into that square is 44 % grey bars, and the model spends that share of its work on them;
letterboxed to the smallest rectangle the strides allow (640x384) it does not. The export's
graph cannot simply be reshaped: a few constants hold the 640x640 layout (the attention
block's 20x20 token grid, the detection head's anchor points and strides). `reshaped` writes
those constants for the new size, which is what the export would have held had it been made
at that size; the weights are untouched.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from detectors.weights import ModelError

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

"""Boxes as (x1, y1, x2, y2) tuples of floats, and the geometry the rules need of them."""

from __future__ import annotations

import numpy as np

Box = tuple[float, float, float, float]


def box_of(xyxy: np.ndarray) -> Box:
    """A box as four floats, from a row of an xyxy array."""
    x1, y1, x2, y2 = (float(value) for value in xyxy)
    return (x1, y1, x2, y2)


def centre(box: Box) -> tuple[float, float]:
    return ((box[0] + box[2]) / 2.0, (box[1] + box[3]) / 2.0)


def area(box: Box) -> float:
    return max(box[2] - box[0], 0.0) * max(box[3] - box[1], 0.0)


def intersection(first: Box, second: Box) -> float:
    top_left = (max(first[0], second[0]), max(first[1], second[1]))
    return area((*top_left, min(first[2], second[2]), min(first[3], second[3])))


def iou(first: Box, second: Box) -> float:
    shared = intersection(first, second)
    union = area(first) + area(second) - shared
    return shared / union if union > 0 else 0.0


def covered_share(region: Box, box: Box) -> float:
    """How much of `region` the detection `box` covers, 0-1."""
    size = area(region)
    return intersection(region, box) / size if size > 0 else 0.0

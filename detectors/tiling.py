"""Small, distant people: detect on overlapping tiles as well as the whole frame, then merge.

Each tile is resized to the model's input like the full frame is, so a figure at the far end
of the street is seen at several times the pixels. Costs one extra inference per tile.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from detectors.observation import Detections
from ingest.frame import Image

EDGE_MARGIN_PX = 4


@dataclass(frozen=True, slots=True)
class TileGrid:
    """Tiles in rows × cols, overlapping by a fraction; tile boxes need `min_confidence`."""

    rows: int
    cols: int
    overlap: float = 0.25
    min_confidence: float = 0.4

    def boxes(self, width: int, height: int) -> list[tuple[int, int, int, int]]:
        """Tile rectangles (x1, y1, x2, y2) covering the frame with the given overlap."""
        tile_w = width / (self.cols - (self.cols - 1) * self.overlap)
        tile_h = height / (self.rows - (self.rows - 1) * self.overlap)
        step_x, step_y = tile_w * (1 - self.overlap), tile_h * (1 - self.overlap)
        return [
            (
                round(col * step_x),
                round(row * step_y),
                min(width, round(col * step_x + tile_w)),
                min(height, round(row * step_y + tile_h)),
            )
            for row in range(self.rows)
            for col in range(self.cols)
        ]


def crops(image: Image, grid: TileGrid) -> tuple[list[Image], list[tuple[int, int, int, int]]]:
    """The pictures to detect on (the whole frame first, then each tile) and the tiles."""
    height, width = image.shape[:2]
    tiles = grid.boxes(width, height)
    return [image] + [image[y1:y2, x1:x2] for x1, y1, x2, y2 in tiles], tiles


def combine(
    full: Detections,
    tile_parts: list[Detections],
    tiles: list[tuple[int, int, int, int]],
    grid: TileGrid,
    frame_size: tuple[int, int],
) -> Detections:
    """Merge whole-frame and tile detections into frame coordinates.

    A tile box that touches an edge the tile shares with its neighbour is a person cut in two:
    the neighbouring tile or the whole frame sees them whole, so the cut box is dropped.
    """
    width, height = frame_size
    parts = [full]
    for part, (x1, y1, x2, y2) in zip(tile_parts, tiles, strict=True):
        kept = part[part.score >= grid.min_confidence]
        boxes = kept.xyxy
        cut = (
            ((boxes[:, 0] < EDGE_MARGIN_PX) & (x1 > 0))
            | ((boxes[:, 1] < EDGE_MARGIN_PX) & (y1 > 0))
            | ((boxes[:, 2] > x2 - x1 - EDGE_MARGIN_PX) & (x2 < width))
            | ((boxes[:, 3] > y2 - y1 - EDGE_MARGIN_PX) & (y2 < height))
        )
        parts.append(shift(kept[~cut], x1, y1))
    return merge(parts)


def shift(detections: Detections, dx: float, dy: float) -> Detections:
    offset = np.asarray([dx, dy, dx, dy], np.float32)
    return Detections(
        detections.xyxy + offset, detections.score, detections.label, detections.track_id
    )


def merge(
    parts: list[Detections], iou_max: float = 0.5, containment_max: float = 0.8
) -> Detections:
    """Concatenate detections and drop each box that overlaps a better one of its label.

    Overlap is plain IoU, or the share of the smaller box inside the larger (a person cut by a
    tile edge yields a partial box inside the full-frame one).
    """
    if not parts:
        return Detections.empty()
    xyxy = np.concatenate([part.xyxy for part in parts])
    score = np.concatenate([part.score for part in parts])
    label = np.concatenate([part.label for part in parts])
    order = np.argsort(-score, kind="stable")
    keep: list[int] = []
    areas = np.clip(xyxy[:, 2] - xyxy[:, 0], 0, None) * np.clip(xyxy[:, 3] - xyxy[:, 1], 0, None)
    for index in order:
        if keep:
            kept = np.asarray(keep)
            same = label[kept] == label[index]
            inter_w = np.clip(
                np.minimum(xyxy[kept, 2], xyxy[index, 2])
                - np.maximum(xyxy[kept, 0], xyxy[index, 0]),
                0,
                None,
            )
            inter_h = np.clip(
                np.minimum(xyxy[kept, 3], xyxy[index, 3])
                - np.maximum(xyxy[kept, 1], xyxy[index, 1]),
                0,
                None,
            )
            inter = inter_w * inter_h
            union = areas[kept] + areas[index] - inter
            iou = inter / np.maximum(union, 1e-6)
            contained = inter / np.maximum(np.minimum(areas[kept], areas[index]), 1e-6)
            if np.any(same & ((iou > iou_max) | (contained > containment_max))):
                continue
        keep.append(int(index))
    chosen = np.asarray(keep, np.int64)
    return Detections(
        xyxy[chosen], score[chosen], label[chosen], np.full(len(chosen), -1, np.int64)
    )

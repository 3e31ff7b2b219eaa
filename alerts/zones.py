"""Polygon zones in normalised image coordinates."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt


@dataclass(frozen=True, slots=True)
class Zone:
    """A named polygon; corners are fractions (0-1) of the image width and height."""

    name: str
    polygon: tuple[tuple[float, float], ...]

    def contains(
        self, points_px: npt.NDArray[np.float32], width: int, height: int
    ) -> npt.NDArray[np.bool_]:
        """Which pixel points (n, 2) lie inside the zone (edges count as inside)."""
        if len(points_px) == 0:
            return np.zeros(0, np.bool_)
        x = points_px[:, 0].astype(np.float64) / float(width)
        y = points_px[:, 1].astype(np.float64) / float(height)
        corners = np.asarray(self.polygon, np.float64)
        inside = np.zeros(len(points_px), np.bool_)
        on_edge = np.zeros(len(points_px), np.bool_)
        for index in range(len(corners)):
            x1, y1 = corners[index]
            x2, y2 = corners[(index + 1) % len(corners)]
            crosses = (y1 > y) != (y2 > y)
            with np.errstate(divide="ignore", invalid="ignore"):
                x_at_y = x1 + (y - y1) * (x2 - x1) / (y2 - y1)
            inside ^= crosses & (x < x_at_y)
            on_edge |= _on_segment(x, y, x1, y1, x2, y2)
        return inside | on_edge


def _on_segment(
    x: npt.NDArray[np.float64],
    y: npt.NDArray[np.float64],
    x1: float,
    y1: float,
    x2: float,
    y2: float,
) -> npt.NDArray[np.bool_]:
    cross = (x2 - x1) * (y - y1) - (y2 - y1) * (x - x1)
    within_x = (np.minimum(x1, x2) - 1e-9 <= x) & (x <= np.maximum(x1, x2) + 1e-9)
    within_y = (np.minimum(y1, y2) - 1e-9 <= y) & (y <= np.maximum(y1, y2) + 1e-9)
    result: npt.NDArray[np.bool_] = (np.abs(cross) < 1e-9) & within_x & within_y
    return result


WHOLE_FRAME = Zone("frame", ((0.0, 0.0), (1.0, 0.0), (1.0, 1.0), (0.0, 1.0)))

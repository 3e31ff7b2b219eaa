"""Image helpers with OpenCV: small copies for the detectors, and JPEG snapshots, clean and
annotated (boxes, labels, track ids and the zone)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from ingest.frame import Image

_ZONE_COLOUR = (0, 200, 255)
_BOX_COLOUR = (60, 60, 255)


@dataclass(frozen=True, slots=True)
class BoxAnnotation:
    """One box to draw: pixels, and the caption above it."""

    xyxy: tuple[float, float, float, float]
    caption: str


def downscale(image: Image, width: int) -> Image:
    """The image (colour or grey) at most `width` pixels wide, each pixel an average of its area.

    Exact halvings first, then an area resize: a third of the cost of one area resize from
    1080p, and nearly the same picture. Motion and the scene detectors work on these copies.
    """
    small = image
    while small.shape[1] >= 4 * width:
        half = (small.shape[1] // 2, small.shape[0] // 2)
        small = np.asarray(cv2.resize(small, half, interpolation=cv2.INTER_LINEAR), np.uint8)
    height, full_width = small.shape[:2]
    if full_width > width:
        size = (width, max(1, round(height * width / full_width)))
        small = np.asarray(cv2.resize(small, size, interpolation=cv2.INTER_AREA), np.uint8)
    return small


def read_image(path: Path) -> Image:
    """A picture file (JPEG, PNG, …) as BGR; raises OSError when it cannot be read."""
    image = cv2.imread(str(path))
    if image is None:
        raise OSError(f"cannot read the picture {path}")
    return np.asarray(image, np.uint8)


def encode_jpeg(image: Image, quality: int = 90) -> bytes:
    ok, encoded = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, quality])
    if not ok:
        raise ValueError("JPEG encoding failed")
    return bytes(encoded.tobytes())


def annotate(
    image: Image, boxes: Sequence[BoxAnnotation], zone: Sequence[tuple[float, float]] | None
) -> Image:
    """A copy of `image` with the zone outline (normalised corners) and captioned boxes."""
    canvas = image.copy()
    height, width = canvas.shape[:2]
    thickness = max(2, round(width / 640))
    if zone:
        corners = np.asarray([[x * width, y * height] for x, y in zone], np.int32)
        cv2.polylines(canvas, [corners], isClosed=True, color=_ZONE_COLOUR, thickness=thickness)
    scale = max(0.5, width / 1600)
    for box in boxes:
        x1, y1, x2, y2 = (round(value) for value in box.xyxy)
        cv2.rectangle(canvas, (x1, y1), (x2, y2), _BOX_COLOUR, thickness)
        (text_w, text_h), _ = cv2.getTextSize(box.caption, cv2.FONT_HERSHEY_SIMPLEX, scale, 1)
        top = max(0, y1 - text_h - 6)
        cv2.rectangle(canvas, (x1, top), (x1 + text_w + 4, top + text_h + 6), _BOX_COLOUR, -1)
        cv2.putText(
            canvas,
            box.caption,
            (x1 + 2, top + text_h + 2),
            cv2.FONT_HERSHEY_SIMPLEX,
            scale,
            (255, 255, 255),
            1,
            cv2.LINE_AA,
        )
    result: Image = canvas
    return result

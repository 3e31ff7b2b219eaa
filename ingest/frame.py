"""A decoded frame: the picture ingest hands to the detectors."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import numpy as np
import numpy.typing as npt

from ingest.capture import FrameRef

Image = npt.NDArray[np.uint8]


@dataclass(frozen=True, slots=True)
class Frame:
    """One decoded picture. `image` is BGR, shape (height, width, 3)."""

    camera: str
    seq: int
    captured_at: datetime
    monotonic_s: float
    image: Image
    video_offset_s: float

    @property
    def ref(self) -> FrameRef:
        """This picture's reference, for later stages that must not hold its pixels."""
        return FrameRef(self.camera, self.seq, self.captured_at, self.width, self.height)

    @property
    def width(self) -> int:
        return int(self.image.shape[1])

    @property
    def height(self) -> int:
        return int(self.image.shape[0])

"""Scene signals: what the picture itself says, beside the objects found in it.

One `SceneAnalyser` per camera runs the camera-health (tamper) monitor and the
static-foreground detector on every analysed frame; its `SceneSignals` travel to the rules in
`Observation.scene`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from detectors.static_foreground import StaticForeground, StaticRegion, StaticSettings
from detectors.tamper import TamperMonitor, TamperSettings, TamperSignals
from ingest.images import downscale


@dataclass(frozen=True, slots=True)
class SceneSignals:
    """One frame's scene signals. `tamper` is None when the camera has no tampering rule."""

    tamper: TamperSignals | None = None
    static_regions: tuple[StaticRegion, ...] = ()


class SceneAnalyser:
    """One camera's scene detectors. Pass None for a detector no rule of the camera needs."""

    def __init__(
        self, tamper: TamperSettings | None = None, static: StaticSettings | None = None
    ) -> None:
        self.tamper = None if tamper is None else TamperMonitor(tamper)
        self.static = None if static is None else StaticForeground(static)

    @property
    def enabled(self) -> bool:
        return self.tamper is not None or self.static is not None

    def update(self, image_bgr: npt.NDArray[np.uint8], now_s: float) -> SceneSignals:
        """Analyse one BGR frame taken at monotonic time `now_s`, seconds, in frame order."""
        # One reduction for both detectors: on 1080p it costs more than either's analysis.
        widths = [part.settings.analysis_width for part in (self.tamper, self.static) if part]
        small = downscale(image_bgr, max(widths, default=image_bgr.shape[1]))
        tamper = None if self.tamper is None else self.tamper.update(small, now_s)
        regions: tuple[StaticRegion, ...] = ()
        if self.static is not None:
            frame_scale = image_bgr.shape[1] / small.shape[1]
            regions = tuple(self.static.update(small, now_s, frame_scale))
        return SceneSignals(tamper, regions)

"""Scene signals: what the picture itself says, beside the objects found in it.

One `SceneAnalyser` per camera runs the camera-health (tamper) monitor and the
static-foreground detector on every analysed frame; its `SceneSignals` travel to the rules in
`Observation.scene`. Which of the two runs, and with what settings, follows from the camera's
rules (`for_rules`): the first tampering rule sets the tamper monitor, the first
abandoned-object rule that uses static foreground sets that detector.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from config.rules import AbandonedObjectRuleConfig, RuleConfig, TamperRuleConfig
from detectors.observation import SceneSignals, StaticRegion
from detectors.static_foreground import StaticForeground, StaticSettings
from detectors.tamper import TamperMonitor, TamperSettings
from ingest.images import downscale


def tamper_settings(config: TamperRuleConfig) -> TamperSettings:
    """The camera's tamper-monitor settings for this rule's thresholds."""
    return TamperSettings(
        learn_s=config.learn_s,
        adapt_s=config.baseline_follow_s,
        darkness_ratio=config.darkness_ratio,
        covered_fraction=config.covered_fraction,
        defocus_ratio=config.defocus_ratio,
        moved_match_min=config.moved_match_min,
        frozen_diff_max=config.frozen_diff_max,
        accept_view_s=config.accept_view_s,
    )


def static_settings(config: AbandonedObjectRuleConfig) -> StaticSettings:
    """The camera's static-foreground settings for this rule."""
    return StaticSettings(
        min_area_px=float(config.min_area_px),
        min_report_s=min(1.0, config.still_s),
        absorb_after_s=config.forget_after_s,
    )


class SceneAnalyser:
    """One camera's scene detectors. Pass None for a detector no rule of the camera needs."""

    def __init__(
        self, tamper: TamperSettings | None = None, static: StaticSettings | None = None
    ) -> None:
        self.tamper = None if tamper is None else TamperMonitor(tamper)
        self.static = None if static is None else StaticForeground(static)

    @classmethod
    def for_rules(cls, rules: Sequence[RuleConfig]) -> SceneAnalyser | None:
        """The analysis a camera's rules read, or None when no rule reads the picture."""
        tamper = next(
            (tamper_settings(rule) for rule in rules if isinstance(rule, TamperRuleConfig)), None
        )
        static = next(
            (
                static_settings(rule)
                for rule in rules
                if isinstance(rule, AbandonedObjectRuleConfig) and rule.use_static_foreground
            ),
            None,
        )
        if tamper is None and static is None:
            return None
        return cls(tamper=tamper, static=static)

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

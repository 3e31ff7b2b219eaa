"""Camera tampering: a rule that judges the picture itself."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from config.rules.base import RuleBase

TamperCheck = Literal["blackout", "covered", "defocus", "moved", "frozen"]
TAMPER_CHECKS: tuple[TamperCheck, ...] = ("blackout", "covered", "defocus", "moved", "frozen")


class TamperRuleConfig(RuleBase):
    """Camera tampering and health. It judges the whole picture: `zone`, `labels`, `masks`
    and `min_area_px` do not apply. One set of baselines serves the camera; when a camera has
    several tampering rules, the first one's thresholds measure the picture."""

    type: Literal["tampering"] = "tampering"
    checks: tuple[TamperCheck, ...] = Field(
        TAMPER_CHECKS,
        min_length=1,
        description="Conditions that raise the alert: blackout, covered, defocus, moved, "
        "frozen. Default all five.",
    )
    confirm_s: float = Field(
        10.0, gt=0, description="A condition must hold this long to alert, seconds; default 10."
    )
    learn_s: float = Field(
        30.0,
        ge=0,
        description="Baseline learning period after start-up, seconds; only 'frozen' is judged "
        "meanwhile. Default 30.",
    )
    baseline_follow_s: float = Field(
        30.0,
        gt=0,
        description="Night-darkness tolerance: time constant with which the baselines follow "
        "gradual change (dusk, lights dimming over minutes), seconds. Changes much faster than "
        "this count as abrupt. Default 30.",
    )
    darkness_ratio: float = Field(
        0.35,
        gt=0,
        lt=1,
        description="Blackout when mean luma and contrast both fall below this share of their "
        "baselines (fraction, default 0.35).",
    )
    covered_fraction: float = Field(
        0.75,
        gt=0,
        le=1,
        description="Covered lens when at least this share of the normally textured parts of "
        "the picture lost their texture (fraction, default 0.75).",
    )
    defocus_ratio: float = Field(
        0.3,
        gt=0,
        lt=1,
        description="Defocus when sharpness falls below this share of its baseline "
        "(fraction, default 0.3).",
    )
    moved_match_min: float = Field(
        0.5,
        gt=-1,
        lt=1,
        description="Moved view when the edge-map correlation with the reference view falls "
        "below this (1 = same view, about 0 = another view; default 0.5).",
    )
    frozen_diff_max: float = Field(
        0.01,
        ge=0,
        description="Frozen stream when consecutive analysed frames differ by at most this "
        "mean absolute grey difference (0-255 levels, default 0.01; real sensor noise on a "
        "still scene measures about 0.015 and more).",
    )
    accept_view_s: float = Field(
        900.0,
        gt=0,
        description="A moved view that holds this long becomes the new reference (the camera "
        "was re-aimed on purpose), seconds; default 900.",
    )

    @model_validator(mode="after")
    def _whole_picture(self) -> TamperRuleConfig:
        if self.zone is not None:
            raise ValueError("a tampering rule judges the whole picture; remove 'zone'")
        return self

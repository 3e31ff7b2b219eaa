"""Configuration of the rules that read the picture itself: camera tampering, abandoned objects."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from config.rule_base import RuleBase

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


class AbandonedObjectRuleConfig(RuleBase):
    """An object left behind: still for `still_s` with nobody near it."""

    type: Literal["abandoned_object"] = "abandoned_object"
    labels: tuple[str, ...] = Field(
        ("backpack", "handbag", "suitcase"),
        min_length=1,
        description="Labels of objects that can be abandoned. Default backpack, handbag, suitcase.",
    )
    min_area_px: int = Field(
        400,
        ge=0,
        description="Ignore objects and static regions smaller than this, full-frame pixels²; "
        "default 400.",
    )
    still_s: float = Field(
        15.0,
        gt=0,
        description="The object must stay still, with nobody near it, this long, seconds; "
        "default 15.",
    )
    still_move_fraction: float = Field(
        0.5,
        gt=0,
        description="An object whose box centre moved less than this fraction of the box's "
        "larger side counts as still; default 0.5.",
    )
    owner_distance: float = Field(
        1.0,
        ge=0,
        description="A person whose box is within this gap of the object's box attends it; "
        "in heights of that person's box (so it scales with distance from the camera), "
        "edge to edge. Default 1.0.",
    )
    use_static_foreground: bool = Field(
        True,
        description="Also alert on static regions of the picture (things that arrived and "
        "stayed) that no detection covers, for objects the model does not know. Default true.",
    )
    forget_after_s: float = Field(
        900.0,
        gt=0,
        description="A static region this old becomes background and stops alerting, "
        "seconds; default 900.",
    )

"""Abandoned objects: something left still with nobody near it."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from config.rules.base import RuleBase


class AbandonedObjectRuleConfig(RuleBase):
    """An object left behind: still for `still_s` with nobody near it."""

    type: Literal["abandoned_object"] = "abandoned_object"
    labels: tuple[str, ...] = Field(
        ("backpack", "handbag", "suitcase"),
        min_length=1,
        description="Labels of objects that can be abandoned. Default backpack, handbag, suitcase.",
    )
    min_area_px: int = Field(
        30,
        ge=0,
        description="Ignore objects and static regions smaller than this, full-frame pixels²; "
        "default 30 (a cup in a 320x240 picture).",
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
    attend_s: float = Field(
        3.0,
        ge=0,
        description="Someone other than the owner attends the object once they have stayed "
        "within owner_distance of it this long, seconds; a passer-by who is near for less "
        "does not restart its clock. Default 3.",
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

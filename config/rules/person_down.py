"""Person down: someone who was seen standing is lying, or has collapsed, for down_s.

Heights below are shares of the person's own standing box (the tallest box of the last few
seconds they stood), so they hold at any distance from any camera.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from config.rules.base import RuleBase


class PersonDownRuleConfig(RuleBase):
    """A person who was standing is down (lying or collapsed) for down_s."""

    type: Literal["person_down"] = "person_down"
    down_s: float = Field(
        10.0, ge=0, description="Time down (and still in view) before the alert, s. Default 10."
    )
    upright_ratio: float = Field(
        1.4,
        gt=1,
        description="Box height / width at or above which a person at (nearly) full height is "
        "standing. Default 1.4.",
    )
    lying_ratio: float = Field(
        1.2,
        gt=1,
        description="Box width / height at or above which a person who lost height is lying "
        "(a box this wide and at most 0.6 of the standing height). Default 1.2.",
    )
    drop_fraction: float = Field(
        0.5,
        gt=0,
        lt=1,
        description="A box whose top came down by this share of the standing height, feet in "
        "place, has collapsed (a fall towards or away from the camera). Default 0.5.",
    )
    require_upright_first: bool = Field(
        True,
        description="Only a person seen standing first can be down: someone lying when first "
        "seen (asleep on a bench at start-up, say) is not. Default true.",
    )
    recover_s: float = Field(
        1.0,
        ge=0,
        description="Standing, or sitting or kneeling up, this long ends 'down', seconds. "
        "Default 1.",
    )
    gap_s: float = Field(
        4.0,
        ge=0,
        description="A person lost by the tracker is followed this long: a new track id, or a "
        "low-score box that looks like someone lying, near where they were continues them; "
        "seconds. Default 4.",
    )
    link_distance_heights: float = Field(
        1.0,
        gt=0,
        description="How near (in standing heights, box centre to box) a new box must be to "
        "continue a lost person. Default 1.",
    )
    weak_min_score: float = Field(
        0.1,
        ge=0,
        lt=1,
        description="Least detector score of an untracked box that may continue a person who "
        "is falling or down (lying people score low). Default 0.1, the detector's floor.",
    )
    use_pose: bool = Field(
        True,
        description="Read pose keypoints (torso angle, hip height) where model.pose_path names "
        "a pose model; the boxes decide otherwise. Default true.",
    )
    pose_fps: float = Field(
        2.5,
        gt=0,
        le=30,
        description="Most pose-model runs a second for this camera; it runs only while someone "
        "is not clearly standing. Default 2.5.",
    )

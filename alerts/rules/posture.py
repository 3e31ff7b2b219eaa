"""A person's posture in one observation, judged against their own standing box.

Every box cue compares the box with the tallest box of the last seconds the same person stood
(`Reference`), so it holds at any distance and camera height. Pose keypoints, where a pose
model looked, add what a box cannot tell: a horizontal torso is lying; a full-length upright
torso is sitting or kneeling up; hips still at standing height are someone bent over; the head
below the hips with the legs folded under is someone prostrating.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import Enum

import numpy as np
import numpy.typing as npt

from config.rules.person_down import PersonDownRuleConfig

Box = tuple[float, float, float, float]
Keypoints = npt.NDArray[np.float32]  # (17, 3): x, y, confidence

SHOULDERS, HIPS = (5, 6), (11, 12)
KNEES_AND_ANKLES = (13, 14, 15, 16)

UPRIGHT_REL_H = 0.75  # a tall box at least this share of the standing height: standing
FLAT_ASPECT = 0.6  # a box this flat (height / width), not cut by the frame: lying
LYING_REL_H = 0.6  # a wide box at most this share of the standing height: lying
FEET_TOLERANCE = 0.25  # the bottom edge may move this much (standing heights) in a collapse
WIDE_REL_W = 0.5  # a collapse cut by the bottom edge must be this wide (standing heights)
KEYPOINT_MIN_CONF = 0.3  # keypoints below this confidence are not used
TORSO_LYING_DEG = 55.0  # a torso this far from the image's vertical is horizontal
TORSO_UPRIGHT_DEG = 30.0  # ... and one within this of it upright
HEAD_DOWN_DEG = 110.0  # beyond this the head is below the hips ...
LEGS_UNDER = 0.5  # ... and knees or ankles this many torso lengths below the hips: kneeling
TORSO_SHARE = 0.28  # shoulder-to-hip length as a share of standing height (anthropometry)
TORSO_FULL = 0.7  # a torso at least this share of that is seen at full length
HIPS_STANDING = 0.3  # hips this high above the lowest knee or ankle (standing heights): up
EDGE_SHARE = 0.01  # a box within this share of the picture's size of an edge is cut by it


class Posture(Enum):
    UPRIGHT = "upright"
    RAISED = "raised"  # sitting or kneeling up: lower than standing, not lying
    LYING = "lying"
    UNSURE = "unsure"


@dataclass(frozen=True, slots=True)
class Reference:
    """The person's standing box: its top, its bottom (where the feet were), its height."""

    top: float
    bottom: float
    height: float


@dataclass(frozen=True, slots=True)
class PoseCues:
    torso_deg: float  # 0: head up, 90: horizontal, 180: head down (in the picture)
    torso_px: float
    legs_below: float | None  # lowest knee or ankle below the hips, in torso lengths


def pose_cues(keypoints: Keypoints | None) -> PoseCues | None:
    """The torso's angle and length and where the legs are; None without a visible torso."""
    if keypoints is None:
        return None
    visible = (keypoints[:, 2] >= KEYPOINT_MIN_CONF) & ~np.isnan(keypoints[:, :2]).any(axis=1)
    shoulder = _mean(keypoints, visible, SHOULDERS)
    hip = _mean(keypoints, visible, HIPS)
    if shoulder is None or hip is None:
        return None
    dx, dy = float(shoulder[0] - hip[0]), float(shoulder[1] - hip[1])
    length = math.hypot(dx, dy)
    if length < 4.0:
        return None
    legs = [float(keypoints[index, 1]) for index in KNEES_AND_ANKLES if visible[index]]
    below = (max(legs) - float(hip[1])) / length if legs else None
    return PoseCues(math.degrees(math.atan2(abs(dx), -dy)), length, below)


def _mean(
    keypoints: Keypoints, visible: npt.NDArray[np.bool_], indices: tuple[int, ...]
) -> npt.NDArray[np.float32] | None:
    points = [keypoints[index, :2] for index in indices if visible[index]]
    return np.mean(points, axis=0) if points else None


@dataclass(frozen=True, slots=True)
class BoxCues:
    """What the box alone says, and whether the frame cuts it."""

    lying: str | None  # why the box reads as lying, or None
    tall: bool  # taller than upright_ratio and not cut at the sides
    standing: bool  # tall and at (nearly) the person's standing height
    rel_h: float | None  # height as a share of the standing height


def box_cues(
    box: Box, ref: Reference | None, size: tuple[int, int], config: PersonDownRuleConfig
) -> BoxCues:
    width, height = max(box[2] - box[0], 1e-6), max(box[3] - box[1], 1e-6)
    aspect = height / width
    margin = EDGE_SHARE * max(size)
    cut_side = box[0] <= margin or box[2] >= size[0] - margin  # the true box is wider
    cut_top, cut_bottom = box[1] <= margin, box[3] >= size[1] - margin  # ... or taller
    rel_h = height / ref.height if ref is not None else None
    lying = None
    if not (cut_top or cut_bottom) and aspect <= FLAT_ASPECT:
        lying = f"flat box (h/w {aspect:.2f})"
    elif (
        rel_h is not None
        and not (cut_top or cut_bottom)
        and rel_h <= LYING_REL_H
        and aspect <= 1.0 / config.lying_ratio
    ):
        lying = f"low and wide (height {rel_h:.2f} of standing, h/w {aspect:.2f})"
    elif ref is not None and not cut_top and _collapsed(box, ref, width, cut_bottom, config):
        lying = f"collapsed (top down {(box[1] - ref.top) / ref.height:.2f} of standing)"
    tall = aspect >= config.upright_ratio and not cut_side
    standing = tall and (rel_h is None or rel_h >= UPRIGHT_REL_H or cut_top or cut_bottom)
    return BoxCues(lying, tall, standing, rel_h)


def _collapsed(
    box: Box, ref: Reference, width: float, cut_bottom: bool, config: PersonDownRuleConfig
) -> bool:
    """The top came down by drop_fraction with the feet where they stood: a fall towards or
    away from the camera, where the box does not widen. With the bottom cut by the frame the
    feet cannot be seen; walking out of the picture lowers the top too, but stays narrow."""
    if box[1] - ref.top < config.drop_fraction * ref.height:
        return False
    tolerance = FEET_TOLERANCE * ref.height
    if abs(box[3] - ref.bottom) <= tolerance:
        return True
    return cut_bottom and box[3] >= ref.bottom - tolerance and width >= WIDE_REL_W * ref.height


def judge_posture(
    box: Box,
    keypoints: Keypoints | None,
    ref: Reference | None,
    size: tuple[int, int],
    config: PersonDownRuleConfig,
) -> tuple[Posture, str]:
    """The posture of one observation of a person, and why."""
    cues = box_cues(box, ref, size, config)
    pose = pose_cues(keypoints) if config.use_pose else None
    if pose is not None:
        return _with_pose(cues, pose, ref)
    if cues.standing:
        return Posture.UPRIGHT, "tall box"
    if cues.lying:
        return Posture.LYING, cues.lying
    if cues.tall:
        return Posture.RAISED, "tall but low box"
    return Posture.UNSURE, "box neither tall nor lying"


def _upright_torso(cues: BoxCues, pose: PoseCues, ref: Reference | None) -> tuple[Posture, str]:
    if cues.standing:
        return Posture.UPRIGHT, f"tall box, torso {pose.torso_deg:.0f} deg"
    # A full-length upright torso is someone sitting or kneeling up; a short one may be a body
    # lying along the line of sight (foreshortened), and then the box decides.
    full = ref is None or pose.torso_px >= TORSO_FULL * TORSO_SHARE * ref.height
    if cues.lying and not cues.lying.startswith("low and wide") and not full:
        return Posture.LYING, f"{cues.lying}, torso foreshortened"
    return Posture.RAISED, f"torso upright ({pose.torso_deg:.0f} deg), box low"


def _with_pose(cues: BoxCues, pose: PoseCues, ref: Reference | None) -> tuple[Posture, str]:
    angle = pose.torso_deg
    if angle <= TORSO_UPRIGHT_DEG:
        return _upright_torso(cues, pose, ref)
    if angle >= HEAD_DOWN_DEG and pose.legs_below is not None and pose.legs_below >= LEGS_UNDER:
        return Posture.UNSURE, "head below the hips, legs folded under: kneeling forward"
    if angle >= TORSO_LYING_DEG:
        if (
            ref is not None
            and pose.legs_below is not None
            and pose.legs_below * pose.torso_px >= HIPS_STANDING * ref.height
        ):
            return Posture.UNSURE, "torso down but hips up: bent over"
        return Posture.LYING, f"torso horizontal ({angle:.0f} deg)"
    if cues.lying:
        return Posture.LYING, f"{cues.lying}, torso {angle:.0f} deg"
    return (Posture.UPRIGHT if cues.standing else Posture.UNSURE), f"torso {angle:.0f} deg"

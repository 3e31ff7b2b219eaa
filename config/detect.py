"""What a camera detects, and how: rate, labels, model input, tracking, motion gate, tiles."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator

from config.common import Strict


class MotionGateConfig(Strict):
    """Run the detector only where something moves."""

    enabled: bool = Field(True, description="Skip detection on frames without motion.")
    recheck_s: float = Field(
        2.0, gt=0, description="Objects that stand still are detected again this often, s."
    )
    max_idle_s: float = Field(
        30.0, gt=0, description="A still, empty scene is still checked this often, seconds."
    )
    threshold: int = Field(
        25, ge=1, le=255, description="Grey-level change (0-255) that counts as motion."
    )
    min_area_fraction: float = Field(
        0.0005, gt=0, lt=1, description="Smallest moving region, as a share of the picture."
    )


class TilingConfig(Strict):
    """Overlapping tiles at the model's input size; each tile costs one more inference."""

    rows: int = Field(2, ge=1, le=6, description="Tile rows. Default 2.")
    cols: int = Field(3, ge=1, le=6, description="Tile columns. Default 3.")
    overlap: float = Field(0.25, ge=0, lt=0.9, description="Overlap between tiles, 0-1.")
    min_confidence: float = Field(
        0.4, gt=0, lt=1, description="Least score of a box found in a tile (0-1). Default 0.4."
    )


class DetectConfig(Strict):
    fps: float = Field(
        5.0, gt=0, le=60, description="Frames sampled and analysed per second per camera."
    )
    labels: tuple[str, ...] = Field(("person",), min_length=1, description="Labels to detect.")
    confidence: float = Field(0.35, gt=0, lt=1, description="Minimum detection score (0-1).")
    imgsz: int = Field(640, ge=32, le=4096, description="Model input size, pixels.")
    tracker: Literal["bytetrack", "botsort"] = Field("bytetrack", description="Tracker.")
    lost_track_s: float = Field(
        6.0,
        gt=0,
        le=600,
        description="A track unseen this long ends, and whoever comes back gets a new id; "
        "seconds, whether or not the motion gate ran the detector meanwhile. Default 6.",
    )
    motion_gate: MotionGateConfig = Field(default_factory=MotionGateConfig)
    tiling: TilingConfig | None = Field(
        None, description="Also detect on overlapping tiles, for small, distant objects."
    )
    enhance: Literal["none", "low_light", "thermal", "auto"] = Field(
        "none",
        description="Picture preprocessing before detection: low_light (CLAHE on luma), "
        "thermal (a white-hot thermal camera: equalised and inverted), auto (low_light while "
        "the picture is dark) or none. Default none.",
    )

    @field_validator("imgsz")
    @classmethod
    def _multiple_of_stride(cls, value: int) -> int:
        if value % 32:
            raise ValueError(f"must be a multiple of 32, e.g. {round(value / 32) * 32 or 32}")
        return value

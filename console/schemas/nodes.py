"""The nodes of a cluster, for the admin page."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class NodeOut(BaseModel):
    model_config = ConfigDict(frozen=True, from_attributes=True)

    id: str = Field(description="The node's id in the Ray cluster.")
    address: str = Field(description="Where the node listens (its raylet).")
    alive: bool
    labels: dict[str, str] = Field(description="Its labels (district and the like).")
    cameras: list[str] = Field(description="The cameras running on it now.")
    cpu_percent: float | None = Field(description="Its cameras' CPU, percent of one core.")
    analysed_fps: float | None = Field(description="Frames its cameras analyse a second.")

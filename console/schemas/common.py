"""Shared pieces of the API's schemas: base models and the shapes of ids in paths."""

from __future__ import annotations

from typing import Annotated

from fastapi import Path
from pydantic import BaseModel, ConfigDict

ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$"
USER_PATTERN = r"^[\w][\w.@-]{0,63}$"

AlertId = Annotated[str, Path(pattern=ID_PATTERN, description="Alert id (a UUID).")]
CameraName = Annotated[str, Path(pattern=ID_PATTERN, description="Camera name as configured.")]
DispatchId = Annotated[str, Path(pattern=ID_PATTERN, description="Dispatch id.")]
UserName = Annotated[str, Path(pattern=USER_PATTERN, description="User name.")]


class Body(BaseModel):
    """A request body: unknown fields are errors."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class Out(BaseModel):
    """A response body."""

    model_config = ConfigDict(frozen=True)

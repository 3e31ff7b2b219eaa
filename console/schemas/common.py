"""Shared pieces of the API's schemas: base models, hidden fields and the shapes of ids."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Path
from pydantic import BaseModel, ConfigDict, Field
from pydantic.json_schema import SkipJsonSchema

ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$"
USER_PATTERN = r"^[\w][\w.@-]{0,63}$"

AlertId = Annotated[str, Path(pattern=ID_PATTERN, description="Alert id (a UUID).")]
CameraName = Annotated[str, Path(pattern=ID_PATTERN, description="Camera name as configured.")]
DispatchId = Annotated[str, Path(pattern=ID_PATTERN, description="Dispatch id.")]
CaseIdPath = Annotated[str, Path(pattern=ID_PATTERN, description="Case id.")]
UserName = Annotated[str, Path(pattern=USER_PATTERN, description="User name.")]


class Body(BaseModel):
    """A request body: unknown fields are errors."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class Out(BaseModel):
    """A response body."""

    model_config = ConfigDict(frozen=True)


# A response body is the record it shows, less what the API keeps to itself: such a field is
# re-declared `Hidden = hidden()`, and is then in neither the bodies nor the OpenAPI schema.
Hidden = SkipJsonSchema[Any]


def hidden() -> Any:
    """The default of a Hidden field."""
    return Field(None, exclude=True)

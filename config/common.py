"""Types every configuration section shares."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

_NAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$"
Name = Annotated[str, Field(pattern=_NAME_PATTERN)]
Severity = Literal["low", "medium", "high", "critical"]


class Strict(BaseModel):
    """Base for every section: a typo is an error, values are immutable once loaded."""

    model_config = ConfigDict(extra="forbid", frozen=True)

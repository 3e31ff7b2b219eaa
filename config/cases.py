"""The `cases:` section: follow-up cases opened by referrals (alerts/cases.py)."""

from __future__ import annotations

from pydantic import Field

from config.common import Strict


class CasesConfig(Strict):
    due_after_h: float = Field(
        72.0,
        gt=0,
        description="Hours after opening that a case is due when no due date is given. Default 72.",
    )
    check_interval_s: float = Field(
        30.0,
        gt=0,
        le=3600,
        description="How often overdue cases are looked for and escalated, s. Default 30.",
    )

"""Wait on a condition with a deadline instead of sleeping a guessed time."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


class WaitTimeoutError(AssertionError):
    """A condition did not hold before its deadline (an assertion failure in the test)."""


def wait_until(
    check: Callable[[], T | None],
    timeout_s: float,
    what: str,
    interval_s: float = 0.05,
    details: Callable[[], str] | None = None,
) -> T:
    """Poll `check` until it returns something other than None/False; return that value.

    On timeout raise WaitTimeoutError naming `what`, plus `details()` (a log tail, say).
    """
    deadline = time.monotonic() + timeout_s
    while True:
        result = check()
        if result is not None and result is not False:
            return result
        if time.monotonic() >= deadline:
            extra = f"\n{details()}" if details is not None else ""
            raise WaitTimeoutError(f"timed out after {timeout_s:.0f} s waiting for {what}{extra}")
        time.sleep(interval_s)

"""Time helpers the rules share: a condition that must hold for a while, and track memory."""

from __future__ import annotations

from datetime import datetime, timedelta

# Detectors miss an object for a frame or two now and then; a condition that lapses for
# less than this is taken to have held throughout.
DROPOUT_S = 1.0

# Per-track state of a track unseen for this long is dropped. The tracker gives up on a lost
# track after a few seconds (ObjectTracker's lost_s, 6 s), so its id cannot come back later.
FORGET_S = 10.0


class HeldCondition:
    """Whether a condition has held for at least `min_duration_s`, bridging short dropouts."""

    def __init__(self, min_duration_s: float, dropout_s: float = DROPOUT_S) -> None:
        self.min_duration = timedelta(seconds=min_duration_s)
        self.dropout = timedelta(seconds=dropout_s)
        self._since: datetime | None = None
        self._last_true: datetime | None = None

    def update(self, holds: bool, now: datetime) -> bool:
        """Feed this frame's value; True once it has held (with dropouts) long enough."""
        if not holds:
            if self._last_true is not None and now - self._last_true > self.dropout:
                self.reset()
            return False
        if self._since is None or self._last_true is None or now - self._last_true > self.dropout:
            self._since = now
        self._last_true = now
        return now - self._since >= self.min_duration

    def reset(self) -> None:
        self._since = None
        self._last_true = None


def stale(last_seen: datetime, now: datetime, after_s: float = FORGET_S) -> bool:
    """Whether something last seen at `last_seen` has been gone longer than `after_s`."""
    return now - last_seen > timedelta(seconds=after_s)

"""A per-camera ring of compressed packets: the seconds before an alert, for its clip."""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from fractions import Fraction


@dataclass(frozen=True, slots=True)
class StoredPacket:
    """One compressed video packet as the camera sent it, with the time it arrived."""

    data: bytes
    pts: int | None
    dts: int | None
    duration: int
    time_base: Fraction
    keyframe: bool
    received_at: datetime


class PacketRing:
    """Keeps at least `keep_s` seconds of packets, starting at a keyframe, within `max_bytes`.

    The ring always starts at a keyframe so a clip cut from it decodes from its first packet.
    When the camera's keyframe interval is longer than `keep_s`, the ring holds one group of
    pictures more than asked; `max_bytes` bounds it whatever the camera does.
    """

    def __init__(self, keep_s: float, max_bytes: int) -> None:
        self.keep = timedelta(seconds=keep_s)
        self.max_bytes = max_bytes
        self._packets: deque[StoredPacket] = deque()
        self._keyframe_times: deque[datetime] = deque()
        self.size_bytes = 0
        self.evicted_bytes = 0

    def __len__(self) -> int:
        return len(self._packets)

    @property
    def span_s(self) -> float:
        """Seconds between the oldest and the newest packet held."""
        if not self._packets:
            return 0.0
        return (self._packets[-1].received_at - self._packets[0].received_at).total_seconds()

    @property
    def newest_at(self) -> datetime | None:
        """When the newest packet held arrived."""
        return self._packets[-1].received_at if self._packets else None

    def clear(self) -> None:
        self._packets.clear()
        self._keyframe_times.clear()
        self.size_bytes = 0

    def add(self, packet: StoredPacket) -> None:
        if not self._packets and not packet.keyframe:
            return  # a clip can only start at a keyframe
        self._packets.append(packet)
        self.size_bytes += len(packet.data)
        if packet.keyframe:
            self._keyframe_times.append(packet.received_at)
        self._evict(packet.received_at)

    def since(self, start: datetime) -> Iterator[StoredPacket]:
        """Packets from the last keyframe at or before `start` (or the oldest one) onwards.

        Safe while the reader thread adds packets: it works on copies taken at once."""
        keyframe_times = list(self._keyframe_times)
        first_key = keyframe_times[0] if keyframe_times else None
        for key_time in keyframe_times:
            if key_time <= start:
                first_key = key_time
        if first_key is None:
            return
        started = False
        for packet in list(self._packets):
            started = started or (packet.keyframe and packet.received_at >= first_key)
            if started:
                yield packet

    def _evict(self, now: datetime) -> None:
        # Drop whole groups of pictures while the next keyframe is still old enough.
        while len(self._keyframe_times) >= 2 and (
            self._keyframe_times[1] <= now - self.keep or self.size_bytes > self.max_bytes
        ):
            self._drop_group()

    def _drop_group(self) -> None:
        # The ring starts with a keyframe: drop it and everything up to the next keyframe.
        self._keyframe_times.popleft()
        self._pop()
        while self._packets and not self._packets[0].keyframe:
            self._pop()

    def _pop(self) -> None:
        dropped = self._packets.popleft()
        self.size_bytes -= len(dropped.data)
        self.evicted_bytes += len(dropped.data)

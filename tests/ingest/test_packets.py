"""The packet ring keeps enough seconds, always starts at a keyframe, and stays bounded."""

from __future__ import annotations

from datetime import timedelta
from fractions import Fraction

from ingest.packets import PacketRing, StoredPacket
from tests.support.factories import at


def make_packet(seconds: float, keyframe: bool = False, size: int = 100) -> StoredPacket:
    ticks = round(seconds * 90000)
    return StoredPacket(b"x" * size, ticks, ticks, 3000, Fraction(1, 90000), keyframe, at(seconds))


def feed(ring: PacketRing, seconds: float, fps: int = 10, gop_s: float = 2.0) -> None:
    for index in range(round(seconds * fps)):
        time_s = index / fps
        ring.add(make_packet(time_s, keyframe=index % round(gop_s * fps) == 0))


def test_ring_keeps_the_asked_seconds_from_a_keyframe() -> None:
    ring = PacketRing(keep_s=5.0, max_bytes=10**9)
    feed(ring, seconds=30)
    packets = list(ring.since(at(0)))
    assert packets[0].keyframe
    span = packets[-1].received_at - packets[0].received_at
    assert timedelta(seconds=5) <= span <= timedelta(seconds=5 + 2)  # one group of pictures more
    assert len(ring) == len(packets) < 300


def test_since_starts_at_the_keyframe_at_or_before_the_time() -> None:
    ring = PacketRing(keep_s=10.0, max_bytes=10**9)
    feed(ring, seconds=20)
    first = next(iter(ring.since(at(15.5))))
    assert first.keyframe
    assert first.received_at == at(14.0)


def test_ring_never_starts_with_a_partial_group() -> None:
    ring = PacketRing(keep_s=5.0, max_bytes=10**9)
    ring.add(make_packet(0.0, keyframe=False))
    assert len(ring) == 0
    ring.add(make_packet(0.1, keyframe=True))
    assert len(ring) == 1


def test_byte_bound_holds_whatever_the_keyframe_interval() -> None:
    ring = PacketRing(keep_s=60.0, max_bytes=50_000)
    feed(ring, seconds=120, gop_s=1.0)
    assert ring.size_bytes <= 50_000 + 10 * 100  # one group may pass the bound before eviction
    assert ring.evicted_bytes > 0
    assert next(iter(ring.since(at(0)))).keyframe

"""A console whose configuration has a site plan, placed cameras and two patrol teams, one on
duty now and one off duty by its roster, for the position and map tests."""

from __future__ import annotations

import struct
import zlib
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from config.schema import NightwatchConfig
from tests.console.support import CAMERAS

SITE_ZONE = "Asia/Shanghai"
# The plan covers a square of the county: its edges in degrees.
BOUNDS = {"north": 31.2400, "south": 31.2300, "west": 121.4700, "east": 121.4800}
PLACES: dict[str, dict[str, float]] = {
    "gate": {"x": 0.25, "y": 0.40},  # on the plan
    "yard": {"lat": 31.2325, "lon": 121.4775},  # on the earth: x 0.75, y 0.75 of the plan
}


def plan_png(path: Path, width: int = 400, height: int = 300) -> Path:
    """A plain PNG of the given size (a stand-in for a site plan), written without a library."""
    row = b"\x00" + bytes((40, 60, 80)) * width
    raw = zlib.compress(row * height)

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    path.write_bytes(
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", raw) + chunk(b"IEND", b"")
    )
    return path


def off_duty_roster(now: datetime) -> list[dict[str, Any]]:
    """A shift that starts two hours from now (site time): off duty for the whole test."""
    local = now.astimezone(ZoneInfo(SITE_ZONE))
    start, end = local + timedelta(hours=2), local + timedelta(hours=3)
    return [{"windows": [f"{start:%H:%M}-{end:%H:%M}"]}]


def mapped_config(
    plan: Path,
    site_map: dict[str, Any] | None = None,
    places: dict[str, dict[str, float]] | None = None,
) -> NightwatchConfig:
    """The test cameras at `places` (default PLACES) on the plan (or `site_map`)."""
    where_placed = PLACES if places is None else places
    cameras = {
        name: {
            "source": f"rtsp://viewer:s3cret@127.0.0.1:8554/{name}",
            "location": where,
            "position": where_placed.get(name),
        }
        for name, where in CAMERAS.items()
    }
    return NightwatchConfig.model_validate(
        {
            "site": {
                "name": "county-test",
                "timezone": SITE_ZONE,
                "map": site_map or {"plan": str(plan), "bounds": BOUNDS},
            },
            "cameras": cameras,
            "dispatch": {
                "teams": {
                    "team-a": {"name": "巡逻一队", "roster": [{"windows": ["00:00-24:00"]}]},
                    "team-b": {"name": "巡逻二队", "roster": off_duty_roster(datetime.now(UTC))},
                },
                "voice": {"enabled": False},
            },
        }
    )

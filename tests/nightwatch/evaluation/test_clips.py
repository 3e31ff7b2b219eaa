"""Preparing a clip: the last picture held, or the clip looped, into the cache folder once."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from ingest.frame import Image
from ingest.source import SourceSettings, VideoSource
from nightwatch.evaluation.clips import prepared_clip
from nightwatch.evaluation.manifest import Prepare


def pictures(path: Path) -> list[tuple[float, Image]]:
    source = VideoSource(SourceSettings(str(path), realtime=False))
    try:
        return [(picture.offset_s, picture.to_image()) for picture in source.pictures()]
    finally:
        source.close()


@pytest.fixture
def night_clip(shared: Path) -> Path:
    return shared / "footage" / "night" / "nofi147.mp4"  # 640x360, 30 fps, 2 s


def test_holding_the_last_picture_adds_still_pictures_at_the_same_rate(
    night_clip: Path, tmp_path: Path
) -> None:
    clip = prepared_clip(night_clip, Prepare(hold_last_s=3), tmp_path / "cache")
    assert clip.parent == tmp_path / "cache"
    original, held = pictures(night_clip), pictures(clip)
    assert held[-1][0] == pytest.approx(original[-1][0] + 3, abs=0.1)
    assert len(held) == pytest.approx(len(original) + 90, abs=2)
    last = original[-1][1].astype(np.int16)
    tail = [image for offset, image in held if offset > original[-1][0] + 0.5]
    # The same picture again and again, as near to the original's last as the encoding allows.
    assert all(np.abs(image.astype(np.int16) - last).mean() < 3 for image in tail)


def test_looping_repeats_the_clip_up_to_the_length_asked(night_clip: Path, tmp_path: Path) -> None:
    clip = prepared_clip(night_clip, Prepare(loop_to_s=5), tmp_path)
    offsets = [offset for offset, _ in pictures(clip)]
    assert offsets[-1] == pytest.approx(5.0, abs=0.2)
    assert offsets == sorted(offsets)


def test_a_prepared_clip_is_made_once_and_the_source_is_used_when_nothing_is_asked(
    night_clip: Path, tmp_path: Path
) -> None:
    first = prepared_clip(night_clip, Prepare(loop_to_s=4), tmp_path)
    made_at = first.stat().st_mtime_ns
    assert prepared_clip(night_clip, Prepare(loop_to_s=4), tmp_path) == first
    assert first.stat().st_mtime_ns == made_at
    assert prepared_clip(night_clip, Prepare(loop_to_s=6), tmp_path) != first
    assert prepared_clip(night_clip, None, tmp_path) == night_clip
    assert sorted(path.name for path in tmp_path.iterdir() if path.name.startswith(".")) == []

"""Real pictures of people.mp4, decoded once for the detector tests."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest

from ingest.camera import sample
from ingest.frame import Image
from ingest.source import SourceSettings, VideoSource

DETECT_FPS = 5.0  # the pipeline's default detection rate


@pytest.fixture(scope="session")
def street_images(people_mp4: Path) -> list[Image]:
    """The first 4 s of people.mp4 sampled at 5 fps, as the pipeline samples it (20 pictures)."""
    source = VideoSource(SourceSettings(str(people_mp4), realtime=False))
    try:
        pictures = itertools.islice(sample(source.pictures(), DETECT_FPS), 20)
        return [picture.to_image() for picture in pictures]
    finally:
        source.close()

"""VideoSource on real footage: stream facts, every picture, looping, real-time pacing, errors."""

from __future__ import annotations

import itertools
import time
from pathlib import Path

import numpy as np
import pytest
from av.codec.context import ThreadType

from ingest.source import SourceError, SourceSettings, VideoSource, describe
from tests.support.net import free_port
from tests.support.rtsp import RtspServers

PEOPLE_FRAMES = 302
PEOPLE_FPS = 30.0


def open_file(path: Path, loop: bool = False, realtime: bool = False) -> VideoSource:
    return VideoSource(SourceSettings(str(path), loop=loop, realtime=realtime))


def test_a_file_reports_its_codec_size_and_rate(people_mp4: Path) -> None:
    source = open_file(people_mp4)
    try:
        assert (source.info.codec, source.info.width, source.info.height) == ("h264", 1920, 1080)
        assert source.info.fps == pytest.approx(PEOPLE_FPS)
        assert not source.is_live
    finally:
        source.close()


def test_pictures_are_decoded_one_at_a_time_with_slice_threads(people_mp4: Path) -> None:
    # Frame threads cost more CPU a picture and hold a picture per thread (docs/performance.md).
    source = open_file(people_mp4)
    try:
        assert source.stream.codec_context.thread_type == ThreadType.SLICE
        next(source.pictures())
    finally:
        source.close()


def test_every_picture_of_a_file_is_decoded_in_order(people_mp4: Path) -> None:
    source = open_file(people_mp4)
    offsets, keyframes = [], []
    try:
        for picture in source.pictures():  # keep no pictures: each holds a decoded frame
            offsets.append(picture.offset_s)
            keyframes.append(picture.keyframe)
            if len(offsets) == 150:
                image = picture.to_image()
    finally:
        source.close()

    assert len(offsets) == PEOPLE_FRAMES
    assert offsets[0] == 0.0
    assert np.allclose(np.diff(offsets), 1 / PEOPLE_FPS, atol=1e-3)
    assert keyframes[0]
    assert image.shape == (1080, 1920, 3)
    assert image.dtype == np.uint8
    assert image.std() > 10  # a real picture, not a blank one


def test_a_looping_file_plays_again_with_time_running_on(people_mp4: Path) -> None:
    source = open_file(people_mp4, loop=True)
    try:
        seen = [
            (picture.offset_s, picture.keyframe)
            for picture in itertools.islice(source.pictures(), PEOPLE_FRAMES * 2 + 10)
        ]
    finally:
        source.close()

    offsets = np.asarray([offset for offset, _ in seen])
    assert len(seen) == PEOPLE_FRAMES * 2 + 10
    assert np.all(np.diff(offsets) > 0)
    assert offsets[PEOPLE_FRAMES] == pytest.approx(PEOPLE_FRAMES / PEOPLE_FPS, abs=1e-3)
    assert seen[PEOPLE_FRAMES][1]  # the second pass starts again at the first keyframe


def test_realtime_pacing_keeps_to_the_file_rate(people_mp4: Path) -> None:
    count = 45  # 1.5 s of video
    source = open_file(people_mp4, realtime=True)
    started = time.monotonic()
    try:
        offsets = [picture.offset_s for picture in itertools.islice(source.pictures(), count + 1)]
    finally:
        source.close()
    elapsed_s = time.monotonic() - started

    video_s = offsets[-1]
    assert video_s == pytest.approx(count / PEOPLE_FPS)
    # Never ahead of the video clock; behind only by decoding time on a slow machine.
    assert video_s - 0.05 <= elapsed_s <= video_s + 1.5


def test_fast_pace_reads_faster_than_real_time(people_mp4: Path) -> None:
    source = open_file(people_mp4, realtime=False)
    started = time.monotonic()
    try:
        last_offset_s = max(picture.offset_s for picture in source.pictures())
    finally:
        source.close()

    assert time.monotonic() - started < last_offset_s


def test_a_missing_file_is_a_source_error_naming_it(tmp_path: Path) -> None:
    missing = tmp_path / "cam-7.mp4"

    with pytest.raises(SourceError) as raised:
        open_file(missing)

    assert str(raised.value) == (
        f"video file {missing} does not exist; check the camera's source path"
    )


def test_a_file_that_is_not_video_is_a_source_error(tmp_path: Path) -> None:
    junk = tmp_path / "notes.mp4"
    junk.write_text("not a video", encoding="utf-8")

    with pytest.raises(SourceError, match=f"cannot open {junk}"):
        open_file(junk)


def test_an_rtsp_camera_gives_h264_pictures(rtsp_server: RtspServers) -> None:
    server = rtsp_server.start()
    source = VideoSource(SourceSettings(server.url(), open_timeout_s=10, read_timeout_s=10))
    try:
        assert source.is_live
        assert (source.info.codec, source.info.width, source.info.height) == ("h264", 1920, 1080)
        images = [picture.to_image() for picture in itertools.islice(source.pictures(), 10)]
    finally:
        source.close()

    assert len(images) == 10
    assert images[-1].shape == (1080, 1920, 3)
    assert images[-1].std() > 10


def test_an_rtsp_camera_that_refuses_is_a_source_error_naming_it() -> None:
    url = f"rtsp://127.0.0.1:{free_port()}/cam"

    with pytest.raises(SourceError) as raised:
        VideoSource(SourceSettings(url, open_timeout_s=5))

    assert str(raised.value).startswith(f"cannot open {url}: ")
    assert "Connection refused" in str(raised.value)


def test_passwords_are_hidden_in_messages() -> None:
    assert describe("rtsp://admin:s3cret@10.0.0.7/stream1") == "rtsp://admin:***@10.0.0.7/stream1"
    assert describe("rtsp://10.0.0.7/stream1") == "rtsp://10.0.0.7/stream1"

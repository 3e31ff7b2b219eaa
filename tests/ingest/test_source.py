"""VideoSource on real footage: stream facts, every picture, looping, real-time pacing, errors."""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pytest

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


def test_each_stream_is_decoded_on_one_thread(people_mp4: Path) -> None:
    # A node's parallelism is its cameras; extra decoder threads cost CPU (docs/performance.md).
    source = open_file(people_mp4)
    try:
        next(source.pictures())
        assert source.stream.codec_context.thread_count == 1
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


class FakeClock:
    """Time that passes only when the source sleeps, plus `decode_s` per reading."""

    def __init__(self, decode_s: float = 0.0) -> None:
        self.now_s = 100.0
        self.decode_s = decode_s
        self.sleeps: list[float] = []

    def monotonic(self) -> float:
        self.now_s += self.decode_s
        return self.now_s

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now_s += seconds


@pytest.mark.parametrize("decode_s", [0.0, 0.01])
def test_realtime_pacing_keeps_to_the_file_rate(people_mp4: Path, decode_s: float) -> None:
    """Each picture is handed on when the video clock reaches it, never before; time spent
    decoding is taken off the wait rather than added to it."""
    count = 45  # 1.5 s of video
    clock = FakeClock(decode_s)
    settings = SourceSettings(str(people_mp4), realtime=True)
    source = VideoSource(settings, clock=clock.monotonic, sleep=clock.sleep)
    started = clock.now_s
    try:
        handed = []
        for picture in itertools.islice(source.pictures(), count + 1):
            handed.append((picture.offset_s, clock.now_s - started))
    finally:
        source.close()

    video_s = handed[-1][0]
    assert video_s == pytest.approx(count / PEOPLE_FPS)
    assert all(elapsed_s >= offset_s - 1e-9 for offset_s, elapsed_s in handed)  # never early
    assert handed[-1][1] == pytest.approx(video_s, abs=2 * decode_s + 1e-6)  # nor late
    assert len(clock.sleeps) >= count - 1


def test_fast_pace_never_waits(people_mp4: Path) -> None:
    clock = FakeClock()
    source = VideoSource(
        SourceSettings(str(people_mp4), realtime=False), clock=clock.monotonic, sleep=clock.sleep
    )
    try:
        pictures = sum(1 for _ in source.pictures())
    finally:
        source.close()

    assert pictures == PEOPLE_FRAMES
    assert clock.sleeps == []


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


class SlowReader(FakeClock):
    """A reader that spends `work_s` on every picture it is handed (the clock moves only
    when asked, so `work` is where the time goes)."""

    def __init__(self, work_s: float) -> None:
        super().__init__()
        self.work_s = work_s

    def work(self) -> None:
        self.now_s += self.work_s


def test_decoding_that_falls_behind_skips_whole_groups_of_pictures(people_mp4: Path) -> None:
    """30 pictures a second, 50 ms of work each: the reading falls behind the video clock, so
    it leaves groups of pictures undecoded, up to a keyframe, instead of lagging ever more."""
    reader = SlowReader(work_s=0.05)
    settings = SourceSettings(str(people_mp4), loop=True, realtime=True, max_lag_s=0.5)
    source = VideoSource(settings, clock=reader.monotonic, sleep=reader.sleep)
    handed = []
    try:
        for picture in itertools.islice(source.pictures(), 300):
            handed.append(picture)
            reader.work()
    finally:
        source.close()

    assert source.counters.skipped_gops >= 3
    assert source.counters.decoded < source.counters.packets  # undecoded packets were skipped
    # Never far behind: at most the allowance, plus the time a group takes to decode anyway.
    assert max(picture.lag_s for picture in handed) <= 0.5 + 0.05 * 2
    after_skip = [b for a, b in itertools.pairwise(handed) if b.offset_s - a.offset_s > 0.1]
    assert after_skip and all(picture.keyframe for picture in after_skip)  # resumes at a keyframe


def test_decoding_that_keeps_up_skips_nothing(people_mp4: Path) -> None:
    reader = SlowReader(work_s=0.01)
    settings = SourceSettings(str(people_mp4), loop=True, realtime=True, max_lag_s=0.5)
    source = VideoSource(settings, clock=reader.monotonic, sleep=reader.sleep)
    try:
        for _picture in itertools.islice(source.pictures(), 200):
            reader.work()
    finally:
        source.close()

    assert source.counters.skipped_gops == 0
    assert source.counters.decoded == 200


def test_files_read_as_fast_as_they_decode_never_skip(people_mp4: Path) -> None:
    reader = SlowReader(work_s=1.0)  # however slow: nothing is live, nothing may be lost
    settings = SourceSettings(str(people_mp4), realtime=False, max_lag_s=0.5)
    source = VideoSource(settings, clock=reader.monotonic, sleep=reader.sleep)
    try:
        count = 0
        for _picture in source.pictures():
            reader.work()
            count += 1
    finally:
        source.close()

    assert count == PEOPLE_FRAMES and source.counters.skipped_gops == 0

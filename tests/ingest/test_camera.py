"""Camera reading: sampling to the detection rate, the latest-frame slot, the reader thread."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import numpy as np
import pytest

from ingest.camera import CameraReader, LatestFrameSlot, ReaderSettings, StreamReader, sample
from ingest.frame import Frame, Image
from ingest.source import Picture, SourceSettings
from ingest.status import CameraState, CameraStatus
from tests.support.factories import make_frame
from tests.support.rtsp import RtspServers
from tests.support.waiting import wait_until


def blank() -> Image:
    return np.zeros((2, 2, 3), np.uint8)


def make_pictures(count: int, fps: float, start_s: float = 0.0) -> list[Picture]:
    """`count` pictures at `fps`, starting at `start_s` of video time."""
    return [Picture(blank, start_s + index / fps, index == 0, 2, 2) for index in range(count)]


def kept_offsets(pictures: list[Picture], fps: float) -> list[float]:
    return [round(picture.offset_s, 4) for picture in sample(pictures, fps)]


@pytest.mark.parametrize(("fps", "expected"), [(5, 50), (7, 70), (10, 100), (15, 150)])
def test_sampling_keeps_the_asked_rate_on_average(fps: float, expected: int) -> None:
    assert len(kept_offsets(make_pictures(300, 30), fps)) == expected


def test_sampling_keeps_the_first_picture_and_spaces_the_rest() -> None:
    offsets = kept_offsets(make_pictures(30, 30), 5)

    assert offsets == [0.0, 0.2, 0.4, 0.6, 0.8]


def test_sampling_faster_than_the_source_keeps_everything() -> None:
    assert len(kept_offsets(make_pictures(60, 10), 30)) == 60


def test_sampling_works_on_video_time_not_picture_count() -> None:
    # 5 pictures at 0.0-0.4 s, then a 10 s hole, then 5 more: the hole is not "owed".
    pictures = make_pictures(5, 10) + make_pictures(5, 10, start_s=10.0)

    offsets = kept_offsets(pictures, 2)

    assert offsets[0] == 0.0
    assert offsets[1] == 10.0
    assert len(offsets) <= 4


def test_the_slot_hands_over_the_newest_frame_and_counts_replaced_ones() -> None:
    slot = LatestFrameSlot()
    for seq in range(1, 6):
        slot.put(make_frame(seq))

    taken = slot.take(timeout_s=0.1)

    assert taken is not None and taken.seq == 5
    assert slot.dropped == 4
    assert slot.take(timeout_s=0.01) is None


def test_a_frame_that_is_taken_in_time_is_not_dropped() -> None:
    slot = LatestFrameSlot()
    for seq in range(1, 4):
        slot.put(make_frame(seq))
        assert slot.take(timeout_s=0.1) is not None

    assert slot.dropped == 0


def test_take_wakes_up_when_a_frame_arrives() -> None:
    slot = LatestFrameSlot()
    timer = threading.Timer(0.1, slot.put, args=(make_frame(9),))
    timer.start()

    taken = slot.take(timeout_s=5.0)

    assert taken is not None and taken.seq == 9


class StatusLog:
    """Collects the statuses a reader reports."""

    def __init__(self) -> None:
        self.items: list[CameraStatus] = []

    def __call__(self, status: CameraStatus) -> None:
        self.items.append(status)

    def states(self) -> list[CameraState]:
        return [status.state for status in self.items]


def reader_for(url: str, status_log: StatusLog, sample_fps: float = 5) -> CameraReader:
    settings = ReaderSettings(
        camera="lobby",
        source=SourceSettings(url, realtime=False, open_timeout_s=5),
        sample_fps=sample_fps,
        reconnect_initial_s=0.1,
        reconnect_max_s=0.4,
    )
    return CameraReader(settings, status_log)


def test_a_reader_reads_a_file_to_the_end_and_says_so(people_mp4: Path) -> None:
    status_log = StatusLog()
    reader = reader_for(str(people_mp4), status_log, sample_fps=10)
    reader.start()
    seqs: list[int] = []
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        frame = reader.slot.take(timeout_s=0.5)
        if frame is not None:
            assert (frame.camera, frame.width, frame.height) == ("lobby", 1920, 1080)
            seqs.append(frame.seq)
        elif reader.finished:
            break
    reader.stop()

    final = reader.status()
    assert status_log.states()[0] == CameraState.ONLINE
    assert (final.state, final.error) == (CameraState.OFFLINE, "end of file")
    assert (final.width, final.height, final.codec) == (1920, 1080, "h264")
    assert final.frames_total == 302
    # 10 s sampled at 10 fps; every sampled frame was either taken or counted as dropped.
    assert seqs[-1] == len(seqs) + final.frames_dropped == 101
    assert seqs == sorted(seqs)


def test_a_reader_retries_a_missing_source_with_the_reason(tmp_path: Path) -> None:
    status_log = StatusLog()
    reader = reader_for(str(tmp_path / "absent.mp4"), status_log)
    reader.start()
    try:
        wait_until(lambda: reader.status().reconnects >= 3, 10, "three reconnect attempts")
        status = reader.status()
    finally:
        reader.stop()

    assert status.state == CameraState.RECONNECTING
    assert status.error is not None and "absent.mp4 does not exist" in status.error
    assert status_log.states()[0] == CameraState.RECONNECTING


def test_stopping_a_reader_does_not_report_a_lost_stream(people_mp4: Path) -> None:
    status_log = StatusLog()
    settings = ReaderSettings(
        camera="lobby",
        source=SourceSettings(str(people_mp4), loop=True, realtime=True),
        sample_fps=5,
    )
    reader = CameraReader(settings, status_log)
    reader.start()
    wait_until(lambda: reader.slot.take(0.1), 10, "a first frame")

    reader.stop()

    assert reader.finished
    # Stopped on purpose: offline, said to be stopped, never "reconnecting".
    assert status_log.states() == [CameraState.ONLINE, CameraState.OFFLINE]
    assert reader.status().error == "stopped"
    assert reader.status().reconnects == 0


def test_a_reader_rides_out_a_camera_that_dies_and_returns(rtsp_server: RtspServers) -> None:
    server = rtsp_server.start()
    status_log = StatusLog()
    settings = ReaderSettings(
        camera="gate",
        source=SourceSettings(server.url(), open_timeout_s=5, read_timeout_s=5),
        sample_fps=5,
        reconnect_initial_s=0.2,
        reconnect_max_s=1.0,
    )
    reader = CameraReader(settings, status_log)
    reader.start()
    try:
        first = wait_until(lambda: reader.slot.take(0.1), 30, "a first frame")
        server.kill()  # kill -9: no RTSP goodbye
        wait_until(lambda: reader.status().state == CameraState.RECONNECTING, 30, "reconnecting")
        server.restart()
        wait_until(lambda: reader.status().state == CameraState.ONLINE, 30, "online again")

        def newer_frame() -> Frame | None:
            frame = reader.slot.take(0.1)
            return frame if frame is not None and frame.seq > first.seq else None

        later = wait_until(newer_frame, 30, "frames after the reconnect")
    finally:
        reader.stop()

    assert later.image.shape == (1080, 1920, 3)
    states = status_log.states()
    lost_at = states.index(CameraState.RECONNECTING)
    assert states[0] == CameraState.ONLINE
    assert CameraState.ONLINE in states[lost_at:]
    assert reader.status().reconnects >= 1


def test_a_stream_read_too_slowly_skips_groups_of_pictures_and_stays_live(
    rtsp_server: RtspServers,
) -> None:
    """A live camera whose pictures take longer to handle than the stream sends them: the
    reader leaves whole groups of pictures undecoded, counts them, and what it hands on stays
    within the allowed lag of the live stream instead of falling ever further behind."""
    server = rtsp_server.start()
    settings = ReaderSettings(
        camera="slow",
        source=SourceSettings(server.url(), max_lag_s=0.5),
        sample_fps=30,
    )
    lags: list[float] = []

    def handle(picture: Picture) -> None:
        lags.append(picture.lag_s)
        time.sleep(0.06)  # the work: twice the 33 ms the stream leaves per picture

    stream = StreamReader("slow", settings.source, settings, lambda: None, None, handle)
    started = time.monotonic()
    stream.start()
    try:
        wait_until(lambda: stream.skipped_gops >= 2, 60, "groups of pictures skipped")
        wait_until(lambda: len(lags) >= 200, 60, "pictures handed on")
        status = stream.stream_status()
        handed_on_fps = len(lags) / (time.monotonic() - started)
    finally:
        stream.stop(5)

    assert stream.decoded_total < stream.packets_total
    # The allowance plus one picture's work at most, where without skipping the lag would
    # have grown by a second for every second read.
    assert max(lags) <= 0.5 + 0.2
    # The status gives the rate the stream sends at (30 fps, less when the machine is busy),
    # not the rate the slow work takes pictures at (at most 16 a second).
    assert status.source_fps > handed_on_fps

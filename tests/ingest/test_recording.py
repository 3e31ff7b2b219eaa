"""Alert clips from a real RTSP camera: stream-copied, playable, covering the alert."""

from __future__ import annotations

import hashlib
import subprocess
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import av
import pytest

from ingest.camera import CameraReader, ReaderSettings
from ingest.recording import Clip, Recorder, RecorderSettings
from ingest.source import SourceSettings, VideoSource
from ingest.status import CameraStatus
from tests.support.rtsp import RtspServers
from tests.support.waiting import wait_until

pytestmark = pytest.mark.slow


def slice_payloads(path: Path) -> set[str]:
    """SHA-256 of every coded slice NAL unit in an MP4's H.264 track (framing aside)."""
    hashes: set[str] = set()
    with av.open(str(path)) as container:
        for packet in container.demux(video=0):
            data = bytes(packet)
            position = 0
            while position + 4 <= len(data):
                length = int.from_bytes(data[position : position + 4], "big")
                unit = data[position + 4 : position + 4 + length]
                if unit and unit[0] & 0x1F in (1, 5):  # non-IDR and IDR slices
                    hashes.add(hashlib.sha256(unit).hexdigest())
                position += 4 + length
    return hashes


class Camera:
    """A reader with a recorder on a real RTSP stream; clips and statuses collected."""

    def __init__(self, url: str, media_dir: Path) -> None:
        self.clips: list[Clip] = []
        self.problems: list[str | None] = []
        self.statuses: list[CameraStatus] = []
        self.recorder = Recorder(
            "cam",
            RecorderSettings(media_dir, keep_s=5),
            self.clips.append,
            self.problems.append,
        )
        settings = ReaderSettings("cam", SourceSettings(url), sample_fps=5)
        self.reader = CameraReader(settings, self.statuses.append, self.recorder)
        self.reader.start()

    def online_for(self, seconds: float) -> None:
        """Wait until the packet ring holds `seconds` of the stream."""
        ring = self.recorder.ring
        wait_until(lambda: ring.span_s >= seconds, 30 + 2 * seconds, f"{seconds} s of packets")

    def packets_until(self, moment: datetime) -> None:
        """Wait until a packet received after `moment` arrived."""
        ring = self.recorder.ring
        wait_until(
            lambda: (newest := ring.newest_at) is not None and newest > moment,
            30,
            "packets past the moment",
        )


@pytest.fixture
def camera(rtsp_server: RtspServers, tmp_path: Path) -> Iterator[Camera]:
    server = rtsp_server.start()
    recording = Camera(server.url(), tmp_path / "media")
    yield recording
    recording.reader.stop()


def test_clip_is_stream_copied_and_covers_pre_alert_and_post(
    camera: Camera, people_mp4: Path
) -> None:
    camera.online_for(5)  # fill the ring with the pre-capture time
    started = datetime.now(UTC)
    camera.recorder.start_clip("alert-1", started - timedelta(seconds=5))  # pre-capture
    camera.packets_until(started + timedelta(seconds=3))
    ended = datetime.now(UTC)
    camera.recorder.stop_clip("alert-1", ended + timedelta(seconds=5))  # post-capture
    clip = wait_until(lambda: camera.clips[0] if camera.clips else None, 20, "the clip")

    assert clip.path.is_file() and not clip.reencoded
    assert clip.started_at <= started - timedelta(seconds=5)
    assert clip.ended_at >= ended + timedelta(seconds=5) - timedelta(seconds=1)
    with av.open(str(clip.path)) as container:
        stream = container.streams.video[0]
        assert (stream.codec_context.name, stream.width, stream.height) == ("h264", 1920, 1080)
        first = next(container.decode(video=0))
        assert first.key_frame
        assert container.duration is not None
        duration_s = container.duration / av.time_base
    wanted_s = 5 + (ended - started).total_seconds() + 5
    assert wanted_s - 1 <= duration_s <= wanted_s + 6  # + at most one group of pictures before
    head = clip.path.read_bytes()[:4096]
    assert head.find(b"moov") < head.find(b"mdat") or b"mdat" not in head  # index first
    assert slice_payloads(clip.path) <= slice_payloads(people_mp4)  # no frame re-encoded
    probe = subprocess.run(
        ["ffmpeg", "-v", "error", "-i", str(clip.path), "-f", "null", "-"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert probe.returncode == 0 and probe.stderr == ""


def test_a_camera_without_alerts_writes_nothing(camera: Camera, tmp_path: Path) -> None:
    camera.online_for(4)
    assert not (tmp_path / "media").exists()
    assert camera.recorder.ring.size_bytes > 0
    reported = camera.reader.status().packet_buffer_bytes  # the ring's memory is reported
    assert reported is not None and 0 < reported <= 64 * 2**20


def test_a_source_that_is_not_h264_is_re_encoded(people_mp4: Path, tmp_path: Path) -> None:
    mjpeg = tmp_path / "camera.avi"
    subprocess.run(
        [
            "ffmpeg",
            "-v",
            "error",
            "-t",
            "6",
            "-i",
            str(people_mp4),
            "-vf",
            "scale=640:360",
            "-c:v",
            "mjpeg",
            "-q:v",
            "5",
            "-an",
            str(mjpeg),
        ],
        check=True,
    )
    clips: list[Clip] = []
    recorder = Recorder("cam", RecorderSettings(tmp_path / "media", keep_s=1), clips.append, print)
    source = VideoSource(SourceSettings(str(mjpeg), realtime=False), recorder.packet)
    recorder.session_opened(source.stream)
    start = datetime.now(UTC)
    for index, picture in enumerate(source.pictures()):
        if index == 60:  # 2 s in: an alert of 1 s
            recorder.start_clip("alert-1", start - timedelta(seconds=1))
        if index == 90:
            recorder.stop_clip("alert-1", start + timedelta(seconds=1))
        del picture
    recorder.session_closed()
    source.close()

    assert len(clips) == 1 and clips[0].reencoded
    with av.open(str(clips[0].path)) as container:
        stream = container.streams.video[0]
        assert (stream.codec_context.name, stream.width, stream.height) == ("h264", 640, 360)
        assert sum(1 for _ in container.decode(video=0)) >= 30


@pytest.fixture
def full_disk(tmp_path: Path) -> Iterator[Path]:
    folder = tmp_path / "small"
    folder.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", str(folder)], check=True)
    yield folder
    subprocess.run(["umount", str(folder)], check=False)


def test_full_disk_stops_clips_with_a_clear_problem_and_reading_goes_on(
    rtsp_server: RtspServers, full_disk: Path
) -> None:
    server = rtsp_server.start()
    camera = Camera(server.url(), full_disk)
    try:
        camera.online_for(5)
        camera.recorder.start_clip("alert-1", datetime.now(UTC))
        problem = wait_until(lambda: camera.recorder.problem, 20, "a recording problem")
        assert "disk full" in problem and str(full_disk) in problem
        assert camera.reader.status().recording_error == problem
        frames = camera.reader.status().frames_total
        wait_until(lambda: camera.reader.status().frames_total > frames + 30, 10, "more frames")
        assert not list(full_disk.rglob("*.mp4"))
    finally:
        camera.reader.stop()

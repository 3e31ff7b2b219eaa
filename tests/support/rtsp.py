"""Start and stop the real GStreamer RTSP server (tools/rtsp_server.py) from the tests."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Mapping
from pathlib import Path

from tests.support.net import free_port
from tests.support.process import die_with_parent

SERVER_SCRIPT = Path(__file__).resolve().parents[2] / "tools" / "rtsp_server.py"
# Debian's GObject bindings (python3-gi) import only under the system interpreter.
SYSTEM_PYTHON = "/usr/bin/python3"


def make_looped_copy(source: Path, target: Path, loops: int) -> Path:
    """`source` repeated `loops` times, stream-copied (no re-encoding), audio dropped."""
    subprocess.run(
        [
            "ffmpeg",
            "-v",
            "error",
            "-y",
            "-stream_loop",
            str(loops - 1),
            "-i",
            str(source),
            "-c",
            "copy",
            "-an",
            str(target),
        ],
        check=True,
        timeout=120,
    )
    return target


def make_encoded_copy(
    source: Path, target: Path, codec: str, width: int, height: int, gop: int = 50
) -> Path:
    """`source` re-encoded once: a camera's substream (H.264, small) or an H.265 stream,
    tagged hvc1 as cameras and browsers expect; keyframes every `gop` pictures."""
    encoder = {"h264": ["libx264"], "h265": ["libx265", "-x265-params", "log-level=error"]}
    tag = ["-tag:v", "hvc1"] if codec == "h265" else []
    subprocess.run(
        [
            "ffmpeg", "-v", "error", "-y", "-i", str(source),
            "-vf", f"scale={width}:{height}",
            "-c:v", *encoder[codec], "-preset", "veryfast", "-g", str(gop),
            "-bf", "0", "-pix_fmt", "yuv420p", *tag, "-an", str(target),
        ],
        check=True,
        timeout=300,
    )  # fmt: skip
    return target


def _system_environment() -> dict[str, str]:
    """This environment without the virtual environment's hints, for /usr/bin/python3."""
    hidden = {"VIRTUAL_ENV", "PYTHONPATH", "PYTHONHOME"}
    return {key: value for key, value in os.environ.items() if key not in hidden}


class RtspServer:
    """One server process on a fixed port; it can be stopped, killed and started again."""

    def __init__(
        self,
        video: Path,
        port: int,
        mounts: tuple[str, ...],
        log_dir: Path,
        files: Mapping[str, Path] | None = None,
    ) -> None:
        """`files`: mounts that stream another file than `video` (a substream, say)."""
        self.video = video
        self.port = port
        self.mounts = tuple(mount.strip("/") for mount in mounts)
        self.files = {mount.strip("/"): path for mount, path in (files or {}).items()}
        self._log_dir = log_dir
        self._process: subprocess.Popen[bytes] | None = None
        self._starts = 0
        self.log_path = log_dir / f"rtsp-{port}-0.log"

    def url(self, mount: str | None = None) -> str:
        return f"rtsp://127.0.0.1:{self.port}/{mount or self.mounts[0]}"

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def start(self, timeout_s: float = 30.0) -> None:
        """Launch the server and return once it prints 'ready' (it listens then)."""
        assert not self.running, "server already running"
        deadline = time.monotonic() + timeout_s
        while True:
            self._launch()
            outcome = self._await_ready(deadline)
            if outcome == "ready":
                return
            # The port may still be held by the previous server's closing sockets: retry.
            if time.monotonic() >= deadline:
                self.kill()
                raise AssertionError(
                    f"RTSP server on port {self.port} did not become ready in {timeout_s:.0f} s "
                    f"({outcome}); its log:\n{self.log()}"
                )
            time.sleep(0.2)

    def _launch(self) -> None:
        self._starts += 1
        self.log_path = self._log_dir / f"rtsp-{self.port}-{self._starts}.log"
        command = [SYSTEM_PYTHON, str(SERVER_SCRIPT), "--port", str(self.port)]
        for mount in self.mounts:
            command += ["--mount", f"/{mount}={self.files.get(mount, self.video)}"]
        command += ["--file", str(self.video)]
        with self.log_path.open("wb") as log:
            self._process = subprocess.Popen(
                die_with_parent(command, python=SYSTEM_PYTHON),
                stdout=log,
                stderr=subprocess.STDOUT,
                env=_system_environment(),
            )

    def _await_ready(self, deadline: float) -> str:
        process = self._process
        assert process is not None
        while time.monotonic() < deadline:
            if any(line.startswith("ready ") for line in self.log().splitlines()):
                return "ready"
            if process.poll() is not None:
                return f"exited with status {process.returncode}"
            time.sleep(0.05)
        return "no 'ready' line"

    def stop(self, timeout_s: float = 10.0) -> None:
        """SIGTERM, as an operator would stop it; waits for the process to end."""
        process = self._process
        if process is None or process.poll() is not None:
            return
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout_s)
        except subprocess.TimeoutExpired:
            self.kill()
            raise AssertionError(f"RTSP server ignored SIGTERM; its log:\n{self.log()}") from None

    def kill(self) -> None:
        """SIGKILL: the server vanishes without closing anything."""
        process = self._process
        if process is not None and process.poll() is None:
            process.kill()
            process.wait(10)

    def restart(self, timeout_s: float = 30.0) -> None:
        """Stop if running, then start again on the same port and mounts."""
        self.stop()
        self.start(timeout_s)

    @property
    def returncode(self) -> int | None:
        return None if self._process is None else self._process.poll()

    def log(self) -> str:
        try:
            return self.log_path.read_text(encoding="utf-8", errors="replace")
        except FileNotFoundError:
            return ""


class RtspServers:
    """Factory behind the `rtsp_server` fixture; every server it started dies at teardown."""

    def __init__(self, video: Path, log_dir: Path) -> None:
        self.video = video
        self.log_dir = log_dir
        self._servers: list[RtspServer] = []

    def start(
        self,
        mounts: tuple[str, ...] = ("cam",),
        port: int | None = None,
        files: Mapping[str, Path] | None = None,
    ) -> RtspServer:
        """A server streaming the footage on `mounts`; `files` gives mounts their own."""
        server = RtspServer(self.video, port or free_port(), mounts, self.log_dir, files)
        self._servers.append(server)
        server.start()
        return server

    def close(self) -> None:
        for server in self._servers:
            server.kill()

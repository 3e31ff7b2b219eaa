"""Live benchmark harness: N real-time RTSP cameras through `nightwatch bench-live --config`.

Makes the footage once (cached), serves it with tools/rtsp_server.py (GStreamer, real time),
writes a configuration with one camera per mount and runs the real pipeline on it:

    .venv/bin/python tools/bench_live.py --cameras 16 --scene quiet --substream --duration 600

Scenes: `busy` is people.mp4 (a shopping street, 11-14 people, GOP 4.3 s); `quiet` is one
frame of it held still with sensor noise (H.264 at 4 Mbit/s, GOP 50), as a night camera over
an empty street sends. `--substream`: each camera's detect stream is a 640x360 copy and its
record stream the 1080p original, as IP cameras offer them.
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
REPOSITORY = HERE.parent
SHARED = Path(os.environ.get("NIGHTWATCH_SHARED", REPOSITORY.parent / "shared"))
CACHE = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "nightwatch-bench"
SYSTEM_PYTHON = "/usr/bin/python3"


def ffmpeg(*arguments: str) -> None:
    subprocess.run(["ffmpeg", "-v", "error", "-y", *arguments], check=True)


def footage(scene: str, small: bool, minutes: int) -> Path:
    """The scene's stream (1080p, or the 640x360 substream), long enough for `minutes`."""
    CACHE.mkdir(parents=True, exist_ok=True)
    name = f"{scene}-{'360p' if small else '1080p'}"
    looped = CACHE / f"{name}-{minutes}min.mp4"
    if looped.exists():
        return looped
    once = CACHE / f"{name}.mp4"
    if not once.exists():
        _make_once(scene, small, once)
    seconds = 60.0 if scene == "quiet" else 10.0
    loops = max(1, round(minutes * 60 / seconds) + 1)
    ffmpeg("-stream_loop", str(loops), "-i", str(once), "-c", "copy", "-an", str(looped))
    return looped


def _make_once(scene: str, small: bool, target: Path) -> None:
    street = SHARED / "footage" / "people.mp4"
    size = ["-vf", "scale=640:360"] if small else []
    if scene == "busy":
        if not small:
            ffmpeg("-i", str(street), "-c", "copy", "-an", str(target))
            return
        ffmpeg("-i", str(street), *size, "-c:v", "libx264", "-preset", "veryfast", "-an",
               str(target))  # fmt: skip
        return
    still = CACHE / "quiet.png"
    if not still.exists():
        ffmpeg("-i", str(street), "-frames:v", "1", str(still))
    noise = "noise=alls=6:allf=t+u" + (",scale=640:360" if small else "")
    rate = "1M" if small else "4M"
    ffmpeg(
        "-loop", "1", "-framerate", "30", "-i", str(still), "-t", "60", "-vf", noise,
        "-c:v", "libx264", "-preset", "veryfast", "-b:v", rate, "-maxrate", rate,
        "-bufsize", rate, "-g", "50", "-bf", "0", "-pix_fmt", "yuv420p", str(target),
    )  # fmt: skip


@contextmanager
def rtsp_server(mounts: list[str], port: int, log: Path) -> Iterator[None]:
    """tools/rtsp_server.py serving `mounts` (`--mount=/NAME=FILE`) on `port`, ready."""
    with log.open("wb") as output:
        server = subprocess.Popen(
            [SYSTEM_PYTHON, str(HERE / "rtsp_server.py"), "--port", str(port), *mounts],
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 30
        while "ready" not in log.read_text() and time.monotonic() < deadline:
            time.sleep(0.2)
        yield
    finally:
        server.terminate()
        server.wait(10)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def config_for(port: int, cameras: int, substream: bool, detect_fps: float) -> dict[str, object]:
    prefix = f"nightwatch-bench-{os.getpid()}"
    rule = {"type": "intrusion", "zone": "frame", "update_interval_s": 0, "clear_s": 2,
            "cooldown_s": 0}  # fmt: skip
    entries: dict[str, object] = {}
    for index in range(1, cameras + 1):
        main = f"rtsp://127.0.0.1:{port}/main{index}"
        source: object = {"detect": f"rtsp://127.0.0.1:{port}/sub{index}", "record": main}
        entries[f"cam-{index}"] = {
            "source": source if substream else main,
            "detect": {"fps": detect_fps},
            "zones": {"frame": {"polygon": [[0, 0], [1, 0], [1, 1], [0, 1]]}},
            "rules": [rule],
        }
    return {
        "mqtt": {"url": "mqtt://127.0.0.1:1883", "client_id": prefix, "topic_prefix": prefix},
        "model": {"path": str(SHARED / "models" / "yolo11n_int8_openvino_model")},
        "cameras": entries,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cameras", type=int, default=4)
    parser.add_argument("--scene", choices=["busy", "quiet"], default="busy")
    parser.add_argument("--substream", action="store_true", help="analyse 640x360 substreams")
    parser.add_argument("--duration", type=float, default=600.0, help="measured seconds")
    parser.add_argument("--warmup", type=float, default=20.0)
    parser.add_argument("--detect-fps", type=float, default=5.0)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    minutes = int((args.duration + args.warmup) / 60) + 2
    main_file = footage(args.scene, False, minutes)
    mounts = [f"--mount=/main{index}={main_file}" for index in range(1, args.cameras + 1)]
    if args.substream:
        sub_file = footage(args.scene, True, minutes)
        mounts += [f"--mount=/sub{index}={sub_file}" for index in range(1, args.cameras + 1)]
    port = free_port()
    with tempfile.TemporaryDirectory(prefix="nightwatch-bench-live-") as work:
        log = Path(work) / "rtsp.log"
        config = Path(work) / "cameras.yaml"
        config.write_text(yaml.safe_dump(config_for(port, args.cameras, args.substream,
                                                    args.detect_fps)))  # fmt: skip
        with rtsp_server(mounts, port, log):
            command = [
                sys.executable, "-m", "nightwatch.cli", "--log-level", "warning", "bench-live",
                "--config", str(config), "--duration", str(args.duration),
                "--warmup", str(args.warmup), *(["--json"] if args.json else []),
            ]  # fmt: skip
            return subprocess.run(command, check=False).returncode


if __name__ == "__main__":
    sys.exit(main())

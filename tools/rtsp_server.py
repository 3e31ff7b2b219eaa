#!/usr/bin/python3
"""A real RTSP server for tests and benchmarks: GStreamer's rtsp-server streaming an H.264 MP4 file.

Runs under the system Python (/usr/bin/python3), where Debian's GObject bindings live; the
tests start it as a subprocess. The file is sent as it is (no re-encoding), paced in real time
by the server's clock. Looping: the tests hand it a long copy made with
`ffmpeg -stream_loop N -c copy` (GStreamer's file pipeline has no seamless loop of its own).

    /usr/bin/python3 tools/rtsp_server.py --port 8554 --mount /cam --file video.mp4

Prints `ready rtsp://127.0.0.1:PORT/MOUNT ...` on stdout once it listens; SIGTERM or SIGINT
stops it cleanly (exit status 0).
"""

from __future__ import annotations

import argparse
import signal
import sys

import gi

gi.require_version("Gst", "1.0")
gi.require_version("GstRtspServer", "1.0")
from gi.repository import GLib, Gst, GstRtspServer  # noqa: E402


def _launch_line(path: str) -> str:
    location = path.replace("\\", "\\\\").replace('"', '\\"')
    return (
        f'( filesrc location="{location}" ! qtdemux ! h264parse '
        "! rtph264pay config-interval=1 name=pay0 pt=96 )"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True, help="TCP port to listen on")
    parser.add_argument(
        "--mount",
        action="append",
        default=None,
        help="mount path such as /cam; repeat for several (default /cam)",
    )
    parser.add_argument("--file", required=True, help="H.264 MP4 file to stream")
    parser.add_argument("--address", default="127.0.0.1", help="address to bind")
    args = parser.parse_args()

    Gst.init(None)
    server = GstRtspServer.RTSPServer()
    server.set_address(args.address)
    server.set_service(str(args.port))
    mounts = server.get_mount_points()
    paths = args.mount or ["/cam"]
    for path in paths:
        factory = GstRtspServer.RTSPMediaFactory()
        factory.set_launch(_launch_line(args.file))
        factory.set_shared(True)  # several clients watch one pipeline, as with a real camera
        mounts.add_factory(path if path.startswith("/") else f"/{path}", factory)

    loop = GLib.MainLoop()
    if server.attach(None) == 0:
        print(f"error: cannot listen on {args.address}:{args.port}", file=sys.stderr, flush=True)
        return 1
    for signum in (signal.SIGTERM, signal.SIGINT):
        GLib.unix_signal_add(GLib.PRIORITY_DEFAULT, signum, loop.quit)
    urls = " ".join(f"rtsp://{args.address}:{args.port}/{p.lstrip('/')}" for p in paths)
    print(f"ready {urls}", flush=True)
    loop.run()
    return 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/python3
"""A real RTSP server for tests and benchmarks: GStreamer's rtsp-server streaming MP4 files.

Runs under the system Python (/usr/bin/python3), where Debian's GObject bindings live; the
tests start it as a subprocess. The file is sent as it is (no re-encoding), paced in real time
by the server's clock. Looping: the tests hand it a long copy made with
`ffmpeg -stream_loop N -c copy` (GStreamer's file pipeline has no seamless loop of its own).

    /usr/bin/python3 tools/rtsp_server.py --port 8554 --mount /cam --file video.mp4
    /usr/bin/python3 tools/rtsp_server.py --port 8554 --mount /main=1080p.mp4 --mount /sub=360p.mp4

Each mount streams the file named after its `=` (or --file): H.264 or H.265, found in the
file itself, sent as it is. A camera's main stream and substream are two mounts.

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


def _codec(path: str) -> str:
    """h264 or h265, from the MP4's sample description (the first megabyte holds it after
    faststart; otherwise the last)."""
    with open(path, "rb") as stream:
        head = stream.read(1 << 20)
        stream.seek(max(0, stream.seek(0, 2) - (4 << 20)))
        tail = stream.read()
    for data in (head, tail):
        at = data.find(b"stsd")
        # stsd: version and flags, entry count, then the first entry's size and its format.
        if at >= 0 and data[at + 16 : at + 20] in (b"hvc1", b"hev1"):
            return "h265"
        if at >= 0 and data[at + 16 : at + 20] in (b"avc1", b"avc3"):
            return "h264"
    raise SystemExit(f"error: {path} holds neither H.264 nor H.265 video")


def _launch_line(path: str) -> str:
    location = path.replace("\\", "\\\\").replace('"', '\\"')
    codec = _codec(path)
    return (
        f'( filesrc location="{location}" ! qtdemux ! {codec}parse '
        f"! rtp{codec}pay config-interval=1 name=pay0 pt=96 )"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True, help="TCP port to listen on")
    parser.add_argument(
        "--mount",
        action="append",
        default=None,
        help="mount path such as /cam, or /cam=FILE; repeat for several (default /cam)",
    )
    parser.add_argument("--file", help="MP4 file (H.264 or H.265) of mounts without their own")
    parser.add_argument("--address", default="127.0.0.1", help="address to bind")
    args = parser.parse_args()

    Gst.init(None)
    server = GstRtspServer.RTSPServer()
    server.set_address(args.address)
    server.set_service(str(args.port))
    mounts = server.get_mount_points()
    mounts_given = args.mount or ["/cam"]
    paths = []
    for given in mounts_given:
        path, _, file = given.partition("=")
        file = file or args.file
        if not file:
            print(f"error: mount {path} has no file (give --file or {path}=FILE)", file=sys.stderr)
            return 2
        paths.append(path)
        factory = GstRtspServer.RTSPMediaFactory()
        factory.set_launch(_launch_line(file))
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

"""Cameras: status, the latest picture, and a live view any browser shows (MJPEG)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

from fastapi import APIRouter, HTTPException, Response, status
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import StreamingResponse

from console.deps import CameraStatusReader, CameraViewer, HubDep, Services
from console.event_hub import EventHub
from console.ports import CameraFeed
from console.schemas.cameras import CameraOut
from console.schemas.common import CameraName
from ingest.status import CameraStatus

router = APIRouter(prefix="/api/v1/cameras", tags=["cameras"])
_BOUNDARY = "nightwatch-frame"
_NO_STORE = {"Cache-Control": "no-store"}


def camera_out(name: str, location: str, item: CameraStatus | None) -> CameraOut:
    base = f"/api/v1/cameras/{name}"
    return CameraOut(
        name=name,
        location=location or name,
        state=item.state.value if item else "unknown",
        fps=item.fps if item else 0.0,
        frames_total=item.frames_total if item else 0,
        frames_dropped=item.frames_dropped if item else 0,
        reconnects=item.reconnects if item else 0,
        last_frame_at=item.last_frame_at if item else None,
        error=item.error if item else None,
        recording_error=item.recording_error if item else None,
        width=item.width if item else None,
        height=item.height if item else None,
        codec=item.codec if item else None,
        frame_url=f"{base}/frame.jpg",
        live_url=f"{base}/live",
    )


@router.get("", response_model=list[CameraOut])
def list_cameras(_user: CameraStatusReader, services: Services) -> list[CameraOut]:
    """Every enabled camera with its live status."""
    statuses = services.cameras.camera_statuses()
    return [
        camera_out(name, camera.location, statuses.get(name))
        for name, camera in services.config.cameras.items()
        if camera.enabled
    ]


def _known(services: Services, camera: str) -> None:
    found = services.config.cameras.get(camera)
    if found is None or not found.enabled:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "no such camera")


@router.get(
    "/{camera}/frame.jpg",
    response_class=Response,
    responses={200: {"content": {"image/jpeg": {}}}, 404: {"description": "No picture yet"}},
)
def latest_frame(_user: CameraViewer, camera: CameraName, services: Services) -> Response:
    """The newest analysed picture of the camera (live view, not evidence: not audited)."""
    _known(services, camera)
    picture = services.cameras.latest_picture(camera)
    if picture is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "no picture from this camera yet")
    headers = {**_NO_STORE, "X-Frame-Seq": str(picture.seq)}
    return Response(picture.jpeg, media_type="image/jpeg", headers=headers)


@router.get(
    "/{camera}/live",
    response_class=StreamingResponse,
    responses={200: {"content": {f"multipart/x-mixed-replace; boundary={_BOUNDARY}": {}}}},
)
def live_view(
    _user: CameraViewer, camera: CameraName, services: Services, hub: HubDep
) -> StreamingResponse:
    """Motion JPEG: an <img> shows it with no plugin. Sends each new picture once."""
    _known(services, camera)
    interval_s = 1.0 / services.settings.live_fps
    stream = _pictures(services.cameras, camera, hub, interval_s)
    media_type = f"multipart/x-mixed-replace; boundary={_BOUNDARY}"
    return StreamingResponse(stream, media_type=media_type, headers=_NO_STORE)


async def _pictures(
    feed: CameraFeed, camera: str, hub: EventHub, interval_s: float
) -> AsyncIterator[bytes]:
    last_seq = -1
    while not hub.closed:
        picture = await run_in_threadpool(feed.latest_picture, camera)  # may JPEG-encode
        if picture is not None and picture.seq != last_seq:
            last_seq = picture.seq
            head = (
                f"--{_BOUNDARY}\r\nContent-Type: image/jpeg\r\n"
                f"Content-Length: {len(picture.jpeg)}\r\n\r\n"
            )
            yield head.encode("ascii") + picture.jpeg + b"\r\n"
        await asyncio.sleep(interval_s)

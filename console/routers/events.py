"""The live feed: alerts, dispatch changes and camera status, pushed as Server-Sent Events.

Each browser gets what its role may see: patrols only their own team's dispatches.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

from fastapi import APIRouter
from fastapi.responses import StreamingResponse

from console.deps import HubDep, Principal, SignedIn
from console.event_hub import EventHub, LiveMessage
from console.roles import Permission, allowed

router = APIRouter(prefix="/api/v1", tags=["live"])
KEEPALIVE_S = 15.0
_NEEDS = {
    "alert": Permission.ALERTS,
    "disposition": Permission.ALERTS,
    "camera": Permission.CAMERA_STATUS,
    "dispatch": Permission.DISPATCH_READ,
}


def visible(principal: Principal, message: LiveMessage) -> bool:
    user = principal.user
    if not allowed(user.role, _NEEDS[message.kind]):
        return False
    return not (message.kind == "dispatch" and user.role == "patrol" and message.team != user.team)


@router.get(
    "/events",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/event-stream": {}}}},
)
def events(principal: SignedIn, hub: HubDep) -> StreamingResponse:
    """`event: alert|camera|dispatch|disposition`, `data:` the same JSON as the REST bodies
    (alerts: the nightwatch.alert/1 message). A comment line every 15 s keeps proxies open."""
    headers = {"Cache-Control": "no-store", "X-Accel-Buffering": "no"}
    return StreamingResponse(
        _stream(principal, hub), media_type="text/event-stream", headers=headers
    )


async def _stream(principal: Principal, hub: EventHub) -> AsyncIterator[str]:
    # Subscribe before the first line goes out: once the client sees the stream open, no
    # event can fall between its connecting and its listening.
    with hub.subscribe() as subscription:
        yield "retry: 2000\n\n"
        while True:  # until the hub's close, queued behind what was published before it
            try:
                message = await subscription.next(KEEPALIVE_S)
            except EOFError:
                return
            if message is None:
                yield ": keep-alive\n\n"
            elif visible(principal, message):
                yield f"event: {message.kind}\ndata: {message.data}\n\n"

"""ASGI middleware: a cap on request bodies, and security headers on every answer."""

from __future__ import annotations

from collections.abc import Sequence

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

# Pages load only their own scripts, styles, pictures and video; nothing from elsewhere
# (but the map tiles of the site's own tile server, when one is configured).
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data: blob:{images}; media-src 'self'; "
    "style-src 'self'; script-src 'self'; connect-src 'self'; "
    "frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
)


def security_headers(image_sources: Sequence[str] = ()) -> list[tuple[bytes, bytes]]:
    """The headers every answer carries; `image_sources`: origins pictures may come from."""
    policy = CONTENT_SECURITY_POLICY.format(images="".join(f" {s}" for s in image_sources))
    return [
        (b"x-content-type-options", b"nosniff"),
        (b"referrer-policy", b"no-referrer"),
        (b"x-frame-options", b"DENY"),
        (b"content-security-policy", policy.encode()),
    ]


_HEADERS = security_headers()


class BodyTooLarge(HTTPException):
    def __init__(self) -> None:
        super().__init__(413, "request body too large")


class LimitsAndHeaders:
    """Refuses bodies over `max_body_bytes` with 413 (declared or streamed), adds headers."""

    def __init__(
        self, app: ASGIApp, max_body_bytes: int, image_sources: Sequence[str] = ()
    ) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes
        self.headers = security_headers(image_sources)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > self.max_body_bytes):
            await _too_large(send)
            return
        received = 0
        started = False

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_body_bytes:
                    raise BodyTooLarge
            return message

        async def send_with_headers(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                names = {name for name, _ in message.get("headers", [])}
                extra = [item for item in self.headers if item[0] not in names]
                message["headers"] = [*message.get("headers", []), *extra]
            await send(message)

        try:
            await self.app(scope, limited_receive, send_with_headers)
        except BodyTooLarge:
            if not started:
                await _too_large(send)


async def _too_large(send: Send) -> None:
    body = b'{"detail":"request body too large"}'
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                *_HEADERS,
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})

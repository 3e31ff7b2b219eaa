"""The live feed and live view over a real HTTP server (uvicorn on a thread, as in `run`)."""

from __future__ import annotations

import json
import queue
import threading
from datetime import UTC, datetime

import httpx

from console import create_app
from console.server import ConsoleServer
from ingest.status import CameraState
from tests.alerts.store.support import make_payload
from tests.console.conftest import Console, Served
from tests.console.support import camera_status
from tests.support.net import free_port


class EventReader:
    """Reads an SSE stream on a thread into a queue of (event, data).

    `ended` is set when the stream is over; `ending` says how: "closed" when the server
    finished it, or the error that cut it off.
    """

    def __init__(self, url: str, headers: dict[str, str]) -> None:
        self.events: queue.Queue[tuple[str, dict[str, object]]] = queue.Queue()
        self.opened = threading.Event()
        self.ended = threading.Event()
        self.ending = ""
        self._client = httpx.Client(timeout=httpx.Timeout(5.0, read=30.0))
        self._thread = threading.Thread(target=self._read, args=(url, headers), daemon=True)
        self._thread.start()
        assert self.opened.wait(10), "the event stream did not open"

    def _read(self, url: str, headers: dict[str, str]) -> None:
        kind = ""
        try:
            with self._client.stream("GET", url, headers=headers) as response:
                assert response.headers["content-type"].startswith("text/event-stream")
                for line in response.iter_lines():
                    self.opened.set()
                    if line.startswith("event: "):
                        kind = line[7:]
                    elif line.startswith("data: "):
                        self.events.put((kind, json.loads(line[6:])))
            self.ending = "closed"
        except httpx.HTTPError as error:
            self.ending = type(error).__name__
        finally:
            self.ended.set()

    def kinds_until_closed(self) -> list[str]:
        """The kinds of every event sent before the server closed the stream."""
        assert self.ended.wait(10), "the stream did not end"
        found: list[str] = []
        while not self.events.empty():
            found.append(self.events.get_nowait()[0])
        return found

    def close(self) -> None:
        self._client.close()


def test_each_role_gets_the_live_events_it_may_see(served: Served) -> None:
    console = served.console
    readers = {
        name: EventReader(f"{served.url}/api/v1/events", served.headers(name))
        for name in ("op", "pa", "pb", "ad")
    }
    try:
        alert = make_payload(camera="gate", started_at=datetime.now(UTC))
        console.feed.emit(alert)
        console.feed.emit(camera_status("yard", CameraState.RECONNECTING))
        console.dispatcher.dispatch_alert(alert.id, "team-a", "op")
        served.hub.close()  # after what was published: each stream then ends
        got = {name: sorted(reader.kinds_until_closed()) for name, reader in readers.items()}
    finally:
        for reader in readers.values():
            reader.close()
    assert got == {
        "op": ["alert", "camera", "dispatch"],
        "pa": ["dispatch"],  # its own team's dispatch, nothing else
        "pb": [],
        "ad": ["camera"],
    }


def test_the_live_alert_is_the_published_message_with_the_place(served: Served) -> None:
    reader = EventReader(f"{served.url}/api/v1/events", served.headers("op"))
    try:
        alert = make_payload(camera="gate", started_at=datetime.now(UTC))
        served.console.feed.emit(alert)
        kind, body = reader.events.get(timeout=5)
    finally:
        reader.close()
    assert kind == "alert"
    assert (body["schema"], body["id"], body["location"]) == (
        "nightwatch.alert/1",
        alert.id,
        "北门广场",
    )


def test_the_live_view_is_motion_jpeg(served: Served) -> None:
    url = f"{served.url}/api/v1/cameras/gate/live"
    with (
        httpx.Client(timeout=10) as client,
        client.stream("GET", url, headers=served.headers("op")) as response,
    ):
        assert response.headers["content-type"].startswith("multipart/x-mixed-replace")
        received = b""
        for chunk in response.iter_bytes():
            received += chunk
            if received.count(b"\xff\xd9") >= 1:
                break
    assert b"Content-Type: image/jpeg" in received
    assert served.console.feed.picture.jpeg in received


def test_stopping_the_server_ends_open_streams(console: Console) -> None:
    server = ConsoleServer(create_app(console.services), "127.0.0.1", free_port())
    server.start()
    reader = EventReader(f"{server.url}/api/v1/events", console.as_user("op"))
    server.stop()
    # Finished by the server (not cut off when its graceful shutdown ran out of patience).
    assert reader.ended.wait(10) and reader.ending == "closed"
    reader.close()

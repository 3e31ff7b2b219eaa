"""Serving the console beside the pipeline: uvicorn on its own thread, stopped on demand."""

from __future__ import annotations

import logging
import threading

import uvicorn
from fastapi import FastAPI

from console.event_hub import EventHub

log = logging.getLogger(__name__)


def parse_address(text: str) -> tuple[str, int]:
    """'HOST:PORT' (or ':PORT' for 127.0.0.1) → (host, port); ValueError when malformed."""
    host, separator, port = text.rpartition(":")
    if not separator or not port.isdigit() or not 0 < int(port) < 65536:
        raise ValueError(f"{text!r} is not HOST:PORT, e.g. 127.0.0.1:8000")
    return host.strip("[]") or "127.0.0.1", int(port)


class ConsoleServer:
    """`start()` returns once the console listens (or raises OSError when it cannot)."""

    def __init__(self, app: FastAPI, host: str, port: int) -> None:
        self.app = app
        config = uvicorn.Config(
            app,
            host=host,
            port=port,
            log_level="warning",
            access_log=False,
            timeout_graceful_shutdown=3,
            lifespan="on",
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._serve, name="console-http", daemon=True)
        self._failed: BaseException | None = None

    @property
    def url(self) -> str:
        config = self._server.config
        host = f"[{config.host}]" if ":" in config.host else config.host
        return f"http://{host}:{config.port}"

    def start(self, timeout_s: float = 15.0) -> None:
        self._thread.start()
        deadline = threading.Event()
        waited = 0.0
        while not self._server.started and self._thread.is_alive() and waited < timeout_s:
            deadline.wait(0.05)
            waited += 0.05
        if not self._server.started:
            self.stop()
            reason = self._failed or "timeout"
            raise OSError(f"the console could not listen on {self.url}: {reason}")

    def stop(self, timeout_s: float = 5.0) -> None:
        hub: EventHub = self.app.state.hub
        hub.close()  # live streams end now, so shutting down does not wait on them
        self._server.should_exit = True
        if self._thread.is_alive():
            self._thread.join(timeout_s)

    def _serve(self) -> None:
        try:
            self._server.run()
        except SystemExit as stopped:  # uvicorn exits this way when it cannot bind
            self._failed = stopped
        except BaseException as error:
            self._failed = error
            log.exception("the console server stopped")

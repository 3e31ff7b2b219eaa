"""The console wired to the running pipeline: the pipeline as its CameraFeed, and serving it."""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable
from pathlib import Path

from alerts.store import Store, open_configured_store
from config.schema import NightwatchConfig
from config.storage import StorageConfig
from console import ConsoleServices, create_app
from console.accounts.records import NewUser
from console.accounts.repository import open_accounts
from console.ports import JpegPicture, LiveListener, PipelineFigures
from console.security import hash_password, new_password
from console.server import ConsoleServer, parse_address
from ingest.status import CameraStatus
from nightwatch.pipeline import Pipeline

log = logging.getLogger(__name__)


class PipelineFeed:
    """Camera statuses read live from the readers; pictures and events from Pipeline.live."""

    def __init__(self, pipeline: Pipeline) -> None:
        self.pipeline = pipeline

    def camera_statuses(self) -> dict[str, CameraStatus]:
        node = self.pipeline.node
        return {
            worker.name: dataclasses.replace(worker.reader.status(), node=node)
            for worker in self.pipeline.workers
        }

    def latest_picture(self, camera: str) -> JpegPicture | None:
        return self.pipeline.live.latest_picture(camera)

    def subscribe(self, listener: LiveListener) -> Callable[[], None]:
        return self.pipeline.live.subscribe(listener)

    def figures(self) -> PipelineFigures:
        stats = self.pipeline.stats
        broker = self.pipeline.publisher.status()
        return PipelineFigures(
            frames_analysed=stats.frames_analysed,
            detector_frames=stats.detector_frames,
            alerts_published=stats.alerts_published,
            detect_latency_count=stats.detect_latency.count,
            detect_latency_p50_s=stats.detect_latency.percentile(50),
            detect_latency_p95_s=stats.detect_latency.percentile(95),
            mqtt_connected=broker.connected,
            mqtt_queued=broker.queued,
        )


def serve_console(
    pipeline: Pipeline,
    store: Store,
    config: NightwatchConfig,
    address: str,
    config_file: Path | None = None,
) -> ConsoleServer:
    """Build the console over the running pipeline and serve it on `address` (HOST:PORT);
    `config_file`: the file an admin's applied tuning proposals are written to.

    Raises OSError when it cannot listen (the caller decides whether that is fatal).
    """
    host, port = parse_address(address)
    services = ConsoleServices(
        store=store,
        users=open_accounts(store.database),
        cameras=PipelineFeed(pipeline),
        config=config,
        dispatcher=pipeline.dispatcher,  # None when no dispatch section is configured
        config_file=config_file,
    )
    server = ConsoleServer(create_app(services), host, port)
    server.start()
    log.info("console: %s", server.url)
    return server


def demo_sign_in(storage: StorageConfig) -> str:
    """For `nightwatch demo`: who can sign in. With no user at all yet, create an operator
    `demo` with a fresh one-time password (never a fixed one) and say it, once."""
    store = open_configured_store(storage)
    try:
        users = open_accounts(store.database)
        if any(not user.disabled for user in users.list_users()):
            return "console sign-in: a user from `nightwatch users add NAME --role operator`"
        password = new_password()
        demo = NewUser("demo", "operator", None, hash_password(password))
        users.add_user(demo, "demo", "nightwatch demo")
        return f"console sign-in: user demo, one-time password {password}"
    finally:
        store.close()

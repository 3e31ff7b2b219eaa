"""What runs once for the whole cluster: the outbox drain, the dispatcher's escalation timers,
replies and webhooks, retention, overdue cases and the shift report at shift end, with
Nightwatch's availability on the broker.

A detached, named Ray actor that Ray restarts on another node when its node dies. Ray alone
does not make it run exactly once (a node that hangs rather than dies can be declared dead
while its process still runs), so the work runs under a lock held in the database: a second
incarnation waits until the first one's connection is gone. Everything it needs is in the
database (messages not yet delivered, dispatches and their deadlines), so a new incarnation
takes up where the old one stopped.

An incarnation that cannot reach the database for RELOCATE_AFTER_S leaves its node: it ends
its process, and Ray, spreading, starts it again on another one. Otherwise a node without a
route to the database (placed there on a restart or a new configuration) would hold the
cluster's only drain and leave every message waiting.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from typing import Any

import ray

from alerts.dispatch.service import Dispatcher
from alerts.mqtt import MqttPublisher
from alerts.outbox import Outbox
from alerts.store import Store, StoreUnavailableError, open_configured_store
from config.loader import parse_config
from nightwatch.singletons import Singletons

log = logging.getLogger(__name__)
LOCK = "coordinator"
RETRY_S = 5.0
RELOCATE_AFTER_S = 30.0


class Coordinator:
    """The cluster's singletons, run by one incarnation at a time."""

    def __init__(self, config_text: str, config_file: str, digest: str) -> None:
        context = ray.get_runtime_context()
        self.node = context.get_node_id()
        self.restarted = bool(context.was_current_actor_reconstructed)
        self._config = parse_config(config_text, config_file, os.environ).config
        self.config_digest = digest
        self._state = "starting"
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, name="coordinator", daemon=True)
        self._thread.start()

    def where(self) -> dict[str, Any]:
        return {
            "node": self.node,
            "pid": os.getpid(),
            "state": self._state,
            "config_digest": self.config_digest,
        }

    def stop(self) -> None:
        """Stop, having sent what the outbox holds while the broker takes it (a few seconds):
        the cameras, stopped first, have just stored the ends of their alerts."""
        self._stopping.set()
        self._thread.join(30)

    def _run(self) -> None:
        unreachable_since: float | None = None
        while not self._stopping.is_set():
            try:
                store = open_configured_store(self._config.storage)
            except StoreUnavailableError as error:
                self._state = f"waiting for the database: {error}"
                now = time.monotonic()
                unreachable_since = unreachable_since or now
                if now - unreachable_since >= RELOCATE_AFTER_S:
                    self._leave_node(error)
                self._stopping.wait(RETRY_S)
                continue
            unreachable_since = None
            try:
                self._state = "waiting for the lock (another incarnation runs)"
                with store.database.exclusive(LOCK):
                    self._serve(store)
            except StoreUnavailableError as error:
                log.warning("coordinator: lost the database (%s); starting over", error)
                self._stopping.wait(RETRY_S)
            finally:
                store.close()

    def _leave_node(self, error: StoreUnavailableError) -> None:
        """End this process so that Ray restarts the coordinator elsewhere (an exit Ray did
        not ask for counts as a failure; the actor's restarts are unlimited)."""
        log.error(
            "coordinator: node %s has not reached the database for %.0f s (%s); leaving it "
            "so that another node takes the coordinator",
            self.node,
            RELOCATE_AFTER_S,
            error,
        )
        logging.shutdown()
        os._exit(3)

    def _serve(self, store: Store) -> None:
        """Run the singletons until asked to stop."""
        config = self._config
        dispatch = config.dispatch
        expiry = dispatch.session_expiry_s if dispatch is not None else 0
        publisher = MqttPublisher(config.mqtt, session_expiry_s=expiry)
        outbox = Outbox(store.outbox, publisher)
        dispatcher = Dispatcher(config, store, outbox, publisher) if dispatch else None
        singletons = Singletons(config, store, outbox, dispatcher)
        singletons.subscribe()  # replies, before the first connection
        publisher.start()
        singletons.start()
        self._state = "running"
        log.info("coordinator runs on node %s", self.node)
        try:
            self._stopping.wait()
        finally:
            singletons.stop()
            publisher.stop()

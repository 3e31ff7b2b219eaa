"""What runs once for a whole site: the outbox drain, the dispatcher's escalation timers, replies
and webhooks, the overdue-case watch, the shift report at each shift's end, and retention.

`nightwatch run` runs them inside its pipeline; a cluster runs them in its one coordinator
(nightwatch/cluster/coordinator.py), and its camera processes run none.
"""

from __future__ import annotations

import logging
import threading
from datetime import UTC, datetime

from alerts.case_service import CaseService, CaseWatch
from alerts.dispatch.service import Dispatcher
from alerts.outbox import Outbox
from alerts.retention import apply_retention
from alerts.store import Store, StoreError
from config.schema import NightwatchConfig
from nightwatch.report.publisher import ShiftReportPublisher

log = logging.getLogger(__name__)


class Singletons:
    """Start with `subscribe()` before the broker connection, `start()` after it."""

    def __init__(
        self,
        config: NightwatchConfig,
        store: Store,
        outbox: Outbox,
        dispatcher: Dispatcher | None,
    ) -> None:
        self.config = config
        self.store = store
        self.outbox = outbox
        self.dispatcher = dispatcher  # None: no dispatch section configured
        self.case_watch = CaseWatch(CaseService(config, store), outbox)
        self.shift_reports = ShiftReportPublisher(config, store, outbox)
        self._stopping = threading.Event()
        self._retention = threading.Thread(target=self._retain, name="retention", daemon=True)

    def subscribe(self) -> None:
        """The dispatcher listens for replies (so the first connection subscribes)."""
        if self.dispatcher is not None:
            self.dispatcher.start()

    def start(self) -> None:
        self.outbox.start()
        self._retention.start()
        self.case_watch.start()
        self.shift_reports.start()

    def stop(self) -> None:
        """Stop, giving the outbox a moment to send what is left (the rest waits in the
        store for the next start)."""
        self._stopping.set()
        self.shift_reports.stop()
        self.case_watch.stop()
        if self.dispatcher is not None:
            self.dispatcher.stop()
        self.outbox.stop()
        if self._retention.is_alive():
            self._retention.join(timeout=5.0)

    def _retain(self) -> None:
        interval_s = self.config.storage.retention_interval_s
        while not self._stopping.wait(interval_s):
            try:
                report = apply_retention(self.store, self.config.storage, datetime.now(UTC))
            except (StoreError, OSError):
                log.exception("retention failed; will try again in %s s", interval_s)
                continue
            log.info("retention: %s", report)

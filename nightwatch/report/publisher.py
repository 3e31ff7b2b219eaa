"""The shift report at shift end: written to <data_dir>/reports/<date>/ and announced once.

Runs with the singletons (one per site: `nightwatch run`, or the cluster's coordinator).
After each shift ends (plus GRACE_S, for the last replies to come in) it builds that shift's
report and queues the summary on `<prefix>/reports/shift` through the outbox, with a POST to
each webhook of the dispatch supervisor. The message id is `report-<site>-<date>`, and
`ReportRepository.publish_once` queues it only if no message of that id was published before,
so neither a restart nor a second publisher sends it again. Shifts that ended while no
publisher ran get theirs when one starts, oldest first, back to the last report published
(at most CATCH_UP_NIGHTS nights; a site's very first report is its last night's only).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from alerts.outbox import Outbox, OutboxMessage
from alerts.report.shift import Shift, last_ended_shift, shift_on
from alerts.report.summary import report_message_id, summary_message
from alerts.store import Store, StoreError
from alerts.store.report_repository import ReportRepository
from alerts.webhooks import WebhookRequest
from config.schema import NightwatchConfig
from nightwatch.report.build import build_report, reports_folder

log = logging.getLogger(__name__)

GRACE_S = 300.0  # after the shift's end: late replies and resolutions still count
POLL_S = 60.0  # the first look is one interval after start, not while cameras start
CATCH_UP_NIGHTS = 7  # shifts that ended while nothing ran get reports this many nights back


class ShiftReportPublisher:
    """Build with the singletons' store and outbox; `start()`, later `stop()`."""

    def __init__(
        self,
        config: NightwatchConfig,
        store: Store,
        outbox: Outbox,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        grace_s: float = GRACE_S,
        poll_s: float = POLL_S,
    ) -> None:
        self.config = config
        self.store = store
        self.outbox = outbox
        self.ledger = ReportRepository(store.database)
        self._clock = clock
        self._grace_s = grace_s
        self._poll_s = poll_s
        self._done: str | None = None  # the last message id known published
        self.checks = 0  # looks taken by the thread (for status and tests)
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, name="shift-report", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stopping.set()
        if self._thread.is_alive():
            self._thread.join(timeout=30.0)  # a report being drawn takes a few seconds

    def publish_due(self) -> list[str]:
        """Publish the reports of the ended shifts not published yet, oldest first; their
        message ids (none when there was nothing to do)."""
        now = self._clock()
        site = self.config.site
        latest = last_ended_shift(now, site.shift, site.timezone, self._grace_s)
        latest_id = report_message_id(site.name, latest.label)
        if latest_id == self._done:
            return []
        due: list[Shift] = []
        for back in range(CATCH_UP_NIGHTS):
            shift = shift_on(latest.day - timedelta(days=back), site.shift, site.timezone)
            if self.ledger.was_published(report_message_id(site.name, shift.label)):
                break
            due.append(shift)
        else:
            # Nothing published for a week: a new site, or one down for longer. Only the last
            # night then; reports of nights before the site ran would be empty noise.
            due = due[:1]
        published = [
            report_message_id(site.name, shift.label)
            for shift in reversed(due)
            if self._publish(shift, now)
        ]
        self._done = latest_id
        return published

    def _publish(self, shift: Shift, now: datetime) -> bool:
        folder = reports_folder(self.config.storage, shift.day)
        # Drawn in a child process: the cameras of this process go on meanwhile.
        built = build_report(self.config, self.store, shift, folder, now, apart=True)
        message = summary_message(built.summary, self.config.mqtt.topic_prefix)
        details = {
            "date": shift.label,
            "folder": str(folder),
            "alerts": built.report.totals.alerts,
            "dispatches": built.report.totals.dispatches,
        }
        queued = self.ledger.publish_once(message, details, self.supervisor_webhooks(message))
        if queued:
            self.outbox.wake()
            log.info("shift report %s written to %s and announced", shift.label, folder)
        return queued

    def supervisor_webhooks(self, message: OutboxMessage) -> list[WebhookRequest]:
        """One POST of the summary to each webhook of the dispatch supervisor, if any."""
        dispatch = self.config.dispatch
        if dispatch is None or dispatch.supervisor is None:
            return []
        team = dispatch.teams[dispatch.supervisor]
        return [
            WebhookRequest(dispatch.supervisor, hook.url, message.message_id, message.payload)
            for hook in team.webhooks
        ]

    def _run(self) -> None:
        while not self._stopping.wait(self._poll_s):
            self.checks += 1
            try:
                self.publish_due()
            except (StoreError, OSError):
                log.exception("shift report not published; trying again in %s s", self._poll_s)
            except Exception:  # no CJK font, or a bug: the thread must go on for later nights
                log.exception("shift report failed; trying again in %s s", self._poll_s)

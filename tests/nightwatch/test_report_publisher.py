"""The shift report at shift end: on the real broker once, by webhook once, never again after
a restart, on both databases."""

from __future__ import annotations

import json
import pickle
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from alerts.mqtt import MqttPublisher
from alerts.outbox import Outbox
from alerts.report.figures import ReportScope, shift_report
from alerts.store import Store
from alerts.webhooks import RetryPolicy, WebhookSender, verify_signature
from config.schema import NightwatchConfig
from nightwatch.report.build import shift_of
from nightwatch.report.publisher import ShiftReportPublisher
from tests.alerts.report.support import SHIFT_DAY, SHIFT_START, script_night, site_config
from tests.alerts.store.support import BACKENDS, FakeClock, open_test_store
from tests.alerts.test_webhooks import SECRET, Gateway
from tests.support.mqtt import MqttCollector
from tests.support.waiting import wait_until

GRACE_S = 300.0
SHIFT_END = SHIFT_START + timedelta(hours=4)
TONIGHT = "report-county-market-2026-03-01"
NIGHT_BEFORE = "report-county-market-2026-02-28"
NIGHT_AFTER = "report-county-market-2026-03-02"


@dataclass
class Site:
    """The scripted night's store, its outbox on the real broker, the supervisor's gateway."""

    config: NightwatchConfig
    store: Store
    clock: FakeClock
    outbox: Outbox
    gateway: Gateway
    sender: WebhookSender
    data_dir: Path
    publishers: list[ShiftReportPublisher] = field(default_factory=list)

    def publisher(self, poll_s: float = 60.0) -> ShiftReportPublisher:
        """A publisher as a (re)started process builds it (stopped at teardown)."""
        made = ShiftReportPublisher(
            self.config, self.store, self.outbox, self.clock, GRACE_S, poll_s
        )
        self.publishers.append(made)
        return made

    def posted_reports(self) -> list[str]:
        """Message ids of the reports the supervisor's gateway got (it gets orders too)."""
        self.sender.run_due()
        ids = [json.loads(request.body)["message_id"] for request in self.gateway.requests]
        return [message_id for message_id in ids if message_id.startswith("report-")]


@pytest.fixture(params=BACKENDS)
def site(request: pytest.FixtureRequest, tmp_path: Path, mqtt_prefix: str) -> Iterator[Site]:
    gateway = Gateway([])
    document = site_config(mqtt_prefix, storage={"data_dir": str(tmp_path / "data")})
    document["dispatch"]["teams"]["chief"]["webhooks"] = [{"url": gateway.url, "secret": SECRET}]
    config = NightwatchConfig.model_validate(document)
    clock = FakeClock()
    with open_test_store(request.param, tmp_path, clock) as store:
        script_night(config, store, clock)
        publisher = MqttPublisher(config.mqtt)
        outbox = Outbox(store.outbox, publisher)
        publisher.start()
        outbox.start()
        assert config.dispatch is not None
        retry = RetryPolicy(3, 0.3, 1.0, 2.0)
        sender = WebhookSender(store.webhooks, config.dispatch.secret_for, retry, clock)
        site = Site(config, store, clock, outbox, gateway, sender, tmp_path / "data")
        yield site
        for made in site.publishers:
            made.stop()
        outbox.stop()
        publisher.stop()
    gateway.close()


def test_before_the_grace_is_over_the_last_finished_shift_is_the_night_before(
    site: Site,
) -> None:
    site.clock.now = SHIFT_END + timedelta(seconds=GRACE_S - 1)

    assert site.publisher().publish_due() == [NIGHT_BEFORE]


def test_the_report_is_announced_once_at_shift_end_and_not_again_after_a_restart(
    site: Site, mqtt_subscriber: MqttCollector
) -> None:
    topic = f"{site.config.mqtt.topic_prefix}/reports/shift"
    site.clock.now = SHIFT_END + timedelta(seconds=GRACE_S + 1)
    running = site.publisher(poll_s=0.1)
    running.start()
    summary = mqtt_subscriber.wait_for(topic, timeout_s=15).json()
    running.stop()

    assert (summary["schema"], summary["message_id"]) == (
        "nightwatch.shift-report-summary/1",
        TONIGHT,
    )
    assert summary["totals"]["alerts"] == 5 and summary["escalations"] == 1
    assert summary["teams"]["alpha"]["acknowledged_s"]["p90"] == 81.0
    assert summary["files"]["pdf"] == "reports/2026-03-01/report.pdf"
    folder = site.data_dir / "reports" / "2026-03-01"
    assert json.loads((folder / "report.json").read_text())["teams"]["bravo"]["orders"] == 1
    assert (folder / "report.pdf").stat().st_size > 0
    assert site.posted_reports() == [TONIGHT]
    [request] = [r for r in site.gateway.requests if TONIGHT.encode() in r.body]
    signature = request.headers["X-Nightwatch-Signature"]
    assert verify_signature(SECRET, request.body, signature, time.time())  # signed when sent

    wait_until(lambda: site.store.outbox.depth() == 0, 10, "the summary acknowledged")
    # Delivered rows are pruned a day later (the outbox stamps them on its own, real clock).
    assert site.store.outbox.prune(datetime.now(UTC) + timedelta(days=1)) > 0
    restarted = site.publisher(poll_s=0.1)
    assert restarted.publish_due() == [], "published before: not again"
    restarted.start()
    site.clock.advance(hours=1)
    wait_until(lambda: restarted.checks >= 5, 5, "the restarted publisher to look again")
    restarted.stop()

    assert [message.json()["message_id"] for message in mqtt_subscriber.messages(topic)] == [
        TONIGHT
    ]
    assert site.posted_reports() == [TONIGHT]
    [delivery] = site.store.webhooks.deliveries(TONIGHT)
    assert delivery.state == "delivered"


def test_shifts_that_ended_while_nothing_ran_get_their_reports_oldest_first(site: Site) -> None:
    site.clock.now = SHIFT_END + timedelta(seconds=GRACE_S - 1)
    assert site.publisher().publish_due() == [NIGHT_BEFORE]

    # Down from then until the night after the scripted one has ended.
    site.clock.now = SHIFT_END + timedelta(days=1, seconds=GRACE_S + 1)
    restarted = site.publisher()
    assert restarted.publish_due() == [TONIGHT, NIGHT_AFTER]
    assert restarted.publish_due() == []

    assert site.posted_reports() == [NIGHT_BEFORE, TONIGHT, NIGHT_AFTER]
    tonight = json.loads((site.data_dir / "reports" / "2026-03-01" / "report.json").read_text())
    assert tonight["teams"]["bravo"]["orders"] == 1, "the scripted night, in its own report"
    assert (site.data_dir / "reports" / "2026-03-02" / "report.pdf").stat().st_size > 0


def test_with_no_report_published_for_a_week_only_the_last_night_is_reported(
    site: Site,
) -> None:
    """A new site (or one down for longer than a week): no reports of nights long past."""
    site.clock.now = SHIFT_END + timedelta(days=9, seconds=GRACE_S + 1)

    assert site.publisher().publish_due() == ["report-county-market-2026-03-10"]


def test_the_report_is_drawn_by_a_child_process_not_the_cameras_one(
    site: Site, tmp_path: Path
) -> None:
    """Drawing takes seconds of Python that would hold the cameras' threads back: the
    publishing process computes the figures and leaves the drawing to a child (a fresh
    interpreter here, so matplotlib in it would mean it drew)."""
    report = shift_report(
        site.store, ReportScope(site.config.site.name, shift_of(site.config, SHIFT_DAY))
    )
    saved = tmp_path / "report.pickle"
    saved.write_bytes(pickle.dumps(report))
    folder = tmp_path / "drawn"
    script = (
        "import pickle, sys; from pathlib import Path\n"
        "from nightwatch.report.build import draw_apart\n"
        "files = draw_apart(pickle.loads(Path(sys.argv[1]).read_bytes()), Path(sys.argv[2]))\n"
        "assert 'matplotlib' not in sys.modules, 'drawn in the publishing process'\n"
        "print(files.pdf_pages)\n"
    )
    drawn = subprocess.run(
        [sys.executable, "-c", script, str(saved), str(folder)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert drawn.returncode == 0, drawn.stderr
    assert int(drawn.stdout) >= 1
    assert json.loads((folder / "report.json").read_text())["teams"]["bravo"]["orders"] == 1
    assert (folder / "report.pdf").stat().st_size > 0

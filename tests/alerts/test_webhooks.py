"""Phone webhooks against a real local HTTP server: signed, retried with backoff, recorded."""

from __future__ import annotations

import itertools
import json
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from alerts.dispatch.service import Dispatcher
from alerts.mqtt import MqttPublisher
from alerts.outbox import Outbox
from alerts.store import Store
from alerts.store.database import utc_now
from alerts.webhooks import RetryPolicy, sign, verify_signature
from tests.alerts.dispatch.support import dispatch_section, make_config
from tests.alerts.store.support import FakeClock, make_payload, open_test_store
from tests.support.net import free_port
from tests.support.waiting import wait_until

SECRET = "s3cret-for-tests-only"


@dataclass(frozen=True)
class Request:
    headers: dict[str, str]
    body: bytes


class Gateway:
    """An SMS gateway stand-in: answers with the next status of `answers` (then 200)."""

    def __init__(self, answers: list[int]) -> None:
        self.requests: list[Request] = []
        self.answers = list(answers)
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # the name http.server calls
                body = self.rfile.read(int(self.headers["Content-Length"]))
                gateway.requests.append(Request(dict(self.headers), body))
                status = gateway.answers.pop(0) if gateway.answers else 200
                self.send_response(status)
                self.end_headers()

            def log_message(self, *_args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/notify"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with open_test_store("sqlite", tmp_path) as opened:
        yield opened


def dispatcher_for(
    store: Store,
    url: str,
    prefix: str,
    attempts: int = 4,
    clock: Callable[[], datetime] = utc_now,
    start: bool = True,
) -> Dispatcher:
    """A dispatcher whose team alpha has a webhook; backoff from 0.3 s (0.3, 0.6, 1.2 s).

    With `start=False` nothing runs by itself: the test calls `dispatcher.webhooks.run_due()`.
    """
    teams = dispatch_section()["teams"]
    teams["alpha"]["webhooks"] = [{"url": url, "secret": SECRET}]
    policy = {"max_attempts": attempts, "backoff_initial_s": 0.3, "timeout_s": 2}
    config = make_config(prefix, teams=teams, webhooks=policy)
    publisher = MqttPublisher(config.mqtt)  # never started: orders wait in the outbox
    outbox = Outbox(store.outbox, publisher)
    dispatcher = Dispatcher(config, store, outbox, None, clock)
    if start:
        dispatcher.start()
    return dispatcher


def dispatch_one(store: Store, dispatcher: Dispatcher) -> str:
    payload = make_payload(camera="gate", zone="yard")
    store.alerts.record(payload)
    record = dispatcher.on_alert(payload)
    assert record is not None
    return record.id


def test_the_signature_verifies_and_catches_tampering_and_replays() -> None:
    body = b'{"dispatch_id": "d-1"}'
    header = sign(SECRET, body, 1_800_000_000)

    assert verify_signature(SECRET, body, header, now_s=1_800_000_100)
    assert not verify_signature(SECRET, body + b" ", header, now_s=1_800_000_100)
    assert not verify_signature("another-secret", body, header, now_s=1_800_000_100)
    assert not verify_signature(SECRET, body, header, now_s=1_800_001_000)  # 1000 s later
    assert not verify_signature(SECRET, body, "v1=abc", now_s=1_800_000_000)


def test_an_order_is_posted_signed_to_the_team_s_gateway(store: Store) -> None:
    gateway = Gateway([])
    dispatcher = dispatcher_for(store, gateway.url, "webhook-test")
    try:
        dispatch_id = dispatch_one(store, dispatcher)
        wait_until(lambda: gateway.requests, 10, "the POST")
        wait_until(
            lambda: store.webhooks.deliveries(dispatch_id)[0].state == "delivered", 10, "done"
        )
    finally:
        dispatcher.stop()
        gateway.close()

    [request] = gateway.requests
    headers = {name.lower(): value for name, value in request.headers.items()}
    assert verify_signature(SECRET, request.body, headers["x-nightwatch-signature"], time.time())
    order = json.loads(request.body)
    assert (order["schema"], order["dispatch_id"], order["team"]) == (
        "nightwatch.dispatch-order/1",
        dispatch_id,
        "alpha",
    )
    assert headers["x-nightwatch-message-id"] == order["message_id"]
    assert headers["content-type"] == "application/json"
    [delivery] = store.webhooks.deliveries(dispatch_id)
    assert [(a.attempt, a.status_code, a.error) for a in delivery.attempts] == [(1, 200, None)]
    assert "webhook.delivered" in [r.action for r in store.audit.for_target(dispatch_id)]


def test_a_failing_gateway_is_retried_with_backoff_and_every_attempt_recorded(
    store: Store,
) -> None:
    gateway = Gateway([500, 503])
    clock = FakeClock()
    dispatcher = dispatcher_for(store, gateway.url, "webhook-test", clock=clock, start=False)
    sender = dispatcher.webhooks
    try:
        dispatch_id = dispatch_one(store, dispatcher)
        attempted = [sender.run_due()]  # at once: 500
        for wait_s in (0.29, 0.01, 0.59, 0.01):  # not before each backoff, then at once
            clock.advance(seconds=wait_s)
            attempted.append(sender.run_due())
    finally:
        gateway.close()

    assert attempted == [1, 0, 1, 0, 1]
    [delivery] = store.webhooks.deliveries(dispatch_id)
    assert delivery.state == "delivered"
    assert [(a.attempt, a.status_code) for a in delivery.attempts] == [(1, 500), (2, 503), (3, 200)]
    assert delivery.attempts[0].error == "HTTP 500 Internal Server Error"
    times = [attempt.at for attempt in delivery.attempts]
    gaps = [(later - earlier).total_seconds() for earlier, later in itertools.pairwise(times)]
    assert gaps == [0.3, 0.6], f"not the backoff: {gaps}"
    assert len({request.body for request in gateway.requests}) == 1  # the same order each time


def test_an_unreachable_gateway_is_given_up_after_the_last_attempt_and_audited(
    store: Store,
) -> None:
    dead_url = f"http://127.0.0.1:{free_port()}/notify"
    dispatcher = dispatcher_for(store, dead_url, "webhook-test", attempts=3)
    try:
        dispatch_id = dispatch_one(store, dispatcher)
        wait_until(
            lambda: store.webhooks.deliveries(dispatch_id)[0].state == "failed", 15, "given up"
        )
    finally:
        dispatcher.stop()

    [delivery] = store.webhooks.deliveries(dispatch_id)
    assert [a.attempt for a in delivery.attempts] == [1, 2, 3]
    assert all("Connection refused" in (a.error or "") for a in delivery.attempts)
    [failed] = [r for r in store.audit.for_target(dispatch_id) if r.action == "webhook.failed"]
    assert failed.details["attempts"] == 3 and failed.details["url"] == dead_url


def test_the_retry_policy_doubles_up_to_its_cap() -> None:
    policy = RetryPolicy(max_attempts=6, initial_s=2, max_s=5, timeout_s=1)
    start = make_payload().started_at

    waits = [(policy.next_attempt(n, start) or start) - start for n in range(1, 6)]

    assert [wait.total_seconds() for wait in waits] == [2, 4, 5, 5, 5]
    assert policy.next_attempt(6, start) is None

"""Phone notifications: signed JSON POSTs to a site's SMS or push gateway, retried with backoff.

Each POST to make is a row in the store (added with the dispatch step it reports), so a
restart neither loses nor repeats a delivered one; every attempt is recorded, and the final
outcome (delivered, or given up) is an audit record.

Signature: `X-Nightwatch-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>." + body)>`.
A receiver recomputes it with `verify_signature` (or the five lines in docs/dispatch.md) and
refuses a stale `t`, so a captured request cannot be replayed later.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Protocol

log = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-Nightwatch-Signature"
DELIVERY_HEADER = "X-Nightwatch-Delivery"
MESSAGE_ID_HEADER = "X-Nightwatch-Message-Id"
USER_AGENT = "nightwatch-webhook/1"
_IDLE_POLL_S = 5.0
_BATCH = 20


@dataclass(frozen=True, slots=True)
class WebhookRequest:
    """A POST to make for a team: `body` is the JSON of the published message."""

    team: str
    url: str
    message_id: str
    body: str


@dataclass(frozen=True, slots=True)
class WebhookJob:
    """A stored POST still to make; `attempts` made so far."""

    id: int
    subject: str  # the dispatch or case it reports on; its audit records are filed there
    team: str
    url: str
    message_id: str
    body: str
    attempts: int


@dataclass(frozen=True, slots=True)
class AttemptResult:
    status_code: int | None
    error: str | None
    duration_ms: int

    @property
    def ok(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    max_attempts: int
    initial_s: float
    max_s: float
    timeout_s: float

    def next_attempt(self, attempts_made: int, now: datetime) -> datetime | None:
        """When to try again after `attempts_made` failures; None: give up."""
        if attempts_made >= self.max_attempts:
            return None
        wait_s = min(self.max_s, self.initial_s * 2 ** (attempts_made - 1))
        return now + timedelta(seconds=wait_s)


class WebhookTable(Protocol):
    """The store's webhook tables (alerts.store.webhook_repository.WebhookRepository)."""

    def due(self, now: datetime, limit: int) -> list[WebhookJob]: ...

    def record_attempt(
        self,
        job: WebhookJob,
        result: AttemptResult,
        at: datetime,
        next_attempt_at: datetime | None,
    ) -> None: ...


def sign(secret: str, body: bytes, timestamp: int) -> str:
    """The signature header's value for `body` sent at `timestamp` (unix seconds)."""
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={digest.hexdigest()}"


def verify_signature(
    secret: str, body: bytes, header: str, now_s: float, tolerance_s: float = 300.0
) -> bool:
    """Whether `header` signs `body` with `secret`, made within `tolerance_s` of `now_s`."""
    fields = dict(part.split("=", 1) for part in header.split(",") if "=" in part)
    try:
        timestamp = int(fields["t"])
    except (KeyError, ValueError):
        return False
    if abs(now_s - timestamp) > tolerance_s:
        return False
    expected = sign(secret, body, timestamp).split("v1=", 1)[1]
    return hmac.compare_digest(expected, fields.get("v1", ""))


def post_json(url: str, body: bytes, headers: dict[str, str], timeout_s: float) -> AttemptResult:
    """POST once; any answer or failure becomes an AttemptResult (never raises)."""
    request = urllib.request.Request(url, data=body, method="POST")
    for name, value in {"Content-Type": "application/json", **headers}.items():
        request.add_header(name, value)
    started = time.monotonic()
    status: int | None = None
    error: str | None = None
    try:
        with urllib.request.urlopen(request, timeout=timeout_s) as response:
            status = int(response.status)
    except urllib.error.HTTPError as failure:
        status, error = failure.code, f"HTTP {failure.code} {failure.reason}"
    except (urllib.error.URLError, OSError, ValueError) as failure:
        reason = getattr(failure, "reason", failure)
        error = f"{type(failure).__name__}: {reason}"
    duration_ms = round((time.monotonic() - started) * 1000)
    return AttemptResult(status, error[:512] if error else None, duration_ms)


class WebhookSender:
    """Makes due POSTs from one thread; a slow gateway delays only other webhooks."""

    def __init__(
        self,
        table: WebhookTable,
        secret_for: Callable[[str, str], str | None],
        policy: RetryPolicy,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.table = table
        self.policy = policy
        self._secret_for = secret_for
        self._clock = clock
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, name="webhooks", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stopping.set()
        self._wake.set()
        self._thread.join(timeout=self.policy.timeout_s + 2)

    def wake(self) -> None:
        self._wake.set()

    def run_due(self) -> int:
        """Make every POST that is due now; returns how many were attempted."""
        jobs = self.table.due(self._clock(), _BATCH)
        for job in jobs:
            if self._stopping.is_set():
                break
            self._attempt(job)
        return len(jobs)

    def _attempt(self, job: WebhookJob) -> None:
        secret = self._secret_for(job.team, job.url)
        body = job.body.encode("utf-8")
        if secret is None:
            result = AttemptResult(None, "no secret configured for this webhook any more", 0)
        else:
            headers = {
                SIGNATURE_HEADER: sign(secret, body, int(time.time())),
                DELIVERY_HEADER: str(job.id),
                MESSAGE_ID_HEADER: job.message_id,
                "User-Agent": USER_AGENT,
            }
            result = post_json(job.url, body, headers, self.policy.timeout_s)
        now = self._clock()
        attempts = job.attempts + 1
        retry_at = None if result.ok or secret is None else self.policy.next_attempt(attempts, now)
        self.table.record_attempt(job, result, now, retry_at)
        if not result.ok:
            level = logging.WARNING if retry_at is not None else logging.ERROR
            log.log(level, "webhook %s attempt %d: %s", job.url, attempts, result.error)

    def _run(self) -> None:
        while not self._stopping.is_set():
            try:
                attempted = self.run_due()
            except Exception:  # the store failed: keep the thread, try again shortly
                log.exception("webhooks: could not read or record deliveries")
                attempted = 0
            if not attempted:
                self._wake.wait(min(_IDLE_POLL_S, self.policy.initial_s))
                self._wake.clear()

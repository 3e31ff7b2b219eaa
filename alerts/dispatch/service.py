"""The dispatcher: sends patrols to alerts and follows each dispatch until someone answers.

Every step is one store transaction (dispatch, step, audit record, outbox messages, webhook
POSTs), then the outbox and webhook threads are woken. Callers: the pipeline (`on_alert`),
the console (`dispatch_alert`, `transition`, `cancel`, `get`, `list`), the broker (replies
on `<prefix>/dispatch/+/reply`) and its own escalation timer.
"""

from __future__ import annotations

import builtins
import logging
import threading
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import UTC, datetime
from typing import Protocol, TypeVar

from alerts.audit import AuditEntry
from alerts.dispatch.escalation import EscalationPolicy, plan_escalation
from alerts.dispatch.inbox import Inbox
from alerts.dispatch.messages import DispatchMessages
from alerts.dispatch.nearest import TeamPosition, camera_points
from alerts.dispatch.records import (
    DispatchChange,
    DispatchQuery,
    DispatchRecord,
    DispatchState,
    IllegalTransitionError,
    Outcome,
    UnknownTeamError,
)
from alerts.dispatch.routing import AlertFacts, RoutingTable
from alerts.dispatch.states import TransitionRequest, plan_cancel, plan_transition
from alerts.dispatch.steps import StepBuilder
from alerts.dispatch.storage import DispatchedAlert, DispatchStorage, Planned
from alerts.mqtt import InboundMessage, MessageHandler, Topics
from alerts.outbox import Outbox
from alerts.payloads import AlertPayload
from alerts.voice import Voice
from alerts.webhooks import RetryPolicy, WebhookSender
from config.schema import NightwatchConfig

log = logging.getLogger(__name__)

TIMER_POLL_S = 0.5
DispatchListener = Callable[[DispatchRecord], None]
Decide = Callable[[DispatchRecord], DispatchChange | None]
Named = TypeVar("Named", DispatchState, Outcome)


class ReplySource(Protocol):
    """Where replies come from (alerts.mqtt.MqttPublisher)."""

    def subscribe(self, topic_filter: str, handler: MessageHandler) -> None: ...


class Dispatcher:
    """Build with `Dispatcher(config, store, outbox, replies)`; `start()`, later `stop()`."""

    def __init__(
        self,
        config: NightwatchConfig,
        store: DispatchStorage,
        outbox: Outbox,
        replies: ReplySource | None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        dispatch = config.dispatch
        if dispatch is None:
            raise ValueError("the configuration has no dispatch section")
        self.config = dispatch
        self.store = store
        self.outbox = outbox
        self.topics = Topics(config.mqtt.topic_prefix)
        self.routing = RoutingTable.from_config(dispatch, config.site.timezone)
        self._camera_points = camera_points(config)
        escalation = dispatch.escalation
        self.policy = EscalationPolicy(escalation.after_s, escalation.max_escalations)
        locations = {name: camera.location for name, camera in config.cameras.items()}
        messages = DispatchMessages(
            self.topics, config.site.name, dispatch, locations, config.site.timezone
        )
        spec = dispatch.voice
        voice = Voice(spec.voices, spec.command, spec.words_per_minute) if spec.enabled else None
        self.steps = StepBuilder(messages, voice, store.media_dir / "voice")
        hooks = dispatch.webhooks
        retry = RetryPolicy(
            hooks.max_attempts, hooks.backoff_initial_s, hooks.backoff_max_s, hooks.timeout_s
        )
        self.webhooks = WebhookSender(store.webhooks, dispatch.secret_for, retry, clock)
        prefix = self.topics.prefix
        rejections = store.dispatches
        self.inbox = Inbox(
            prefix, dispatch.teams, self.transition, rejections, messages, outbox.wake, clock
        )
        self._replies = replies
        self._clock = clock
        self._listeners: list[DispatchListener] = []
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._timer = threading.Thread(target=self._run_timer, name="escalation", daemon=True)

    def start(self) -> None:
        """Listen for replies, and start the escalation timer and the webhook sender."""
        if self.steps.voice is not None and (problem := self.steps.voice.check()):
            log.error("dispatch: orders will not be spoken: %s", problem)
        if self._replies is not None:
            self._replies.subscribe(f"{self.topics.prefix}/dispatch/+/reply", self.handle_reply)
        self.webhooks.start()
        self._timer.start()

    def stop(self) -> None:
        self._stopping.set()
        if self._timer.is_alive():
            self._timer.join(timeout=5.0)
        self.webhooks.stop()

    def on_alert(self, payload: AlertPayload) -> DispatchRecord | None:
        """Dispatch a new alert to the teams its route names; never raises (logs instead)."""
        if payload.type != "new":
            return None
        facts = AlertFacts(payload.camera, payload.zone, payload.rule, payload.severity)
        try:
            if not self.routing.wants(facts):
                return None
            now = self._clock()
            choice = self.routing.choose(
                facts, now, self._camera_points.get(payload.camera), _LazyPositions(self.store)
            )
            if not choice.teams:
                self._unassigned(payload)
                return None
            if choice.reason is not None:
                log.info("alert %s: %s", payload.id, choice.reason)
            return self._create(
                payload.id, choice.teams, "nightwatch", "routing", choice.reason, now
            )
        except Exception:  # the camera thread calls this: it must go on
            log.exception("alert %s: dispatch failed", payload.id)
            return None

    def dispatch_alert(
        self,
        alert_id: str,
        team: str,
        actor: str,
        note: str | None = None,
        source: str = "console",
    ) -> DispatchRecord:
        """An operator sends `team` (on duty or not); escalation continues to the fallback
        team and the supervisor. Raises UnknownTeamError, UnknownAlertForDispatchError."""
        if team not in self.config.teams:
            raise UnknownTeamError(f"no team {team!r} (known: {', '.join(self.config.teams)})")
        now = self._clock()
        return self._create(alert_id, self.routing.chain_from(team, now), actor, source, note, now)

    def transition(
        self,
        dispatch_id: str,
        new_state: DispatchState | str,
        actor: str,
        team: str | None,
        outcome: Outcome | str | None = None,
        note: str | None = None,
        source: str = "console",
        allow_repeat: bool = True,
    ) -> DispatchRecord:
        """Move a dispatch on. `team` set: only that team's dispatch, only team states.

        Returns the dispatch as it is afterwards (unchanged for a repeat of its state, unless
        `allow_repeat` is False: then a repeat raises AlreadyInStateError). The state is read
        and changed in one transaction, so of two asking at once only one moves it.
        Raises a DispatchError (UnknownDispatchError, WrongTeamError, ClosedDispatchError,
        IllegalTransitionError, OutcomeRequiredError, AlreadyInStateError); nothing changes then.
        """
        request = TransitionRequest(
            state=_known(DispatchState, new_state),
            actor=actor,
            team=team,
            source=source,
            outcome=_known(Outcome, outcome) if outcome is not None else None,
            note=note,
            allow_repeat=allow_repeat,
        )
        decide: Decide = lambda record: plan_transition(record, request, self._clock())  # noqa: E731
        return self._change(dispatch_id, decide)[0]

    def cancel(
        self, dispatch_id: str, actor: str, note: str | None = None, source: str = "console"
    ) -> DispatchRecord:
        """Call the patrol off (the control room's decision)."""
        decide: Decide = lambda record: plan_cancel(record, actor, note, source, self._clock())  # noqa: E731
        return self._change(dispatch_id, decide)[0]

    def get(self, dispatch_id: str) -> DispatchRecord | None:
        return self.store.dispatches.get(dispatch_id)

    def list(self, query: DispatchQuery) -> Sequence[DispatchRecord]:
        return self.store.dispatches.query(query)

    def teams(self) -> Sequence[str]:
        return list(self.config.teams)

    def outbox_depth(self) -> int | None:
        return self.outbox.status().depth

    def subscribe(self, listener: DispatchListener) -> Callable[[], None]:
        """Call `listener` after every change, whoever made it; returns unsubscribe."""
        with self._lock:
            self._listeners.append(listener)

        def unsubscribe() -> None:
            with self._lock:
                if listener in self._listeners:
                    self._listeners.remove(listener)

        return unsubscribe

    def handle_reply(self, message: InboundMessage) -> None:
        """A team's reply: applied, or refused with a published error and an audit record."""
        self.inbox.handle(message)

    def escalate_due(self) -> builtins.list[DispatchRecord]:
        """Escalate every dispatch whose acknowledgement is overdue now."""
        now = self._clock()
        escalated: builtins.list[DispatchRecord] = []
        for dispatch_id in self.store.dispatches.due_escalations(now):
            decide: Decide = lambda rec: plan_escalation(rec, now, self.policy)  # noqa: E731
            record, changed = self._change(dispatch_id, decide)
            if changed:
                log.warning("dispatch %s escalated to %s", record.id, record.team)
                escalated.append(record)
        return escalated

    def _create(
        self,
        alert_id: str,
        chain: tuple[str, ...],
        actor: str,
        source: str,
        note: str | None,
        now: datetime,
    ) -> DispatchRecord:
        deadline = self.policy.deadline(now, 0)
        record = DispatchRecord(
            id=str(uuid.uuid4()),
            alert_id=alert_id,
            team=chain[0],
            state=DispatchState.DISPATCHED,
            chain=chain,
            escalations=0,
            ack_deadline=deadline,
            created_at=now,
            updated_at=now,
            created_by=actor,
            note=note,
        )
        first = DispatchState.DISPATCHED
        change = DispatchChange(first, chain[0], 0, deadline, now, actor, source, note=note)

        def plan(new: DispatchRecord, alert: DispatchedAlert) -> Planned:
            return self.steps.first(new, change, alert)

        created = self.store.dispatches.create(record, plan)
        log.info("dispatch %s: alert %s to %s", created.id, alert_id, created.team)
        self._changed(created)
        return created

    def _change(self, dispatch_id: str, decide: Decide) -> tuple[DispatchRecord, bool]:
        def plan(record: DispatchRecord, alert: DispatchedAlert) -> Planned | None:
            change = decide(record)
            return None if change is None else self.steps.moved(record, change, alert)

        record, changed = self.store.dispatches.change(dispatch_id, plan)
        if changed:
            self._changed(record)
        return record, changed

    def _changed(self, record: DispatchRecord) -> None:
        self.outbox.wake()
        self.webhooks.wake()
        with self._lock:
            listeners = list(self._listeners)
        for listener in listeners:
            try:
                listener(record)
            except Exception:  # a listener (the console's live feed) must not undo a step
                log.exception("dispatch listener failed")

    def _unassigned(self, payload: AlertPayload) -> None:
        log.error("alert %s: no team on duty to dispatch to, and no supervisor", payload.id)
        details = {"camera": payload.camera, "zone": payload.zone, "rule": payload.rule}
        entry = AuditEntry("nightwatch", "dispatch.unassigned", payload.id, details, "routing")
        self.store.audit.append(entry)

    def _run_timer(self) -> None:
        while not self._stopping.wait(TIMER_POLL_S):
            try:
                self.escalate_due()
            except Exception:  # the store may be down a while: keep the timer
                log.exception("escalation check failed")


class _LazyPositions(Mapping[str, TeamPosition]):
    """Teams' last positions, read from the store only if a route asks for the nearest."""

    def __init__(self, store: DispatchStorage) -> None:
        self._store = store
        self._read: dict[str, TeamPosition] | None = None

    def _positions(self) -> dict[str, TeamPosition]:
        if self._read is None:
            self._read = {item.team: item for item in self._store.positions.latest()}
        return self._read

    def __getitem__(self, team: str) -> TeamPosition:
        return self._positions()[team]

    def __iter__(self) -> Iterator[str]:
        return iter(self._positions())

    def __len__(self) -> int:
        return len(self._positions())


def _known(kind: type[Named], value: str) -> Named:
    """`value` as a member of `kind`; an unknown name is a refusal, not a crash."""
    try:
        return kind(value)
    except ValueError:
        known = ", ".join(member.value for member in kind)
        raise IllegalTransitionError(f"{value!r} is not one of {known}") from None

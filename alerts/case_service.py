"""Cases as the control room works them: defaults for a new case, the messages each change
publishes, and the watch that escalates an overdue case to the supervisor once.

Messages (docs/mqtt.md): every change on `<prefix>/cases/<case id>` (`nightwatch.case/1`);
an overdue case also on the supervisor's dispatch topic `<prefix>/dispatch/<supervisor>/case`
(`nightwatch.case-overdue/1`) and to the supervisor's webhooks, as a dispatch order is.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from alerts.cases import CASE_KIND_OF, CaseKind, CasePlan, CaseRecord, CaseState
from alerts.dispatch.records import Outcome
from alerts.mqtt import Topics
from alerts.outbox import Outbox, OutboxMessage
from alerts.payloads import new_message_id
from alerts.store import AlertRecord, Store, StoreError, UnknownAlertError
from alerts.webhooks import WebhookRequest
from config.schema import NightwatchConfig

log = logging.getLogger(__name__)

CASE_SCHEMA: Literal["nightwatch.case/1"] = "nightwatch.case/1"
OVERDUE_SCHEMA: Literal["nightwatch.case-overdue/1"] = "nightwatch.case-overdue/1"


class CasePayload(BaseModel):
    """A case after one of its changes; `event` names the change."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    schema_: Literal["nightwatch.case/1"] = Field(CASE_SCHEMA, alias="schema")
    message_id: str = Field(default_factory=new_message_id)
    event: str = Field(
        description="opened, alert_added, note, reassign, due_changed, escalate or close"
    )
    case_id: str
    site: str
    kind: CaseKind
    title: str
    owner: str
    state: CaseState
    opened_at: datetime
    due_at: datetime
    overdue: bool
    escalated_at: datetime | None
    closed_at: datetime | None
    result: str | None
    alert_ids: tuple[str, ...]
    link: str | None = Field(description="The case page on the console.")

    def to_json(self) -> str:
        return self.model_dump_json(by_alias=True)


class CaseOverduePayload(BaseModel):
    """To the supervisor: a case is past its due date and still open."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    schema_: Literal["nightwatch.case-overdue/1"] = Field(OVERDUE_SCHEMA, alias="schema")
    message_id: str = Field(default_factory=new_message_id)
    case_id: str
    site: str
    team: str = Field(description="The supervisor's team id.")
    kind: CaseKind
    title: str
    owner: str
    due_at: datetime
    overdue_s: float
    alert_ids: tuple[str, ...]
    link: str | None

    def to_json(self) -> str:
        return self.model_dump_json(by_alias=True)


class CaseService:
    """What the console calls to open, change and close cases; `escalation` is what the
    watch sends for an overdue one."""

    def __init__(
        self,
        config: NightwatchConfig,
        store: Store,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        """`clock`: the store's own by default (the one its records are stamped with)."""
        self.config = config
        self.store = store
        self.topics = Topics(config.mqtt.topic_prefix)
        self._clock = clock or store.database.clock
        dispatch = config.dispatch
        self._base_url = dispatch.public_base_url.rstrip("/") if dispatch else None
        self.supervisor = dispatch.supervisor if dispatch else None

    def now(self) -> datetime:
        return self._clock()

    # Opening --------------------------------------------------------------------------------
    def plan(
        self,
        alert: AlertRecord,
        actor: str,
        owner: str | None = None,
        due_at: datetime | None = None,
        title: str | None = None,
    ) -> CasePlan:
        """The case a resolution opens, defaults filled: owned by the one resolving, due
        `cases.due_after_h` from now, titled after the rule and the place."""
        due = due_at or self._clock() + timedelta(hours=self.config.cases.due_after_h)
        camera = self.config.cameras.get(alert.camera)
        place = camera.location if camera is not None and camera.location else alert.camera
        return CasePlan(owner or actor, due, title or f"{alert.rule} · {place}")

    def resolve(
        self,
        alert_id: str,
        actor: str,
        outcome: Outcome,
        note: str | None,
        source: str | None,
        *,
        case_id: str | None = None,
        owner: str | None = None,
        due_at: datetime | None = None,
        title: str | None = None,
    ) -> tuple[AlertRecord, CaseRecord | None]:
        """Resolve the alert; an outcome that leaves work to do opens a case (or joins
        `case_id`) in the same write. Other outcomes resolve it as before."""
        if outcome not in CASE_KIND_OF:
            return self.store.alerts.resolve(alert_id, actor, outcome, note, source), None
        plan = None
        if case_id is None:
            alert = self.store.alerts.get(alert_id)
            if alert is None:
                raise UnknownAlertError(alert_id)
            plan = self.plan(alert, actor, owner, due_at, title)
        return self.store.cases.resolve_into_case(
            alert_id, actor, outcome, note, source, plan=plan, case_id=case_id,
            announce=self.announce,
        )  # fmt: skip

    # Messages -------------------------------------------------------------------------------
    def announce(self, case: CaseRecord, action: str) -> Sequence[OutboxMessage]:
        payload = CasePayload(
            event=action.removeprefix("case."),
            case_id=case.id,
            site=case.site,
            kind=case.kind,
            title=case.title,
            owner=case.owner,
            state=case.state,
            opened_at=case.opened_at,
            due_at=case.due_at,
            overdue=case.overdue_at(self._clock()),
            escalated_at=case.escalated_at,
            closed_at=case.closed_at,
            result=case.result,
            alert_ids=case.alert_ids,
            link=self._link(case),
        )
        return [OutboxMessage(self.topics.case(case.id), payload.to_json(), payload.message_id)]

    def escalation(
        self, case: CaseRecord
    ) -> tuple[Sequence[OutboxMessage], Sequence[WebhookRequest]]:
        """What an overdue case sends: its change, and the supervisor's notice and webhooks
        (none without a supervisor: the console still shows it overdue)."""
        messages = list(self.announce(case, "case.escalate"))
        supervisor = self.supervisor
        dispatch = self.config.dispatch
        if supervisor is None or dispatch is None:
            log.warning("case %s is overdue; no dispatch.supervisor to tell", case.id)
            return messages, []
        notice = CaseOverduePayload(
            case_id=case.id,
            site=case.site,
            team=supervisor,
            kind=case.kind,
            title=case.title,
            owner=case.owner,
            due_at=case.due_at,
            overdue_s=round((self._clock() - case.due_at).total_seconds(), 1),
            alert_ids=case.alert_ids,
            link=self._link(case),
        )
        body = notice.to_json()
        messages.append(
            OutboxMessage(self.topics.dispatch(supervisor, "case"), body, notice.message_id)
        )
        hooks = dispatch.teams[supervisor].webhooks
        requests = [WebhookRequest(supervisor, h.url, notice.message_id, body) for h in hooks]
        return messages, requests

    def _link(self, case: CaseRecord) -> str | None:
        return f"{self._base_url}/cases/{case.id}" if self._base_url else None


class CaseWatch:
    """Escalates overdue cases every `cases.check_interval_s`; runs with the singletons."""

    def __init__(self, service: CaseService, outbox: Outbox) -> None:
        self.service = service
        self.outbox = outbox
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, name="case-watch", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stopping.set()
        if self._thread.is_alive():
            self._thread.join(timeout=5.0)

    def check(self) -> list[CaseRecord]:
        """Escalate what is overdue now; the cases escalated."""
        service = self.service
        escalated = service.store.cases.escalate_overdue(service.now(), service.escalation)
        if escalated:
            log.info("cases overdue, supervisor told: %s", ", ".join(c.id for c in escalated))
            self.outbox.wake()
        return escalated

    def _run(self) -> None:
        interval_s = self.service.config.cases.check_interval_s
        while not self._stopping.is_set():
            try:
                self.check()
            except (StoreError, OSError):
                log.exception("case watch failed; trying again in %s s", interval_s)
            self._stopping.wait(interval_s)

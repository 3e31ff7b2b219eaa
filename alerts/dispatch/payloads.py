"""Dispatch messages on MQTT (and in webhooks). Versioned like every published payload: a
change that could break a reader gets a new `schema` string. See docs/mqtt.md."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from alerts.dispatch.records import DispatchState, Outcome
from alerts.payloads import new_message_id

ORDER_SCHEMA: Literal["nightwatch.dispatch-order/1"] = "nightwatch.dispatch-order/1"
STATE_SCHEMA: Literal["nightwatch.dispatch-state/1"] = "nightwatch.dispatch-state/1"
VOICE_SCHEMA: Literal["nightwatch.dispatch-voice/1"] = "nightwatch.dispatch-voice/1"
ERROR_SCHEMA: Literal["nightwatch.dispatch-error/1"] = "nightwatch.dispatch-error/1"
REPLY_SCHEMA: Literal["nightwatch.dispatch-reply/1"] = "nightwatch.dispatch-reply/1"


class _Published(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    message_id: str = Field(
        default_factory=new_message_id, description="Id of this message; repeats keep it."
    )

    def to_json(self) -> str:
        return self.model_dump_json(by_alias=True)


class Texts(BaseModel):
    """The same words in Chinese (zh-CN) and English."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    zh_cn: str = Field(alias="zh-CN")
    en: str


class DispatchOrderPayload(_Published):
    """An order to a team: go and look. Sent first as `dispatched`, and as `escalated` to
    each next team when the one before did not acknowledge in time."""

    schema_: Literal["nightwatch.dispatch-order/1"] = Field(ORDER_SCHEMA, alias="schema")
    dispatch_id: str
    alert_id: str
    site: str
    team: str
    team_name: str
    radio_channel: str | None
    state: Literal["dispatched", "escalated"]
    escalation: int = Field(description="0 for the first order, then 1, 2, …")
    previous_team: str | None = Field(description="Who did not answer (escalations only).")
    camera: str
    location: str = Field(description="Where the camera is, as configured.")
    rule: str
    rule_type: str
    zone: str
    severity: Literal["low", "medium", "high", "critical"]
    objects: int = Field(description="Objects in view when the alert started.")
    alert_started_at: datetime
    sent_at: datetime
    ack_deadline: datetime | None = Field(description="Escalates if unacknowledged by then.")
    snapshot_url: str
    reply_topic: str = Field(description="Where to answer (also the MQTT 5 response topic).")
    summary: Texts
    instructions: Texts
    note: str | None = Field(
        None,
        description="The operator's words, for manual dispatches; for a route choosing the "
        "nearest team, why this team (e.g. nearest on-duty team: team-2 at 140 m).",
    )


class DispatchStatePayload(_Published):
    """A dispatch changed state (every change is published, and audited)."""

    schema_: Literal["nightwatch.dispatch-state/1"] = Field(STATE_SCHEMA, alias="schema")
    dispatch_id: str
    alert_id: str
    site: str
    team: str = Field(description="The team it is with after this change.")
    previous_team: str | None = Field(description="On escalation: the team it left.")
    state: DispatchState
    previous_state: DispatchState | None
    escalation: int
    at: datetime
    actor: str = Field(description="Who made the change: a member, an operator, nightwatch.")
    source: str | None = Field(description="How: mqtt:<team>, console@<address>, escalation…")
    outcome: Outcome | None
    note: str | None
    ack_deadline: datetime | None


class DispatchVoicePayload(_Published):
    """A spoken order for a radio gateway: fetch `url` (WAV) and play it on the channel."""

    schema_: Literal["nightwatch.dispatch-voice/1"] = Field(VOICE_SCHEMA, alias="schema")
    dispatch_id: str
    alert_id: str
    team: str
    radio_channel: str | None
    escalation: int
    url: str
    duration_s: float
    sample_rate_hz: int
    languages: tuple[str, ...] = Field(description="In the order spoken, e.g. zh-CN, en.")
    text: Texts


class DispatchErrorPayload(_Published):
    """A reply that was refused; nothing about the dispatch changed."""

    schema_: Literal["nightwatch.dispatch-error/1"] = Field(ERROR_SCHEMA, alias="schema")
    team: str = Field(description="The team whose reply topic it came on.")
    dispatch_id: str | None
    error: str = Field(
        description="malformed, unknown_team, unknown_dispatch, wrong_team, closed, "
        "illegal_transition or outcome_required."
    )
    message: str
    reply_message_id: str | None = Field(description="The refused reply's message_id, if any.")
    received: str = Field(description="The start of what was received (500 characters).")
    at: datetime


class DispatchReplyPayload(BaseModel):
    """What a team sends on <prefix>/dispatch/<team>/reply (or the order's response topic)."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    schema_: Literal["nightwatch.dispatch-reply/1"] | None = Field(None, alias="schema")
    dispatch_id: str | None = Field(
        None, max_length=64, description="Optional with MQTT 5 correlation data carrying it."
    )
    state: DispatchState
    member: str | None = Field(None, max_length=128, description="Who answers.")
    outcome: Outcome | None = Field(None, description="Required with resolved.")
    note: str | None = Field(None, max_length=1000)
    message_id: str | None = Field(None, max_length=64)

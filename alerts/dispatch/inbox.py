"""Replies from teams over MQTT: applied through the dispatcher, or refused with a published
error (on `<prefix>/dispatch/<team>/error`) and an audit record. Nothing changes on a refusal."""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection
from datetime import datetime
from typing import Protocol

from alerts.audit import AuditEntry
from alerts.dispatch.messages import DispatchMessages
from alerts.dispatch.records import DispatchError, DispatchRecord, Outcome, UnknownTeamError
from alerts.dispatch.replies import Reply, parse_reply, reply_ids, reply_team
from alerts.mqtt import InboundMessage
from alerts.outbox import OutboxMessage

log = logging.getLogger(__name__)
RECEIVED_CHARS = 500


class Transition(Protocol):
    def __call__(
        self,
        dispatch_id: str,
        new_state: str,
        actor: str,
        team: str | None,
        outcome: Outcome | str | None = None,
        note: str | None = None,
        source: str = "console",
    ) -> DispatchRecord: ...


class Rejections(Protocol):
    def reject(self, entry: AuditEntry, messages: list[OutboxMessage], now: datetime) -> None: ...


class Inbox:
    def __init__(
        self,
        prefix: str,
        teams: Collection[str],
        transition: Transition,
        rejections: Rejections,
        messages: DispatchMessages,
        wake: Callable[[], None],
        clock: Callable[[], datetime],
    ) -> None:
        self.prefix = prefix
        self.teams = teams
        self._transition = transition
        self._rejections = rejections
        self._messages = messages
        self._wake = wake
        self._clock = clock

    def handle(self, message: InboundMessage) -> None:
        """A message on `<prefix>/dispatch/<team>/reply`."""
        team = reply_team(message.topic, self.prefix)
        if team is None:
            return
        reply: Reply | None = None
        try:
            reply = parse_reply(message.payload, message.correlation)
            if team not in self.teams:
                raise UnknownTeamError(f"{team!r} is not a team of this site")
            actor, source = reply.member or team, f"mqtt:{team}"
            self._transition(
                reply.dispatch_id, reply.state, actor, team, reply.outcome, reply.note, source
            )
        except DispatchError as error:
            self._refuse(team, message, error, reply)

    def _refuse(
        self, team: str, message: InboundMessage, error: DispatchError, reply: Reply | None
    ) -> None:
        dispatch_id, message_id = reply_ids(message.payload, message.correlation)
        if reply is not None:
            dispatch_id, message_id = reply.dispatch_id, reply.message_id
        now = self._clock()
        refusal = self._messages.error(
            team, error.code, str(error), message.payload, now, dispatch_id, message_id
        )
        details = {
            "error": error.code,
            "message": str(error),
            "topic": message.topic,
            "reply_message_id": message_id,
            "received": message.payload.decode("utf-8", "replace")[:RECEIVED_CHARS],
        }
        actor, target = (reply.member if reply else None) or team, dispatch_id or f"team:{team}"
        entry = AuditEntry(actor, "dispatch.reply_refused", target, details, f"mqtt:{team}")
        self._rejections.reject(entry, [refusal], now)
        self._wake()
        log.warning("reply from %s refused (%s): %s", team, error.code, error)

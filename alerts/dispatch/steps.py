"""Everything one dispatch step reports: the state message, the order (with its spoken
version and webhooks) when a team gets one, and webhooks when it is called off."""

from __future__ import annotations

import logging
from pathlib import Path

from alerts.dispatch.messages import DispatchMessages
from alerts.dispatch.records import DispatchChange, DispatchRecord, DispatchState
from alerts.dispatch.storage import DispatchedAlert, Planned
from alerts.outbox import OutboxMessage
from alerts.voice import Voice, VoiceError
from alerts.webhooks import WebhookRequest

log = logging.getLogger(__name__)


class StepBuilder:
    def __init__(self, messages: DispatchMessages, voice: Voice | None, voice_dir: Path) -> None:
        self.messages = messages
        self.voice = voice
        self.voice_dir = voice_dir

    def first(
        self, record: DispatchRecord, change: DispatchChange, alert: DispatchedAlert
    ) -> Planned:
        """A new dispatch: its first order goes to the first team of the chain."""
        after = change.applied_to(record)
        state = self.messages.state(None, after, change)
        return self._ordered(change, after, alert, [state])

    def moved(
        self, before: DispatchRecord, change: DispatchChange, alert: DispatchedAlert
    ) -> Planned:
        after = change.applied_to(before)
        messages = [self.messages.state(before, after, change)]
        if change.state == DispatchState.ESCALATED:
            return self._ordered(change, after, alert, messages, {"previous_team": before.team})
        webhooks: list[WebhookRequest] = []
        if change.state == DispatchState.CANCELLED:  # phones must hear that it is off
            webhooks = self._webhooks(after.team, messages[0])
        return Planned(change, messages, webhooks)

    def _ordered(
        self,
        change: DispatchChange,
        after: DispatchRecord,
        alert: DispatchedAlert,
        messages: list[OutboxMessage],
        details: dict[str, str] | None = None,
    ) -> Planned:
        """`messages`, then the order to the team the dispatch is with now, spoken too."""
        note = change.note if change.state == DispatchState.DISPATCHED else None
        order = self.messages.order(after, alert, change.at, note)
        messages = [*messages, order]
        spoken = self._spoken(after, alert)
        if spoken is not None:
            messages.append(spoken)
        return Planned(change, messages, self._webhooks(after.team, order), details or {})

    def _spoken(self, record: DispatchRecord, alert: DispatchedAlert) -> OutboxMessage | None:
        if self.voice is None:
            return None
        texts = self.messages.spoken(record, alert)
        path = self.voice_dir / f"{record.id}-{record.escalations}.wav"
        try:
            clip = self.voice.speak([(lang, texts[lang]) for lang in self.voice.voices], path)
        except (VoiceError, OSError) as error:  # the order itself still goes out
            log.error("dispatch %s: no spoken order: %s", record.id, error)
            return None
        return self.messages.voice(record, clip, texts)

    def _webhooks(self, team: str, message: OutboxMessage) -> list[WebhookRequest]:
        hooks = self.messages.team(team).webhooks
        return [
            WebhookRequest(team, hook.url, message.message_id, message.payload) for hook in hooks
        ]

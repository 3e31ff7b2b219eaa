"""What teams send back, pure: the reply topic's team, and the reply itself, checked."""

from __future__ import annotations

import json
from dataclasses import dataclass

from pydantic import ValidationError

from alerts.dispatch.payloads import DispatchReplyPayload
from alerts.dispatch.records import DispatchState, MalformedReplyError, Outcome


@dataclass(frozen=True, slots=True)
class Reply:
    dispatch_id: str
    state: DispatchState
    member: str | None
    outcome: Outcome | None
    note: str | None
    message_id: str | None


def reply_team(topic: str, prefix: str) -> str | None:
    """The team of `<prefix>/dispatch/<team>/reply`, or None for any other topic."""
    head = f"{prefix}/dispatch/"
    if not topic.startswith(head) or not topic.endswith("/reply"):
        return None
    team = topic[len(head) : -len("/reply")]
    return team if team and "/" not in team else None


def parse_reply(payload: bytes, correlation: bytes | None) -> Reply:
    """The reply in `payload`; the dispatch id may instead come as MQTT 5 correlation data.

    Raises MalformedReplyError saying what is wrong, in terms of the reply's fields.
    """
    try:
        body = DispatchReplyPayload.model_validate_json(payload)
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "reply"
        raise MalformedReplyError(f"{where}: {first['msg']}") from None
    dispatch_id = body.dispatch_id
    if dispatch_id is None and correlation:
        dispatch_id = correlation.decode("utf-8", "replace")
    if not dispatch_id:
        raise MalformedReplyError("dispatch_id is missing (and no MQTT 5 correlation data)")
    return Reply(dispatch_id, body.state, body.member, body.outcome, body.note, body.message_id)


def reply_ids(payload: bytes, correlation: bytes | None) -> tuple[str | None, str | None]:
    """Best effort, for refusing a reply: its dispatch_id and message_id, if readable."""
    try:
        data = json.loads(payload)
    except (ValueError, UnicodeDecodeError):
        data = None
    found = data if isinstance(data, dict) else {}
    dispatch_id = found.get("dispatch_id")
    if not isinstance(dispatch_id, str):
        dispatch_id = correlation.decode("utf-8", "replace") if correlation else None
    message_id = found.get("message_id")
    return dispatch_id, message_id if isinstance(message_id, str) else None

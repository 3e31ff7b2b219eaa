"""Parsing what teams send, pure."""

from __future__ import annotations

import pytest

from alerts.dispatch.records import DispatchState, MalformedReplyError, Outcome
from alerts.dispatch.replies import parse_reply, reply_ids, reply_team


def test_the_team_comes_from_the_reply_topic() -> None:
    assert reply_team("site/x/dispatch/alpha/reply", "site/x") == "alpha"
    assert reply_team("site/x/dispatch/alpha", "site/x") is None
    assert reply_team("site/x/dispatch/a/b/reply", "site/x") is None
    assert reply_team("other/dispatch/alpha/reply", "site/x") is None


def test_a_reply_with_everything() -> None:
    body = (
        b'{"schema": "nightwatch.dispatch-reply/1", "dispatch_id": "d-1", "state": "resolved",'
        b' "outcome": "referred_market_supervision", "member": "\xe5\xbc\xa0\xe4\xbc\x9f",'
        b' "note": "stall fire exit blocked", "message_id": "m-1"}'
    )

    reply = parse_reply(body, None)

    assert (reply.dispatch_id, reply.state, reply.outcome) == (
        "d-1",
        DispatchState.RESOLVED,
        Outcome.REFERRED_MARKET_SUPERVISION,
    )
    assert (reply.member, reply.message_id) == ("张伟", "m-1")


def test_the_dispatch_id_may_come_as_mqtt5_correlation_data() -> None:
    reply = parse_reply(b'{"state": "acknowledged"}', b"d-7")

    assert (reply.dispatch_id, reply.state) == ("d-7", DispatchState.ACKNOWLEDGED)


@pytest.mark.parametrize(
    ("body", "words"),
    [
        (b"ack", "Invalid JSON"),
        (b'{"dispatch_id": "d-1", "state": "arrived"}', "state"),
        (b'{"dispatch_id": "d-1", "state": "resolved", "outcom": "handled"}', "outcom"),
        (b'{"state": "acknowledged"}', "dispatch_id is missing"),
        (b"[1, 2]", "reply"),
    ],
)
def test_malformed_replies_say_what_is_wrong(body: bytes, words: str) -> None:
    with pytest.raises(MalformedReplyError, match=words):
        parse_reply(body, None)


def test_ids_are_read_from_a_refused_reply_when_possible() -> None:
    assert reply_ids(b'{"dispatch_id": "d-1", "message_id": "m", "state": "x"}', None) == (
        "d-1",
        "m",
    )
    assert reply_ids(b"not json", b"d-2") == ("d-2", None)

"""Alerts a process left open when it died: ended, with the reason, by whoever runs the
camera next (the same `nightwatch run` started again, or a cluster node taking over).

The end message is built from the last message the alert had: its end time is the last
moment the alert was known to hold, so the message id (derived from the alert, its type and
that time) is the same whichever process ends it, and subscribers drop a repeat.
"""

from __future__ import annotations

from collections.abc import Sequence

from alerts.payloads import AlertPayload, alert_message_id
from alerts.store.records import AlertRecord

ENDED_BECAUSE = "ended_because"


def orphan_end(record: AlertRecord, reason: str) -> AlertPayload:
    """The end message of an alert left open: at its last message's frame time."""
    last = AlertPayload.model_validate(record.payload)
    return last.model_copy(
        update={
            "type": "end",
            "ended_at": last.frame_time,
            "objects": (),
            "details": {**last.details, ENDED_BECAUSE: reason},
            "video_offset_s": None,
            "message_id": alert_message_id(last.id, "end", last.frame_time),
        }
    )


def orphan_ends(records: Sequence[AlertRecord], reason: str) -> list[AlertPayload]:
    """End messages for every open alert among `records`."""
    return [orphan_end(record, reason) for record in records if record.state == "open"]

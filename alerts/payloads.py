"""Published message schemas. Versioned: a breaking change gets a new `schema` string."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from alerts.lifecycle import AlertEvent
from detectors.observation import Detections
from ingest.status import CameraState, CameraStatus, StreamStatus

ALERT_SCHEMA: Literal["nightwatch.alert/1"] = "nightwatch.alert/1"
CAMERA_STATUS_SCHEMA: Literal["nightwatch.camera-status/1"] = "nightwatch.camera-status/1"


# Message ids of alert messages derive from the message itself (alert id, type, frame time),
# so the same message always carries the same id and a receiver can drop repeats.
_ALERT_MESSAGES = uuid.UUID("5d0f3d52-6c39-4f1e-9a57-0d1b2f8e4c11")


def new_message_id() -> str:
    """A fresh id for one published message (receivers de-duplicate by it)."""
    return str(uuid.uuid4())


def alert_message_id(alert_id: str, kind: str, frame_time: datetime) -> str:
    return str(uuid.uuid5(_ALERT_MESSAGES, f"{alert_id}/{kind}/{frame_time.isoformat()}"))


class Payload(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ObjectPayload(Payload):
    track_id: int = Field(description="Tracker id, stable while the object stays in view.")
    label: str = Field(description="Model label, e.g. person.")
    score: float = Field(description="Detection confidence, 0-1.")
    box: tuple[float, float, float, float] = Field(description="x1, y1, x2, y2 in pixels.")


class AlertPayload(Payload):
    schema_: Literal["nightwatch.alert/1"] = Field(ALERT_SCHEMA, alias="schema")
    id: str = Field(description="Alert id, the same in every message of one alert.")
    type: Literal["new", "update", "end"]
    site: str
    camera: str
    rule: str = Field(description="Rule name as configured.")
    rule_type: str = Field(description="Rule kind: intrusion, loitering, ...")
    zone: str = Field(description="Zone name; 'frame' when the rule watches the whole frame.")
    severity: Literal["low", "medium", "high", "critical"]
    started_at: datetime = Field(description="UTC time the alert started.")
    frame_time: datetime = Field(description="UTC capture time of the frame behind this message.")
    ended_at: datetime | None = Field(None, description="UTC time the alert ended; on end only.")
    objects: tuple[ObjectPayload, ...] = Field(description="Objects that make the alert hold.")
    details: dict[str, Any] = Field(
        default_factory=dict,
        description="What the rule knows beyond the objects: tamper conditions and measures, "
        "an abandoned object's owner, … (see docs/rules.md).",
    )
    video_offset_s: float | None = Field(
        None, description="Seconds into the video file; set by `nightwatch analyze` only."
    )
    message_id: str = Field(
        default_factory=new_message_id,
        description="Id of this message; a message sent twice (after an outage) keeps it.",
    )

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    def to_json(self) -> str:
        return self.model_dump_json(by_alias=True)


class RecordStreamPayload(Payload):
    """A camera's separate record stream: read for its packets (clips), never decoded."""

    state: Literal["online", "offline", "reconnecting"]
    source_fps: float = Field(description="Pictures a second the stream sends, last 5 s.")
    packets_total: int
    reconnects: int
    last_packet_at: datetime | None
    error: str | None
    width: int | None
    height: int | None
    codec: str | None


class CameraStatusPayload(Payload):
    schema_: Literal["nightwatch.camera-status/1"] = Field(CAMERA_STATUS_SCHEMA, alias="schema")
    camera: str
    state: Literal["online", "offline", "reconnecting"]
    fps: float = Field(description="Pictures decoded per second, last 5 s.")
    frames_total: int
    frames_dropped: int = Field(description="Frames replaced before detection could take them.")
    reconnects: int
    last_frame_at: datetime | None
    error: str | None
    width: int | None
    height: int | None
    codec: str | None
    recording_error: str | None = Field(
        None, description="Why clips cannot be written (disk full, …); alerts carry on."
    )
    packet_buffer_bytes: int | None = Field(
        None, description="Memory the clip packet ring holds now (bounded by record.max_buffer_mb)."
    )
    source_fps: float | None = Field(
        None,
        description="Pictures a second the (detect) stream itself sends, last 5 s; `fps` "
        "below it means decoding does not keep up.",
    )
    skipped_gops: int = Field(
        0,
        description="Groups of pictures left undecoded since start-up because decoding fell "
        "camera.max_decode_lag_s behind the live stream.",
    )
    record: RecordStreamPayload | None = Field(
        None, description="The separate record stream, when the camera has one."
    )
    node: str | None = Field(
        None, description="Where the camera runs: the host, or the cluster node's id."
    )
    message_id: str = Field(default_factory=new_message_id, description="Id of this message.")

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    def to_json(self) -> str:
        return self.model_dump_json(by_alias=True)


def objects_payload(objects: Detections) -> tuple[ObjectPayload, ...]:
    return tuple(
        ObjectPayload(
            track_id=int(objects.track_id[index]),
            label=str(objects.label[index]),
            score=round(float(objects.score[index]), 3),
            box=tuple(round(float(value), 1) for value in objects.xyxy[index]),
        )
        for index in range(len(objects))
    )


def alert_payload(
    event: AlertEvent, site: str, video_offset_s: float | None = None
) -> AlertPayload:
    return AlertPayload(
        id=event.id,
        type=event.type.value,
        site=site,
        camera=event.key.camera,
        rule=event.key.rule,
        rule_type=event.rule_type,
        zone=event.key.zone,
        severity=event.severity,
        started_at=event.started_at,
        frame_time=event.frame_time,
        ended_at=event.ended_at,
        objects=objects_payload(event.objects),
        details=dict(event.details),
        video_offset_s=video_offset_s,
        message_id=alert_message_id(event.id, event.type.value, event.frame_time),
    )


def camera_status_payload(status: CameraStatus) -> CameraStatusPayload:
    return CameraStatusPayload(
        camera=status.camera,
        state=status.state.value,
        fps=status.fps,
        frames_total=status.frames_total,
        frames_dropped=status.frames_dropped,
        reconnects=status.reconnects,
        last_frame_at=status.last_frame_at,
        error=status.error,
        width=status.width,
        height=status.height,
        codec=status.codec,
        recording_error=status.recording_error,
        packet_buffer_bytes=status.packet_buffer_bytes,
        source_fps=status.source_fps,
        skipped_gops=status.skipped_gops,
        record=None if status.record is None else record_stream_payload(status.record),
        node=status.node,
    )


def camera_status_from_payload(payload: CameraStatusPayload) -> CameraStatus:
    """The status a camera status message says (for a console that reads them off the bus)."""
    record = payload.record
    return CameraStatus(
        camera=payload.camera,
        state=CameraState(payload.state),
        fps=payload.fps,
        frames_total=payload.frames_total,
        frames_dropped=payload.frames_dropped,
        reconnects=payload.reconnects,
        last_frame_at=payload.last_frame_at,
        error=payload.error,
        width=payload.width,
        height=payload.height,
        codec=payload.codec,
        recording_error=payload.recording_error,
        packet_buffer_bytes=payload.packet_buffer_bytes,
        source_fps=payload.source_fps,
        skipped_gops=payload.skipped_gops,
        record=None
        if record is None
        else StreamStatus(
            state=CameraState(record.state),
            source_fps=record.source_fps,
            packets_total=record.packets_total,
            reconnects=record.reconnects,
            last_packet_at=record.last_packet_at,
            error=record.error,
            width=record.width,
            height=record.height,
            codec=record.codec,
        ),
        node=payload.node,
    )


def record_stream_payload(status: StreamStatus) -> RecordStreamPayload:
    return RecordStreamPayload(
        state=status.state.value,
        source_fps=status.source_fps,
        packets_total=status.packets_total,
        reconnects=status.reconnects,
        last_packet_at=status.last_packet_at,
        error=status.error,
        width=status.width,
        height=status.height,
        codec=status.codec,
    )

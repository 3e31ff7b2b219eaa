"""The words and messages of a dispatch: orders, state changes, spoken text and errors, in
Chinese (zh-CN) and English, ready for the outbox."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from zoneinfo import ZoneInfo

from alerts.dispatch.payloads import (
    DispatchErrorPayload,
    DispatchOrderPayload,
    DispatchStatePayload,
    DispatchVoicePayload,
    Texts,
)
from alerts.dispatch.records import DispatchChange, DispatchRecord, DispatchState, Outcome
from alerts.dispatch.storage import DispatchedAlert
from alerts.mqtt import Topics
from alerts.outbox import OutboxMessage
from alerts.voice import VoiceClip
from config.dispatch import DispatchConfig, TeamConfig

RULES_ZH = {
    "intrusion": "区域入侵",
    "loitering": "人员徘徊",
    "crowd": "人员聚集",
    "line_crossing": "越线",
    "person_down": "人员倒地",
    "after_hours_occupancy": "非营业时间有人",
    "vehicle_in_zone": "车辆闯入",
    "tampering": "摄像头被遮挡或移动",
    "abandoned_object": "遗留物品",
}
SEVERITY_ZH = {"low": "低", "medium": "中", "high": "高", "critical": "紧急"}
OUTCOMES = ", ".join(outcome.value for outcome in Outcome)
RECEIVED_CHARS = 500


class DispatchMessages:
    """Builds what is published about dispatches at one site."""

    def __init__(
        self,
        topics: Topics,
        site: str,
        config: DispatchConfig,
        locations: Mapping[str, str],
        timezone: str,
    ) -> None:
        self.topics = topics
        self.site = site
        self.config = config
        self.locations = locations
        self.zone = ZoneInfo(timezone)

    def team(self, team_id: str) -> TeamConfig:
        """A team's settings; a team no longer configured (a dispatch from before a
        configuration change) is named by its id."""
        return self.config.teams.get(team_id) or TeamConfig(name=team_id)

    def location(self, camera: str) -> str:
        return self.locations.get(camera) or camera

    def snapshot_url(self, alert_id: str, dispatch_id: str) -> str:
        path = self.config.snapshot_path.format(alert_id=alert_id, dispatch_id=dispatch_id)
        return self.config.public_base_url.rstrip("/") + path

    def voice_url(self, dispatch_id: str, file: str) -> str:
        path = self.config.voice_path.format(dispatch_id=dispatch_id, file=file)
        return self.config.public_base_url.rstrip("/") + path

    def order(
        self, record: DispatchRecord, alert: DispatchedAlert, now: datetime, note: str | None = None
    ) -> OutboxMessage:
        """The order to the team the dispatch is with now."""
        team = self.team(record.team)
        previous = record.history[-2].team if len(record.history) > 1 else None
        payload = DispatchOrderPayload(
            dispatch_id=record.id,
            alert_id=alert.id,
            site=self.site,
            team=record.team,
            team_name=team.name,
            radio_channel=team.radio_channel,
            state="escalated" if record.state == DispatchState.ESCALATED else "dispatched",
            escalation=record.escalations,
            previous_team=previous if record.escalations else None,
            camera=alert.camera,
            location=self.location(alert.camera),
            rule=alert.rule,
            rule_type=alert.rule_type,
            zone=alert.zone,
            severity=alert.severity,
            objects=len(alert.payload.get("objects", ())),
            alert_started_at=alert.started_at,
            sent_at=now,
            ack_deadline=record.ack_deadline,
            snapshot_url=self.snapshot_url(alert.id, record.id),
            reply_topic=self.topics.dispatch(record.team, "reply"),
            summary=self._summary(alert),
            instructions=self._instructions(record, self.location(alert.camera)),
            note=note,
        )
        return OutboxMessage(
            self.topics.dispatch(record.team),
            payload.to_json(),
            payload.message_id,
            response_topic=payload.reply_topic,
            correlation=record.id,
        )

    def state(
        self, before: DispatchRecord | None, after: DispatchRecord, change: DispatchChange
    ) -> OutboxMessage:
        """The change, on the state topic of the team the dispatch was with before it."""
        payload = DispatchStatePayload(
            dispatch_id=after.id,
            alert_id=after.alert_id,
            site=self.site,
            team=after.team,
            previous_team=before.team if before and before.team != after.team else None,
            state=change.state,
            previous_state=before.state if before else None,
            escalation=change.escalations,
            at=change.at,
            actor=change.actor,
            source=change.source,
            outcome=change.outcome,
            note=change.note,
            ack_deadline=change.ack_deadline,
        )
        team = before.team if before is not None else after.team
        topic = self.topics.dispatch(team, "state")
        return OutboxMessage(topic, payload.to_json(), payload.message_id)

    def spoken(self, record: DispatchRecord, alert: DispatchedAlert) -> dict[str, str]:
        """The short text read out on the radio, by language."""
        name = self.team(record.team).name
        place = self.location(alert.camera)
        rule_zh = RULES_ZH.get(alert.rule_type, alert.rule_type)
        rule_en = alert.rule_type.replace("_", " ")
        again_zh, again_en = ("转派，", "Escalated. ") if record.escalations else ("", "")
        return {
            "zh-CN": f"{again_zh}{name}请注意，{place}发生{rule_zh}，请立即前往并回复确认。",
            "en": f"{again_en}{name}: {rule_en} at {place}. Go now, and acknowledge.",
        }

    def voice(
        self, record: DispatchRecord, clip: VoiceClip, texts: Mapping[str, str]
    ) -> OutboxMessage:
        team = self.team(record.team)
        payload = DispatchVoicePayload(
            dispatch_id=record.id,
            alert_id=record.alert_id,
            team=record.team,
            radio_channel=team.radio_channel,
            escalation=record.escalations,
            url=self.voice_url(record.id, clip.path.name),
            duration_s=clip.duration_s,
            sample_rate_hz=clip.sample_rate_hz,
            languages=clip.languages,
            text=Texts(zh_cn=texts.get("zh-CN", ""), en=texts.get("en", "")),
        )
        topic = self.topics.dispatch(record.team, "voice")
        return OutboxMessage(topic, payload.to_json(), payload.message_id)

    def error(
        self,
        team: str,
        code: str,
        message: str,
        received: bytes,
        at: datetime,
        dispatch_id: str | None = None,
        reply_message_id: str | None = None,
    ) -> OutboxMessage:
        payload = DispatchErrorPayload(
            team=team,
            dispatch_id=dispatch_id,
            error=code,
            message=message,
            reply_message_id=reply_message_id,
            received=received.decode("utf-8", "replace")[:RECEIVED_CHARS],
            at=at,
        )
        topic = self.topics.dispatch(team, "error")
        return OutboxMessage(topic, payload.to_json(), payload.message_id)

    def _local(self, at: datetime, seconds: bool = False) -> str:
        return at.astimezone(self.zone).strftime("%H:%M:%S" if seconds else "%H:%M")

    def _summary(self, alert: DispatchedAlert) -> Texts:
        place, count = self.location(alert.camera), len(alert.payload.get("objects", ()))
        since = self._local(alert.started_at)
        rule_zh = RULES_ZH.get(alert.rule_type, alert.rule_type)
        severity_zh = SEVERITY_ZH.get(alert.severity, alert.severity)
        return Texts(
            zh_cn=f"{place}{rule_zh}：摄像头{alert.camera}，区域{alert.zone}，"
            f"级别{severity_zh}，{count}个目标，{since}开始。",
            en=f"{alert.rule_type.replace('_', ' ')} at {place}: camera {alert.camera}, "
            f"zone {alert.zone}, severity {alert.severity}, {count} in view since {since}.",
        )

    def _instructions(self, record: DispatchRecord, place: str) -> Texts:
        name = self.team(record.team).name
        zh = (
            f"{name}：请前往{place}查看。立即回复 acknowledged（已收到），出发回复 en_route，"
            f"到达回复 on_scene，处理完毕回复 resolved 并注明结果（{OUTCOMES}）。"
        )
        en = (
            f"{name}: go to {place} and check. Reply acknowledged now, then en_route, "
            f"on_scene, and resolved with an outcome ({OUTCOMES})."
        )
        if record.ack_deadline is not None:
            by = self._local(record.ack_deadline, seconds=True)
            zh += f"请在{by}前确认，否则转派下一队。"
            en += f" Acknowledge by {by} or it goes to the next team."
        return Texts(zh_cn=zh, en=en)

"""The `dispatch:` section: patrol teams, duty rosters, routing, escalation, radio and phone.

Cross-section checks (a route naming a camera, zone or rule that exists) need the cameras and
run at start-up: see nightwatch/startup.py `check_dispatch`.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal
from urllib.parse import urlparse

from pydantic import Field, field_validator, model_validator
from pydantic_core import PydanticCustomError

from config.common import Name, Severity, Strict
from config.rules.base import ScheduleConfig

PLACEHOLDER_SECRETS = frozenset({"", "changeme", "change-me", "secret", "password", "xxx"})


def _http_url(value: str) -> str:
    parsed = urlparse(value)
    if parsed.scheme not in ("http", "https") or not parsed.hostname:
        raise ValueError("must look like http://HOST[:PORT][/PATH] or https://…")
    return value


class WebhookConfig(Strict):
    """A phone, SMS or push gateway that takes a JSON POST for each order to the team."""

    url: str = Field(description="Where to POST: http://… or https://….")
    secret: str | None = Field(
        None,
        description="HMAC-SHA256 key for the X-Nightwatch-Signature header; use ${ENV_VAR}. "
        "Default null: dispatch.webhooks.secret.",
    )

    _url = field_validator("url")(_http_url)


class TeamConfig(Strict):
    name: str = Field(description="Name spoken on the radio and shown to people, e.g. 巡逻一队.")
    members: tuple[str, ...] = Field((), description="People in the team, for the record.")
    radio_channel: str | None = Field(None, description="Radio channel the team listens on.")
    webhooks: tuple[WebhookConfig, ...] = Field(
        (), description="Phone notifications: JSON POSTs for each order to this team."
    )
    roster: tuple[ScheduleConfig, ...] = Field(
        (ScheduleConfig(),),
        min_length=1,
        description="Duty shifts: windows HH:MM-HH:MM in the site time zone (may cross "
        "midnight; a shift belongs to the day it starts) and days. Default: always on duty.",
    )


class RouteConfig(Strict):
    """Which alerts go to which teams; the first route that matches an alert is used."""

    camera: Name | None = Field(None, description="Camera key; null matches every camera.")
    zone: str | None = Field(None, description="Zone name ('frame': whole picture); null: any.")
    rule: str | None = Field(None, description="Rule name; null matches every rule.")
    min_severity: Severity = Field("low", description="Least severity routed. Default low.")
    teams: tuple[Name, ...] = Field(
        min_length=1,
        description="Teams in escalation order; those off duty at the time are skipped.",
    )
    choose: Literal["roster", "nearest"] = Field(
        "roster",
        description="Which on-duty team gets the first order: the first in `teams` (roster, "
        "the default), or the one nearest the camera (straight-line distance from the team's "
        "last shared position; needs the camera's position). Falls back to roster order when "
        "no team has a recent position.",
    )
    position_max_age_s: float = Field(
        600.0,
        gt=0,
        le=86400,
        description="With choose: nearest, a team's position older than this counts as "
        "unknown; seconds, default 600.",
    )


class EscalationConfig(Strict):
    after_s: float = Field(
        60.0, gt=0, description="Seconds without an acknowledgement before escalating. Default 60."
    )
    max_escalations: int = Field(
        3,
        ge=0,
        le=20,
        description="Escalations of one dispatch: along its teams, then the fallback team, then "
        "the supervisor, who gets repeats. 0: never escalate. Default 3.",
    )


class WebhookPolicyConfig(Strict):
    secret: str | None = Field(
        None, description="HMAC key for webhooks without their own; use ${ENV_VAR}."
    )
    timeout_s: float = Field(5.0, gt=0, le=60, description="Time allowed per POST, s. Default 5.")
    max_attempts: int = Field(6, ge=1, le=50, description="POSTs before giving up. Default 6.")
    backoff_initial_s: float = Field(
        2.0, gt=0, description="Wait after the first failure, s; doubles each time. Default 2."
    )
    backoff_max_s: float = Field(300.0, gt=0, description="Longest wait between POSTs, s.")


class VoiceConfig(Strict):
    enabled: bool = Field(True, description="Speak each order to a WAV file for the radio.")
    command: str = Field("espeak-ng", description="The espeak-ng program. Default espeak-ng.")
    voices: dict[str, str] = Field(
        default_factory=lambda: {"zh-CN": "cmn", "en": "en"},
        min_length=1,
        description="Languages spoken, in order, and the espeak-ng voice of each (zh-CN, en).",
    )
    words_per_minute: int = Field(150, ge=80, le=450, description="Speaking rate. Default 150.")

    @field_validator("voices")
    @classmethod
    def _known_languages(cls, voices: dict[str, str]) -> dict[str, str]:
        unknown = sorted(set(voices) - {"zh-CN", "en"})
        if unknown:
            raise ValueError(f"languages {unknown} have no texts; use zh-CN and/or en")
        return voices


class DispatchConfig(Strict):
    public_base_url: str = Field(
        "http://127.0.0.1:8000",
        description="Address patrols reach the console at; snapshot and voice links start "
        "with it, e.g. http://nightwatch.local:8000.",
    )
    snapshot_path: str = Field(
        "/api/v1/dispatches/{dispatch_id}/snapshot",
        description="Path of the dispatched alert's snapshot ({dispatch_id}, {alert_id}); the "
        "console serves it to the team the dispatch is with.",
    )
    voice_path: str = Field(
        "/api/v1/dispatches/{dispatch_id}/voice/{file}",
        description="Path of a spoken order; the file lies in <media_dir>/voice/.",
    )
    teams: dict[Name, TeamConfig] = Field(min_length=1, description="Patrol teams by id.")
    routes: tuple[RouteConfig, ...] = Field((), description="Routing rules, first match wins.")
    fallback_team: Name | None = Field(
        None, description="Takes alerts no route matches, and those whose teams are off duty."
    )
    supervisor: Name | None = Field(
        None, description="Team (or person, as a team) at the end of every escalation chain."
    )
    min_severity: Severity = Field(
        "low", description="Alerts below this severity are never dispatched. Default low."
    )
    escalation: EscalationConfig = Field(default_factory=EscalationConfig)
    webhooks: WebhookPolicyConfig = Field(default_factory=WebhookPolicyConfig)
    voice: VoiceConfig = Field(default_factory=VoiceConfig)
    session_expiry_s: int = Field(
        3600,
        ge=0,
        description="The broker keeps Nightwatch's MQTT session this long after a disconnect, "
        "so replies sent meanwhile wait for it. 0: a clean session each time. Default 3600.",
    )

    _base_url = field_validator("public_base_url")(_http_url)

    @field_validator("snapshot_path", "voice_path")
    @classmethod
    def _absolute_path(cls, value: str) -> str:
        if not value.startswith("/"):
            raise ValueError("must start with '/'")
        return value

    @model_validator(mode="after")
    def _teams_known(self) -> DispatchConfig:
        for index, route in enumerate(self.routes):
            self._check_teams(route.teams, ("routes", index, "teams"))
        for key in ("fallback_team", "supervisor"):
            name = getattr(self, key)
            if name is not None:
                self._check_teams((name,), (key,))
        return self

    def _check_teams(self, names: Iterable[str], at: tuple[str | int, ...]) -> None:
        for name in names:
            if name not in self.teams:
                raise PydanticCustomError(
                    "unknown_team",
                    "'{team}' is not a team (known: {known})",
                    {
                        "team": name,
                        "known": ", ".join(self.teams),
                        "at": at,
                        "fix": "use a key of dispatch.teams, or add the team there",
                    },
                )

    @model_validator(mode="after")
    def _webhooks_signed(self) -> DispatchConfig:
        for team_id, team in self.teams.items():
            for index, hook in enumerate(team.webhooks):
                secret = hook.secret if hook.secret is not None else self.webhooks.secret
                if secret is None or secret.strip().lower() in PLACEHOLDER_SECRETS:
                    raise PydanticCustomError(
                        "webhook_secret",
                        "webhook {url} has no real secret to sign with",
                        {
                            "url": hook.url,
                            "at": ("teams", team_id, "webhooks", index, "secret"),
                            "fix": "set secret: ${WEBHOOK_SECRET} here or dispatch.webhooks.secret",
                        },
                    )
        return self

    def secret_for(self, team: str, url: str) -> str | None:
        """The HMAC key of one of a team's webhooks (None if it is no longer configured)."""
        config = self.teams.get(team)
        for hook in config.webhooks if config is not None else ():
            if hook.url == url:
                return hook.secret if hook.secret is not None else self.webhooks.secret
        return None

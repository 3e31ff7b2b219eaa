"""Pages: Chinese first, English on request, nothing loaded from elsewhere; health and metrics."""

from __future__ import annotations

import json
import re
from pathlib import Path

from console.i18n import LANGUAGES, catalog
from tests.console.conftest import Console

CONSOLE = Path(__file__).parents[2] / "console"


def test_pages_are_chinese_by_default_and_english_on_request(console: Console) -> None:
    headers = console.as_user("op")
    page = console.client.get("/wall", headers=headers)
    assert page.status_code == 200
    assert '<html lang="zh-CN"' in page.text
    for text in ("夜巡指挥中心", "监控墙", "实时告警", "退出登录", "值班员"):
        assert text in page.text
    english = console.client.get("/wall?lang=en", headers=headers)
    assert '<html lang="en"' in english.text and "Live alerts" in english.text
    # The choice is remembered.
    again = console.client.get("/alerts", headers=headers)
    assert '<html lang="en"' in again.text


def test_both_catalogs_have_every_key_and_chinese_is_really_chinese() -> None:
    chinese, english = catalog("zh-CN"), catalog("en")
    assert set(chinese) == set(english)
    assert LANGUAGES[0] == "zh-CN"
    for key in ("dispatch.title", "alert.acknowledge", "dispatch.on_scene", "outcome.false_alarm"):
        assert re.search(r"[\u4e00-\u9fff]", chinese[key]), key
    assert chinese["dispatch.title"] == "派单" and chinese["outcome.false_alarm"] == "误报"
    assert chinese["dispatch.on_scene"] == "已到达" and chinese["patrol.resolved"] == "处置完成"
    untranslated = [
        key for key in chinese if chinese[key] == english[key] and key != "actor.system"
    ]
    assert not untranslated, f"Chinese strings left in English: {untranslated}"


def test_every_state_role_and_outcome_has_its_words() -> None:
    from alerts.cases import CASE_ACTIONS, CaseKind
    from alerts.tuning import APPLY, DISMISS, PROPOSE, ProposalState
    from console.accounts.records import ROLES
    from console.ports import DISPATCH_STATES_SHOWN, OUTCOMES, PATROL_STATES
    from ingest.status import CameraState

    keys = {f"dispatch.{state.value}" for state in DISPATCH_STATES_SHOWN}
    keys |= {f"patrol.{state.value}" for state in PATROL_STATES}
    keys |= {f"outcome.{outcome.value}" for outcome in OUTCOMES}
    keys |= {f"role.{role}" for role in ROLES}
    keys |= {f"camera.{state.value}" for state in CameraState} | {"camera.unknown"}
    keys |= {f"severity.{level}" for level in ("low", "medium", "high", "critical")}
    keys |= {f"case_kind.{kind.value}" for kind in CaseKind}
    keys |= {f"tuning_state.{state.value}" for state in ProposalState}
    keys |= {f"tuning_done.{action}" for action in ("apply", "dismiss")}
    keys |= {f"action.{action}" for action in (*CASE_ACTIONS, PROPOSE, APPLY, DISMISS)}
    for language in LANGUAGES:
        missing = sorted(keys - set(catalog(language)))
        assert not missing, f"{language} lacks {missing}"


def test_every_string_the_pages_use_is_in_the_catalogs() -> None:
    used: set[str] = set()
    for path in [*CONSOLE.glob("templates/*.html"), *CONSOLE.glob("static/js/*.js")]:
        text = path.read_text("utf-8")
        used |= set(re.findall(r"""\bt\(\s*['"]([a-z_]+\.[a-z_.]+)['"]""", text))
    missing = sorted(used - set(catalog("zh-CN")))
    assert not missing, f"keys without a translation: {missing}"


def test_pages_load_nothing_from_other_sites() -> None:
    for path in [*CONSOLE.glob("templates/*.html"), *CONSOLE.glob("static/**/*.*")]:
        text = path.read_text("utf-8")
        assert not re.search(r"(src|href)=[\"']?(https?:)?//", text), path
        assert "@import" not in text and "url(http" not in text, path
    assert json.loads((CONSOLE / "static/i18n/zh-CN.json").read_text("utf-8"))


def test_pages_carry_a_strict_content_security_policy(console: Console) -> None:
    page = console.client.get("/login")
    policy = page.headers["content-security-policy"]
    assert "default-src 'self'" in policy and "frame-ancestors 'none'" in policy
    assert page.headers["x-content-type-options"] == "nosniff"


def test_a_role_without_the_page_gets_a_refusal_page(console: Console) -> None:
    page = console.client.get("/audit", headers=console.as_user("pa"))
    assert page.status_code == 403 and "无权访问此页面" in page.text


def test_health_needs_no_sign_in_and_tells_little(console: Console) -> None:
    health = console.client.get("/healthz").json()
    assert health == {"status": "ok", "database": "ok", "cameras_online": 2, "cameras_total": 2}


def test_metrics_are_prometheus_text(console: Console) -> None:
    text = console.client.get("/metrics", headers=console.as_user("op")).text
    for line in (
        'nightwatch_camera_fps{camera="gate"} 29.97',
        'nightwatch_camera_frames_dropped_total{camera="yard"} 12',
        'nightwatch_camera_online{camera="gate"} 1',
        'nightwatch_detection_latency_seconds{quantile="0.95"} 0.090000',
        "nightwatch_alerts_total 3",
        "nightwatch_outbox_depth 0",
        "nightwatch_mqtt_queued_messages 0",
    ):
        assert line in text.splitlines(), line
    assert "# TYPE nightwatch_camera_frames_total counter" in text


def test_the_configuration_is_shown_without_secrets(console: Console) -> None:
    config = console.client.get("/api/v1/config", headers=console.as_user("ad")).json()
    sources = [camera["source"] for camera in config["cameras"]]
    assert all("s3cret" not in source and ":***@" in source for source in sources)

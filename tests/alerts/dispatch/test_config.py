"""The dispatch section: mistakes are errors that name the line, key and fix; the example runs."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from config.errors import ConfigError
from config.loader import parse_config
from nightwatch.paths import EXAMPLES
from nightwatch.startup import check_dispatch
from tests.alerts.dispatch.support import dispatch_section

CAMERAS = {
    "gate": {
        "source": "rtsp://127.0.0.1/gate",
        "zones": {"yard": {"polygon": [[0, 0], [1, 0], [1, 1]]}},
        "rules": [{"type": "intrusion", "zone": "yard"}],
    }
}


def config_text(**dispatch: object) -> str:
    return yaml.safe_dump({"cameras": CAMERAS, "dispatch": dispatch_section(**dispatch)})


def issue_of(text: str) -> str:
    with pytest.raises(ConfigError) as raised:
        check_dispatch(parse_config(text, "site.yaml", {}))
    return str(raised.value)


def test_a_route_to_an_unknown_team_names_the_key_and_the_known_teams() -> None:
    text = config_text(routes=[{"zone": "yard", "teams": ["alpha", "charlie"]}])

    message = issue_of(text)

    assert (
        "dispatch.routes.0.teams: 'charlie' is not a team (known: alpha, bravo, chief)" in message
    )
    assert "site.yaml:" in message and "fix: use a key of dispatch.teams" in message


def test_a_webhook_needs_a_real_secret() -> None:
    teams = dispatch_section()["teams"]
    teams["alpha"]["webhooks"] = [{"url": "https://sms.example/hook", "secret": "changeme"}]

    message = issue_of(config_text(teams=teams))

    assert "dispatch.teams.alpha.webhooks.0.secret" in message and "no real secret" in message


def test_a_route_to_a_zone_the_camera_lacks_is_found_at_start_up() -> None:
    text = config_text(routes=[{"camera": "gate", "zone": "dock", "teams": ["alpha"]}])

    message = issue_of(text)

    assert "dispatch.routes.0.zone: 'dock' is not a zone" in message
    assert "(known: frame, yard)" in message


def test_a_typo_in_the_section_is_an_error() -> None:
    message = issue_of(config_text(escalation={"after": 30}))

    assert "dispatch.escalation.after: unknown key" in message


def test_the_example_is_valid_with_the_quickstart_variables(tmp_path: Path) -> None:
    path = EXAMPLES / "dispatch.yaml"
    environ = {"NIGHTWATCH_SOURCE": str(tmp_path / "video.mp4"), "NIGHTWATCH_ESCALATE_S": "5"}

    loaded = parse_config(path.read_text(encoding="utf-8"), str(path), environ)
    check_dispatch(loaded)

    dispatch = loaded.config.dispatch
    assert dispatch is not None and dispatch.escalation.after_s == 5
    assert dispatch.routes[0].teams == ("team-1", "team-2")
    defaults = parse_config(path.read_text(encoding="utf-8"), str(path), {"NIGHTWATCH_SOURCE": "x"})
    assert defaults.config.dispatch is not None
    assert defaults.config.dispatch.escalation.after_s == 60

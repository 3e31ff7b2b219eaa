"""`cases:`: when a follow-up case is due if nobody says, and how often overdue ones are looked
for; a bad value names the key and what is allowed."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from config.errors import ConfigError
from config.loader import load_config
from tests.support.factories import camera_config, nightwatch_config


def write(tmp_path: Path, cases: dict[str, Any] | None) -> Path:
    config = nightwatch_config(
        {"gate": camera_config("rtsp://127.0.0.1:8554/cam")}, prefix="site-a", model_path="m.pt"
    )
    if cases is not None:
        config["cases"] = cases
    path = tmp_path / "site.yaml"
    path.write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    return path


def test_cases_are_due_in_three_days_and_looked_at_every_half_minute(tmp_path: Path) -> None:
    cases = load_config(write(tmp_path, None)).config.cases
    assert (cases.due_after_h, cases.check_interval_s) == (72.0, 30.0)


@pytest.mark.parametrize(
    ("cases", "key", "says"),
    [
        ({"due_after_h": 0}, "cases.due_after_h", "greater than 0"),
        ({"check_interval_s": 7200}, "cases.check_interval_s", "less than or equal to 3600"),
        ({"due_after": 24}, "cases.due_after", "unknown key"),
    ],
)
def test_a_bad_value_names_the_key(
    tmp_path: Path, cases: dict[str, Any], key: str, says: str
) -> None:
    with pytest.raises(ConfigError) as raised:
        load_config(write(tmp_path, cases))
    message = str(raised.value)
    assert key in message and says in message, message

"""`site.shift`: the shift report's window, written like a schedule's, defaulting to 20:00-24:00."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from config.errors import ConfigError
from config.loader import load_config
from tests.support.factories import camera_config, nightwatch_config


def write(tmp_path: Path, site: dict[str, str]) -> Path:
    camera = camera_config("rtsp://127.0.0.1:8554/cam")
    config = nightwatch_config({"gate": camera}, prefix="site-a", model_path="yolo11n.pt")
    config["site"] = site
    path = tmp_path / "site.yaml"
    path.write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    return path


def test_the_shift_defaults_to_the_evening_patrol(tmp_path: Path) -> None:
    loaded = load_config(write(tmp_path, {"name": "county"}))

    assert loaded.config.site.shift == "20:00-24:00"


def test_a_shift_across_midnight_is_accepted(tmp_path: Path) -> None:
    loaded = load_config(write(tmp_path, {"name": "county", "shift": "22:00-06:00"}))

    assert loaded.config.site.shift == "22:00-06:00"


@pytest.mark.parametrize(
    ("shift", "says"),
    [
        ("8pm-midnight", "must look like 20:00-06:00"),
        ("20:00-25:00", "impossible time"),
        ("20:00-20:00", "starts and ends at the same time"),
    ],
)
def test_a_bad_shift_names_the_line_the_key_and_how_to_write_it(
    tmp_path: Path, shift: str, says: str
) -> None:
    path = write(tmp_path, {"name": "county", "shift": shift})
    line = next(
        number
        for number, text in enumerate(path.read_text().splitlines(), 1)
        if text.strip().startswith("shift:")
    )

    with pytest.raises(ConfigError) as raised:
        load_config(path)

    message = str(raised.value)
    assert f"{path}:{line}: site.shift:" in message
    assert says in message and "20:00-24:00" in message

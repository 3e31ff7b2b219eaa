"""`rig`: a dispatcher on a real store (SQLite and PostgreSQL) and the real broker, with a
clock the test moves."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.alerts.dispatch.support import Rig, make_config, running_rig
from tests.alerts.store.support import BACKENDS


@pytest.fixture(params=BACKENDS)
def rig(request: pytest.FixtureRequest, tmp_path: Path, mqtt_prefix: str) -> Iterator[Rig]:
    with running_rig(make_config(mqtt_prefix), request.param, tmp_path, mqtt_prefix) as running:
        yield running

"""`night`: the scripted night on a real store (SQLite and PostgreSQL)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from alerts.store import Store
from config.schema import NightwatchConfig
from tests.alerts.report.support import Night, script_night, site_config
from tests.alerts.store.support import BACKENDS, FakeClock, open_test_store


@dataclass
class ScriptedStore:
    config: NightwatchConfig
    store: Store
    night: Night


@pytest.fixture(params=BACKENDS)
def scripted(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[ScriptedStore]:
    config = NightwatchConfig.model_validate(site_config())
    clock = FakeClock()
    with open_test_store(request.param, tmp_path, clock) as store:
        yield ScriptedStore(config, store, script_night(config, store, clock))

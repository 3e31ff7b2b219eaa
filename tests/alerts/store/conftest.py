from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from alerts.store import Store
from tests.alerts.store.support import BACKENDS, FakeClock, open_test_store


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture(params=BACKENDS)
def store(request: pytest.FixtureRequest, tmp_path: Path, clock: FakeClock) -> Iterator[Store]:
    with open_test_store(request.param, tmp_path, clock) as opened:
        yield opened

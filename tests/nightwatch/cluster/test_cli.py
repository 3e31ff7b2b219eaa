"""`nightwatch cluster` with a head that is not there: a clear error and exit 2, not a hang."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.process import run_cli

EXAMPLE = Path(__file__).resolve().parents[3] / "config" / "examples" / "quickstart.yaml"


@pytest.mark.parametrize("action", ["start", "status"])
def test_an_unreachable_head_is_named_with_how_to_fix_it(
    action: str, tmp_path: Path, people_mp4: Path
) -> None:
    result = run_cli(
        ["cluster", action, "--config", str(EXAMPLE), "--address", "127.0.0.1:1"],
        cwd=tmp_path,
        env={"NIGHTWATCH_SOURCE": str(people_mp4)},
    )
    assert result.returncode == 2, result.stdout + result.stderr
    assert "cannot reach the Ray cluster at 127.0.0.1:1" in result.stderr
    assert "ray start --head" in result.stderr

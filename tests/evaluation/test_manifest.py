"""The rules as shipped in config/examples/ on the real events of the shared footage: every
entry of tests/evaluation/manifest.yaml must meet its expectation (`nightwatch evaluate`,
real model, real footage). docs/accuracy.md gives the figures and how to reproduce them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from nightwatch.evaluation.entries import resolve_entries
from nightwatch.evaluation.loading import load_manifest
from tests.support.process import run_cli

MANIFEST = Path(__file__).with_name("manifest.yaml")
RUN_LIMIT_S = 1500  # about 5,000 analysed pictures and 50 thermal frames on two busy cores


@pytest.mark.slow
@pytest.mark.timeout(RUN_LIMIT_S + 60)
def test_the_rules_catch_the_real_events_and_nothing_else(
    shared: Path, model_path: Path, tmp_path: Path
) -> None:
    out = tmp_path / "evaluation"
    result = run_cli(
        [
            "evaluate",
            str(MANIFEST),
            "--out",
            str(out),
            "--cache",
            str(tmp_path / "cache"),
            "--no-progress",
        ],
        cwd=tmp_path,
        env={"NIGHTWATCH_MODEL": str(model_path)},
        timeout_s=RUN_LIMIT_S,
    )
    code = result.returncode
    assert code in (0, 1), result.stderr  # 2: the manifest or a file it names is broken
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    clips = [entry for entry in report["entries"] if entry["kind"] == "video"]
    assert all((out / entry["timeline"]).is_file() for entry in clips)
    assert code == 0, f"entries short of their expectation:\n{result.stdout}"


def test_the_manifest_resolves_with_every_file_and_configuration_it_names(shared: Path) -> None:
    manifest = load_manifest(MANIFEST, {"NIGHTWATCH_SHARED": str(shared)})
    names = [entry.name for entry in resolve_entries(manifest)]
    assert names and len(names) == len(set(names))

"""`nightwatch bench-live --config` as an operator runs it: real RTSP cameras (one with a
substream beside its main stream, one single stream), the real model and broker.

Figures depend on the machine, so nothing here asserts a speed; the report must hold every
figure, per camera where it is a camera's, consistent with each other."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from tests.support.factories import camera_config, intrusion_rule, nightwatch_config
from tests.support.process import run_cli
from tests.support.rtsp import RtspServers

pytestmark = pytest.mark.slow

PER_CAMERA = ("analysed_fps", "decode_fps", "source_fps", "skipped_gops")
OVERALL = ("latency_p50_s", "latency_p99_s", "rss_mb_per_minute", "cpu_percent")


def test_bench_live_reports_each_camera_of_a_config(
    rtsp_server: RtspServers,
    substream_mp4: Path,
    model_path: Path,
    mqtt_prefix: str,
    tmp_path: Path,
) -> None:
    server = rtsp_server.start(mounts=("main", "sub"), files={"sub": substream_mp4})
    whole = {"all": [[0.0, 0.0], [1.0, 0.0], [1.0, 1.0], [0.0, 1.0]]}
    rules = [intrusion_rule(zone="all", update_interval_s=0, clear_s=1, cooldown_s=0)]
    cameras = {
        "split": camera_config(
            {"detect": server.url("sub"), "record": server.url("main")}, zones=whole, rules=rules
        ),
        "single": camera_config(server.url("main"), zones=whole, rules=rules),
    }
    config = tmp_path / "cameras.yaml"
    document = nightwatch_config(cameras, prefix=mqtt_prefix, model_path=str(model_path))
    config.write_text(yaml.safe_dump(document), encoding="utf-8")

    result = run_cli(
        ["bench-live", "--config", str(config), "--duration", "20", "--warmup", "15", "--json"],
        cwd=tmp_path,
        timeout_s=300,
    )

    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    for key in PER_CAMERA:
        assert set(report[key]) == {"split", "single"}, key
        assert all(isinstance(value, int | float) for value in report[key].values()), key
    missing = [key for key in OVERALL if key not in report]
    assert not missing, f"report lacks {missing}"
    for camera in ("split", "single"):
        assert 0 < report["analysed_fps"][camera] <= 5.5, (camera, report)  # at detect.fps
        assert 0 < report["decode_fps"][camera] <= report["source_fps"][camera] + 3
        assert report["skipped_gops"][camera] >= 0
    assert set(report["record_source_fps"]) == {"split"}  # only it has a record stream
    assert report["alerts_received"] >= 1 and report["latency_p50_s"] <= report["latency_p99_s"]
    assert report["cpu_percent"] > 0
    assert report["cpu_percent_by_role"]["decode"] > 0
    assert sum(report["cpu_percent_by_role"].values()) <= report["cpu_percent"] * 1.1 + 5


def test_bench_live_names_a_missing_config(tmp_path: Path) -> None:
    result = run_cli(["bench-live", "--config", str(tmp_path / "none.yaml")], cwd=tmp_path)
    assert result.returncode != 0
    assert "none.yaml" in result.stderr

"""`nightwatch audit verify | export | verify-bundle`, end to end on real databases and files."""

from __future__ import annotations

import argparse
import hashlib
import json
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest

from alerts.audit import AuditRecord, recompute_hash
from alerts.store import Store, open_configured_store
from config.storage import StorageConfig
from nightwatch.audit_cli import add_audit_commands
from tests.alerts.store.support import (
    BACKENDS,
    T0,
    add_snapshot,
    open_test_store,
    record_ended_alert,
    tamper,
    write_media,
)


@dataclass
class Site:
    store: Store
    config: Path
    alert_id: str


def nightwatch_audit(*argv: str | Path) -> int:
    parser = argparse.ArgumentParser(prog="nightwatch")
    add_audit_commands(parser.add_subparsers(required=True))
    args = parser.parse_args(["audit", *map(str, argv)])
    code: int = args.handler(args)
    return code


@pytest.fixture(params=BACKENDS)
def site(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Site]:
    """A store with one alert (a clip, two snapshots) and the configuration that points at it."""
    with open_test_store(request.param, tmp_path) as store:
        alert_id = record_ended_alert(store, T0)
        clip = write_media(store, "clips/gate/clip.mp4", b"\x00\x00\x00\x18ftypmp42" * 500)
        store.evidence.add(alert_id, "clip", clip, T0, T0 + timedelta(seconds=30), "h264", 64, 48)
        add_snapshot(store, alert_id, "snap", b"\xff\xd8snapshot", T0)
        add_snapshot(store, alert_id, "snap-annotated", b"\xff\xd8annotated", T0)
        config = tmp_path / "nightwatch.yaml"
        config.write_text(
            "cameras:\n  gate:\n    source: rtsp://127.0.0.1:8554/gate\n"
            f"storage:\n  database_url: {store.database.engine.url.render_as_string(False)}\n"
            f"  media_dir: {store.media_dir}\n",
            encoding="utf-8",
        )
        yield Site(store, config, alert_id)


def test_verify_passes_then_names_the_edited_record(
    site: Site, capsys: pytest.CaptureFixture[str]
) -> None:
    assert nightwatch_audit("verify", "--config", site.config) == 0
    assert "audit log OK: 5 records chain correctly, 3 evidence files match" in (
        capsys.readouterr().out
    )
    tamper(site.store, "UPDATE audit_log SET details = '{}' WHERE id = 3")
    assert nightwatch_audit("verify", "--config", site.config) == 1
    assert "audit record 3: edited" in capsys.readouterr().err


def test_verify_names_a_changed_evidence_file(
    site: Site, capsys: pytest.CaptureFixture[str]
) -> None:
    clip = site.store.media_dir / "clips/gate/clip.mp4"
    clip.write_bytes(clip.read_bytes()[:-1] + b"\x01")
    assert nightwatch_audit("verify", "--config", site.config) == 1
    assert "evidence file clips/gate/clip.mp4" in capsys.readouterr().err


@pytest.mark.parametrize("name", ["bundle", "bundle.zip"])
def test_an_exported_bundle_verifies_and_the_export_is_audited(
    site: Site, tmp_path: Path, name: str, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "exports" / name
    assert nightwatch_audit("export", site.alert_id, "--out", out, "--config", site.config) == 0
    assert f"exported alert {site.alert_id}" in capsys.readouterr().out

    names = _bundle_names(out)
    assert names == {
        "alert.json",
        "audit.json",
        "manifest.json",
        "media/clips/gate/clip.mp4",
        "media/snapshots/gate/snap.jpg",
        "media/snapshots/gate/snap-annotated.jpg",
    }
    exported = site.store.audit.for_target(site.alert_id)[-1]
    assert exported.action == "evidence.export"
    manifest = _read(out, "manifest.json")
    assert exported.evidence_sha256 == hashlib.sha256(manifest).hexdigest()
    assert [r["id"] for r in json.loads(manifest)["audit_records"]] == [1, 2, 3, 4, 5]

    assert nightwatch_audit("verify-bundle", out) == 0
    assert "bundle OK: 5 files match the manifest, 5 audit records" in capsys.readouterr().out
    assert nightwatch_audit("verify", "--config", site.config) == 0  # the export record chains


@pytest.mark.parametrize(
    ("member", "change", "named"),
    [
        ("media/clips/gate/clip.mp4", "flip a byte", "media/clips/gate/clip.mp4: file changed"),
        ("audit.json", "edit a record", "audit.json: file changed"),
        ("extra.txt", "add a file", "extra.txt: inserted"),
    ],
)
def test_a_tampered_bundle_fails_and_names_the_file(
    site: Site,
    tmp_path: Path,
    member: str,
    change: str,
    named: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    out = tmp_path / "bundle"
    assert nightwatch_audit("export", site.alert_id, "--out", out, "--config", site.config) == 0
    target = out / member
    if change == "flip a byte":
        content = bytearray(target.read_bytes())
        content[100] ^= 0xFF
        target.write_bytes(bytes(content))
    elif change == "edit a record":
        records = json.loads(target.read_text())
        records[0]["actor"] = "mallory"
        target.write_text(json.dumps(records))
    else:
        target.write_text("planted")
    capsys.readouterr()
    assert nightwatch_audit("verify-bundle", out) == 1
    assert named in capsys.readouterr().err


def test_a_rewritten_record_in_a_zip_bundle_is_named(
    site: Site, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "bundle.zip"
    assert nightwatch_audit("export", site.alert_id, "--out", out, "--config", site.config) == 0
    forged = tmp_path / "forged.zip"
    with zipfile.ZipFile(out) as original, zipfile.ZipFile(forged, "w") as copy:
        for info in original.infolist():
            data = original.read(info.filename)
            if info.filename == "audit.json":
                records = json.loads(data)
                records[1]["actor"] = "mallory"
                data = json.dumps(records).encode()
            if info.filename == "manifest.json":  # a forger who also fixes the manifest
                manifest = json.loads(data)
                audit = next(f for f in manifest["files"] if f["path"] == "audit.json")
                audit["sha256"] = hashlib.sha256(json.dumps(records).encode()).hexdigest()
                data = json.dumps(manifest).encode()
            copy.writestr(info, data)
    capsys.readouterr()
    assert nightwatch_audit("verify-bundle", forged) == 1
    assert "audit.json record 2: edited" in capsys.readouterr().err


def test_export_refuses_unknown_alerts_used_folders_and_changed_files(
    site: Site, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = ("--config", site.config)
    assert nightwatch_audit("export", "no-such-alert", "--out", tmp_path / "x", *config) == 1
    assert "no alert with id 'no-such-alert'" in capsys.readouterr().err
    used = tmp_path / "used"
    used.mkdir()
    (used / "file").write_text("x")
    assert nightwatch_audit("export", site.alert_id, "--out", used, *config) == 1
    assert "not an empty folder" in capsys.readouterr().err
    (site.store.media_dir / "snapshots/gate/snap.jpg").write_bytes(b"swapped")
    assert nightwatch_audit("export", site.alert_id, "--out", tmp_path / "b.zip", *config) == 1
    assert "no longer matches its recorded SHA-256" in capsys.readouterr().err
    assert not (tmp_path / "b.zip").exists()


def test_verify_bundle_of_nothing_fails(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert nightwatch_audit("verify-bundle", tmp_path / "missing.zip") == 1
    assert "does not exist" in capsys.readouterr().err
    (tmp_path / "junk.zip").write_bytes(b"not a zip")
    assert nightwatch_audit("verify-bundle", tmp_path / "junk.zip") == 1
    assert "unreadable" in capsys.readouterr().err


def test_verify_without_a_configuration_uses_the_data_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    assert nightwatch_audit("verify") == 1  # a wrong folder must not pass as an empty log
    assert "no database at data/nightwatch.db" in capsys.readouterr().err
    assert not (tmp_path / "data").exists()
    open_configured_store(StorageConfig()).close()
    assert nightwatch_audit("verify") == 0
    assert "audit log OK: 0 records" in capsys.readouterr().out


def _bundle_names(out: Path) -> set[str]:
    if out.suffix == ".zip":
        with zipfile.ZipFile(out) as archive:
            return set(archive.namelist())
    return {item.relative_to(out).as_posix() for item in out.rglob("*") if item.is_file()}


def _read(out: Path, name: str) -> bytes:
    if out.suffix == ".zip":
        with zipfile.ZipFile(out) as archive:
            return archive.read(name)
    return (out / name).read_bytes()


def test_a_rehashed_record_in_a_bundle_breaks_its_neighbours_link(
    site: Site, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "bundle"
    assert nightwatch_audit("export", site.alert_id, "--out", out, "--config", site.config) == 0
    records = json.loads((out / "audit.json").read_text())
    forged = AuditRecord.from_json({**records[0], "actor": "mallory"})
    records[0]["actor"], records[0]["hash"] = "mallory", recompute_hash(forged)
    (out / "audit.json").write_text(json.dumps(records))
    manifest = json.loads((out / "manifest.json").read_text())  # the forger fixes it all
    manifest["audit_records"][0]["hash"] = records[0]["hash"]
    entry = next(f for f in manifest["files"] if f["path"] == "audit.json")
    entry["sha256"] = hashlib.sha256((out / "audit.json").read_bytes()).hexdigest()
    (out / "manifest.json").write_text(json.dumps(manifest))
    capsys.readouterr()
    assert nightwatch_audit("verify-bundle", out) == 1
    assert "audit.json record 1: edited" in capsys.readouterr().err

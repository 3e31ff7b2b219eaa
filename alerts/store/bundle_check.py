"""Check an evidence bundle on any machine, without the database (see bundle.py for the layout)."""

from __future__ import annotations

import hashlib
import json
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alerts.audit import (
    AuditRecord,
    Problem,
    VerifyReport,
    canonical_json,
    recompute_hash,
    sha256_text,
)

BUNDLE_SCHEMA = "nightwatch.bundle/1"
MANIFEST = "manifest.json"
_CHUNK_BYTES = 1 << 20


class _Bundle:
    """Read access to a bundle folder or zip: names and SHA-256 of the files in it."""

    def __init__(self, path: Path, archive: zipfile.ZipFile | None) -> None:
        self._path = path
        self._zip = archive

    def names(self) -> set[str]:
        if self._zip is not None:
            return {info.filename for info in self._zip.infolist() if not info.is_dir()}
        return {
            item.relative_to(self._path).as_posix()
            for item in self._path.rglob("*")
            if item.is_file()
        }

    def read(self, name: str) -> bytes:
        if self._zip is not None:
            return self._zip.read(name)
        return (self._path / name).read_bytes()

    def sha256(self, name: str) -> str:
        digest = hashlib.sha256()
        with (
            self._zip.open(name) if self._zip is not None else (self._path / name).open("rb")
        ) as stream:
            while chunk := stream.read(_CHUNK_BYTES):
                digest.update(chunk)
        return digest.hexdigest()


@contextmanager
def _open_bundle(path: Path) -> Iterator[_Bundle]:
    if path.is_dir():
        yield _Bundle(path, None)
        return
    with zipfile.ZipFile(path) as archive:
        yield _Bundle(path, archive)


def verify_bundle(path: Path) -> VerifyReport:
    """Every file matches the manifest; every audit record recomputes to its hash; every
    evidence file is the one its audit record vouched for; every message is the audited one."""
    report = VerifyReport()
    try:
        with _open_bundle(path) as bundle:
            _verify(bundle, report)
    except (OSError, zipfile.BadZipFile, ValueError, KeyError, TypeError) as error:
        report.problems.append(Problem(str(path), "unreadable", f"not a bundle: {error}"))
    return report


def _verify(bundle: _Bundle, report: VerifyReport) -> None:
    names = bundle.names()
    if MANIFEST not in names:
        report.problems.append(Problem(MANIFEST, "missing", "the bundle has no manifest"))
        return
    manifest = json.loads(bundle.read(MANIFEST))
    if manifest.get("schema") != BUNDLE_SCHEMA:
        raise ValueError(f"manifest schema is {manifest.get('schema')!r}, not {BUNDLE_SCHEMA}")
    listed = {str(item["path"]): item for item in manifest["files"]}
    for name in sorted(names - set(listed) - {MANIFEST}):
        report.problems.append(Problem(name, "inserted", "this file is not in the manifest"))
    for name, item in listed.items():
        report.files_checked += 1
        if name not in names:
            report.problems.append(Problem(name, "missing", "listed in the manifest"))
        elif (digest := bundle.sha256(name)) != item["sha256"]:
            report.problems.append(
                Problem(
                    name,
                    "file changed",
                    f"SHA-256 is {digest[:12]}…, the manifest says {item['sha256'][:12]}…",
                )
            )
    if "audit.json" in names and "alert.json" in names:
        records = [AuditRecord.from_json(item) for item in json.loads(bundle.read("audit.json"))]
        _check_records(records, manifest, report)
        _check_media(records, listed, report)
        _check_messages(records, json.loads(bundle.read("alert.json")), report)


def _check_records(
    records: list[AuditRecord], manifest: dict[str, Any], report: VerifyReport
) -> None:
    chain = {int(item["id"]): str(item["hash"]) for item in manifest["audit_records"]}
    for record in records:
        report.records_checked += 1
        where = f"audit.json record {record.id}"
        if recompute_hash(record) != record.hash:
            report.problems.append(Problem(where, "edited", "its fields no longer give its hash"))
        elif chain.get(record.id) != record.hash:
            report.problems.append(
                Problem(where, "edited", "its hash is not the one the manifest lists")
            )
    by_id = {record.id: record for record in records}
    for record in records:  # neighbours in the chain must still link
        before = by_id.get(record.id - 1)
        if before is not None and record.prev_hash != before.hash:
            report.problems.append(
                Problem(
                    f"audit.json record {before.id}",
                    "edited",
                    f"record {record.id} links to a different hash: it was rewritten",
                )
            )
    for missing in sorted(set(chain) - set(by_id)):
        report.problems.append(
            Problem(f"audit.json record {missing}", "deleted", "listed in the manifest")
        )


def _check_media(
    records: list[AuditRecord], listed: dict[str, dict[str, Any]], report: VerifyReport
) -> None:
    audited = {
        f"media/{record.details.get('path')}": record.evidence_sha256
        for record in records
        if record.action == "evidence.add"
    }
    for name in sorted(item for item in listed if item.startswith("media/")):
        if audited.get(name) is None:
            report.problems.append(Problem(name, "inserted", "no audit record added this file"))
        elif listed[name]["sha256"] != audited[name]:
            report.problems.append(
                Problem(name, "file changed", "differs from the hash its audit record holds")
            )


def _check_messages(
    records: list[AuditRecord], document: dict[str, Any], report: VerifyReport
) -> None:
    audited = {record.id: record.details.get("payload_sha256") for record in records}
    for transition in document.get("transitions", []):
        digest = sha256_text(canonical_json(transition["payload"]))
        if audited.get(transition["audit_id"]) != digest:
            report.problems.append(
                Problem(
                    f"alert.json message of audit record {transition['audit_id']}",
                    "edited",
                    "differs from the message its audit record vouched for",
                )
            )

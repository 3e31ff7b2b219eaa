"""Evidence bundles: one alert's files, messages and audit records, checkable anywhere.

Layout (a folder, or the same inside a .zip):
    alert.json      the alert, its messages (transitions) and its evidence rows
    audit.json      every audit record about the alert, with prev_hash and hash
    media/…         the evidence files, under their paths relative to the media folder
    manifest.json   SHA-256 and size of every file above, the included records' chain
                    hashes, and the chain head at export time
`verify_bundle` needs no database. The export is itself audited, with the manifest's SHA-256,
so the origin system can later confirm a bundle is the one it produced.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import zipfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from alerts.audit import AuditEntry, AuditRecord, canonical_json, sha256_file
from alerts.store import Store
from alerts.store.bundle_check import BUNDLE_SCHEMA, MANIFEST
from alerts.store.records import StoreError, UnknownAlertError


@dataclass(frozen=True, slots=True)
class ExportResult:
    path: Path
    files: int
    manifest_sha256: str
    audit_record: AuditRecord


def export_bundle(
    store: Store, alert_id: str, out: Path, actor: str, source: str | None
) -> ExportResult:
    """Write the bundle to `out` (a .zip file, or a new or empty folder) and audit it.

    Refuses when an evidence file no longer matches its recorded hash.
    """
    alert = store.alerts.get(alert_id)
    if alert is None:
        raise UnknownAlertError(alert_id)
    head_id, head_hash = store.audit.head()
    records = store.audit.for_target(alert_id)
    evidence = store.evidence.for_alert(alert_id)
    document = {
        "alert": _plain(alert.model_dump()),
        "transitions": [_plain(item.model_dump()) for item in store.alerts.transitions(alert_id)],
        "evidence": [_plain(item.model_dump()) for item in evidence],
    }
    with _open_writer(out) as writer:
        writer.add_bytes("alert.json", _json_bytes(document))
        writer.add_bytes("audit.json", _json_bytes([record.to_json() for record in records]))
        for item in evidence:
            source_path = store.media_dir / item.path
            if sha256_file(source_path)[0] != item.sha256:
                raise StoreError(
                    f"evidence file {item.path} no longer matches its recorded SHA-256; "
                    "run `nightwatch audit verify`"
                )
            writer.add_file(f"media/{item.path}", source_path, item.sha256)
        manifest = {
            "schema": BUNDLE_SCHEMA,
            "alert_id": alert_id,
            "files": writer.listed,
            "audit_records": [
                {"id": record.id, "prev_hash": record.prev_hash, "hash": record.hash}
                for record in records
            ],
            "chain_head": {"id": head_id, "hash": head_hash},
        }
        manifest_bytes = _json_bytes(manifest)
        writer.add_bytes(MANIFEST, manifest_bytes, listed=False)
    manifest_sha256 = hashlib.sha256(manifest_bytes).hexdigest()
    files = len(writer.listed)
    details = {"bundle": out.name, "files": files, "audit_records": len(records)}
    entry = AuditEntry(actor, "evidence.export", alert_id, details, source, manifest_sha256)
    record = store.audit.append(entry)
    return ExportResult(out, files, manifest_sha256, record)


class _Writer:
    """Adds files to a folder or a zip, listing each one's hash and size for the manifest."""

    def __init__(self, out: Path) -> None:
        self.listed: list[dict[str, Any]] = []
        self._zip = zipfile.ZipFile(out, "x") if out.suffix.lower() == ".zip" else None
        self._root = out

    def add_bytes(self, name: str, data: bytes, listed: bool = True) -> None:
        if self._zip is not None:
            self._zip.writestr(name, data, compress_type=zipfile.ZIP_DEFLATED)
        else:
            self._target(name).write_bytes(data)
        if listed:
            self._list(name, hashlib.sha256(data).hexdigest(), len(data))

    def add_file(self, name: str, source: Path, sha256: str) -> None:
        if self._zip is not None:
            self._zip.write(source, name, compress_type=zipfile.ZIP_STORED)
        else:
            shutil.copyfile(source, self._target(name))
        self._list(name, sha256, source.stat().st_size)

    def close(self) -> None:
        if self._zip is not None:
            self._zip.close()

    def _target(self, name: str) -> Path:
        target = self._root / name
        target.parent.mkdir(parents=True, exist_ok=True)
        return target

    def _list(self, name: str, sha256: str, size: int) -> None:
        self.listed.append({"path": name, "sha256": sha256, "size_bytes": size})


@contextmanager
def _open_writer(out: Path) -> Iterator[_Writer]:
    created = not out.exists()
    if out.suffix.lower() != ".zip":
        if not created and (not out.is_dir() or any(out.iterdir())):
            raise StoreError(f"{out} exists and is not an empty folder")
        out.mkdir(parents=True, exist_ok=True)
    elif not created:
        raise StoreError(f"{out} exists; choose a new file name")
    else:
        out.parent.mkdir(parents=True, exist_ok=True)
    writer = _Writer(out)
    try:
        yield writer
    except BaseException:
        writer.close()
        if created and out.is_dir():
            shutil.rmtree(out)
        elif created:
            out.unlink(missing_ok=True)
        raise
    writer.close()


def _json_bytes(value: object) -> bytes:
    return (json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False) + "\n").encode()


def _plain(document: Mapping[str, Any]) -> dict[str, Any]:
    """A record's fields with datetimes as UTC text, ready for JSON."""
    result: dict[str, Any] = json.loads(canonical_json(dict(document)))
    return result

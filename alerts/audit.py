"""The tamper-evident audit log: records, their hash chain, and checking the chain and files.

Each record's `hash` is the SHA-256 of a canonical JSON (sorted keys, no spaces) of its fields
and the previous record's hash, so editing, deleting, inserting or reordering any record breaks
the chain. The order lives in the links; the sequence number (`id`) only lets a gap be named.
Nothing here touches a database: the store feeds records in, a bundle feeds them from a file.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict

GENESIS_HASH = "0" * 64
CHAIN_SCHEMA = "nightwatch.audit/1"
_CHUNK_BYTES = 1 << 20


def canonical_json(value: object) -> str:
    """The one serialization that is hashed: sorted keys, no whitespace, UTF-8 text."""
    return json.dumps(
        value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=_json_default
    )


def jsonable(details: Mapping[str, Any]) -> dict[str, Any]:
    """`details` as it will read back from JSON storage (datetimes and paths become text)."""
    result: dict[str, Any] = json.loads(canonical_json(dict(details)))
    return result


def format_time(at: datetime) -> str:
    """UTC with microseconds and a Z, the form hashed; naive datetimes are refused."""
    if at.tzinfo is None:
        raise ValueError("audit times must be timezone-aware")
    return at.astimezone(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")


def sha256_text(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def sha256_file(path: Path) -> tuple[str, int]:
    """SHA-256 (hex) and size in bytes of a file, read in 1 MiB chunks."""
    digest = hashlib.sha256()
    size = 0
    with path.open("rb") as stream:
        while chunk := stream.read(_CHUNK_BYTES):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """What a caller asks to append; the chain adds id, time and hashes."""

    actor: str
    action: str
    target: str
    details: Mapping[str, Any] = field(default_factory=dict)
    source: str | None = None
    evidence_sha256: str | None = None


class AuditRecord(BaseModel):
    """One stored record of the chain (read from its row by attribute name)."""

    model_config = ConfigDict(frozen=True, from_attributes=True)

    id: int
    at: datetime
    actor: str
    action: str
    target: str
    details: Mapping[str, Any]
    source: str | None
    evidence_sha256: str | None
    prev_hash: str
    hash: str

    def to_json(self) -> dict[str, Any]:
        """The record as a JSON object (the form written to evidence bundles)."""
        return {
            "id": self.id,
            "at": format_time(self.at),
            "actor": self.actor,
            "action": self.action,
            "target": self.target,
            "details": dict(self.details),
            "source": self.source,
            "evidence_sha256": self.evidence_sha256,
            "prev_hash": self.prev_hash,
            "hash": self.hash,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> AuditRecord:
        at = datetime.fromisoformat(str(data["at"]).replace("Z", "+00:00"))
        return cls(
            id=int(data["id"]),
            at=at,
            actor=str(data["actor"]),
            action=str(data["action"]),
            target=str(data["target"]),
            details=dict(data["details"]),
            source=data["source"],
            evidence_sha256=data["evidence_sha256"],
            prev_hash=str(data["prev_hash"]),
            hash=str(data["hash"]),
        )


def chain_hash(entry: AuditEntry, at: datetime, prev_hash: str) -> str:
    """The hash a record with these fields must carry."""
    document = {
        "chain": CHAIN_SCHEMA,
        "at": format_time(at),
        "actor": entry.actor,
        "action": entry.action,
        "target": entry.target,
        "details": jsonable(entry.details),
        "source": entry.source,
        "evidence_sha256": entry.evidence_sha256,
        "prev_hash": prev_hash,
    }
    return sha256_text(canonical_json(document))


def recompute_hash(record: AuditRecord) -> str:
    entry = AuditEntry(
        record.actor,
        record.action,
        record.target,
        record.details,
        record.source,
        record.evidence_sha256,
    )
    return chain_hash(entry, record.at, record.prev_hash)


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing that does not match: where it is, what kind of change, and the particulars."""

    where: str
    what: str
    detail: str

    def __str__(self) -> str:
        return f"{self.where}: {self.what} — {self.detail}"


@dataclass(frozen=True, slots=True)
class LiveEvidence:
    """An evidence file the chain says exists: added and not deleted since."""

    path: str
    sha256: str
    alert_id: str
    audit_id: int


@dataclass(slots=True)
class VerifyReport:
    records_checked: int = 0
    files_checked: int = 0
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


class ChainVerifier:
    """Walks records in id order and names the first place each break shows.

    `find_by_hash` returns the stored record carrying a hash, if any; it tells a reordered
    record (its predecessor is stored elsewhere) from one whose predecessor is gone.
    """

    def __init__(self, find_by_hash: Callable[[str], AuditRecord | None]) -> None:
        self.report = VerifyReport()
        self.live_evidence: dict[str, LiveEvidence] = {}
        self._find_by_hash = find_by_hash
        self._last_id = 0
        self._last_hash = GENESIS_HASH

    def add(self, record: AuditRecord) -> None:
        self.report.records_checked += 1
        expected_id = self._last_id + 1
        intact = recompute_hash(record) == record.hash
        if record.id != expected_id:
            span = _span(expected_id, record.id - 1)
            self._problem(
                f"audit record {span}",
                "deleted",
                f"the sequence jumps from {self._last_id} to {record.id}; "
                "the missing record(s) were removed from the log",
            )
        if not intact:
            self._problem(
                f"audit record {record.id}",
                "edited",
                f"its fields no longer give its stored hash {record.hash[:12]}…",
            )
        elif record.id == expected_id and record.prev_hash != self._last_hash:
            self._broken_link(record)
        self._track_evidence(record)
        self._last_id, self._last_hash = record.id, record.hash

    def finish(self, head_id: int, head_hash: str) -> VerifyReport:
        """Compare the walk's end with the chain head the store keeps; return the report."""
        if head_id > self._last_id:
            self._problem(
                f"audit record {_span(self._last_id + 1, head_id)}",
                "deleted",
                f"the chain head says {head_id} records were written, the log ends at "
                f"{self._last_id}: the end of the log was removed",
            )
        elif head_id < self._last_id:
            self._problem(
                f"audit record {_span(head_id + 1, self._last_id)}",
                "inserted",
                f"records past the chain head ({head_id}) were written outside the store",
            )
        elif head_hash != self._last_hash:
            self._problem(
                f"audit record {head_id}",
                "edited",
                "its hash differs from the one the chain head recorded when it was written",
            )
        return self.report

    def _broken_link(self, record: AuditRecord) -> None:
        linked = self._find_by_hash(record.prev_hash)
        if linked is not None and linked.id > record.id:
            self._problem(
                f"audit record {record.id}",
                "reordered",
                f"it was written right after the record now stored as {linked.id}",
            )
            return
        if linked is not None and linked.id < record.id - 1:
            self._problem(
                f"audit record {_span(linked.id + 1, record.id - 1)}",
                "inserted",
                f"not part of the chain: record {record.id} links to record {linked.id}",
            )
            return
        self._problem(
            f"audit record {self._last_id}",
            "edited",
            f"record {record.id} links to hash {record.prev_hash[:12]}…, which no record "
            f"carries: record {self._last_id} was rewritten and re-hashed, or records "
            "before it were removed and the rest renumbered",
        )

    def _track_evidence(self, record: AuditRecord) -> None:
        path = record.details.get("path")
        if not isinstance(path, str):
            return
        if record.action == "evidence.add" and record.evidence_sha256:
            self.live_evidence[path] = LiveEvidence(
                path, record.evidence_sha256, record.target, record.id
            )
        elif record.action == "evidence.delete":
            self.live_evidence.pop(path, None)

    def _problem(self, where: str, what: str, detail: str) -> None:
        self.report.problems.append(Problem(where, what, detail))


def _span(first: int, last: int) -> str:
    return str(first) if first == last else f"{first}-{last}"


def _json_default(value: object) -> str:
    if isinstance(value, datetime):
        return format_time(value)
    if isinstance(value, Path):
        return value.as_posix()
    raise TypeError(f"{type(value).__name__} is not JSON serializable in audit details")

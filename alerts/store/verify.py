"""`nightwatch audit verify`: the chain, the stored alert messages and every evidence file."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from alerts.audit import (
    AuditRecord,
    ChainVerifier,
    LiveEvidence,
    Problem,
    VerifyReport,
    canonical_json,
    sha256_file,
    sha256_text,
)
from alerts.store import Store

_PAGE = 1000
_ALERT_ACTIONS = ("alert.new", "alert.update", "alert.end")


def verify_store(store: Store) -> VerifyReport:
    """Walk the whole audit chain and recompute every file and message it vouches for."""
    deleted_alerts = store.audit.targets("alert.delete")
    verifier = ChainVerifier(store.audit.find_by_hash)
    after_id = 0
    while page := store.audit.records(after_id, _PAGE):
        for record in page:
            verifier.add(record)
        verifier.report.problems.extend(_check_transitions(store, page, deleted_alerts))
        after_id = page[-1].id
    report = verifier.finish(*store.audit.head())
    for evidence in verifier.live_evidence.values():
        report.files_checked += 1
        problem = check_evidence_file(evidence, store.media_dir)
        if problem is not None:
            report.problems.append(problem)
    report.problems.extend(_check_evidence_rows(store, verifier))
    return report


def _check_transitions(
    store: Store, page: Sequence[AuditRecord], deleted_alerts: set[str]
) -> list[Problem]:
    """Each alert message the chain vouches for must still hash to what it recorded."""
    expected = {record.id: record for record in page if record.action in _ALERT_ACTIONS}
    stored = store.alerts.transitions_by_audit_id(expected.keys())
    problems = []
    for audit_id, record in expected.items():
        where = f"alert {record.target} message of audit record {audit_id}"
        transition = stored.get(audit_id)
        if transition is None:
            if record.target not in deleted_alerts:
                problems.append(Problem(where, "deleted", "the stored alert message is gone"))
            continue
        digest = sha256_text(canonical_json(dict(transition.payload)))
        if digest != record.details.get("payload_sha256") or transition.alert_id != record.target:
            problems.append(
                Problem(where, "edited", "the stored message differs from the one audited")
            )
    return problems


def _check_evidence_rows(store: Store, verifier: ChainVerifier) -> list[Problem]:
    """Evidence rows must agree with the chain: same hash, and none added behind its back."""
    problems = []
    after_id = 0
    while page := store.evidence.live(after_id, _PAGE):
        for row in page:
            where = f"evidence row {row.id} ({row.path})"
            audited = verifier.live_evidence.get(row.path)
            if audited is None:
                problems.append(Problem(where, "inserted", "no audit record added this file"))
            elif audited.sha256 != row.sha256:
                problems.append(
                    Problem(where, "edited", "its SHA-256 differs from the audited one")
                )
        after_id = page[-1].id
    return problems


def check_evidence_file(evidence: LiveEvidence, media_dir: Path) -> Problem | None:
    """Recompute one evidence file's SHA-256 against the hash the audit log recorded."""
    where = f"evidence file {evidence.path} (alert {evidence.alert_id})"
    try:
        digest, _ = sha256_file(media_dir / evidence.path)
    except FileNotFoundError:
        return Problem(
            where,
            "missing",
            f"added by audit record {evidence.audit_id} and never deleted by retention",
        )
    if digest != evidence.sha256:
        return Problem(
            where,
            "file changed",
            f"SHA-256 is {digest[:12]}…, audit record {evidence.audit_id} recorded "
            f"{evidence.sha256[:12]}…",
        )
    return None

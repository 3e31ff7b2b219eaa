"""The audit chain catches every edit: records edited, deleted, reordered; files changed."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from alerts.audit import (
    GENESIS_HASH,
    AuditEntry,
    AuditRecord,
    ChainVerifier,
    Problem,
    canonical_json,
    chain_hash,
    recompute_hash,
)
from alerts.store import Store
from alerts.store.verify import verify_store
from tests.alerts.store.support import (
    BACKENDS,
    T0,
    add_snapshot,
    make_payload,
    open_test_store,
    record_ended_alert,
    tamper,
)


@pytest.fixture(params=BACKENDS)
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    with open_test_store(request.param, tmp_path) as opened:
        yield opened


def _fill(store: Store) -> str:
    """Eight records: an alert's new and end, two snapshots, and four human actions."""
    alert_id = record_ended_alert(store, T0)
    add_snapshot(store, alert_id, "first", b"\xff\xd8first-jpeg", T0)
    add_snapshot(store, alert_id, "second", b"\xff\xd8second-jpeg", T0 + timedelta(seconds=2))
    for action in ("login", "clip.view", "snapshot.view", "alert.acknowledge"):
        store.audit.append(AuditEntry("alice", action, alert_id, {"note": action}, "10.0.0.7"))
    assert store.audit.head()[0] == 8
    return alert_id


def _only_problem(store: Store) -> Problem:
    report = verify_store(store)
    assert not report.ok
    return report.problems[0]


def test_canonical_json_sorts_keys_and_hashes_are_stable() -> None:
    assert canonical_json({"b": 1, "a": [1, "é"]}) == '{"a":[1,"é"],"b":1}'
    entry = AuditEntry("alice", "clip.view", "alert-1", {"z": 1, "a": 2}, "10.0.0.7")
    at = datetime(2026, 3, 1, tzinfo=UTC)
    assert chain_hash(entry, at, GENESIS_HASH) == chain_hash(
        replace(entry, details={"a": 2, "z": 1}), at, GENESIS_HASH
    )
    assert chain_hash(entry, at, GENESIS_HASH) != chain_hash(entry, at, "1" * 64)


def test_an_untouched_log_and_its_files_verify(store: Store) -> None:
    _fill(store)
    report = verify_store(store)
    assert report.ok, report.problems
    assert (report.records_checked, report.files_checked) == (8, 2)


def test_an_edited_record_is_named(store: Store) -> None:
    _fill(store)
    tamper(store, "UPDATE audit_log SET actor = 'mallory' WHERE id = 6")
    problem = _only_problem(store)
    assert (problem.where, problem.what) == ("audit record 6", "edited")
    assert len(verify_store(store).problems) == 1


def test_an_edited_and_rehashed_record_is_named_by_the_next_link(store: Store) -> None:
    _fill(store)
    original = store.audit.records()[4]
    forged = original.model_copy(update={"details": {"note": "nothing to see"}})
    tamper(
        store,
        "UPDATE audit_log SET details = :details, hash = :hash WHERE id = 5",
        details=canonical_json(forged.details),
        hash=recompute_hash(forged),
    )
    problem = _only_problem(store)
    assert (problem.where, problem.what) == ("audit record 5", "edited")
    assert "rewritten" in problem.detail


@pytest.mark.parametrize("record_id", [1, 4, 7])
def test_a_deleted_record_is_named(store: Store, record_id: int) -> None:
    _fill(store)
    tamper(store, "DELETE FROM audit_log WHERE id = :id", id=record_id)
    problem = _only_problem(store)
    assert (problem.where, problem.what) == (f"audit record {record_id}", "deleted")


def test_deleting_the_last_records_is_caught_by_the_chain_head(store: Store) -> None:
    _fill(store)
    tamper(store, "DELETE FROM audit_log WHERE id >= 7")
    problem = _only_problem(store)
    assert (problem.where, problem.what) == ("audit record 7-8", "deleted")


def test_deleting_a_record_and_renumbering_the_rest_is_caught(store: Store) -> None:
    _fill(store)
    tamper(store, "DELETE FROM audit_log WHERE id = 4")
    for record_id in range(5, 9):
        tamper(
            store,
            "UPDATE audit_log SET id = :new WHERE id = :old",
            new=record_id - 1,
            old=record_id,
        )
    tamper(store, "UPDATE audit_chain_head SET last_id = 7")
    problem = _only_problem(store)
    assert problem.where == "audit record 3"
    assert "removed and the rest renumbered" in problem.detail


def test_reordered_records_are_named(store: Store) -> None:
    _fill(store)
    tamper(store, "UPDATE audit_log SET id = 100 WHERE id = 5")
    tamper(store, "UPDATE audit_log SET id = 5 WHERE id = 6")
    tamper(store, "UPDATE audit_log SET id = 6 WHERE id = 100")
    problem = _only_problem(store)
    assert (problem.where, problem.what) == ("audit record 5", "reordered")


def test_one_changed_byte_of_an_evidence_file_is_named(store: Store) -> None:
    alert_id = _fill(store)
    evidence = store.evidence.for_alert(alert_id)[1]
    path = store.media_dir / evidence.path
    content = bytearray(path.read_bytes())
    content[3] ^= 0x01
    path.write_bytes(bytes(content))
    problem = _only_problem(store)
    assert problem.what == "file changed"
    assert problem.where == f"evidence file {evidence.path} (alert {alert_id})"


def test_a_missing_evidence_file_is_named(store: Store) -> None:
    alert_id = _fill(store)
    evidence = store.evidence.for_alert(alert_id)[0]
    (store.media_dir / evidence.path).unlink()
    problem = _only_problem(store)
    assert (problem.where, problem.what) == (
        f"evidence file {evidence.path} (alert {alert_id})",
        "missing",
    )


def test_an_edited_alert_message_or_evidence_row_is_named(store: Store) -> None:
    alert_id = _fill(store)
    tamper(
        store,
        "UPDATE alert_transitions SET payload = :p WHERE audit_id = 2",
        p=canonical_json({**make_payload(alert_id).model_dump(mode="json"), "zone": "x"}),
    )
    tamper(store, "UPDATE evidence SET sha256 = :s WHERE id = 1", s="0" * 64)
    problems = [(p.where, p.what) for p in verify_store(store).problems]
    assert problems == [
        (f"alert {alert_id} message of audit record 2", "edited"),
        (f"evidence row 1 ({store.evidence.for_alert(alert_id)[0].path})", "edited"),
    ]


def test_the_verifier_tells_an_insertion_from_a_reorder() -> None:
    at = datetime(2026, 3, 1, tzinfo=UTC)
    records: list[AuditRecord] = []
    prev = GENESIS_HASH
    for index in range(1, 5):
        entry = AuditEntry("alice", "login", "console", {"n": index})
        digest = chain_hash(entry, at, prev)
        records.append(
            AuditRecord(
                id=index,
                at=at,
                actor="alice",
                action="login",
                target="console",
                details={"n": index},
                source=None,
                evidence_sha256=None,
                prev_hash=prev,
                hash=digest,
            )
        )
        prev = digest
    forged_prev = records[1].hash  # a forged record 3 that links to 2, and then 4 links to 2 too
    forged = records[3].model_copy(update={"id": 4, "prev_hash": forged_prev})
    forged = forged.model_copy(update={"hash": recompute_hash(forged)})
    by_hash = {record.hash: record for record in records}
    verifier = ChainVerifier(by_hash.get)
    for record in [*records[:3], forged]:
        verifier.add(record)
    problems = verifier.finish(4, forged.hash).problems
    assert [(p.where, p.what) for p in problems] == [("audit record 3", "inserted")]

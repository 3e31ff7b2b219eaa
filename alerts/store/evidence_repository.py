"""Evidence files of alerts: snapshots and clips under the media folder, each hashed and audited."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from alerts.audit import AuditEntry, sha256_file
from alerts.store.database import Database, Write
from alerts.store.models import AlertRow, EvidenceRow
from alerts.store.records import (
    EVIDENCE_KINDS,
    EvidenceRecord,
    LegalHoldError,
    StoreError,
    UnknownAlertError,
)

PIPELINE_SOURCE = "pipeline"


class EvidenceRepository:
    """Get it as `store.evidence`; files live under `media_dir`, rows name them relative to it."""

    def __init__(self, database: Database, media_dir: Path) -> None:
        self._database = database
        self.media_dir = media_dir

    def add(
        self,
        alert_id: str,
        kind: str,
        path: Path,
        started_at: datetime,
        ended_at: datetime,
        codec: str | None,
        width: int | None,
        height: int | None,
    ) -> EvidenceRecord:
        """Register a written file (under media_dir): hash it, store it, audit its hash."""
        if kind not in EVIDENCE_KINDS:
            raise StoreError(f"evidence kind {kind!r} is not one of {', '.join(EVIDENCE_KINDS)}")
        relative = self.relative_path(path)
        digest, size = sha256_file(self.media_dir / relative)  # before locking: clips are big
        with self._database.writing() as (session, chain):
            alert_row(session, alert_id)
            row = EvidenceRow(
                alert_id=alert_id,
                kind=kind,
                path=relative,
                size_bytes=size,
                sha256=digest,
                started_at=started_at,
                ended_at=ended_at,
                codec=codec,
                width=width,
                height=height,
                created_at=self._database.now(),
            )
            session.add(row)
            session.flush()
            details = {"evidence_id": row.id, "kind": kind, "path": relative, "size_bytes": size}
            entry = AuditEntry("system", "evidence.add", alert_id, details, PIPELINE_SOURCE, digest)
            chain.append(entry)
            return EvidenceRecord.model_validate(row)

    def for_alert(self, alert_id: str, include_deleted: bool = False) -> list[EvidenceRecord]:
        """An alert's evidence files, oldest first; deleted ones only when asked."""
        statement = select(EvidenceRow).where(EvidenceRow.alert_id == alert_id)
        if not include_deleted:
            statement = statement.where(EvidenceRow.deleted_at.is_(None))
        with self._database.reading() as session:
            rows = session.scalars(statement.order_by(EvidenceRow.started_at, EvidenceRow.id))
            return [EvidenceRecord.model_validate(row) for row in rows]

    def get(self, evidence_id: int) -> EvidenceRecord | None:
        """The file's record, deleted or not; None when there is none with this id."""
        with self._database.reading() as session:
            row = session.get(EvidenceRow, evidence_id)
            return None if row is None else EvidenceRecord.model_validate(row)

    def live(self, after_id: int = 0, limit: int = 1000) -> list[EvidenceRecord]:
        """Evidence files not deleted, by id, one page at a time (for checks)."""
        statement = (
            select(EvidenceRow)
            .where(EvidenceRow.deleted_at.is_(None), EvidenceRow.id > after_id)
            .order_by(EvidenceRow.id)
            .limit(limit)
        )
        with self._database.reading() as session:
            return [EvidenceRecord.model_validate(row) for row in session.scalars(statement)]

    def oldest(self, limit: int, after: tuple[datetime, int] | None = None) -> list[EvidenceRecord]:
        """Live files, oldest first, of alerts not under legal hold (for the media quota).

        Page with `after` = (started_at, id) of the last file seen.
        """
        statement = (
            select(EvidenceRow)
            .join(AlertRow, AlertRow.id == EvidenceRow.alert_id)
            .where(EvidenceRow.deleted_at.is_(None), AlertRow.legal_hold.is_(False))
        )
        if after is not None:
            started_at, evidence_id = after
            statement = statement.where(
                or_(
                    EvidenceRow.started_at > started_at,
                    and_(EvidenceRow.started_at == started_at, EvidenceRow.id > evidence_id),
                )
            )
        statement = statement.order_by(EvidenceRow.started_at, EvidenceRow.id).limit(limit)
        with self._database.reading() as session:
            return [EvidenceRecord.model_validate(row) for row in session.scalars(statement)]

    def delete(self, evidence_id: int, actor: str, reason: str) -> EvidenceRecord:
        """Delete one evidence file, keep its row marked deleted, and audit it with its hash."""
        with self._database.writing() as write:
            row = write.session.get(EvidenceRow, evidence_id)
            if row is None or row.deleted_at is not None:
                raise StoreError(f"no evidence file {evidence_id} to delete")
            if alert_row(write.session, row.alert_id).legal_hold:
                raise LegalHoldError(row.alert_id)
            return remove_file(write, row, actor, reason, self.media_dir)

    def relative_path(self, path: Path) -> str:
        """`path` relative to media_dir, with forward slashes; refuses a path outside it."""
        absolute = path if path.is_absolute() else Path.cwd() / path
        try:
            return absolute.resolve().relative_to(self.media_dir.resolve()).as_posix()
        except ValueError:
            raise StoreError(f"{path} is not inside the media folder {self.media_dir}") from None


def remove_file(
    write: Write, row: EvidenceRow, actor: str, reason: str, media_dir: Path
) -> EvidenceRecord:
    """Within `write`: mark the file deleted, audit it with its hash, then unlink it."""
    session, chain = write
    details = {
        "evidence_id": row.id,
        "path": row.path,
        "size_bytes": row.size_bytes,
        "reason": reason,
    }
    entry = AuditEntry(actor, "evidence.delete", row.alert_id, details, actor, row.sha256)
    record = chain.append(entry)
    row.deleted_at = record.at
    session.flush()
    # Unlinked inside the transaction: if it fails, nothing is recorded as deleted.
    (media_dir / row.path).unlink(missing_ok=True)
    return EvidenceRecord.model_validate(row)


def alert_row(session: Session, alert_id: str) -> AlertRow:
    """The alert's row; raises UnknownAlertError when there is none."""
    row = session.get(AlertRow, alert_id)
    if row is None:
        raise UnknownAlertError(alert_id)
    return row

"""Evidence files of security records (a finding's photo, a stop-sort hold's X-ray image, a
carrier's rectification report, a signed commitment letter): the bytes once per hash in
``attachment_blobs`` (shared with the cases' evidence), each record's reference to them in
``security_evidence``. Works inside the caller's session and transaction."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from peakguard.store.case_clocks import dialect_insert
from peakguard.store.case_tables import AttachmentBlobRow
from peakguard.store.inspection_tables import SecurityEvidenceRow


@dataclass(frozen=True)
class EvidenceRecord:
    id: int
    subject: str
    subject_id: int
    sha256: str
    file_name: str
    media_type: str
    size: int
    region: str
    carrier: str
    added_by: str
    added_at: datetime


def _record(row: SecurityEvidenceRow) -> EvidenceRecord:
    return EvidenceRecord(
        id=row.id,
        subject=row.subject,
        subject_id=row.subject_id,
        sha256=row.sha256,
        file_name=row.file_name,
        media_type=row.media_type,
        size=row.size,
        region=row.region,
        carrier=row.carrier,
        added_by=row.added_by,
        added_at=row.added_at,
    )


def add_evidence_file(
    session: Session,
    *,
    subject: str,
    subject_id: int,
    file_name: str,
    media_type: str,
    content: bytes,
    region: str,
    carrier: str,
    added_by: str,
    at: datetime,
) -> tuple[EvidenceRecord, bool]:
    """Attach ``content`` to the record: (its reference, True when attached now; False when
    the record already had these bytes). The bytes are kept once per hash."""
    digest = hashlib.sha256(content).hexdigest()
    session.execute(
        dialect_insert(session, AttachmentBlobRow)
        .values(sha256=digest, size=len(content), content=content)
        .on_conflict_do_nothing(index_elements=["sha256"])
    )
    added = session.execute(
        dialect_insert(session, SecurityEvidenceRow)
        .values(
            subject=subject,
            subject_id=subject_id,
            sha256=digest,
            file_name=file_name,
            media_type=media_type,
            size=len(content),
            region=region,
            carrier=carrier,
            added_by=added_by,
            added_at=at,
        )
        .on_conflict_do_nothing(index_elements=["subject", "subject_id", "sha256"])
        .returning(SecurityEvidenceRow.id)
    ).scalar_one_or_none()
    row = session.scalars(
        select(SecurityEvidenceRow).where(
            SecurityEvidenceRow.subject == subject,
            SecurityEvidenceRow.subject_id == subject_id,
            SecurityEvidenceRow.sha256 == digest,
        )
    ).one()
    return _record(row), added is not None


def evidence_files(session: Session, subject: str, subject_id: int) -> list[EvidenceRecord]:
    """The record's evidence files, in the order added."""
    rows = session.scalars(
        select(SecurityEvidenceRow)
        .where(SecurityEvidenceRow.subject == subject, SecurityEvidenceRow.subject_id == subject_id)
        .order_by(SecurityEvidenceRow.id)
    )
    return [_record(row) for row in rows]


def evidence_by_hash(session: Session, sha256: str) -> list[EvidenceRecord]:
    """Every security record's reference to the file ``sha256`` (the caller picks one its
    reader may reach)."""
    rows = session.scalars(
        select(SecurityEvidenceRow)
        .where(SecurityEvidenceRow.sha256 == sha256.lower())
        .order_by(SecurityEvidenceRow.id)
    )
    return [_record(row) for row in rows]


def evidence_content(session: Session, sha256: str) -> bytes | None:
    content = session.scalar(
        select(AttachmentBlobRow.content).where(AttachmentBlobRow.sha256 == sha256.lower())
    )
    return None if content is None else bytes(content)


def drop_evidence_of(session: Session, subject: str, subject_id: int) -> int:
    """Remove the record's references (a finding withdrawn before its inspection closed); the
    bytes stay (other records may hold them)."""
    result = session.execute(
        delete(SecurityEvidenceRow).where(
            SecurityEvidenceRow.subject == subject, SecurityEvidenceRow.subject_id == subject_id
        )
    )
    return int(getattr(result, "rowcount", 0) or 0)

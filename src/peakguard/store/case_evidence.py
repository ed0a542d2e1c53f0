"""Evidence files of cases, kept by content hash: the bytes once per hash in
``attachment_blobs``, each case's reference to them (name, type, who added it, when) in
``case_attachments``. A file is reached through a case it is attached to, never by its hash
alone. Works inside the caller's session and transaction, as :mod:`peakguard.store.cases`.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from peakguard.store.case_clocks import dialect_insert
from peakguard.store.case_tables import AttachmentBlobRow, CaseAttachmentRow


@dataclass(frozen=True)
class AttachmentRecord:
    sha256: str
    file_name: str
    media_type: str
    size: int
    added_by: str
    added_at: datetime


def add_attachment(
    session: Session,
    case_id: int,
    *,
    sha256: str,
    file_name: str,
    media_type: str,
    content: bytes,
    added_by: str,
    at: datetime,
) -> bool:
    """Attach ``content`` to the case as evidence: True when attached now, False when the
    case already had these bytes. The bytes are kept once per hash, whatever the number of
    cases attaching them; ``sha256`` must be their SHA-256 (checked)."""
    if hashlib.sha256(content).hexdigest() != sha256.lower():
        raise ValueError("sha256 is not the hash of the content")
    digest = sha256.lower()
    session.execute(
        dialect_insert(session, AttachmentBlobRow)
        .values(sha256=digest, size=len(content), content=content)
        .on_conflict_do_nothing(index_elements=["sha256"])
    )
    attached = session.execute(
        dialect_insert(session, CaseAttachmentRow)
        .values(
            case_id=case_id,
            sha256=digest,
            file_name=file_name,
            media_type=media_type,
            size=len(content),
            added_by=added_by,
            added_at=at,
        )
        .on_conflict_do_nothing(index_elements=["case_id", "sha256"])
        .returning(CaseAttachmentRow.id)
    ).scalar_one_or_none()
    return attached is not None


def attachment_content(session: Session, case_id: int, sha256: str) -> bytes | None:
    """The bytes of an evidence file of the case (None if the case has none by that hash:
    a hash alone does not reach another case's file)."""
    content = session.scalar(
        select(AttachmentBlobRow.content)
        .join(CaseAttachmentRow, CaseAttachmentRow.sha256 == AttachmentBlobRow.sha256)
        .where(CaseAttachmentRow.case_id == case_id, CaseAttachmentRow.sha256 == sha256.lower())
    )
    return None if content is None else bytes(content)


def case_attachments(session: Session, case_id: int) -> list[AttachmentRecord]:
    """The case's evidence files, in the order added."""
    rows = session.scalars(
        select(CaseAttachmentRow)
        .where(CaseAttachmentRow.case_id == case_id)
        .order_by(CaseAttachmentRow.id)
    )
    return [
        AttachmentRecord(
            sha256=row.sha256,
            file_name=row.file_name,
            media_type=row.media_type,
            size=row.size,
            added_by=row.added_by,
            added_at=row.added_at,
        )
        for row in rows
    ]

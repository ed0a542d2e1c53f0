"""Evidence files of security records — a finding's photo, a stop-sort hold's X-ray image, a
carrier's rectification report, a signed commitment letter (subjects ``finding``, ``hold``,
``order_report``, ``commitment``). Kept once by their content hash, their type judged from their
own bytes (not the name a browser sends), at most 10 MiB, attached and read only inside the
reader's reach (a regulator its territory, a carrier its brand), and every read audited.

The caller of :func:`attach_evidence` checks that the record exists and that the principal may
act on it; this module checks the permission, the reach and the file."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy.orm import Session

from peakguard.app.access import reach, require
from peakguard.app.audit import record_in
from peakguard.app.case_evidence import MAX_EVIDENCE_BYTES, UNSAFE_NAME, evidence_type
from peakguard.app.inspection_access import may_see
from peakguard.errors import ForbiddenError, InvalidInputError, NotFoundError, Problem
from peakguard.i18n import _
from peakguard.identity.model import Permission, Principal
from peakguard.store.database import Store, transaction
from peakguard.store.inspections import finding_by_id, inspection_by_id
from peakguard.store.security_evidence import (
    EvidenceRecord,
    add_evidence_file,
    evidence_by_hash,
    evidence_content,
    evidence_files,
)

SUBJECTS: dict[str, tuple[Permission, ...]] = {
    "finding": (Permission.inspection_conduct,),
    "hold": (Permission.hold_place, Permission.hold_release),
    "order_report": (Permission.order_respond, Permission.order_issue),
    "commitment": (Permission.inspection_conduct, Permission.order_issue),
}
"""Each subject and the permissions (any one) that may attach a file to it."""


@dataclass(frozen=True)
class EvidenceRef:
    subject: str
    subject_id: int
    sha256: str
    file_name: str
    media_type: str
    size: int
    added_by: str
    added_at: datetime
    added: bool = False
    """True when :func:`attach_evidence` attached it now (False: the record had these bytes)."""


def _ref(record: EvidenceRecord, added: bool = False) -> EvidenceRef:
    return EvidenceRef(
        subject=record.subject,
        subject_id=record.subject_id,
        sha256=record.sha256,
        file_name=record.file_name,
        media_type=record.media_type,
        size=record.size,
        added_by=record.added_by,
        added_at=record.added_at,
        added=added,
    )


def _subject_permissions(subject: str) -> tuple[Permission, ...]:
    permissions = SUBJECTS.get(subject)
    if permissions is None:
        raise InvalidInputError(
            _("Evidence cannot be attached to this kind of record."),
            [Problem("subject", _("Give one of: {choices}.", choices=", ".join(SUBJECTS)))],
        )
    return permissions


def checked_file(name: str, content: bytes) -> tuple[str, str]:
    """The file's safe name and media type; refuses an empty, too large or unknown file."""
    safe = UNSAFE_NAME.sub("_", name.rsplit("/", 1)[-1].rsplit("\\", 1)[-1]).strip()[:200]
    if not content:
        problem = Problem("file", _("The file is empty."))
    elif len(content) > MAX_EVIDENCE_BYTES:
        problem = Problem(
            "file",
            _(
                "The file is {size} bytes; evidence may be at most {limit} bytes.",
                size=len(content),
                limit=MAX_EVIDENCE_BYTES,
            ),
        )
    else:
        media_type = evidence_type(content)
        if media_type is not None:
            return safe or "evidence", media_type
        problem = Problem(
            "file",
            _(
                "The file is not a PDF, JPEG, PNG, WebP, MP3 or AMR file (judged by its "
                "content, not its name); save it as one of those."
            ),
        )
    raise InvalidInputError(_("The evidence file cannot be kept."), [problem])


def attach_evidence(
    store: Store,
    principal: Principal,
    *,
    subject: str,
    subject_id: int,
    name: str,
    content: bytes,
    region: str,
    carrier: str,
    now: datetime | None = None,
) -> EvidenceRef:
    """Attach the file ``content`` to record ``subject``/``subject_id`` of ``carrier`` in
    ``region``; audited when attached (a second attach of the same bytes changes nothing)."""
    permissions = _subject_permissions(subject)
    if not any(principal.may(permission) for permission in permissions):
        require(principal, permissions[0])
    if not reach(principal).covers(carrier, region):
        raise ForbiddenError(
            _("{who} may not attach evidence to a record outside its reach.", who=principal.label())
        )
    file_name, media_type = checked_file(name, content)
    moment = now or datetime.now(UTC)
    with transaction(store.sessions) as session:
        record, added = add_evidence_file(
            session,
            subject=subject,
            subject_id=subject_id,
            file_name=file_name,
            media_type=media_type,
            content=content,
            region=region,
            carrier=carrier,
            added_by=principal.label(),
            at=moment,
        )
        if added:
            record_in(
                session,
                store,
                principal,
                "security.evidence_add",
                subject,
                str(subject_id),
                detail={"sha256": record.sha256, "size": record.size, "media_type": media_type},
                at=moment,
            )
    return _ref(record, added)


def _readable(principal: Principal, session: Session, record: EvidenceRecord) -> bool:
    if not reach(principal).covers(record.carrier, record.region):
        return False
    if record.subject != "finding":
        return True
    finding = finding_by_id(session, record.subject_id)
    inspection = None if finding is None else inspection_by_id(session, finding.inspection_id)
    return inspection is not None and may_see(principal, inspection)


def evidence_for(
    store: Store, principal: Principal, *, subject: str, subject_id: int
) -> list[EvidenceRef]:
    """The record's evidence files the principal may reach (names and hashes, not bytes)."""
    require(principal, Permission.security_read)
    _subject_permissions(subject)
    with store.sessions() as session:
        return [
            _ref(record)
            for record in evidence_files(session, subject, subject_id)
            if _readable(principal, session, record)
        ]


def read_evidence(
    store: Store, principal: Principal, sha256: str, *, now: datetime | None = None
) -> tuple[EvidenceRef, bytes]:
    """The file ``sha256`` when it is attached to a record the principal may reach; the read
    is audited (evidence may show a name, a face, an address)."""
    require(principal, Permission.security_read)
    moment = now or datetime.now(UTC)
    digest = sha256.strip().lower()
    with transaction(store.sessions) as session:
        records = [
            record
            for record in evidence_by_hash(session, digest)
            if _readable(principal, session, record)
        ]
        content = evidence_content(session, digest) if records else None
        if not records or content is None:
            raise NotFoundError(_("There is no such evidence file within your reach."))
        record = records[0]
        record_in(
            session,
            store,
            principal,
            "security.evidence_read",
            record.subject,
            str(record.subject_id),
            detail={"sha256": record.sha256},
            at=moment,
        )
    return _ref(record), content

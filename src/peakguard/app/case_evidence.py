"""Evidence files of a case (a photo of the damaged parcel, the carrier's reply letter, a
call recording): kept once by their content hash, their size and type checked from their own
bytes (not from the name a browser sends), added by a side that works the case, read by the
handling roles only — evidence often shows a name, a phone or an address — and every read
audited."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import UTC, datetime

from peakguard.app.access import require
from peakguard.app.audit import record_in
from peakguard.app.case_access import acts_for, may_reveal, visible_case
from peakguard.cases.model import Side
from peakguard.errors import ForbiddenError, InvalidInputError, NotFoundError, Problem
from peakguard.i18n import _
from peakguard.identity.model import Permission, Principal
from peakguard.store.cases import add_attachment, attachment_content, case_attachments, load_case
from peakguard.store.database import Store, transaction

MAX_EVIDENCE_BYTES = 10 * 1024 * 1024
"""The largest evidence file (10 MiB: a phone photo or a scanned letter)."""

SIGNATURES: tuple[tuple[bytes, str, str], ...] = (
    (b"%PDF-", "application/pdf", "PDF"),
    (b"\xff\xd8\xff", "image/jpeg", "JPEG"),
    (b"\x89PNG\r\n\x1a\n", "image/png", "PNG"),
    (b"ID3", "audio/mpeg", "MP3"),
    (b"\xff\xfb", "audio/mpeg", "MP3"),
    (b"#!AMR\n", "audio/amr", "AMR"),
)
"""The kinds of evidence a desk receives, recognised by their first bytes."""

UNSAFE_NAME = re.compile(r"[\x00-\x1f\\/:*?\"<>|]")


@dataclass(frozen=True)
class Evidence:
    sha256: str
    file_name: str
    media_type: str
    size: int
    added: bool
    """False when the case already had these bytes."""


def evidence_type(content: bytes) -> str | None:
    """The media type ``content`` is, by its own first bytes (WebP checked by its RIFF
    header); ``None`` for anything else."""
    for signature, media_type, _name in SIGNATURES:
        if content.startswith(signature):
            return media_type
    if content[:4] == b"RIFF" and content[8:12] == b"WEBP":
        return "image/webp"
    return None


def _checked(file_name: str, content: bytes) -> tuple[str, str]:
    name = UNSAFE_NAME.sub("_", file_name.rsplit("/", 1)[-1].rsplit("\\", 1)[-1]).strip()[:200]
    problems = []
    if not content:
        problems.append(Problem("file", _("The file is empty.")))
    elif len(content) > MAX_EVIDENCE_BYTES:
        problems.append(
            Problem(
                "file",
                _(
                    "The file is {size} bytes; evidence may be at most {limit} bytes.",
                    size=len(content),
                    limit=MAX_EVIDENCE_BYTES,
                ),
            )
        )
    media_type = evidence_type(content) if content else None
    if content and media_type is None:
        problems.append(
            Problem(
                "file",
                _(
                    "The file is not a PDF, JPEG, PNG, WebP, MP3 or AMR file (judged by its "
                    "content, not its name); save it as one of those."
                ),
            )
        )
    if problems:
        raise InvalidInputError(_("The evidence file cannot be kept."), problems)
    assert media_type is not None
    return name or "evidence", media_type


def add_evidence(
    store: Store,
    reference: str,
    file_name: str,
    content: bytes,
    *,
    actor: Principal,
    now: datetime | None = None,
) -> Evidence:
    """Attach ``content`` to case ``reference`` as evidence, if ``actor`` works the case."""
    require(actor, Permission.case_handle)
    name, media_type = _checked(file_name, content)
    digest = hashlib.sha256(content).hexdigest()
    moment = now or datetime.now(UTC)
    with transaction(store.sessions) as session:
        case = visible_case(actor, load_case(session, reference), reference)
        if not (acts_for(actor, Side.regulator, case) or acts_for(actor, Side.carrier, case)):
            raise ForbiddenError(
                _("{who} does not work case {reference}.", who=actor.label(), reference=reference)
            )
        added = add_attachment(
            session,
            case.id,
            sha256=digest,
            file_name=name,
            media_type=media_type,
            content=content,
            added_by=actor.label(),
            at=moment,
        )
        if added:
            record_in(
                session,
                store,
                actor,
                "case.evidence_add",
                "case",
                case.reference,
                detail={"sha256": digest, "size": len(content), "media_type": media_type},
                at=moment,
            )
    return Evidence(digest, name, media_type, len(content), added)


def read_evidence(
    store: Store, reference: str, sha256: str, *, actor: Principal, now: datetime | None = None
) -> tuple[Evidence, bytes]:
    """The evidence file ``sha256`` of case ``reference``, for a handling role of a side that
    works the case (evidence is personal data); audited."""
    moment = now or datetime.now(UTC)
    with transaction(store.sessions) as session:
        case = visible_case(actor, load_case(session, reference), reference)
        if not may_reveal(actor, case):
            raise ForbiddenError(
                _(
                    "{who} may not open evidence files: they may show personal data, which "
                    "needs the permission case.personal_read and a side that works the case.",
                    who=actor.label(),
                )
            )
        known = {item.sha256: item for item in case_attachments(session, case.id)}
        content = attachment_content(session, case.id, sha256)
        item = known.get(sha256.lower())
        if content is None or item is None:
            raise NotFoundError(
                _("Case {reference} has no such evidence file.", reference=reference)
            )
        record_in(
            session,
            store,
            actor,
            "case.evidence_read",
            "case",
            case.reference,
            detail={"sha256": item.sha256},
            at=moment,
        )
    return Evidence(item.sha256, item.file_name, item.media_type, item.size, False), content

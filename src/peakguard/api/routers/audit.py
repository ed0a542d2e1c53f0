"""The audit trail (GET /audit) and its check (GET /audit/verify), as ``peakguard audit``."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel

from peakguard.api.errors import request_language
from peakguard.api.schemas import Page
from peakguard.api.security import requires
from peakguard.app.audit import audit_entries, verify_audit
from peakguard.domain.scans import CHINA_STANDARD_TIME
from peakguard.i18n import render
from peakguard.identity.model import Permission, Principal

router = APIRouter(prefix="/audit", tags=["audit"])


def china_time(moment: datetime | None) -> datetime | None:
    """``moment``, read as China time when it has no zone."""
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=CHINA_STANDARD_TIME)


Auditor = Annotated[Principal, requires(Permission.audit_read)]


class AuditEntryOut(BaseModel):
    sequence: int
    at: datetime
    actor: str
    organisation: str
    action: str
    record_kind: str
    record_id: str
    outcome: str
    address: str | None
    detail: dict[str, Any]


class BreakOut(BaseModel):
    sequence: int
    message: str


class VerificationOut(BaseModel):
    intact: bool
    entries: int
    first: int
    last: int
    breaks: list[BreakOut]


@router.get("", response_model=Page[AuditEntryOut])
def entries(
    request: Request,
    actor: Auditor,
    user: Annotated[str | None, Query(description="a user name, or name@organisation")] = None,
    record: Annotated[str | None, Query(description="a record's identifier")] = None,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: Annotated[int, Query(ge=1, le=5000)] = 500,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> Page[AuditEntryOut]:
    """Entries by a user, about a record, in a period; newest first. A time without its zone
    is China time (as on the command line), whatever the server's own zone."""
    total, found = audit_entries(
        request.app.state.store,
        actor,
        user=user,
        record_id=record,
        since=china_time(since),
        until=china_time(until),
        limit=limit,
        offset=offset,
    )
    return Page[AuditEntryOut](
        total=total,
        offset=offset,
        limit=limit,
        items=[
            AuditEntryOut(
                sequence=e.sequence,
                at=e.at,
                actor=e.actor,
                organisation=e.organisation,
                action=e.action,
                record_kind=e.record_kind,
                record_id=e.record_id,
                outcome=e.outcome,
                address=e.address,
                detail=dict(e.detail),
            )
            for e in found
        ],
    )


@router.get("/verify", response_model=VerificationOut)
def verify(request: Request, actor: Auditor) -> VerificationOut:
    """Walk the hash chain: every altered, removed or reordered entry is a break."""
    language = request_language(request, request.app.state.settings.language)
    found = verify_audit(request.app.state.store)
    return VerificationOut(
        intact=found.intact,
        entries=found.entries,
        first=found.first,
        last=found.last,
        breaks=[
            BreakOut(sequence=b.sequence, message=render(b.message, language)) for b in found.breaks
        ],
    )

"""The audit trail (GET /audit) and its check (GET /audit/verify), as ``peakguard audit``."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request

from peakguard.api.errors import request_language
from peakguard.api.schemas import Page, ResponseModel, StoredMoment
from peakguard.api.security import requires
from peakguard.app.audit import audit_entries, verify_audit
from peakguard.domain.scans import CHINA_STANDARD_TIME
from peakguard.errors import InvalidInputError, Problem
from peakguard.formats.limits import INT64_MAX, InputLimits
from peakguard.i18n import _, render
from peakguard.identity.model import Permission, Principal

router = APIRouter(prefix="/audit", tags=["audit"])


def china_time(moment: datetime | None) -> datetime | None:
    """``moment``, read as China time when it has no zone."""
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=CHINA_STANDARD_TIME)


def _within_window(moments: dict[str, datetime | None], limits: InputLimits) -> None:
    """Refuse, located at its query field, a moment outside the years anything was audited
    (a year-9999 moment with a western offset overflowed the conversion to UTC: a 500)."""
    problems: list[Problem] = []
    for field, moment in moments.items():
        if moment is None:
            continue
        try:
            in_utc: datetime | None = moment.astimezone(UTC)
        except OverflowError:
            in_utc = None
        if in_utc is None or in_utc < limits.earliest_time or in_utc.year > limits.latest_year:
            earliest = limits.earliest_time.date().isoformat()
            problems.append(
                Problem(
                    field,
                    _(
                        "give a time from {earliest} to the year {latest}",
                        earliest=earliest,
                        latest=limits.latest_year,
                    ),
                )
            )
    if problems:
        raise InvalidInputError(_("the request has mistakes"), problems)


Auditor = Annotated[Principal, requires(Permission.audit_read)]


class AuditEntryOut(ResponseModel):
    sequence: int
    at: StoredMoment
    actor: str
    organisation: str
    action: str
    record_kind: str
    record_id: str
    outcome: str
    address: str | None
    detail: dict[str, Any]
    """What the entry recorded besides (it differs by action)."""


class BreakOut(ResponseModel):
    sequence: int
    message: str


class VerificationOut(ResponseModel):
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
    offset: Annotated[int, Query(ge=0, le=INT64_MAX)] = 0,
) -> Page[AuditEntryOut]:
    """Entries by a user, about a record, in a period; newest first. A time without its zone
    is China time (as on the command line), whatever the server's own zone."""
    since, until = china_time(since), china_time(until)
    _within_window({"since": since, "until": until}, request.app.state.settings.input_limits())
    total, found = audit_entries(
        request.app.state.store,
        actor,
        user=user,
        record_id=record,
        since=since,
        until=until,
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

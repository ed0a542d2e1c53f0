"""Passes and white lists (车辆通行证, 人员白名单, 场地作业许可) as ``peakguard supply pass``:
the registers (ending soonest first), recording a pass for one's own brand, revoking it, and
checking what a vehicle, a driver and a site lack on a day. A white list entry takes the
person's ID number and keeps (and shows) it masked only. A pass outside the caller's reach
answers 404, as one that does not exist."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Path, Query, Request, Response
from pydantic import Field

from peakguard.api.errors import request_language
from peakguard.api.schemas import RequestModel, ResponseModel, StoredMoment, documented
from peakguard.api.security import requires
from peakguard.app.passes import (
    PassDraft,
    PassRecord,
    check_passes,
    get_pass,
    list_passes,
    record_pass,
    revoke_pass,
)
from peakguard.formats.limits import INT64_MAX
from peakguard.identity.model import Permission, Principal
from peakguard.store.database import Store
from peakguard.supply.passes import PassKind

router = APIRouter(tags=["supply"])

Reader = Annotated[Principal, requires(Permission.supply_read)]
Operator = Annotated[Principal, requires(Permission.supply_operate)]
PassId = Annotated[int, Path(ge=1, le=INT64_MAX)]
Region = Annotated[str, Field(pattern=r"^[0-9]{6}$")]
Short = Annotated[str, Field(min_length=1, max_length=40)]


class PassIn(RequestModel):
    """A pass of ``carrier`` (your own brand). ``id_number``: persons only, kept masked."""

    carrier: Annotated[str, Field(min_length=1, max_length=64)]
    kind: PassKind
    holder: Short
    region: Region
    valid_from: date
    valid_until: date
    issuer: Annotated[str, Field(min_length=1, max_length=200)]
    id_number: Annotated[str, Field(max_length=24)] = ""


class RevokeIn(RequestModel):
    reason: Annotated[str, Field(min_length=1, max_length=500)]


class PassOut(ResponseModel):
    id: int
    carrier: str
    kind: PassKind
    holder: str
    region: str
    valid_from: date
    valid_until: date
    issuer: str
    masked_id: str
    recorded_by: str
    recorded_at: StoredMoment
    revoked_at: StoredMoment | None
    revoke_reason: str | None


class CheckOut(ResponseModel):
    valid: bool
    missing: list[str]
    """One sentence per lack (in the request's language)."""


def _store(request: Request) -> Store:
    store: Store = request.app.state.store
    return store


def _out(record: PassRecord) -> PassOut:
    entry = record.entry
    return PassOut(
        id=record.id, carrier=record.carrier, kind=entry.kind, holder=entry.holder,
        region=entry.region, valid_from=entry.valid_from, valid_until=entry.valid_until,
        issuer=entry.issuer, masked_id=entry.masked_id, recorded_by=record.recorded_by,
        recorded_at=record.recorded_at, revoked_at=record.revoked_at,
        revoke_reason=record.revoke_reason,
    )  # fmt: skip


@router.get("/supply/passes", response_model=list[PassOut])
def list_registers(
    request: Request,
    actor: Reader,
    kind: PassKind | None = None,
    on: date | None = None,
    revoked: bool = False,
) -> list[PassOut]:
    """The registers within the caller's reach: passes ending soonest first, then the expired
    (``on``: only those valid that day; ``revoked``: include revoked ones)."""
    found = list_passes(_store(request), actor, kind=kind, on=on, include_revoked=revoked)
    return [_out(record) for record in found]


@router.post(
    "/supply/passes", response_model=PassOut, status_code=201, responses=documented(403, 422)
)
def record(request: Request, response: Response, body: PassIn, actor: Operator) -> PassOut:
    """Record a vehicle pass, a white list entry or a site permit of your own brand."""
    draft = PassDraft(
        body.kind, body.holder, body.region, body.valid_from, body.valid_until, body.issuer,
        body.id_number,
    )  # fmt: skip
    saved = record_pass(_store(request), actor, carrier=body.carrier, draft=draft)
    response.headers["Location"] = f"/supply/passes/{saved.id}"
    return _out(saved)


@router.get("/supply/passes/check", response_model=CheckOut, responses=documented(404, 422))
def check(
    request: Request,
    actor: Reader,
    carrier: Annotated[str, Query(min_length=1, max_length=64)],
    region: Annotated[str, Query(pattern=r"^[0-9]{6}$")],
    day: date,
    vehicle: Annotated[str | None, Query(max_length=40)] = None,
    driver: Annotated[str | None, Query(max_length=40)] = None,
    site: Annotated[str | None, Query(max_length=40)] = None,
) -> CheckOut:
    """What the vehicle (plate), driver (staff reference) and site lack on ``day`` in
    ``region``, one sentence each; ``valid`` when nothing is missing."""
    lacks = check_passes(
        _store(request), actor, carrier=carrier, region=region, day=day, vehicle=vehicle,
        driver=driver, site=site,
    )  # fmt: skip
    language = request_language(request, request.app.state.settings.language)
    return CheckOut(valid=not lacks, missing=[m.render(language) for m in lacks])


@router.get("/supply/passes/{pass_id}", response_model=PassOut, responses=documented(404))
def one(request: Request, pass_id: PassId, actor: Reader) -> PassOut:
    """One pass."""
    return _out(get_pass(_store(request), actor, pass_id))


@router.post(
    "/supply/passes/{pass_id}/revoke", response_model=PassOut, responses=documented(403, 404, 422)
)
def revoke(request: Request, pass_id: PassId, body: RevokeIn, actor: Operator) -> PassOut:
    """Revoke a pass: it stays in the register, marked, with who and why."""
    return _out(revoke_pass(_store(request), actor, pass_id, reason=body.reason))

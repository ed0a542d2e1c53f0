"""Stop-sort holds (停止分拣、运输、投递; docs/reference/stop-sort-holds.md), as ``peakguard hold``:
placed on a waybill, a bag or a batch, reported upward, their violations (movement scans after
the hold) and their release.

A hold outside the caller's reach answers 404, as one that does not exist. A release names the
version it was decided on (``expected_version``): when someone changed the hold since, it is
refused with 409 and nothing of it is written. Only a regulator releases (``hold.release``): a
carrier's security officer gets 403.
"""

from __future__ import annotations

from datetime import datetime
from functools import partial
from typing import Annotated

from fastapi import APIRouter, Path, Query, Request, Response
from pydantic import AwareDatetime, Field
from starlette.concurrency import run_in_threadpool

from peakguard.api.errors import request_language
from peakguard.api.routers.case_files import UPLOAD_BODY, FileName, uploaded
from peakguard.api.schemas import RequestModel, ResponseModel, documented
from peakguard.api.security import requires
from peakguard.app.context import event_lake
from peakguard.app.holds import (
    HoldDraft,
    HoldLine,
    HoldView,
    add_hold_evidence,
    get_hold,
    list_holds,
    list_violations,
    place_hold,
    read_hold_evidence,
    release_hold,
    sweep_holds,
)
from peakguard.cases.holds import (
    HoldScope,
    HoldState,
    hold_rules,
    scan_label,
    scope_label,
    state_label,
)
from peakguard.i18n import render
from peakguard.identity.model import Permission, Principal
from peakguard.store.database import Store
from peakguard.store.holds import HoldRecord, ViolationRecord

router = APIRouter(tags=["holds"])

Reader = Annotated[Principal, requires(Permission.security_read)]
Placer = Annotated[Principal, requires(Permission.hold_place)]
Releaser = Annotated[Principal, requires(Permission.hold_release)]
HoldId = Annotated[int, Path(ge=1, le=2**31 - 1)]
Code = Annotated[str, Field(min_length=1, max_length=64)]


class HoldIn(RequestModel):
    """A hold: what it covers, where and when the item was found, and what was seen."""

    scope: HoldScope
    carrier: Code
    region: Annotated[str, Field(pattern=r"^[1-8][0-9]{5}$")]
    node_id: Code
    """Where the item was found."""
    category: Annotated[str, Field(min_length=1, max_length=48)]
    """The suspected item's category (``GET /holds/rules`` lists them)."""
    held_from: AwareDatetime
    """When it was found: movement scans after this moment are violations."""
    evidence: Annotated[str, Field(min_length=1, max_length=8000)]
    waybills: Annotated[list[Code], Field(max_length=5000)] = Field(default_factory=list)
    bag_code: Code | None = None
    outlet: Code | None = None
    window_start: AwareDatetime | None = None
    window_end: AwareDatetime | None = None


class ReleaseIn(RequestModel):
    expected_version: Annotated[int, Field(ge=1)]
    outcome: Annotated[str, Field(min_length=1, max_length=48)]
    reason: Annotated[str, Field(min_length=1, max_length=4000)]


class ReportOut(ResponseModel):
    organisation: str
    reason: str
    """territory (the office of the place) or serious (the province, for a serious item)."""
    alert_id: int | None
    reported_at: datetime


class ViolationOut(ResponseModel):
    hold: int
    carrier: str
    waybill: str
    event: str
    event_label: str
    node_id: str
    scanned_at: datetime
    detected_at: datetime
    detected_by: str


class EvidenceOut(ResponseModel):
    sha256: str
    file_name: str
    media_type: str
    size: int
    added_by: str
    added_at: datetime


class HoldLineOut(ResponseModel):
    id: int
    reference: str
    scope: str
    scope_label: str
    state: str
    state_label: str
    carrier: str
    region: str
    node_id: str
    category: str
    category_label: str
    held_from: datetime
    waybills: int
    violations: int
    version: int


class HoldOut(HoldLineOut):
    bag_code: str | None
    outlet: str | None
    window_start: datetime | None
    window_end: datetime | None
    evidence: str
    placed_by: str
    placing_organisation: str
    released_at: datetime | None
    released_by: str | None
    release_outcome: str | None
    release_outcome_label: str | None
    release_reason: str | None
    waybill_list: list[str]
    reports: list[ReportOut]
    violation_list: list[ViolationOut]
    evidence_files: list[EvidenceOut]


class LabelOut(ResponseModel):
    key: str
    label: str
    serious: bool = False


class RulesOut(ResponseModel):
    categories: list[LabelOut]
    outcomes: list[LabelOut]
    movement: list[str]
    allowed: list[str]
    local_policy: str


class EvidenceAddedOut(EvidenceOut):
    added: bool


class SweepOut(ResponseModel):
    violations: int


def _store(request: Request) -> Store:
    store: Store = request.app.state.store
    return store


def _language(request: Request) -> str:
    return request_language(request, request.app.state.settings.language)


def _line(hold: HoldRecord, waybills: int, violations: int, language: str) -> HoldLineOut:
    category = hold_rules().categories.get(hold.category)
    return HoldLineOut(
        id=hold.id,
        reference=hold.reference,
        scope=hold.scope,
        scope_label=render(scope_label(hold.scope), language),
        state=hold.state,
        state_label=render(state_label(hold.state), language),
        carrier=hold.carrier,
        region=hold.region,
        node_id=hold.node_id,
        category=hold.category,
        category_label=category.label(language) if category else hold.category,
        held_from=hold.held_from,
        waybills=waybills,
        violations=violations,
        version=hold.version,
    )


def violation_out(item: ViolationRecord, language: str) -> ViolationOut:
    return ViolationOut(
        hold=item.hold_id,
        carrier=item.carrier,
        waybill=item.waybill,
        event=item.event,
        event_label=render(scan_label(item.event), language),
        node_id=item.node_id,
        scanned_at=item.scanned_at,
        detected_at=item.detected_at,
        detected_by=item.detected_by,
    )


def hold_out(view: HoldView, language: str) -> HoldOut:
    hold = view.hold
    line = _line(hold, len(view.waybills), len(view.violations), language)
    outcome = hold_rules().outcomes.get(hold.release_outcome or "")
    return HoldOut(
        **line.model_dump(),
        bag_code=hold.bag_code,
        outlet=hold.outlet,
        window_start=hold.window_start,
        window_end=hold.window_end,
        evidence=hold.evidence,
        placed_by=hold.placed_by,
        placing_organisation=hold.placing_organisation,
        released_at=hold.released_at,
        released_by=hold.released_by,
        release_outcome=hold.release_outcome,
        release_outcome_label=outcome.label(language) if outcome else None,
        release_reason=hold.release_reason,
        waybill_list=view.waybills,
        reports=[
            ReportOut(
                organisation=item.organisation,
                reason=item.reason,
                alert_id=item.alert_id,
                reported_at=item.reported_at,
            )
            for item in view.reports
        ],
        violation_list=[violation_out(item, language) for item in view.violations],
        evidence_files=[
            EvidenceOut(
                sha256=item.sha256,
                file_name=item.file_name,
                media_type=item.media_type,
                size=item.size,
                added_by=item.added_by,
                added_at=item.added_at,
            )
            for item in view.evidence
        ],
    )


def line_out(line: HoldLine, language: str) -> HoldLineOut:
    return _line(line.hold, line.waybills, line.violations, language)


def _tagged(response: Response, view: HoldView) -> None:
    response.headers["ETag"] = f'"{view.version}"'


@router.get("/holds", response_model=list[HoldLineOut], responses=documented(422))
def list_hold_lines(
    request: Request,
    actor: Reader,
    state: HoldState | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 200,
) -> list[HoldLineOut]:
    """The holds within the caller's reach, those in force first, newest first."""
    found = list_holds(
        _store(request), actor, state=None if state is None else state.value, limit=limit
    )
    return [line_out(line, _language(request)) for line in found]


@router.post("/holds", response_model=HoldOut, status_code=201, responses=documented(403, 422))
def place(request: Request, response: Response, body: HoldIn, actor: Placer) -> HoldOut:
    """Place a hold: its waybills stop at once, the hold is reported to the regulator office
    of the place (and the province's for a serious category), and scans already in the lake
    after ``held_from`` are recorded as violations. A batch gives ``outlet`` and the window
    (its waybills come from the lake's accept events) or lists ``waybills``."""
    draft = HoldDraft(
        scope=body.scope.value,
        carrier=body.carrier,
        region=body.region,
        node_id=body.node_id,
        category=body.category,
        held_from=body.held_from,
        evidence=body.evidence,
        waybills=tuple(body.waybills),
        bag_code=body.bag_code,
        outlet=body.outlet,
        window_start=body.window_start,
        window_end=body.window_end,
    )
    lake = event_lake(request.app.state.settings)
    view = place_hold(_store(request), actor, draft, lake=lake)
    response.headers["Location"] = f"/holds/{view.hold.id}"
    _tagged(response, view)
    return hold_out(view, _language(request))


@router.get("/holds/rules", response_model=RulesOut)
def rules(request: Request, actor: Reader) -> RulesOut:
    """The item categories (serious ones reported to the province too), the release
    outcomes, and which scans are violations after a hold."""
    language = _language(request)
    found = hold_rules()
    return RulesOut(
        categories=[
            LabelOut(key=key, label=item.label(language), serious=item.serious)
            for key, item in found.categories.items()
        ],
        outcomes=[
            LabelOut(key=key, label=item.label(language)) for key, item in found.outcomes.items()
        ],
        movement=sorted(found.movement),
        allowed=sorted(found.allowed),
        local_policy=found.local_policy,
    )


@router.get("/holds/violations", response_model=list[ViolationOut], responses=documented(404))
def violations(
    request: Request,
    actor: Reader,
    hold: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
    limit: Annotated[int, Query(ge=1, le=5000)] = 1000,
) -> list[ViolationOut]:
    """The violations of one hold, or of every hold within the caller's reach."""
    found = list_violations(_store(request), actor, hold_id=hold, limit=limit)
    return [violation_out(item, _language(request)) for item in found]


@router.post("/holds/sweep", response_model=SweepOut)
def sweep(
    request: Request, actor: Annotated[Principal, requires(Permission.admin_manage)]
) -> SweepOut:
    """Look for violations in the lake's batches not examined yet (the server's sweeps do
    the same); each is recorded once."""
    count = sweep_holds(_store(request), request.app.state.settings)
    return SweepOut(violations=count)


@router.get("/holds/{hold_id}", response_model=HoldOut, responses=documented(404))
def read_hold(request: Request, response: Response, hold_id: HoldId, actor: Reader) -> HoldOut:
    """The hold with its waybills, the reports upward, its violations and evidence files."""
    view = get_hold(_store(request), actor, hold_id)
    _tagged(response, view)
    return hold_out(view, _language(request))


@router.post(
    "/holds/{hold_id}/release", response_model=HoldOut, responses=documented(403, 404, 409, 422)
)
def release(
    request: Request, response: Response, hold_id: HoldId, body: ReleaseIn, actor: Releaser
) -> HoldOut:
    """Release the hold with its outcome (``GET /holds/rules``) and reason: a regulator of
    the territory only. 409 when the hold changed since ``expected_version``."""
    view = release_hold(
        _store(request),
        actor,
        hold_id,
        expected_version=body.expected_version,
        outcome=body.outcome,
        reason=body.reason,
    )
    _tagged(response, view)
    return hold_out(view, _language(request))


@router.post(
    "/holds/{hold_id}/evidence",
    response_model=EvidenceAddedOut,
    status_code=201,
    responses=documented(403, 404, 422),
    openapi_extra=UPLOAD_BODY,
)
async def add_evidence(
    request: Request, hold_id: HoldId, actor: Placer, file_name: FileName = None
) -> EvidenceAddedOut:
    """Keep an evidence file with the hold (PDF, JPEG, PNG, WebP, MP3 or AMR, judged by its
    bytes; 10 MiB at most). The same bytes twice are kept once (``added`` false)."""
    name, content = await uploaded(request, file_name, "evidence")
    kept = await run_in_threadpool(
        partial(add_hold_evidence, _store(request), actor, hold_id, name, content)
    )
    return EvidenceAddedOut(
        sha256=kept.sha256, file_name=kept.file_name, media_type=kept.media_type,
        size=kept.size, added_by=kept.added_by, added_at=kept.added_at, added=kept.added,
    )  # fmt: skip


@router.get(
    "/holds/{hold_id}/evidence/{sha256}",
    response_class=Response,
    responses={**documented(404), 200: {"content": {"application/octet-stream": {}}}},
)
def read_evidence_file(
    request: Request,
    hold_id: HoldId,
    sha256: Annotated[str, Path(pattern=r"^[0-9a-fA-F]{64}$")],
    actor: Reader,
) -> Response:
    """The evidence file's bytes as an attachment; every read is audited."""
    kept, content = read_hold_evidence(_store(request), actor, hold_id, sha256)
    safe = kept.file_name.encode("ascii", "replace").decode("ascii").replace('"', "_")
    return Response(
        content,
        media_type=kept.media_type,
        headers={
            "Content-Disposition": f'attachment; filename="{safe}"',
            "X-Content-Type-Options": "nosniff",
        },
    )

"""The real-name register (实名收寄) over the API, as ``peakguard realname``.

Every entry and flag is answered masked (``**************002X``, ``张**``). A search by ID is a
``POST`` with the ID in its body, so it never stands in a URL or an access log; it matches by
the ID's keyed hash. The sender in clear is ``POST /realname/entries/{id}/reveal`` with a
reason: ``realname.reveal`` only, audited. An entry or flag outside the caller's reach answers
404 as one that does not exist; a review names the version it was decided on (409 when someone
reviewed the flag since). No error repeats an ID: a mistake about one names where it is and
shows it masked.
"""

from __future__ import annotations

from datetime import date
from functools import partial
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request
from pydantic import AwareDatetime, Field
from starlette.concurrency import run_in_threadpool

from peakguard.api.errors import request_language
from peakguard.api.routers.case_files import UPLOAD_BODY, FileName, uploaded
from peakguard.api.schemas import RequestModel, ResponseModel, StoredMoment, documented
from peakguard.api.security import requires
from peakguard.app.real_name import (
    EntryView,
    FlagView,
    get_entry,
    get_flag,
    list_flags,
    reveal_entry,
    review_flag,
    search_register,
)
from peakguard.app.real_name_admin import (
    EmployeeDraft,
    WaybillReport,
    check_waybill_file,
    check_waybill_records,
    list_employees,
    register_employees,
)
from peakguard.app.real_name_intake import (
    EntryDraft,
    IntakeReport,
    import_register_file,
    record_entries,
)
from peakguard.cases.real_name_flags import FlagKind, FlagState, ReviewDecision, kind_label
from peakguard.cases.waybill_check import finding_label
from peakguard.errors import InvalidInputError, Problem
from peakguard.formats.case_cells import RefusedCellError
from peakguard.formats.real_name_file import code_text, id_type_cell, region_code
from peakguard.i18n import _, render
from peakguard.identity.model import Permission, Principal
from peakguard.store.database import Store

router = APIRouter(tags=["real-name register"])

Reader = Annotated[Principal, requires(Permission.realname_read)]
Writer = Annotated[Principal, requires(Permission.realname_write)]
Revealer = Annotated[Principal, requires(Permission.realname_reveal)]
EntryId = Annotated[int, Path(ge=1, le=2**62)]
FlagId = Annotated[int, Path(ge=1, le=2**62)]
Code = Annotated[str, Field(min_length=1, max_length=64)]
"""A waybill, outlet or employee number. Checked by the operation: a refusal of the body
quotes a value that breaks a pattern, and an ID typed into the wrong field must not be."""
IdText = Annotated[str, Field(min_length=1, max_length=64)]
"""An ID number: plain text with a length only, so a refusal never quotes it."""
TypeText = Annotated[str, Field(min_length=1, max_length=40)]
"""An ID type: its code (``resident_id``) or Chinese name (居民身份证)."""
Reason = Annotated[str, Field(min_length=1, max_length=1000)]


class EntryIn(RequestModel):
    waybill: Code
    carrier: Annotated[str, Field(min_length=1, max_length=64)]
    sender_name: Annotated[str, Field(min_length=1, max_length=200)]
    id_type: TypeText
    id_number: IdText
    outlet: Code
    region: Annotated[str, Field(min_length=6, max_length=6)]
    """The accepting outlet's region code."""
    accepted_at: AwareDatetime
    accepted_by: Code
    """The accepting employee's number (工号)."""


class EntriesIn(RequestModel):
    entries: Annotated[list[EntryIn], Field(min_length=1, max_length=5000)]
    refuse_invalid: bool = False
    """The counter's rule (拒绝收寄): an ID failing its check refuses the batch, instead of
    being kept and flagged as a record of a lapse."""


class IntakeOut(ResponseModel):
    created: int
    skipped_existing: int
    invalid_ids: int
    flags_raised: int


class SearchIn(RequestModel):
    id_number: IdText | None = None
    """A full ID: matched by its keyed hash, never shown back."""
    waybill: Code | None = None
    carrier: Annotated[str, Field(max_length=64)] | None = None
    outlet: Code | None = None
    day_from: date | None = None
    day_to: date | None = None
    offset: Annotated[int, Field(ge=0, le=10**7)] = 0
    limit: Annotated[int, Field(ge=1, le=500)] = 100


class EntryOut(ResponseModel):
    id: int
    carrier: str
    waybill: str
    sender_kind: str
    id_type: str
    sender_name: str
    """Masked: ``张**``."""
    id_number: str
    """Masked: ``**************002X``."""
    id_valid: bool
    id_problem: str | None
    outlet: str
    region: str
    accepted_at: StoredMoment
    accepted_by: str
    source: str
    batch: str | None
    recorded_by: str
    recorded_at: StoredMoment


class EntryPageOut(ResponseModel):
    total: int
    offset: int
    limit: int
    entries: list[EntryOut]


class RevealIn(RequestModel):
    reason: Reason
    """Why the sender must be read in clear (kept in the audit trail)."""


class RevealOut(ResponseModel):
    entry_id: int
    waybill: str
    id_type: str
    sender_name: str
    id_number: str


class FlagOut(ResponseModel):
    id: int
    kind: str
    kind_label: str
    carrier: str
    region: str
    id_number: str
    """Masked, from the flag's first entry (``—`` once past retention)."""
    entry_id: int | None
    waybill: str | None
    day: date | None
    employee_code: str | None
    figures: dict[str, int]
    reason: str
    state: str
    version: int
    raised_at: StoredMoment
    decided_by: str | None
    decided_at: StoredMoment | None
    decision_reason: str | None


class FlagPageOut(ResponseModel):
    total: int
    flags: list[FlagOut]


class ReviewIn(RequestModel):
    decision: ReviewDecision
    expected_version: Annotated[int, Field(ge=1)]
    reason: Reason


class EmployeeIn(RequestModel):
    employee_code: Code
    id_type: TypeText
    id_number: IdText


class EmployeesIn(RequestModel):
    carrier: Annotated[str, Field(max_length=64)] | None = None
    """The system's administrator names the carrier; a carrier registers its own."""
    employees: Annotated[list[EmployeeIn], Field(min_length=1, max_length=5000)]


class EmployeesOut(ResponseModel):
    added: int
    replaced: int
    flags_raised: int


class EmployeeOut(ResponseModel):
    carrier: str
    organisation: str
    employee_code: str
    registered_by: str
    registered_at: StoredMoment


class WaybillsIn(RequestModel):
    waybills: Annotated[
        list[dict[Annotated[str, Field(max_length=100)], Any]],
        Field(min_length=1, max_length=10_000),
    ]
    """Waybill records as the carrier keeps them: each a mapping of its fields."""


class FindingOut(ResponseModel):
    row: int
    field: str
    kind: str
    message: str


class WaybillCheckOut(ResponseModel):
    source: str
    rows: int
    findings: list[FindingOut]


def _store(request: Request) -> Store:
    store: Store = request.app.state.store
    return store


def _language(request: Request) -> str:
    return request_language(request, request.app.state.settings.language)


def _intake_out(report: IntakeReport) -> IntakeOut:
    return IntakeOut(
        created=report.created,
        skipped_existing=report.skipped_existing,
        invalid_ids=report.invalid_ids,
        flags_raised=report.flags_raised,
    )


def entry_out(view: EntryView) -> EntryOut:
    return EntryOut(**{name: getattr(view, name) for name in EntryOut.model_fields})


def flag_out(view: FlagView, language: str) -> FlagOut:
    fields: dict[str, Any] = {
        name: getattr(view, name)
        for name in FlagOut.model_fields
        if name not in ("kind_label", "reason")
    }
    return FlagOut(
        **fields,
        kind_label=render(kind_label(view.kind), language),
        reason=render(view.reason, language),
    )


def _checked_out(report: WaybillReport, language: str) -> WaybillCheckOut:
    return WaybillCheckOut(
        source=report.source,
        rows=report.rows,
        findings=[
            FindingOut(
                row=finding.row,
                field=finding.field,
                kind=finding.kind.value,
                message=render(finding_label(finding.kind), language),
            )
            for finding in report.findings
        ],
    )


@router.post(
    "/realname/entries", response_model=IntakeOut, status_code=201, responses=documented(422)
)
def record_batch(request: Request, body: EntriesIn, actor: Writer) -> IntakeOut:
    """Record a batch of acceptances (all or, at one mistake, none; 422 locates each at
    ``entries[3].id_number``). A waybill already registered is skipped."""
    drafts = entry_drafts(body.entries)
    report = record_entries(_store(request), actor, drafts, refuse_invalid=body.refuse_invalid)
    return _intake_out(report)


@router.post(
    "/realname/imports",
    response_model=IntakeOut,
    status_code=201,
    responses=documented(422),
    openapi_extra=UPLOAD_BODY,
)
async def import_file(request: Request, actor: Writer, file_name: FileName = None) -> IntakeOut:
    """Record a carrier's register file (CSV or Excel), as ``peakguard realname import``: the
    whole file or none of it (422 at each bad cell's row and column)."""
    name, content = await uploaded(request, file_name, "register.csv")
    report = await run_in_threadpool(
        partial(
            import_register_file,
            _store(request),
            actor,
            content,
            name,
            limits=request.app.state.settings.input_limits(),
        )
    )
    return _intake_out(report)


@router.post("/realname/search", response_model=EntryPageOut, responses=documented(422))
def search(request: Request, body: SearchIn, actor: Reader) -> EntryPageOut:
    """The entries within the caller's reach matching the filters, masked, newest first."""
    page = search_register(
        _store(request),
        actor,
        id_number=body.id_number,
        waybill=body.waybill,
        carrier=body.carrier,
        outlet=body.outlet,
        day_from=body.day_from,
        day_to=body.day_to,
        offset=body.offset,
        limit=body.limit,
    )
    return EntryPageOut(
        total=page.total,
        offset=page.offset,
        limit=page.limit,
        entries=[entry_out(view) for view in page.entries],
    )


@router.get("/realname/entries/{entry_id}", response_model=EntryOut, responses=documented(404))
def read_entry(request: Request, entry_id: EntryId, actor: Reader) -> EntryOut:
    """One entry, masked."""
    return entry_out(get_entry(_store(request), actor, entry_id))


@router.post(
    "/realname/entries/{entry_id}/reveal",
    response_model=RevealOut,
    responses=documented(404, 422),
)
def reveal(request: Request, entry_id: EntryId, body: RevealIn, actor: Revealer) -> RevealOut:
    """The sender's name and ID in clear, for a stated reason (an audit entry)."""
    shown = reveal_entry(_store(request), actor, entry_id, reason=body.reason)
    return RevealOut(
        entry_id=shown.entry_id,
        waybill=shown.waybill,
        id_type=shown.id_type,
        sender_name=shown.sender_name,
        id_number=shown.id_number,
    )


@router.get("/realname/flags", response_model=FlagPageOut)
def flags(
    request: Request,
    actor: Reader,
    state: FlagState | None = None,
    kind: FlagKind | None = None,
    offset: Annotated[int, Query(ge=0, le=10**7)] = 0,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> FlagPageOut:
    """The flags within the caller's reach, open first."""
    page = list_flags(
        _store(request),
        actor,
        state=None if state is None else state.value,
        kind=None if kind is None else kind.value,
        offset=offset,
        limit=limit,
    )
    language = _language(request)
    return FlagPageOut(total=page.total, flags=[flag_out(f, language) for f in page.flags])


@router.get("/realname/flags/{flag_id}", response_model=FlagOut, responses=documented(404))
def read_flag(request: Request, flag_id: FlagId, actor: Reader) -> FlagOut:
    return flag_out(get_flag(_store(request), actor, flag_id), _language(request))


@router.post(
    "/realname/flags/{flag_id}/review",
    response_model=FlagOut,
    responses=documented(403, 404, 409, 422),
)
def review(request: Request, flag_id: FlagId, body: ReviewIn, actor: Reader) -> FlagOut:
    """Confirm or dismiss a flag with the reason, naming the version read (409 when someone
    reviewed it since; a decided flag is final)."""
    view = review_flag(
        _store(request),
        actor,
        flag_id,
        decision=body.decision,
        expected_version=body.expected_version,
        reason=body.reason,
    )
    return flag_out(view, _language(request))


@router.get("/realname/employees", response_model=list[EmployeeOut])
def employees(request: Request, actor: Writer) -> list[EmployeeOut]:
    """The carrier's registered employees: codes and when, never an ID."""
    return [
        EmployeeOut(
            carrier=item.carrier,
            organisation=item.organisation,
            employee_code=item.employee_code,
            registered_by=item.registered_by,
            registered_at=item.registered_at,
        )
        for item in list_employees(_store(request), actor)
    ]


@router.put("/realname/employees", response_model=EmployeesOut, responses=documented(403, 422))
def put_employees(request: Request, body: EmployeesIn, actor: Writer) -> EmployeesOut:
    """Register (or replace) employees' IDs, kept as keyed hashes only."""
    report = register_employees(
        _store(request),
        actor,
        employee_drafts(body.employees),
        carrier=body.carrier,
    )
    return EmployeesOut(
        added=report.added, replaced=report.replaced, flags_raised=report.flags_raised
    )


@router.post("/realname/waybill-checks", response_model=WaybillCheckOut, responses=documented(422))
def check_waybills(request: Request, body: WaybillsIn, actor: Reader) -> WaybillCheckOut:
    """Check waybill records against 快递暂行条例 art. 22 (only name, address and phone of a
    person): each finding names its row (from 0) and field, never the value."""
    report = check_waybill_records(_store(request), actor, body.waybills, source="waybills")
    return _checked_out(report, _language(request))


@router.post(
    "/realname/waybill-checks/file",
    response_model=WaybillCheckOut,
    responses=documented(422),
    openapi_extra=UPLOAD_BODY,
)
async def check_waybill_upload(
    request: Request, actor: Reader, file_name: FileName = None
) -> WaybillCheckOut:
    """Check a waybill file (CSV or Excel), as ``peakguard realname check-waybills``."""
    name, content = await uploaded(request, file_name, "waybills.csv")
    report = await run_in_threadpool(
        partial(
            check_waybill_file,
            _store(request),
            actor,
            content,
            name,
            limits=request.app.state.settings.input_limits(),
        )
    )
    return _checked_out(report, _language(request))


def entry_drafts(entries: list[EntryIn]) -> list[EntryDraft]:
    """The batch's drafts, or a 422 locating each code, type and region that is not one
    (without quoting any value)."""
    problems: list[Problem] = []
    drafts: list[EntryDraft] = []
    for index, item in enumerate(entries):
        place = f"entries[{index}]"
        cells = {
            "waybill": item.waybill,
            "outlet": item.outlet,
            "region": item.region,
            "accepted_by": item.accepted_by,
            "id_type": item.id_type,
        }
        read = _cells(place, cells, problems)
        if read is None:
            continue
        drafts.append(
            EntryDraft(
                waybill=read["waybill"],
                carrier=item.carrier.strip().upper(),
                sender_name=item.sender_name,
                id_type=read["id_type"],
                id_number=item.id_number,
                outlet=read["outlet"],
                region=read["region"],
                accepted_at=item.accepted_at,
                accepted_by=read["accepted_by"],
            )
        )
    if problems:
        raise InvalidInputError(_("the request has mistakes"), problems[:100], total=len(problems))
    return drafts


def employee_drafts(employees: list[EmployeeIn]) -> list[EmployeeDraft]:
    problems: list[Problem] = []
    drafts: list[EmployeeDraft] = []
    for index, item in enumerate(employees):
        cells = {"employee_code": item.employee_code, "id_type": item.id_type}
        read = _cells(f"employees[{index}]", cells, problems)
        if read is not None:
            drafts.append(EmployeeDraft(read["employee_code"], read["id_type"], item.id_number))
    if problems:
        raise InvalidInputError(_("the request has mistakes"), problems[:100], total=len(problems))
    return drafts


def _cells(place: str, cells: dict[str, str], problems: list[Problem]) -> dict[str, Any] | None:
    readers = {"id_type": id_type_cell, "region": region_code}
    read: dict[str, Any] = {}
    for name, value in cells.items():
        try:
            read[name] = readers.get(name, code_text)(value)
        except RefusedCellError as refused:
            problems.append(Problem(f"{place}.{name}", refused.message))
    return read if len(read) == len(cells) else None

"""Complaints (投诉) and appeals (申诉), as ``peakguard cases``, and the working-day calendar
their clocks run on, as ``peakguard calendar``.

A case is read with its legal clocks (each with its rule, basis, source and the convention it
is counted by, in the reader's language), its steps and its evidence, and the steps the caller
may take now. A case outside the caller's reach answers 404, as one that does not exist. The
complainant is masked in every answer but ``GET /cases/{reference}/personal``, which the
application records in the audit trail.

A step names the version of the case it was decided on (``expected_version``, or the
``If-Match`` header with the ``ETag`` a read gave): when someone changed the case since, the
step is refused with 409 and nothing of it is written. A step the case's state does not allow
is refused with 409 too, its body listing the actions that state allows.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from functools import partial
from typing import Annotated, Any

from fastapi import APIRouter, Header, Path, Query, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool

from peakguard.api.bodies import PARSED_JSON, is_json
from peakguard.api.case_schemas import (
    AcknowledgedOut,
    CalendarYearOut,
    CaseIn,
    CaseOut,
    ComplainantOut,
    NoticeIn,
    NoticeLoadedOut,
    PersonalOut,
    ReminderOut,
    StepIn,
    StepRefusalBody,
    StepRefusalOut,
    SweepOut,
    case_out,
)
from peakguard.api.errors import request_language
from peakguard.api.schemas import ERROR_STATUSES, Page, documented
from peakguard.api.security import requires
from peakguard.app.case_calendar import NoticeLoaded, load_year_notice, working_calendar
from peakguard.app.case_drafts import CaseDraft, CaseQuery, StepInput
from peakguard.app.case_reminders import acknowledge, reminders_for
from peakguard.app.case_sweep import sweep_cases
from peakguard.app.case_views import CaseView
from peakguard.app.cases import get_case, list_cases, open_case, take_step
from peakguard.cases.model import AppealState, CaseKind, Complainant, ComplaintState
from peakguard.errors import (
    ConflictError,
    IllegalTransitionError,
    InvalidInputError,
    Problem,
    StaleRecordError,
)
from peakguard.formats.calendar_notice import notice_from_document, read_notice
from peakguard.formats.limits import INT64_MAX, InputLimits
from peakguard.i18n import Message, _, render
from peakguard.identity.model import Permission, Principal
from peakguard.store.cases import CASE_ORDERS
from peakguard.store.database import Store

router = APIRouter()

Reader = Annotated[Principal, requires(Permission.case_read)]
Handler = Annotated[Principal, requires(Permission.case_handle)]
Reference = Annotated[str, Path(max_length=40)]
STATES = frozenset(ComplaintState) | frozenset(AppealState)
MAX_FILTERS = 20
REGION_FILTER = "a region prefix: 51 (a province), 5101 (a city) or a county's six digits"
ORDERS = "one of " + ", ".join(CASE_ORDERS) + " (deadline: the most urgent running clock first)"
"""Every state a case of either kind can be in (a filter naming another is a mistake)."""
TOML_TYPES = ("application/toml", "text/toml", "text/x-toml", "text/plain")
STEP_REFUSED: dict[int | str, dict[str, Any]] = {
    409: {"model": StepRefusalOut, "description": ERROR_STATUSES[409]}
}


def _language(request: Request) -> str:
    return request_language(request, request.app.state.settings.language)


def _store(request: Request) -> Store:
    store: Store = request.app.state.store
    return store


def _tagged(response: Response, view: CaseView) -> None:
    """The case's version as its entity tag (send it back as ``If-Match`` with a step)."""
    response.headers["ETag"] = f'"{view.version}"'


def _refuse(location: str, message: Message) -> InvalidInputError:
    return InvalidInputError(_("the request has mistakes"), [Problem(location, message)])


def _within_years(days: dict[str, date | None], limits: InputLimits) -> None:
    """Refuse, located at its field, a day outside the years any case can concern (a year-1
    day has no UTC moment east of Greenwich; a year-9999 one no deadline after it)."""
    earliest = limits.earliest_time.date()
    problems = [
        Problem(
            where,
            _(
                "give a day from {earliest} to the year {latest}",
                earliest=earliest.isoformat(),
                latest=limits.latest_year,
            ),
        )
        for where, day in days.items()
        if day is not None and not (earliest <= day and day.year <= limits.latest_year)
    ]
    if problems:
        raise InvalidInputError(_("the request has mistakes"), problems)


def _filters(states: tuple[str, ...], carriers: tuple[str, ...]) -> None:
    """Refuse, located, a state no case has, or more filters than a desk would name."""
    problems = [
        Problem(
            "state",
            _(
                "{state} is not a state of a case; the states are: {states}",
                state=name,
                states=", ".join(sorted(STATES)),
            ),
        )
        for name in states
        if name not in STATES
    ]
    if len(states) > MAX_FILTERS or len(carriers) > MAX_FILTERS:
        where = "state" if len(states) > MAX_FILTERS else "carrier"
        problems.append(Problem(where, _("name at most {count}", count=MAX_FILTERS)))
    if problems:
        raise InvalidInputError(_("the request has mistakes"), problems)


def _expected_version(body: StepIn, if_match: str | None) -> int:
    """The version the step was decided on: ``expected_version``, or the ``If-Match`` tag."""
    tagged = None
    if if_match is not None:
        text = if_match.strip().removeprefix("W/").strip('"')
        if not text.isdigit() or len(text) > 18:
            raise _refuse("If-Match", _('send the ETag a read of the case gave, such as "3"'))
        tagged = int(text)
    if tagged is not None and body.expected_version not in (None, tagged):
        raise _refuse("expected_version", _("differs from the If-Match header: send one version"))
    version = body.expected_version if body.expected_version is not None else tagged
    if version is None:
        raise _refuse(
            "expected_version",
            _("give the version of the case the step was decided on (or send If-Match)"),
        )
    return version


def _refusal(request: Request, error: ConflictError) -> JSONResponse:
    """409 for a step refused: one the case's state does not allow (listing the actions it
    allows), or one decided on a version someone has changed since."""
    illegal = isinstance(error, IllegalTransitionError)
    body = StepRefusalOut(
        error=StepRefusalBody(
            code="illegal_transition" if illegal else "stale_record",
            message=render(error.message, _language(request)),
            allowed=list(error.allowed) if isinstance(error, IllegalTransitionError) else [],
        )
    )
    return JSONResponse(body.model_dump(), status_code=409)


# -- cases --------------------------------------------------------------------------------------


@router.get("/cases", response_model=Page[CaseOut], tags=["cases"], responses=documented(404))
def list_case_page(
    request: Request,
    actor: Reader,
    kind: CaseKind | None = None,
    state: Annotated[list[str] | None, Query(description="a state; repeat for several")] = None,
    carrier: Annotated[list[str] | None, Query(description="a carrier code; repeatable")] = None,
    region: Annotated[str | None, Query(pattern=r"^[0-9]{2,6}$", description=REGION_FILTER)] = None,
    overdue: Annotated[bool, Query(description="only cases with a clock past due")] = False,
    q: Annotated[str | None, Query(max_length=200, description="reference, waybill, text")] = None,
    received_from: date | None = None,
    received_to: date | None = None,
    offset: Annotated[int, Query(ge=0, le=INT64_MAX)] = 0,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    order: Annotated[str, Query(max_length=20, description=ORDERS)] = "deadline",
) -> Page[CaseOut]:
    """The cases the caller may see (its territory, or its brand's complaints and the appeals
    forwarded to it), the most urgent deadline first unless ``order`` says otherwise,
    complainants masked, without steps or evidence. 404: a ``region`` outside the caller's
    territory."""
    states = tuple(state or ())
    carriers = tuple(carrier or ())
    _filters(states, carriers)
    _within_years(
        {"received_from": received_from, "received_to": received_to},
        request.app.state.settings.input_limits(),
    )
    query = CaseQuery(
        kinds=(kind,) if kind is not None else (),
        states=states,
        carriers=carriers,
        region=region,
        overdue=overdue,
        search=q or None,
        received_from=received_from,
        received_to=received_to,
        offset=offset,
        limit=limit,
        order=order,
    )
    found = list_cases(_store(request), query, actor=actor)
    language, now = _language(request), datetime.now(UTC)
    return Page[CaseOut](
        total=found.total,
        offset=offset,
        limit=limit,
        items=[case_out(view, language, now) for view in found.cases],
    )


@router.post(
    "/cases",
    response_model=CaseOut,
    status_code=201,
    tags=["cases"],
    responses=documented(404, 409, 422),
)
def open_new_case(request: Request, response: Response, body: CaseIn, actor: Handler) -> CaseOut:
    """Record a complaint or an appeal with its opening clocks; answers 201 with the case at
    its ``Location``. 403: a complaint recorded by another than its carrier, an appeal outside
    the caller's territory; 404: a ``linked_reference`` beyond reach."""
    _within_years(
        {"received_at": body.received_at.date(), "dispute_on": body.dispute_on},
        request.app.state.settings.input_limits(),
    )
    person = body.complainant
    draft = CaseDraft(
        kind=body.kind,
        carrier=body.carrier,
        region=body.region,
        channel=body.channel,
        category=body.category,
        summary=body.summary,
        received_at=body.received_at,
        waybill=body.waybill,
        complainant=None
        if person is None
        else Complainant(name=person.name, phone=person.phone, address=person.address),
        dispute_on=body.dispute_on,
        emergency=body.emergency,
        linked_reference=body.linked_reference,
    )
    view = open_case(_store(request), draft, actor=actor)
    response.headers["Location"] = f"/cases/{view.reference}"
    _tagged(response, view)
    return case_out(view, _language(request))


@router.post("/cases/sweep", response_model=SweepOut, tags=["cases"])
def sweep(
    request: Request, actor: Annotated[Principal, requires(Permission.admin_manage)]
) -> SweepOut:
    """Run the overdue sweep now (the server runs it by itself periodically): reminders before
    and at each deadline, breaches past it, each recorded once however often it runs."""
    report = sweep_cases(_store(request))
    return SweepOut(
        ran=report.ran,
        reminders=report.reminders,
        breaches=report.breaches,
        examined=report.examined,
    )


@router.get("/cases/reminders", response_model=list[ReminderOut], tags=["cases"])
def list_reminders(
    request: Request,
    actor: Reader,
    include_acknowledged: Annotated[bool, Query(description="the read ones too")] = False,
) -> list[ReminderOut]:
    """The reminders the overdue sweep raised for the caller's organisation, newest first:
    a deadline near (``before``) or reached (``due``)."""
    found = reminders_for(_store(request), actor=actor, include_acknowledged=include_acknowledged)
    return [
        ReminderOut(
            id=item.id,
            kind=item.kind,
            reference=item.reference,
            rule_key=item.rule_key,
            due_at=item.due_at,
            created_at=item.created_at,
            acknowledged_at=item.acknowledged_at,
            acknowledged_by=item.acknowledged_by,
        )
        for item in found
    ]


@router.post(
    "/cases/reminders/{reminder_id}/acknowledge",
    response_model=AcknowledgedOut,
    tags=["cases"],
    responses=documented(404),
)
def acknowledge_reminder(
    request: Request, reminder_id: Annotated[int, Path(ge=1, le=INT64_MAX)], actor: Handler
) -> AcknowledgedOut:
    """Mark a reminder of the caller's organisation as read (``acknowledged`` false when it
    was already); another organisation's reminder answers 404."""
    done = acknowledge(_store(request), reminder_id, actor=actor)
    return AcknowledgedOut(id=reminder_id, acknowledged=done)


@router.get("/cases/{reference}", response_model=CaseOut, tags=["cases"], responses=documented(404))
def read_case(request: Request, response: Response, reference: Reference, actor: Reader) -> CaseOut:
    """The case with its clocks, steps, evidence and the steps the caller may take; its
    version is the ``ETag``. 404: no such case within the caller's reach."""
    view = get_case(_store(request), reference, actor=actor)
    _tagged(response, view)
    return case_out(view, _language(request))


@router.get(
    "/cases/{reference}/personal",
    response_model=PersonalOut,
    tags=["cases"],
    responses=documented(404),
)
def read_personal_data(
    request: Request,
    reference: Reference,
    actor: Annotated[Principal, requires(Permission.case_personal_read)],
) -> PersonalOut:
    """The complainant's name, phone and address in clear, for a handler of a side that works
    the case; each read is recorded in the audit trail. 403 for anyone else."""
    view = get_case(_store(request), reference, actor=actor, reveal=True)
    return PersonalOut(
        reference=view.reference,
        complainant=ComplainantOut(**vars(view.complainant)),
        personal_data_removed=view.personal_data_removed,
    )


@router.post(
    "/cases/{reference}/steps",
    response_model=CaseOut,
    tags=["cases"],
    responses={**documented(404, 422), **STEP_REFUSED},
)
def take_case_step(
    request: Request,
    response: Response,
    reference: Reference,
    body: StepIn,
    actor: Handler,
    if_match: Annotated[str | None, Header(max_length=64)] = None,
) -> CaseOut | JSONResponse:
    """Take one step: allowed from the case's state (409 listing the allowed actions
    otherwise), by the side it belongs to (403), carrying the fields it needs (422, located),
    on the version the caller read (409 when someone changed the case since)."""
    version = _expected_version(body, if_match)
    given = StepInput(
        answer=body.answer,
        reason=body.reason,
        finding_valid=body.finding_valid,
        finding_category=body.finding_category,
        call_back=body.call_back,
        carrier_organisation=body.carrier_organisation,
        note=body.note,
    )
    try:
        view = take_step(
            _store(request),
            reference,
            body.action.value,
            expected_version=version,
            given=given,
            actor=actor,
        )
    except (IllegalTransitionError, StaleRecordError) as error:
        return _refusal(request, error)
    _tagged(response, view)
    return case_out(view, _language(request))


# -- the calendar -------------------------------------------------------------------------------

NOTICE_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {"schema": NoticeIn.model_json_schema()},
            "text/plain": {
                "schema": {
                    "type": "string",
                    "description": "the notice as a TOML file (application/toml is read too)",
                }
            },
        },
    }
}


@router.post(
    "/calendar/notices",
    response_model=NoticeLoadedOut,
    tags=["calendar"],
    responses=documented(422),
    openapi_extra=NOTICE_BODY,
)
async def load_notice(
    request: Request, actor: Annotated[Principal, requires(Permission.calendar_manage)]
) -> NoticeLoadedOut:
    """Load a year's holiday notice, as ``peakguard calendar load``: as JSON, or the TOML
    file's text (``text/plain`` or ``application/toml``). It replaces the package's calendar
    of that year, and every clock that waited for the year gets its deadline. Mistakes: 422,
    located."""
    content_type = request.headers.get("content-type", "")
    if is_json(content_type):
        document = request.scope.get(PARSED_JSON)
        if document is None:
            raise _refuse("request", _("send the notice as a JSON object"))
        try:
            NoticeIn.model_validate(document)
        except ValidationError as error:
            raise RequestValidationError(error.errors()) from None
        notice = notice_from_document(document, where="body")
    elif content_type.split(";")[0].strip().lower() in TOML_TYPES:
        raw = await request.body()
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise _refuse("request", _("the notice is not UTF-8 text")) from None
        notice = read_notice(text, source="body")
    else:
        raise _refuse("content-type", _("send application/json or application/toml"))
    loaded: NoticeLoaded = await run_in_threadpool(
        partial(load_year_notice, _store(request), notice, actor=actor)
    )
    return NoticeLoadedOut(year=loaded.year, source=loaded.source, rescheduled=loaded.rescheduled)


@router.get("/calendar/years", response_model=list[CalendarYearOut], tags=["calendar"])
def calendar_years(request: Request, actor: Reader) -> list[CalendarYearOut]:
    """The years the working-day calendar knows, each with its source (the calendar package,
    or the notice an administrator loaded); a deadline reaching another year waits for it."""
    known = working_calendar(_store(request))
    return [CalendarYearOut(year=year, source=known.source_of(year)) for year in known.years()]

"""Pages: Inspections (检查, 明察暗访), the abnormal-outlet list and commitment letters.

- ``/app/inspections`` (``security.read``): the inspections within reach, newest first; exports
  to CSV and Excel (a carrier does not see a regulator's unannounced inspection before it is
  completed).
- ``/app/inspections/new`` (``inspection.conduct``): plan one; every mistake beside its field.
- ``/app/inspections/{id}`` (``security.read``): the facts, the checklist form (in progress, for
  the conducting organisation), the findings with their evidence files and an upload, and the
  steps (start, complete, cancel), each form carrying the version read.
- ``/app/abnormal-outlets`` and ``/app/commitments``: :mod:`peakguard.web.pages.inspection_lists`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from starlette.datastructures import UploadFile

from peakguard.app.inspection_plans import (
    ConductedBy,
    InspectionKind,
    InspectionPlan,
    conducted_label,
    kind_label,
)
from peakguard.app.inspections import (
    ItemAnswer,
    answer_items,
    attach_finding_evidence,
    cancel_inspection,
    checklist_of,
    complete_inspection,
    get_inspection,
    list_inspections,
    plan_inspection,
    start_inspection,
)
from peakguard.cases.inspections import Answer, InspectionState, state_label
from peakguard.domain.scans import CHINA_STANDARD_TIME
from peakguard.errors import (
    ConflictError,
    ForbiddenError,
    InvalidInputError,
    NotFoundError,
    Problem,
)
from peakguard.i18n import Message, _, render
from peakguard.identity.model import OrganisationKind, Permission, Principal
from peakguard.store.database import Store
from peakguard.web.pages import inspection_lists
from peakguard.web.pages.access import page_requires
from peakguard.web.pages.navigation import NavItem
from peakguard.web.pages.rendering import page_language, render_page
from peakguard.web.pages.tables import Column, TableView, export_response

INSPECTIONS = "/app/inspections"
router = APIRouter(prefix="/app", include_in_schema=False)
router.include_router(inspection_lists.router)
NAVIGATION: tuple[NavItem, ...] = (
    NavItem(
        INSPECTIONS,
        _("Inspections"),
        Permission.security_read,
        47,
        kinds=frozenset({OrganisationKind.regulator, OrganisationKind.carrier}),
    ),
    *inspection_lists.NAVIGATION,
)
Reader = Annotated[Principal, page_requires(Permission.security_read)]
Conductor = Annotated[Principal, page_requires(Permission.inspection_conduct)]
PLAN_FIELDS = (
    "kind", "conducted_by", "company", "scheduled_at", "inspectors", "network", "node_id",
    "address", "region", "partner_body", "partner_officers", "note",
)  # fmt: skip
TEXT_LIMIT = 4000
REFUSALS = (InvalidInputError, ConflictError, ForbiddenError, NotFoundError)


def _store(request: Request) -> Store:
    store: Store = request.app.state.store
    return store


def inspection_path(inspection_id: int) -> str:
    return f"{INSPECTIONS}/{inspection_id}"


def when(moment: datetime | None) -> str:
    if moment is None:
        return "—"
    return moment.astimezone(CHINA_STANDARD_TIME).strftime("%Y-%m-%d %H:%M")


def errors_of(problems: list[Problem], language: str) -> dict[str, str]:
    found: dict[str, str] = {}
    for problem in problems:
        found.setdefault(problem.location.split("[")[0], render(problem.message, language))
    return found


def _list_table(request: Request, caller: Principal, language: str) -> TableView:
    def label(message: Message) -> str:
        return render(message, language)

    rows: list[dict[str, Any]] = [
        {
            "id": item.id,
            "link": inspection_path(item.id),
            "kind": label(kind_label(item.kind)),
            "by": label(conducted_label(item.conducted_by)),
            "carrier": item.carrier,
            "region": item.region,
            "place": item.node_id or item.address or "",
            "scheduled": item.scheduled_at,
            "state": label(state_label(InspectionState(item.state))),
        }
        for item in list_inspections(_store(request), caller)
    ]
    return TableView(
        key="inspections",
        title=label(_("Inspections")),
        columns=(
            Column("id", label(_("No.")), link="link"),
            Column("kind", label(_("Kind"))),
            Column("by", label(_("Conducted by"))),
            Column("carrier", label(_("Carrier"))),
            Column("region", label(_("Region"))),
            Column("place", label(_("Place"))),
            Column("scheduled", label(_("Scheduled (China time)"))),
            Column("state", label(_("State"))),
        ),
        rows=rows,
        empty=label(_("No inspection within your reach.")),
    )


@router.get("/inspections")
def inspections_page(request: Request, caller: Reader) -> Response:
    language = page_language(request)
    view = _list_table(request, caller, language)
    if (exported := export_response([view], request, language)) is not None:
        return exported
    values = {
        "table_view": view,
        "here": str(request.url),
        "may_conduct": caller.may(Permission.inspection_conduct),
    }
    return render_page(request, caller, "inspections.html", values, title=view.title)


def _new_page(
    request: Request,
    caller: Principal,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    status: int = 200,
) -> Response:
    language = page_language(request)
    carrier = caller.organisation.kind is OrganisationKind.carrier
    page = {
        "kinds": [
            (kind.value, render(kind_label(kind.value), language)) for kind in InspectionKind
        ],
        "conductors": [
            (by.value, render(conducted_label(by.value), language))
            for by in ConductedBy
            if (by is ConductedBy.self_inspection) == carrier
        ],
        "values": values or {"company": caller.organisation.code if carrier else ""},
        "errors": errors or {},
    }
    title = render(_("Plan an inspection"), language)
    return render_page(request, caller, "inspection_new.html", page, status=status, title=title)


@router.get("/inspections/new")
def new_inspection_page(request: Request, caller: Conductor) -> Response:
    return _new_page(request, caller)


def _moment(text: str, where: str, problems: list[Problem]) -> datetime | None:
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        problems.append(Problem(where, _("give a moment such as 2026-11-11T09:00 (China time)")))
        return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=CHINA_STANDARD_TIME)


def _words(text: str) -> tuple[str, ...]:
    return tuple(word for word in text.replace("，", ",").replace(",", " ").split() if word)


@router.post("/inspections/new")
async def plan_inspection_form(request: Request, caller: Conductor) -> Response:
    """Plan the inspection; back to the form with every mistake beside its field."""
    language = page_language(request)
    form = await request.form()
    values = {name: str(form.get(name, "") or "")[:TEXT_LIMIT] for name in PLAN_FIELDS}
    problems: list[Problem] = []
    scheduled = _moment(values["scheduled_at"], "scheduled_at", problems)
    if problems or scheduled is None:
        return _new_page(request, caller, values, errors_of(problems, language), 422)
    plan = InspectionPlan(
        kind=values["kind"], conducted_by=values["conducted_by"],
        company=values["company"].strip(), scheduled_at=scheduled,
        inspectors=_words(values["inspectors"]), network=values["network"].strip() or None,
        node_id=values["node_id"].strip() or None, address=values["address"].strip() or None,
        region=values["region"].strip() or None,
        partner_body=values["partner_body"].strip() or None,
        partner_officers=tuple(
            name.strip() for name in values["partner_officers"].splitlines() if name.strip()
        ),
        note=values["note"],
    )  # fmt: skip
    try:
        view = plan_inspection(
            _store(request), caller, plan, checklist=checklist_of(request.app.state.settings)
        )
    except InvalidInputError as error:
        return _new_page(request, caller, values, errors_of(error.problems, language), 422)
    except ForbiddenError as error:
        errors = {"place": render(error.message, language)}
        return _new_page(request, caller, values, errors, 403)
    return RedirectResponse(inspection_path(view.id), status_code=303)


def _facts(request: Request, inspection_id: int, caller: Principal, language: str) -> Any:
    view = get_inspection(_store(request), caller, inspection_id)
    item = view.inspection
    facts: list[tuple[Message, str]] = [
        (_("Kind"), render(kind_label(item.kind), language)),
        (_("Conducted by"), f"{render(conducted_label(item.conducted_by), language)} · "
                            f"{view.organisation}"),
        (_("Public security partner"), item.partner_body or "—"),
        (_("Partner officers"), ", ".join(item.partner_officers) or "—"),
        (_("Inspected company"), f"{view.company_name} ({item.carrier})"),
        (_("Place"), f"{item.node_id or item.address or '—'} · {item.region}"),
        (_("Scheduled (China time)"), when(item.scheduled_at)),
        (_("Inspectors"), ", ".join(i.display_name for i in view.inspectors)),
        (_("Checklist"), item.checklist),
        (_("Started"), when(item.started_at)),
        (_("Completed"), when(item.completed_at)),
        (_("Note"), item.note or "—"),
    ]  # fmt: skip
    return view, [(render(name, language), value) for name, value in facts]


def _inspection_page(
    request: Request,
    caller: Principal,
    inspection_id: int,
    *,
    status: int = 200,
    message: str = "",
    errors: dict[str, str] | None = None,
) -> Response:
    language = page_language(request)
    view, facts = _facts(request, inspection_id, caller, language)
    answers = {answer.item_key: answer for answer in view.answers}
    english = not language.startswith("zh")
    values = {
        "inspection": view.inspection,
        "state_label": render(state_label(InspectionState(view.state)), language),
        "facts": facts,
        "items": [
            {"key": key, "text": en if english else zh, "rule": rule, "answer": answers.get(key)}
            for key, _section, zh, en, rule in view.inspection.checklist_items
        ],
        "answers": [(choice.value, render(_answer_label(choice), language)) for choice in Answer],
        "findings": view.findings,
        "actions": view.actions,
        "answering": view.state == "in_progress" and bool(view.actions),
        "message": message,
        "errors": errors or {},
        "done": request.query_params.get("done", "")[:40],
        "path": inspection_path(inspection_id),
    }
    title = render(_("Inspection {id}", id=inspection_id), language)
    return render_page(request, caller, "inspection.html", values, status=status, title=title)


def _answer_label(choice: Answer) -> Message:
    labels = {
        Answer.compliant: _("compliant (符合)"),
        Answer.not_compliant: _("not compliant (不符合)"),
        Answer.not_applicable: _("not applicable (不适用)"),
    }
    return labels[choice]


@router.get("/inspections/{inspection_id}")
def inspection_page(request: Request, caller: Reader, inspection_id: int) -> Response:
    return _inspection_page(request, caller, inspection_id)


def _refused(request: Request, caller: Principal, inspection_id: int, error: Exception) -> Response:
    language = page_language(request)
    if isinstance(error, NotFoundError):
        raise error
    status = {InvalidInputError: 422, ForbiddenError: 403}.get(type(error), 409)
    problems = error.problems if isinstance(error, InvalidInputError) else []
    assert isinstance(error, InvalidInputError | ConflictError | ForbiddenError)
    return _inspection_page(
        request, caller, inspection_id, status=status,
        message=render(error.message, language), errors=errors_of(problems, language),
    )  # fmt: skip


def _version(text: object) -> int:
    value = str(text or "")
    if not value.isdigit():
        raise InvalidInputError(
            _("The form has mistakes."),
            [Problem("version", _("reload the page: the form lost its version"))],
        )
    return int(value)


@router.post("/inspections/{inspection_id}/steps")
async def step_form(request: Request, caller: Conductor, inspection_id: int) -> Response:
    """Start, complete or cancel; back to the inspection (a refusal shown above the forms)."""
    form = await request.form()
    action = str(form.get("action", ""))
    store = _store(request)
    try:
        version = _version(form.get("version"))
        if action == "start":
            start_inspection(store, caller, inspection_id, expected_version=version)
        elif action == "complete":
            complete_inspection(store, caller, inspection_id, expected_version=version)
        elif action == "cancel":
            reason = str(form.get("reason", ""))[:TEXT_LIMIT]
            cancel_inspection(store, caller, inspection_id, expected_version=version, reason=reason)
        else:
            raise InvalidInputError(
                _("The form has mistakes."),
                [Problem("action", _("give start, complete or cancel"))],
            )
    except REFUSALS as error:
        return _refused(request, caller, inspection_id, error)
    return RedirectResponse(f"{inspection_path(inspection_id)}?done={action}", status_code=303)


@router.post("/inspections/{inspection_id}/answers")
async def answers_form(request: Request, caller: Conductor, inspection_id: int) -> Response:
    """Record the checklist form's answers (the items given an answer), all or none."""
    form = await request.form()
    answers = [
        ItemAnswer(
            str(key)[len("answer:") :],
            str(value),
            str(form.get("note:" + str(key)[len("answer:") :], ""))[:2000],
        )
        for key, value in form.multi_items()
        if str(key).startswith("answer:") and str(value)
    ]
    try:
        version = _version(form.get("version"))
        answer_items(_store(request), caller, inspection_id, answers, expected_version=version)
    except REFUSALS as error:
        return _refused(request, caller, inspection_id, error)
    return RedirectResponse(f"{inspection_path(inspection_id)}?done=answers", status_code=303)


@router.post("/inspections/findings/{finding_id}/evidence")
async def evidence_form(request: Request, caller: Conductor, finding_id: int) -> Response:
    """Attach the uploaded file to the finding; back to its inspection."""
    form = await request.form()
    upload = form.get("file")
    name, content = "", b""
    if isinstance(upload, UploadFile):
        name, content = upload.filename or "evidence", await upload.read()
    inspection_id = str(form.get("inspection", ""))
    await form.close()
    back = int(inspection_id) if inspection_id.isdigit() else 0
    try:
        attach_finding_evidence(_store(request), caller, finding_id, name=name, content=content)
    except REFUSALS as error:
        if not back:
            raise
        return _refused(request, caller, back, error)
    target = f"{inspection_path(back)}?done=evidence" if back else INSPECTIONS
    return RedirectResponse(target, status_code=303)

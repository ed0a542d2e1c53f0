"""The pages where an inspector issues and follows rectification orders (责令整改) and a
carrier's security officer answers them.

- ``/app/orders`` (``security.read``): the orders within reach, the most urgent deadline first,
  overdue ones marked; exports to CSV and Excel.
- ``/app/orders/new`` (``order.issue``): issue one from a finding or on the spot; every mistake
  beside its field, the form kept.
- ``/app/orders/{reference}`` (``security.read``): the order, its clock (rule, basis, source,
  deadline, time left), its steps in order, and one form per step the caller may take now,
  each carrying the version read.
- ``/app/penalties/{reference}`` (``security.read``): the penalty case with its legal range,
  and the proposal/decision forms for the administration.

Who sees which order and who may take which step is the application layer's decision
(:mod:`peakguard.app.rectification`); these pages show what it answers.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated, Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from starlette.datastructures import UploadFile

from peakguard.app.penalties import decide_penalty, get_penalty, not_punish, propose_penalty
from peakguard.app.rectification import (
    EvidenceFile,
    OrderDraft,
    answer_extension,
    escalate_order,
    get_order,
    issue_order,
    list_orders,
    recheck_order,
    request_extension,
    respond_to_order,
)
from peakguard.app.rectification_views import OrderClock, OrderView
from peakguard.cases.rectification import (
    basis_label,
    clock_outcome_label,
    state_label,
    step_label,
)
from peakguard.cases.security_rules import security_rules
from peakguard.domain.scans import CHINA_STANDARD_TIME
from peakguard.errors import (
    ForbiddenError,
    IllegalTransitionError,
    InvalidInputError,
    NotFoundError,
    Problem,
    StaleRecordError,
)
from peakguard.i18n import Message, _, render
from peakguard.identity.model import OrganisationKind, Permission, Principal
from peakguard.store.database import Store
from peakguard.web.pages.access import page_requires
from peakguard.web.pages.navigation import NavItem
from peakguard.web.pages.rendering import page_language, render_page
from peakguard.web.pages.tables import Column, TableView, export_response

ORDERS = "/app/orders"
PENALTIES = "/app/penalties"
router = APIRouter(prefix="/app", include_in_schema=False)
NAVIGATION: tuple[NavItem, ...] = (
    NavItem(
        ORDERS,
        _("Rectification orders"),
        Permission.security_read,
        47,
        kinds=frozenset({OrganisationKind.regulator, OrganisationKind.carrier}),
    ),
)
Reader = Annotated[Principal, page_requires(Permission.security_read)]
Issuer = Annotated[Principal, page_requires(Permission.order_issue)]
Actor = Annotated[Principal, page_requires(Permission.security_read)]
FORM_FIELDS = (
    "finding_id", "carrier", "region", "node_id", "place", "facts", "rules", "requirement",
    "deadline",
)  # fmt: skip
REFUSALS = (InvalidInputError, StaleRecordError, IllegalTransitionError, ForbiddenError)


def _store(request: Request) -> Store:
    store: Store = request.app.state.store
    return store


def order_path(reference: str) -> str:
    return f"{ORDERS}/{quote(reference, safe='')}"


def penalty_path(reference: str) -> str:
    return f"{PENALTIES}/{quote(reference, safe='')}"


def _when(moment: datetime | None) -> str:
    if moment is None:
        return "—"
    return moment.astimezone(CHINA_STANDARD_TIME).strftime("%Y-%m-%d %H:%M")


def remaining_words(clock: OrderClock | None, language: str) -> str:
    """The clock in a few words: days and hours left, overdue by, or how it ended."""
    if clock is None:
        return "—"
    if clock.remaining is None:
        return render(clock_outcome_label(clock.outcome), language)
    hours = clock.remaining / timedelta(hours=1)
    if hours < 0:
        return render(_("overdue by {days:.1f} days", days=-hours / 24), language)
    return render(_("{days:.1f} days left", days=hours / 24), language)


def list_table(request: Request, caller: Principal, language: str) -> TableView:
    lines = list_orders(_store(request), actor=caller, now=datetime.now(UTC))
    rows: list[dict[str, Any]] = [
        {
            "reference": line.reference, "link": order_path(line.reference),
            "state": render(state_label(line.order.state), language),
            "carrier": line.order.carrier, "region": line.order.region,
            "place": line.order.place, "rules": ", ".join(line.order.rule_keys),
            "due": line.due_at, "clock": remaining_words(line.clock, language),
            "overdue": render(_("overdue"), language) if line.overdue else "",
        }
        for line in lines
    ]  # fmt: skip
    label = _labelled(language)
    return TableView(
        key="orders",
        title=label(_("Rectification orders")),
        columns=(
            Column("reference", label(_("Reference")), link="link"),
            Column("state", label(_("State"))),
            Column("carrier", label(_("Carrier"))),
            Column("region", label(_("Region"))),
            Column("place", label(_("Place"))),
            Column("rules", label(_("Rules breached"))),
            Column("due", label(_("Deadline (China time)"))),
            Column("clock", label(_("Time left"))),
            Column("overdue", label(_("Overdue"))),
        ),
        rows=rows,
        empty=label(_("No rectification order within your reach.")),
        note=label(_("The most urgent deadline first; closed and escalated orders last.")),
    )


def _labelled(language: str) -> Any:
    return lambda message: render(message, language)


@router.get("/orders")
def orders_page(request: Request, caller: Reader) -> Response:
    language = page_language(request)
    view = list_table(request, caller, language)
    if (exported := export_response([view], request, language)) is not None:
        return exported
    values = {
        "table_view": view,
        "here": str(request.url),
        "may_issue": caller.may(Permission.order_issue)
        and caller.organisation.kind is not OrganisationKind.carrier,
    }
    return render_page(request, caller, "orders.html", values, title=view.title)


def _errors(problems: list[Problem], language: str) -> dict[str, str]:
    found: dict[str, str] = {}
    for problem in problems:
        found.setdefault(problem.location.split("[")[0], render(problem.message, language))
    return found


def _new_page(
    request: Request,
    caller: Principal,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    status: int = 200,
) -> Response:
    language = page_language(request)
    english = not language.startswith("zh")
    page = {
        "rules": [
            (rule.key, f"{rule.citation} · {rule.text_en if english else rule.text_zh}")
            for rule in security_rules().values()
        ],
        "values": values
        or {"deadline": "10d", "finding_id": request.query_params.get("finding", "")[:12]},
        "errors": errors or {},
    }
    title = render(_("Issue a rectification order"), language)
    return render_page(request, caller, "order_new.html", page, status=status, title=title)


@router.get("/orders/new")
def new_order_page(request: Request, caller: Issuer) -> Response:
    return _new_page(request, caller)


@router.post("/orders/new")
async def issue_order_form(request: Request, caller: Issuer) -> Response:
    """Issue the order; back to the form with every mistake beside its field."""
    language = page_language(request)
    form = await request.form()
    values = {name: str(form.get(name, ""))[:20_000] for name in FORM_FIELDS}
    rules = tuple(str(rule)[:48] for rule in form.getlist("rules"))[:20]
    finding = values["finding_id"].strip()
    if finding and not finding.isdigit():
        problem = Problem("finding_id", _("give the finding's number"))
        return _new_page(request, caller, values, _errors([problem], language), 422)
    draft = OrderDraft(
        requirement=values["requirement"], deadline=values["deadline"], rule_keys=rules,
        finding_id=int(finding) if finding else None, carrier=values["carrier"] or None,
        region=values["region"].strip() or None, node_id=values["node_id"].strip() or None,
        place=values["place"], facts=values["facts"],
    )  # fmt: skip
    try:
        view = issue_order(_store(request), draft, actor=caller)
    except InvalidInputError as error:
        return _new_page(request, caller, values, _errors(error.problems, language), 422)
    except (ForbiddenError, NotFoundError) as error:
        errors = {"carrier": render(error.message, language)}
        return _new_page(request, caller, values, errors, 403)
    return RedirectResponse(order_path(view.reference), status_code=303)


def _steps_table(view: OrderView, language: str) -> TableView:
    label = _labelled(language)
    rows: list[dict[str, Any]] = [
        {
            "seq": step.seq, "step": render(step_label(step.step), language),
            "state": render(state_label(step.state), language), "at": step.at,
            "actor": step.actor, "text": step.text,
        }
        for step in view.steps
    ]  # fmt: skip
    return TableView(
        key="steps",
        title=label(_("The order's history, in order")),
        columns=(
            Column("seq", label(_("No.")), digits=0),
            Column("step", label(_("Step"))),
            Column("state", label(_("State after it"))),
            Column("at", label(_("At (China time)"))),
            Column("actor", label(_("By"))),
            Column("text", label(_("Text"))),
        ),
        rows=rows,
        filename=f"{view.reference}-history",
    )


def _facts(view: OrderView, language: str) -> list[tuple[str, str]]:
    order, clock = view.order, view.clock
    rules = security_rules()
    cited = "; ".join(
        f"{rules[key].citation} ({key})" if key in rules else key for key in order.rule_keys
    )
    facts: list[tuple[Message, str]] = [
        (_("State"), render(state_label(order.state), language)),
        (_("Carrier"), order.carrier),
        (_("Region"), order.region),
        (_("Place"), order.place),
        (_("From finding"), "—" if order.finding_id is None else str(order.finding_id)),
        (_("Facts"), order.facts),
        (_("Rules breached"), cited),
        (_("What to rectify"), order.requirement),
        (_("Issued by"), f"{order.issued_by} · {_when(order.issued_at)}"),
    ]
    if clock is not None:
        counted = render(basis_label(clock.basis), language)
        limit = "" if clock.limit is None else f"{clock.limit} · "
        facts += [
            (_("Deadline (China time)"), _when(clock.due_at)),
            (_("Time left"), remaining_words(clock, language)),
            (_("Clock rule"), f"{clock.rule_key} · {limit}{counted}"),
            (_("Source"), clock.source),
        ]
        if clock.first_due_at != clock.due_at:
            facts.append((_("First deadline, before the extension"), _when(clock.first_due_at)))
    return [(render(name, language), value) for name, value in facts]


def _order_page(
    request: Request,
    caller: Principal,
    reference: str,
    *,
    status: int = 200,
    message: str = "",
    errors: dict[str, str] | None = None,
) -> Response:
    language = page_language(request)
    view = get_order(_store(request), reference, actor=caller)
    table = _steps_table(view, language)
    if (exported := export_response([table], request, language)) is not None:
        return exported
    values = {
        "order": view.order,
        "state_label": render(state_label(view.state), language),
        "overdue": view.clock is not None and view.clock.overdue,
        "facts": _facts(view, language),
        "steps_view": table,
        "allowed": [step for step in view.allowed if not step.startswith("penalty.")],
        "penalty": view.penalty,
        "penalty_path": None if view.penalty is None else penalty_path(view.penalty.reference),
        "message": message,
        "errors": errors or {},
        "here": str(request.url),
        "path": order_path(reference),
    }
    return render_page(request, caller, "order.html", values, status=status, title=view.reference)


@router.get("/orders/{reference}")
def order_page(request: Request, caller: Reader, reference: str) -> Response:
    return _order_page(request, caller, reference)


def _version(text: str) -> int:
    if not text.isdigit():
        problem = Problem("version", _("reload the page: the form lost its version"))
        raise InvalidInputError(_("The step has mistakes."), [problem])
    return int(text)


def _refused(
    page: Any, request: Request, caller: Principal, reference: str, error: Exception
) -> Response:
    language = page_language(request)
    if isinstance(error, InvalidInputError):
        return page(  # type: ignore[no-any-return]
            request, caller, reference, status=422,
            message=render(error.message, language), errors=_errors(error.problems, language),
        )  # fmt: skip
    status = 403 if isinstance(error, ForbiddenError) else 409
    message = render(error.message, language)  # type: ignore[attr-defined]
    return page(request, caller, reference, status=status, message=message)  # type: ignore[no-any-return]


async def _files(request: Request) -> tuple[dict[str, str], list[EvidenceFile]]:
    form = await request.form()
    try:
        values = {key: str(value)[:20_000] for key, value in form.items() if isinstance(value, str)}
        files = [
            EvidenceFile(item.filename or "evidence", await item.read())
            for item in form.getlist("files")
            if isinstance(item, UploadFile) and item.filename
        ]
    finally:
        await form.close()
    return values, files


@router.post("/orders/{reference}/steps")
async def step_form(request: Request, caller: Actor, reference: str) -> Response:
    """Take one step (the form's ``step``); back to the order, a refusal shown above it."""
    values, files = await _files(request)
    step = values.get("step", "")
    store = _store(request)
    try:
        version = _version(values.get("version", ""))
        if step == "respond":
            respond_to_order(store, reference, expected_version=version,
                             text=values.get("text", ""), files=files, actor=caller)  # fmt: skip
        elif step == "request_extension":
            request_extension(store, reference, expected_version=version,
                              reason=values.get("text", ""),
                              deadline=values.get("deadline", ""), actor=caller)  # fmt: skip
        elif step in {"grant_extension", "refuse_extension"}:
            answer_extension(store, reference, expected_version=version,
                             grant=step == "grant_extension", reason=values.get("text", ""),
                             actor=caller)  # fmt: skip
        elif step in {"recheck_pass", "recheck_fail"}:
            recheck_order(store, reference, expected_version=version,
                          passed=step == "recheck_pass", text=values.get("text", ""),
                          actor=caller)  # fmt: skip
        elif step == "escalate":
            escalate_order(store, reference, expected_version=version,
                           text=values.get("text", ""), actor=caller)  # fmt: skip
        else:
            problem = Problem("step", _("choose one of the order's steps"))
            raise InvalidInputError(_("The step has mistakes."), [problem])
    except REFUSALS as error:
        return _refused(_order_page, request, caller, reference, error)
    return RedirectResponse(order_path(reference) + "?" + urlencode({"done": step}), 303)


def _penalty_page(
    request: Request,
    caller: Principal,
    reference: str,
    *,
    status: int = 200,
    message: str = "",
    errors: dict[str, str] | None = None,
) -> Response:
    language = page_language(request)
    view = get_penalty(_store(request), reference, actor=caller)
    values = {
        "case": view.penalty,
        "view": view,
        "state_label": render(state_label(view.state), language),
        "order_path": order_path(view.order.reference),
        "allowed": list(view.allowed),
        "message": message,
        "errors": errors or {},
        "path": penalty_path(reference),
    }
    return render_page(request, caller, "penalty.html", values, status=status, title=reference)


@router.get("/penalties/{reference}")
def penalty_page(request: Request, caller: Reader, reference: str) -> Response:
    return _penalty_page(request, caller, reference)


def _amount(text: str, where: str) -> int | None:
    cleaned = text.strip().replace(",", "")
    if not cleaned:
        return None
    if not cleaned.isdigit() or len(cleaned) > 12:
        problem = Problem(where, _("give a whole number of yuan"))
        raise InvalidInputError(_("The penalty step has mistakes."), [problem])
    return int(cleaned)


@router.post("/penalties/{reference}/steps")
async def penalty_form(request: Request, caller: Actor, reference: str) -> Response:
    """Propose or decide the fine, or decide not to punish; back to the case."""
    values, _files_sent = await _files(request)
    step, store = values.get("step", ""), _store(request)
    try:
        version = _version(values.get("version", ""))
        reason = values.get("reason", "")
        if step == "not_punish":
            not_punish(store, reference, expected_version=version, reason=reason, actor=caller)
        elif step in {"propose", "decide"}:
            company = _amount(values.get("company_fine", ""), "company_fine")
            if company is None:
                problem = Problem("company_fine", _("is required"))
                raise InvalidInputError(_("The penalty step has mistakes."), [problem])
            take = propose_penalty if step == "propose" else decide_penalty
            take(store, reference, expected_version=version, company_fine=company,
                 person_fine=_amount(values.get("person_fine", ""), "person_fine"),
                 serious=values.get("serious") == "yes", reason=reason, actor=caller)  # fmt: skip
        else:
            problem = Problem("step", _("choose one of the case's steps"))
            raise InvalidInputError(_("The penalty step has mistakes."), [problem])
    except REFUSALS as error:
        return _refused(_penalty_page, request, caller, reference, error)
    return RedirectResponse(penalty_path(reference) + "?" + urlencode({"done": step}), 303)

"""The pages where a city's complaint desk (a regulator's complaint handler) and a carrier's
service centre work their complaints (投诉) and appeals (申诉) every day.

- ``/app/cases`` (``case.read``): the cases within reach, filtered (kind, state, carrier, due,
  text, received between two days) and paged; each row with its next deadline — the running
  clock due first, its rule and basis, and a mark when it is overdue; the rows shown export to
  CSV and Excel.
- ``/app/cases/new`` (``case.handle``, :mod:`.case_forms`): record a complaint (a carrier) or
  an appeal (a postal administration); every mistake beside its field, the form kept.
- ``/app/cases/{reference}`` (``case.read``): the case — its facts, the complainant masked,
  every clock with its rule, limit, basis, source, counting convention, due moment and
  outcome, the history of steps, the evidence, and one form per step this user may take now
  (each carrying the version of the case it was read at).
- ``POST /app/cases/{reference}/steps`` (``case.handle``): take a step. Someone else's change
  since the page was read is a conflict: nothing is recorded, the page shows the case as it
  now is and keeps what was typed.
- ``POST /app/cases/{reference}/personal`` (``case.personal_read``): the complainant in clear,
  for a handling role of a side working the case; the application layer audits the read.

A panel of open cases (by state, overdue, due within 24 hours) joins the command centre and
the network desk. Who sees which case, and who may take which step, is the application
layer's decision (:mod:`peakguard.app.cases`); these pages show what it answers.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import RedirectResponse, Response

from peakguard.app.case_drafts import CaseQuery
from peakguard.app.case_views import CaseView
from peakguard.app.cases import get_case, list_cases, take_step
from peakguard.cases.model import (
    Action,
    AppealState,
    CaseKind,
    Category,
    ComplaintState,
    RejectionReason,
)
from peakguard.errors import (
    IllegalTransitionError,
    InvalidInputError,
    Problem,
    StaleRecordError,
)
from peakguard.i18n import _, render
from peakguard.identity.model import OrganisationKind, Permission, Principal
from peakguard.store.database import Store
from peakguard.web.pages.access import page_requires
from peakguard.web.pages.case_forms import STEP_FIELDS, StepForm, errors_of
from peakguard.web.pages.case_panel import OPEN, CasesPanel, every_open_state
from peakguard.web.pages.case_views import (
    CASES,
    action_text,
    carrier_choices,
    case_path,
    category_text,
    clock_table,
    evidence_table,
    facts,
    history_table,
    kind_text,
    list_table,
    need_text,
    reason_text,
    record_label,
    recordable,
    state_text,
)
from peakguard.web.pages.navigation import NavItem
from peakguard.web.pages.panels import COMMAND_CENTRE, NETWORK_DESK
from peakguard.web.pages.rendering import page_language, render_page
from peakguard.web.pages.tables import export_response

router = APIRouter(prefix="/app", include_in_schema=False)
NAVIGATION = (
    NavItem(
        CASES,
        _("Cases"),
        Permission.case_read,
        5,
        # A carrier's complaint handler has no network desk: it lands on its cases.
        kinds=frozenset({OrganisationKind.regulator, OrganisationKind.carrier}),
    ),
)
Reader = Annotated[Principal, page_requires(Permission.case_read)]
Handler = Annotated[Principal, page_requires(Permission.case_handle)]
Revealer = Annotated[Principal, page_requires(Permission.case_personal_read)]
Text = Annotated[str, Query(max_length=200)]
PageNumber = Annotated[int, Query(ge=1, le=1_000_000)]
Field = Annotated[str, Form(max_length=20_000)]
"""A form field: long enough that the application layer's own limit locates an overlong text."""

PAGE_SIZE = 50
DUE_SOON = timedelta(hours=24)
ORDERS = {
    "deadline": _("Most urgent deadline first"),
    "-received_at": _("Newest received first"),
    "received_at": _("Oldest received first"),
    "-updated_at": _("Last changed first"),
    "reference": _("By reference"),
}
"""The orders the list offers (the application layer's names); the first is the default."""
DUE_CHOICES = {"overdue": _("Overdue only"), "24h": _("Due within 24 hours (overdue included)")}

COMMAND_CENTRE.add(CasesPanel())
NETWORK_DESK.add(CasesPanel())


def _store(request: Request) -> Store:
    store: Store = request.app.state.store
    return store


def _now() -> datetime:
    return datetime.now(UTC)


def _refused(where: str, message: Any) -> InvalidInputError:
    return InvalidInputError(message, [Problem(where, message)])


# --- the list ---------------------------------------------------------------------------------


def _day(text: str, where: str) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise _refused(
            where, _("{value} is not a day; write it as 2026-10-08", value=text)
        ) from None


def state_choices(language: str) -> list[tuple[str, str]]:
    """Every open state at once, then every state of either kind (an appeal's wording where
    both kinds have the state)."""
    chosen = [(OPEN, render(_("Every open state"), language))]
    chosen += [(s.value, state_text("appeal", s.value, language)) for s in AppealState]
    values = {value for value, _label in chosen}
    chosen += [
        (s.value, state_text("complaint", s.value, language))
        for s in ComplaintState
        if s.value not in values
    ]
    return chosen


def _pages(request: Request, page: int, pages: int) -> dict[str, str]:
    pairs = [(k, v) for k, v in request.query_params.multi_items() if k not in ("export", "table")]

    def link(number: int) -> str:
        kept = [(k, v) for k, v in pairs if k != "page"]
        return request.url.path + "?" + urlencode([*kept, ("page", str(number))])

    return {
        "previous": link(page - 1) if page > 1 else "",
        "next": link(page + 1) if page < pages else "",
    }


def _list_query(
    language: str,
    kind: str,
    state: str,
    carrier: str,
    due: str,
    q: str,
    received_from: str,
    received_to: str,
    order: str,
    page: int,
) -> CaseQuery:
    """The list's filters as a query, each unknown choice refused at its field."""
    kinds: tuple[CaseKind, ...] = ()
    if kind:
        if kind not in CaseKind.__members__:
            raise _refused("kind", _("{value} is not one of the choices offered", value=kind))
        kinds = (CaseKind(kind),)
    if state and state not in {value for value, _label in state_choices(language)}:
        raise _refused("state", _("{value} is not one of the choices offered", value=state))
    if order and order not in ORDERS:
        raise _refused("order", _("{value} is not one of the choices offered", value=order))
    if due and due not in DUE_CHOICES:
        raise _refused("due", _("{value} is not one of the choices offered", value=due))
    return CaseQuery(
        kinds=kinds,
        states=every_open_state() if state == OPEN else (state,) if state else (),
        carriers=(carrier.strip().upper(),) if carrier.strip() else (),
        overdue=bool(due),
        search=q.strip() or None,
        received_from=_day(received_from, "received_from"),
        received_to=_day(received_to, "received_to"),
        offset=(page - 1) * PAGE_SIZE,
        limit=PAGE_SIZE,
        order=order or next(iter(ORDERS)),
    )


@router.get("/cases")
def cases_page(
    request: Request,
    caller: Reader,
    kind: Text = "",
    state: Text = "",
    carrier: Text = "",
    due: Text = "",
    q: Text = "",
    received_from: Text = "",
    received_to: Text = "",
    order: Text = "",
    page: PageNumber = 1,
) -> Response:
    """The cases within the caller's reach that match the filters, 50 a page, the most urgent
    deadline first unless another order is asked for."""
    language = page_language(request)
    query = _list_query(
        language, kind, state, carrier, due, q, received_from, received_to, order, page
    )
    now = _now()
    # "Due within 24 hours": the cases with a running clock past its deadline 24 hours from now.
    asked_at = now + DUE_SOON if due == "24h" else now
    listed = list_cases(_store(request), query, actor=caller, now=asked_at)
    pages = max(1, -(-listed.total // PAGE_SIZE))
    first = query.offset + 1
    shown = len(listed.cases)
    note = (
        render(
            _(
                "{total} cases match; {first}–{last} shown. Order: {order}. A row marked "
                "overdue has a clock past its deadline; a deadline at 00:00 is the end of the "
                "day before.",
                total=listed.total,
                order=ORDERS[query.order],
                first=first,
                last=query.offset + shown,
            ),
            language,
        )
        if shown
        else ""
    )
    view = list_table(listed.cases, now, language, note)
    if (exported := export_response([view], request, language)) is not None:
        return exported
    values = {
        "view": view,
        "page": min(page, pages),
        "pages": pages,
        "page_links": _pages(request, page, pages),
        "filters": {
            "kind": kind,
            "state": state,
            "carrier": carrier,
            "due": due,
            "q": q,
            "received_from": received_from,
            "received_to": received_to,
            "order": order,
        },
        "kinds": [(k.value, kind_text(k.value, language)) for k in CaseKind],
        "states": state_choices(language),
        "carriers": carrier_choices(caller, language),
        "orders": [(value, render(text, language)) for value, text in ORDERS.items()],
        "dues": [(value, render(text, language)) for value, text in DUE_CHOICES.items()],
        "record": [(k.value, record_label(k, language)) for k in recordable(caller)],
    }
    title = render(_("Cases"), language)
    return render_page(request, caller, "cases.html", values, title=title)


# --- one case ---------------------------------------------------------------------------------


def may_reveal(caller: Principal, view: CaseView) -> bool:
    """Whether to offer "show in clear": a handling role of a side that works the case (the
    application layer decides again, and audits, when it is pressed)."""
    person = view.complainant
    if view.personal_data_removed or not (person.name or person.phone or person.address):
        return False
    if not caller.may(Permission.case_personal_read):
        return False
    kind = caller.organisation.kind
    if kind in (OrganisationKind.system, OrganisationKind.regulator):
        return True
    return kind is OrganisationKind.carrier and caller.organisation.carrier == view.carrier


def _step_forms(view: CaseView, failed: StepForm | None, language: str) -> list[dict[str, Any]]:
    forms = []
    for move in view.allowed:
        mine = failed is not None and failed.action == move.action
        forms.append(
            {
                "action": move.action,
                "label": action_text(move.action, language),
                "target": state_text(view.kind, move.target, language),
                "needs": {str(need) for need in move.needs},
                "need_labels": [need_text(str(need), language) for need in move.needs],
                "values": failed.typed() if mine and failed else {},
                "errors": failed.errors if mine and failed else {},
            }
        )
    return forms


def _case_page(
    request: Request,
    caller: Principal,
    view: CaseView,
    *,
    status: int = 200,
    revealed: bool = False,
    failed: StepForm | None = None,
    message: str = "",
) -> Response:
    language = page_language(request)
    now = _now()
    tables = [
        clock_table(view, now, language),
        history_table(view, language),
        evidence_table(view, language),
    ]
    if request.method == "GET":
        exported = export_response(tables, request, language)
        if exported is not None:
            return exported
    forms = _step_forms(view, failed, language)
    offered = {form["action"] for form in forms}
    kept = failed.typed() if failed is not None and failed.action not in offered else {}
    done = request.query_params.get("done", "")
    values = {
        "case": view,
        "kind_label": kind_text(view.kind, language),
        "state_label": state_text(view.kind, view.state, language),
        "facts": facts(view, language),
        "complainant": view.complainant,
        "may_reveal": may_reveal(caller, view),
        "revealed": revealed,
        "clock_view": tables[0],
        "history_view": tables[1],
        "evidence_view": tables[2],
        "step_forms": forms,
        "message": message,
        "general_errors": [
            text
            for where, text in (failed.errors if failed else {}).items()
            if where not in STEP_FIELDS
        ],
        "kept": [(_field_label(name, language), text) for name, text in kept.items() if text],
        "done": action_text(done, language) if done in Action.__members__ else "",
        "reasons": [(r.value, reason_text(r.value, language)) for r in RejectionReason],
        "categories": [(c.value, category_text(c.value, language)) for c in Category],
        "open_kind": view.kind,
    }
    title = f"{view.reference} · {values['state_label']}"
    return render_page(request, caller, "case.html", values, status=status, title=title)


def _field_label(name: str, language: str) -> str:
    """A step's field as the page names it (what was typed is shown under these names)."""
    if name == "finding_category":
        return render(_("Responsibility category"), language)
    return need_text(name, language)


def _refusal_message(
    error: StaleRecordError | IllegalTransitionError, view: CaseView, read: int, language: str
) -> str:
    """Why a step was refused: someone else changed the case since the form was read (also
    when that change is why the step no longer applies), or the step is not one the case can
    take; with the steps the reader may take now."""
    allowed = ", ".join(action_text(move.action, language) for move in view.allowed)
    steps = render(_("The steps you may take now: {steps}.", steps=allowed or "—"), language)
    if isinstance(error, StaleRecordError) or view.version != read:
        changed = _(
            "Someone else changed this case since you opened it: it is now “{state}”. Nothing "
            "of your step was recorded. Read the case as it is now; what you typed is kept "
            "below, to send again if it still applies.",
            state=state_text(view.kind, view.state, language),
        )
        return render(changed, language) + " " + steps
    return render(error.message, language) + " " + steps


@router.get("/cases/{reference}")
def case_page(request: Request, caller: Reader, reference: str) -> Response:
    """The case as the caller may see it, with the steps the caller may take now."""
    return _case_page(request, caller, get_case(_store(request), reference, actor=caller))


@router.post("/cases/{reference}/personal")
def reveal_personal(request: Request, caller: Revealer, reference: str) -> Response:
    """The case with its complainant's name, phone and address in clear (the read is
    recorded in the audit trail; a reload of the case page masks them again)."""
    view = get_case(_store(request), reference, actor=caller, reveal=True)
    return _case_page(request, caller, view, revealed=True)


@router.post("/cases/{reference}/steps")
def take_case_step(
    request: Request,
    caller: Handler,
    reference: str,
    action: Field = "",
    version: Field = "",
    answer: Field = "",
    reason: Field = "",
    finding: Field = "",
    finding_category: Field = "",
    call_back: Field = "",
    carrier_organisation: Field = "",
    note: Field = "",
) -> Response:
    """Take the step ``action`` at the version of the case the form was read at; back to the
    case. A mistake is shown beside its field, a change by someone else or a step the case
    can no longer take above the forms; what was typed is kept either way."""
    language = page_language(request)
    store = _store(request)
    form = StepForm(
        action, version, answer, reason, finding, finding_category, call_back,
        carrier_organisation, note,
    )  # fmt: skip
    problems: list[Problem] = []
    expected = form.expected_version(problems)
    given = form.step_input(problems)
    if problems:
        form.errors = errors_of(problems, language)
        view = get_case(store, reference, actor=caller)
        return _case_page(request, caller, view, failed=form, status=422)
    try:
        take_step(store, reference, action, expected_version=expected, given=given, actor=caller)
    except (StaleRecordError, IllegalTransitionError) as error:
        view = get_case(store, reference, actor=caller)
        message = _refusal_message(error, view, expected, language)
        return _case_page(request, caller, view, failed=form, status=409, message=message)
    except InvalidInputError as error:
        form.errors = errors_of(error.problems, language)
        view = get_case(store, reference, actor=caller)
        return _case_page(
            request, caller, view, failed=form, status=422, message=render(error.message, language)
        )
    target = case_path(reference) + "?" + urlencode({"done": action})
    return RedirectResponse(target, status_code=303)

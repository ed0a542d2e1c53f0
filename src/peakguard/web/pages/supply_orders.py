"""The pages where a provincial company's supply task force and its supplier platform follow
supply orders (订单需求表, seed 004), and a regulator reads them.

- ``/app/supply`` (``supply.read``): the open orders within reach, each with its present clock
  (rule, due moment China time, state), the late ones first; the closed and cancelled below.
- ``POST /app/supply/orders`` (``supply.order``): the overview's form opening an order from
  its fields and an uploaded sheet (:mod:`peakguard.web.pages.supply_forms`).
- ``/app/supply/orders/{reference}`` (``supply.read``): the order, its lines and delivery
  points, its clocks (rule, basis, limit, source, due moment, state), its steps with side,
  actor and time, and one form per step the caller's side may take now, each carrying the
  version read.

Who sees which order and who may take which step is the application layer's decision
(:mod:`peakguard.app.supply_orders`); these pages show what it answers.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from peakguard.app.supply_orders import (
    ClockView,
    SupplyOrderView,
    get_supply_order,
    list_supply_orders,
    open_supply_order,
    step_supply_order,
)
from peakguard.domain.scans import CHINA_STANDARD_TIME
from peakguard.errors import (
    ForbiddenError,
    IllegalTransitionError,
    InvalidInputError,
    Problem,
    StaleRecordError,
)
from peakguard.i18n import Message, _, render
from peakguard.identity.model import OrganisationKind, Permission, Principal
from peakguard.store.database import Store
from peakguard.supply.model import OrderKind
from peakguard.supply.orders import (
    OPEN_STATES,
    Party,
    clock_label,
    clock_state_label,
    delivery_kind_label,
    order_kind_label,
    party_name,
    state_label,
    step_label,
)
from peakguard.web.pages.access import page_requires
from peakguard.web.pages.case_views import basis_text
from peakguard.web.pages.navigation import NavItem
from peakguard.web.pages.rendering import page_language, render_page
from peakguard.web.pages.supply_forms import OpenForm, form_values, read_open_form
from peakguard.web.pages.tables import Column, TableView, export_response

SUPPLY = "/app/supply"
router = APIRouter(prefix="/app", include_in_schema=False)
NAVIGATION: tuple[NavItem, ...] = (
    NavItem(
        SUPPLY,
        _("Supply orders"),
        Permission.supply_read,
        48,
        kinds=frozenset(
            {OrganisationKind.regulator, OrganisationKind.carrier, OrganisationKind.platform}
        ),
    ),
)
Reader = Annotated[Principal, page_requires(Permission.supply_read)]
Orderer = Annotated[Principal, page_requires(Permission.supply_order)]
REFUSALS = (InvalidInputError, StaleRecordError, IllegalTransitionError, ForbiddenError)


def _store(request: Request) -> Store:
    store: Store = request.app.state.store
    return store


def order_path(reference: str) -> str:
    return f"{SUPPLY}/orders/{quote(reference, safe='')}"


def _when(moment: datetime | None) -> str:
    if moment is None:
        return "—"
    return moment.astimezone(CHINA_STANDARD_TIME).strftime("%Y-%m-%d %H:%M")


def _clock_words(clock: ClockView | None, language: str) -> str:
    if clock is None:
        return "—"
    words = render(clock_state_label(clock.state), language)
    if clock.remaining is not None:
        hours = clock.remaining.total_seconds() / 3600
        left: Message = (
            _("overdue by {hours:.1f} h", hours=-hours)
            if hours < 0
            else _("{hours:.1f} h left", hours=hours)
        )
        words = render(left, language)
    return words


def _overview_table(request: Request, caller: Principal, language: str) -> TableView:
    found = list_supply_orders(_store(request), caller, now=datetime.now(UTC))
    rows: list[dict[str, Any]] = [
        {
            "reference": line.reference, "link": order_path(line.reference),
            "state": render(state_label(line.order.state), language),
            "title": line.order.title, "region": line.order.region,
            "kind": render(order_kind_label(line.order.kind), language),
            "needed": _when(line.order.needed_by),
            "clock": "—" if line.clock is None else render(clock_label(line.clock.rule_key),
                                                           language),
            "due": _when(line.due_at), "left": _clock_words(line.clock, language),
            "clock_state": "" if line.clock is None
            else render(clock_state_label(line.clock.state), language),
            "breached": "" if line.clock is None else _when(line.clock.clock.breached_at),
            "late": render(_("late"), language) if line.late else "",
            "open": line.order.state in OPEN_STATES,
        }
        for line in found
    ]  # fmt: skip
    rows.sort(key=lambda row: not row["open"])
    label = _labelled(language)
    return TableView(
        key="supply_orders",
        title=label(_("Supply orders")),
        columns=(
            Column("reference", label(_("Reference")), link="link"),
            Column("state", label(_("State"))),
            Column("title", label(_("Order requirement sheet"))),
            Column("kind", label(_("Kind"))),
            Column("region", label(_("Controlled area"))),
            Column("needed", label(_("Needed by"))),
            Column("clock", label(_("Clock"))),
            Column("due", label(_("Due (China time)"))),
            Column("left", label(_("Time left"))),
            Column("clock_state", label(_("Clock state"))),
            Column("breached", label(_("Breach recorded"))),
            Column("late", label(_("Late"))),
        ),
        rows=rows,
        empty=label(_("No supply order within your reach.")),
        note=label(_("Open orders first, the late ones at the top; then by due moment.")),
    )


def _labelled(language: str) -> Any:
    return lambda message: render(message, language)


def may_open(caller: Principal) -> bool:
    """Whether the overview offers the form that opens an order (a carrier's company)."""
    kinds = {OrganisationKind.carrier, OrganisationKind.system}
    return caller.may(Permission.supply_order) and caller.organisation.kind in kinds


def _supply_page(
    request: Request, caller: Principal, opened: OpenForm | None = None, status: int = 200
) -> Response:
    language = page_language(request)
    view = _overview_table(request, caller, language)
    if (exported := export_response([view], request, language)) is not None:
        return exported
    opened = opened or OpenForm({"kind": OrderKind.direct_purchase.value})
    values = {
        "table_view": view, "here": str(request.url), "may_open": may_open(caller),
        "system": caller.organisation.kind is OrganisationKind.system,
        "kinds": [(kind.value, render(order_kind_label(kind), language)) for kind in OrderKind],
        "values": form_values(opened.values), "errors": opened.errors,
        "sheet_errors": opened.sheet_errors,
    }  # fmt: skip
    return render_page(
        request, caller, "supply_orders.html", values, status=status, title=view.title
    )


@router.get("/supply")
def supply_page(request: Request, caller: Reader) -> Response:
    return _supply_page(request, caller)


@router.get("/supply/orders")
def orders_list(caller: Reader) -> Response:
    """The orders are listed on the overview (an address typed by hand, a link cut short)."""
    return RedirectResponse("/app/supply", 303)


@router.post("/supply/orders")
async def open_order_form(request: Request, caller: Orderer) -> Response:
    """Open (draft) an order from the form and its uploaded sheet; back to the overview with
    every mistake beside its field, nothing written, or on to the new order's page."""
    language = page_language(request)
    form = await request.form()
    try:
        opened, draft = await read_open_form(form, language)
    finally:
        await form.close()
    if draft is not None:
        try:
            view = open_supply_order(_store(request), caller, draft, now=datetime.now(UTC))
        except InvalidInputError as error:
            opened.refuse(list(error.problems), language)
        except ForbiddenError as error:
            opened.errors["region"] = render(error.message, language)
        else:
            return RedirectResponse(order_path(view.reference), 303)
    return _supply_page(request, caller, opened, status=422)


def _tables(view: SupplyOrderView, language: str) -> list[TableView]:
    label = _labelled(language)
    lines = TableView(
        key="lines", title=label(_("Bundles ordered")),
        columns=(Column("bundle", label(_("Bundle"))), Column("quantity", label(_("Sets"))),
                 Column("source", label(_("Source")))),
        rows=[{"bundle": x.bundle, "quantity": x.quantity, "source": x.source}
              for x in view.lines],
        empty=label(_("No line.")),
    )  # fmt: skip
    points = TableView(
        key="deliveries", title=label(_("Delivery points")),
        columns=(Column("code", label(_("Code"))), Column("name", label(_("Name"))),
                 Column("kind", label(_("Kind"))), Column("quantity", label(_("Sets"))),
                 Column("window", label(_("Window"))), Column("leader", label(_("Group leader")))),
        rows=[{"code": p.place.code, "name": p.place.name,
               "kind": label(delivery_kind_label(p.kind)),
               "quantity": p.quantity, "leader": leader,
               "window": f"{p.opens:%H:%M}–{p.closes:%H:%M}"} for p, leader in view.deliveries],
        empty=label(_("No delivery point.")),
    )  # fmt: skip
    clocks = TableView(
        key="clocks", title=label(_("Clocks")),
        columns=(Column("rule", label(_("Clock"))), Column("basis", label(_("Basis"))),
                 Column("source", label(_("Source"))), Column("started", label(_("Started"))),
                 Column("due", label(_("Due (China time)"))), Column("state", label(_("State"))),
                 Column("breached", label(_("Breach recorded")))),
        rows=[{"rule": label(clock_label(c.rule_key)),
               "basis": f"{c.clock.limit_value} {basis_text(c.clock.basis, language)}",
               "source": c.clock.source,
               "started": _when(c.clock.started_at), "due": _when(c.due_at),
               "state": _clock_words(c, language), "breached": _when(c.clock.breached_at)}
              for c in view.clocks],
        empty=label(_("No clock has started: the sheet is not sent.")),
    )  # fmt: skip
    steps = TableView(
        key="steps", title=label(_("Steps")),
        columns=(Column("seq", "#"), Column("step", label(_("Step"))),
                 Column("side", label(_("Side"))), Column("actor", label(_("Actor"))),
                 Column("at", label(_("Time (China time)"))), Column("text", label(_("Note")))),
        rows=[{"seq": s.seq, "step": label(step_label(s.step)), "side": _side(s.side, label),
               "actor": s.actor, "at": _when(s.at), "text": s.text} for s in view.steps],
        empty=label(_("No step.")),
    )  # fmt: skip
    return [lines, points, clocks, steps]


def _side(side: str, label: Any) -> str:
    """A step's side in words (the system's own steps keep their code)."""
    return str(label(party_name(Party(side)))) if side in tuple(Party) else side


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
    view = get_supply_order(_store(request), caller, reference, now=datetime.now(UTC))
    tables = _tables(view, language)
    if (exported := export_response(tables, request, language)) is not None:
        return exported
    order = view.order
    facts = [
        (_("Kind"), render(order_kind_label(order.kind), language)),
        (_("Controlled area"), order.region),
        (_("Ordering company"), view.company), (_("Supplier platform"), view.supplier),
        (_("Customer"), order.customer or "—"), (_("Needed by"), _when(order.needed_by)),
        (_("Note"), order.note or "—"), (_("Cancelled because"), order.cancel_reason or "—"),
    ]  # fmt: skip
    values = {
        "order": order,
        "state_label": render(state_label(order.state), language),
        "late": any(clock.overdue for clock in view.clocks if clock.state == "running"),
        "facts": [(render(name, language), value) for name, value in facts],
        "tables": tables,
        "allowed": [(step, render(step_label(step), language)) for step in view.allowed],
        "message": message,
        "errors": errors or {},
        "here": str(request.url),
        "path": order_path(reference),
        "side_note": render(party_name_note(), language),
    }
    return render_page(
        request, caller, "supply_order.html", values, status=status, title=order.reference
    )


def party_name_note() -> Message:
    return _(
        "The {company} sends, confirms or returns, receives and cancels; the {supplier} "
        "quotes, contracts, allocates and hands over.",
        company=party_name(Party.company),
        supplier=party_name(Party.supplier),
    )


@router.get("/supply/orders/{reference}")
def order_page(request: Request, caller: Reader, reference: str) -> Response:
    return _order_page(request, caller, reference)


@router.post("/supply/orders/{reference}/steps")
async def step_form(request: Request, caller: Reader, reference: str) -> Response:
    """Take one step (the form's ``step``); back to the order, a refusal shown above it."""
    form = await request.form()
    values = {key: str(value)[:20_000] for key, value in form.items() if isinstance(value, str)}
    step = values.get("step", "")
    language = page_language(request)
    try:
        version = values.get("version", "")
        amount = values.get("amount", "").strip()
        if not version.isdigit():
            problem = Problem("version", _("reload the page: the form lost its version"))
            raise InvalidInputError(_("The step has mistakes."), [problem])
        try:
            total = float(amount) if amount else None
        except ValueError:
            problem = Problem("amount", _("a quotation's total in yuan, 0 or more"))
            raise InvalidInputError(_("The step has mistakes."), [problem]) from None
        step_supply_order(_store(request), caller, reference, step, expected_version=int(version),
                          text=values.get("text", ""), amount=total)  # fmt: skip
    except REFUSALS as error:
        if isinstance(error, InvalidInputError):
            errors = {p.location: render(p.message, language) for p in error.problems}
            return _order_page(request, caller, reference, status=422,
                               message=render(error.message, language), errors=errors)  # fmt: skip
        status = 403 if isinstance(error, ForbiddenError) else 409
        return _order_page(request, caller, reference, status=status,
                           message=render(error.message, language))  # fmt: skip
    return RedirectResponse(order_path(reference) + "?" + urlencode({"done": step}), 303)

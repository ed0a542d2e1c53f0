"""Supply orders (订单需求表, seed 004) as ``/supply/orders``: drafting an order requirement
sheet (a direct purchase, or a group buy's tallies), each side's steps (send, quote, confirm or
return, contract, allocate, hand over, receive, cancel), reading and listing with their clocks.

An order outside the caller's reach answers 404, as one that does not exist. A step names the
version it was decided on (``expected_version``): when someone changed the order since, it is
refused with 409 and nothing is written; a step the order's state does not allow is a 409 too.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request, Response

from peakguard.api.errors import request_language
from peakguard.api.schemas import documented
from peakguard.api.security import requires
from peakguard.api.supply_schemas import (
    StepIn,
    SupplyOrderIn,
    SupplyOrderLineOut,
    SupplyOrderOut,
    SweepOut,
    line_out,
    order_out,
)
from peakguard.app.supply_orders import (
    SupplyOrderDraft,
    SupplyOrderView,
    deployment_bundles,
    get_supply_order,
    list_supply_orders,
    open_supply_order,
    step_supply_order,
    sweep_supply_orders,
)
from peakguard.identity.model import Permission, Principal
from peakguard.store.database import Store
from peakguard.supply.orders import SupplyState

router = APIRouter(tags=["supply orders"])

Reader = Annotated[Principal, requires(Permission.supply_read)]
Orderer = Annotated[Principal, requires(Permission.supply_order)]
Reference = Annotated[str, Path(max_length=40)]


def _store(request: Request) -> Store:
    store: Store = request.app.state.store
    return store


def _language(request: Request) -> str:
    return request_language(request, request.app.state.settings.language)


def _order(request: Request, response: Response, view: SupplyOrderView) -> SupplyOrderOut:
    out = order_out(view, _language(request))
    response.headers["ETag"] = f'"{out.version}"'
    return out


@router.get("/supply/orders", response_model=list[SupplyOrderLineOut])
def list_orders(
    request: Request, actor: Reader, state: SupplyState | None = None
) -> list[SupplyOrderLineOut]:
    """The supply orders within the caller's reach, each with its present clock: the late
    ones first, then the running clocks by due moment, then the others."""
    states = None if state is None else [state.value]
    language = _language(request)
    found = list_supply_orders(_store(request), actor, states=states)
    return [line_out(summary, language) for summary in found]


@router.post(
    "/supply/orders",
    response_model=SupplyOrderOut,
    status_code=201,
    responses=documented(403, 422),
)
def open_order(
    request: Request, response: Response, body: SupplyOrderIn, actor: Orderer
) -> SupplyOrderOut:
    """Draft an order requirement sheet addressed to a supplier platform (``supplier``: its
    organisation code). 422 locates every mistake (an unknown bundle at
    ``lines[0].bundle``)."""
    lines, deliveries, tallies = body.parts()
    draft = SupplyOrderDraft(
        kind=body.kind, region=body.region, supplier=body.supplier, needed_by=body.needed_by,
        title=body.title, customer=body.customer, lines=lines, deliveries=deliveries,
        group_buy=tallies, source=body.source, carrier=body.carrier, note=body.note,
    )  # fmt: skip
    bundles = deployment_bundles(request.app.state.settings.home)
    view = open_supply_order(_store(request), actor, draft, bundles=bundles)
    response.headers["Location"] = f"/supply/orders/{view.reference}"
    return _order(request, response, view)


@router.post("/supply/orders/sweep", response_model=SweepOut)
def sweep(
    request: Request, actor: Annotated[Principal, requires(Permission.admin_manage)]
) -> SweepOut:
    """Send the reminders due and record the breaches (each once); the server's sweeps do the
    same."""
    return SweepOut(recorded=sweep_supply_orders(_store(request)))


@router.get("/supply/orders/{reference}", response_model=SupplyOrderOut, responses=documented(404))
def read(
    request: Request, response: Response, reference: Reference, actor: Reader
) -> SupplyOrderOut:
    """The order with its lines, delivery points, clocks (rule, basis, source, due moment),
    steps (side, actor, time) and the steps the caller may take now."""
    return _order(request, response, get_supply_order(_store(request), actor, reference))


@router.post(
    "/supply/orders/{reference}/steps",
    response_model=SupplyOrderOut,
    responses=documented(403, 404, 409, 422),
)
def take_step(
    request: Request, response: Response, reference: Reference, body: StepIn, actor: Reader
) -> SupplyOrderOut:
    """Take a step: the company's (``supply.order``: send, confirm, return, receive, cancel)
    or the supplier's (``supply.quote``: quote, contract, allocate, hand_over). 409 on a stale
    version or a step the order's state does not allow."""
    view = step_supply_order(
        _store(request), actor, reference, body.step.value,
        expected_version=body.expected_version, text=body.text, amount=body.amount,
    )  # fmt: skip
    return _order(request, response, view)

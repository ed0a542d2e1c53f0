"""Supply orders (订单需求表, seed 004): drafting an order requirement sheet, its steps on either
side (send, quote, confirm or return, contract, allocate, hand over, receive, cancel), reading
and listing, the sweep that reminds the side whose clock runs and records a breach at the due
moment, and an order's goods as the other areas plan them (:class:`OrderDemand`).

Every step is a move of the table in :mod:`peakguard.supply.orders`, checked against the
version the caller read (409 on a stale one), recorded as the order's numbered step and in the
audit trail (``supply_order.<step>`` on the order's reference), in one transaction with the
clocks it stops and starts.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from peakguard.app.access import reach, require
from peakguard.app.alerts import raise_alert
from peakguard.app.audit import record_in
from peakguard.app.case_calendar import calendar_in, clock_rules
from peakguard.app.case_drafts import clean_text
from peakguard.app.incidents import SWEEPER
from peakguard.app.supply_order_views import (
    ORDER_KIND,
    ClockView,
    SupplyOrderSummary,
    SupplyOrderView,
    acting_party,
    clock_view,
    record_step,
    view_in,
    visible_order,
)
from peakguard.cases.clock_labels import rule_label
from peakguard.domain.scans import CHINA_STANDARD_TIME
from peakguard.errors import ForbiddenError, InvalidInputError, Problem
from peakguard.i18n import _
from peakguard.identity.model import OrganisationKind, Permission, Principal
from peakguard.store import supply_orders as stored
from peakguard.store.database import Store, transaction
from peakguard.store.rectification import carrier_companies
from peakguard.store.supply_orders import SupplyClockRecord, SupplyOrderRecord
from peakguard.supply.bundles import load_bundles
from peakguard.supply.model import Bundle, DeliveryPoint, OrderDemand, OrderKind, OrderLine
from peakguard.supply.orders import (
    CONFIRMATION,
    OPEN_STATES,
    QUOTATION,
    REFERENCE_PREFIX,
    TEXT_REQUIRED,
    TRANSITIONS,
    GroupBuyEntry,
    Party,
    SupplyState,
    SupplyStep,
    Transition,
    aggregate_group_buy,
    outcome,
    responsible,
    sheet_problems,
    start_clock,
    transition,
)

__all__ = [
    "ClockView",
    "SupplyOrderDraft",
    "SupplyOrderSummary",
    "SupplyOrderView",
    "deployment_bundles",
    "get_supply_order",
    "list_supply_orders",
    "open_supply_order",
    "order_demand",
    "step_supply_order",
    "sweep_supply_orders",
]
TEXT_LIMIT = 4000
NEEDED_WITHIN = timedelta(days=366)
"""How far ahead a sheet's goods may be needed (a year: beyond it, a mistyped year)."""
BUNDLES_FILE = "supply_bundles.toml"
"""A deployment's own bundles, beside its settings (``<home>/supply_bundles.toml``)."""


@dataclass(frozen=True)
class SupplyOrderDraft:
    """An order requirement sheet as the provincial company writes it: a direct purchase's
    ``lines`` and ``deliveries`` (named addresses), or a group buy's leaders' tallies
    (``group_buy``), aggregated into lines by bundle and delivery points by pick-up point."""

    kind: OrderKind
    region: str
    """The controlled area's GB/T 2260 code."""
    supplier: str
    """The code of the platform organisation the sheet is addressed to."""
    needed_by: datetime
    title: str
    customer: str = ""
    lines: tuple[OrderLine, ...] = ()
    deliveries: tuple[DeliveryPoint, ...] = ()
    group_buy: tuple[GroupBuyEntry, ...] = ()
    source: str = ""
    """The group buy's default source (货源地) of goods."""
    carrier: str | None = None
    """The brand (only when the system opens it; a company orders for its own)."""
    note: str = ""


def deployment_bundles(home: Path | None) -> dict[str, Bundle]:
    """The catalogue: the packaged one with ``<home>/supply_bundles.toml`` when it exists."""
    local = None if home is None else home / BUNDLES_FILE
    return load_bundles(local if local is not None and local.is_file() else None)


# -- opening -----------------------------------------------------------------------------------


def _sheet(
    draft: SupplyOrderDraft, problems: list[Problem]
) -> tuple[tuple[OrderLine, ...], tuple[DeliveryPoint, ...], tuple[str, ...]]:
    """The lines, delivery points and their leaders of the draft."""
    if draft.kind is OrderKind.direct_purchase:
        if draft.group_buy:
            problems.append(Problem("group_buy", _("a direct purchase lists lines, not tallies")))
        return draft.lines, draft.deliveries, tuple("" for _point in draft.deliveries)
    if draft.lines or draft.deliveries:
        message = _("a group buy lists its leaders' tallies; the lines are summed from them")
        problems.append(Problem("lines", message))
    if not draft.source.strip() and any(not entry.source for entry in draft.group_buy):
        problems.append(Problem("source", _("name the source (货源地) of the tallies' goods")))
    lines, points = aggregate_group_buy(draft.group_buy, source=draft.source.strip())
    leaders: dict[str, list[str]] = {}
    for entry in draft.group_buy:
        names = leaders.setdefault(entry.point.code, [])
        if entry.leader.strip() and entry.leader.strip() not in names:
            names.append(entry.leader.strip())
    return lines, points, tuple(", ".join(leaders[p.place.code])[:200] for p in points)


def _parties(
    session: Session, actor: Principal, draft: SupplyOrderDraft, problems: list[Problem]
) -> tuple[str, int, int]:
    """The brand, the ordering company's id and the supplier's id."""
    organisation = actor.organisation
    supplier = stored.organisation(session, code=draft.supplier.strip())
    if supplier is None or supplier.kind != OrganisationKind.platform.value:
        message = _("must be the code of a platform organisation (the supplier side)")
        problems.append(Problem("supplier", message))
    if organisation.kind is OrganisationKind.carrier and organisation.id is not None:
        carrier, company = organisation.carrier or "", organisation.id
        if not reach(actor).covers(carrier, draft.region):
            raise ForbiddenError(
                _("{who} orders only for controlled areas in its own province.", who=actor.label())
            )
    else:
        carrier, company = (draft.carrier or "").strip(), 0
        province = draft.region.strip()[:2]
        found = [c for c in carrier_companies(session, carrier) if (c.region or "")[:2] == province]
        if not found:
            message = _("no provincial company of this brand is registered for the region")
            problems.append(Problem("carrier", message))
        else:
            company = found[0].id
    return carrier, company, 0 if supplier is None else supplier.id


def open_supply_order(
    store: Store,
    actor: Principal,
    draft: SupplyOrderDraft,
    *,
    now: datetime | None = None,
    bundles: Mapping[str, Bundle] | None = None,
) -> SupplyOrderView:
    """Draft an order requirement sheet (state drafted; no clock runs until it is sent)."""
    require(actor, Permission.supply_order)
    if actor.organisation.kind not in {OrganisationKind.carrier, OrganisationKind.system}:
        raise ForbiddenError(_("Only a carrier's provincial company drafts supply orders."))
    moment = now or datetime.now(UTC)
    problems: list[Problem] = []
    kind = OrderKind(draft.kind)
    lines, deliveries, leaders = _sheet(draft, problems)
    problems += sheet_problems(kind, lines, deliveries, bundles or load_bundles())
    region = draft.region.strip()
    if len(region) != 6 or not region.isdigit():
        problems.append(Problem("region", _("must be a six-digit GB/T 2260 code")))
    title = clean_text(draft.title, "title", problems, TEXT_LIMIT) or ""
    if not title:
        problems.append(Problem("title", _("give the sheet a title (whose demand, what for)")))
    customer = clean_text(draft.customer, "customer", problems, TEXT_LIMIT) or ""
    note = clean_text(draft.note, "note", problems, TEXT_LIMIT) or ""
    if draft.needed_by.tzinfo is None or draft.needed_by <= moment:
        problems.append(Problem("needed_by", _("must be a moment with its time zone, to come")))
    elif draft.needed_by - moment > NEEDED_WITHIN:
        problems.append(Problem("needed_by", _("must be within a year from now")))
    with transaction(store.sessions) as session:
        carrier, company, supplier = _parties(session, actor, draft, problems)
        if problems:
            raise InvalidInputError(_("The order requirement sheet has mistakes."), problems)
        new = stored.NewSupplyOrder(
            kind=kind.value, carrier=carrier, company_id=company, supplier_id=supplier,
            region=region, title=title, customer=customer, needed_by=draft.needed_by, note=note,
            lines=lines, deliveries=deliveries, leaders=leaders, created_by=actor.label(),
            created_at=moment,
        )  # fmt: skip
        reference = stored.next_reference(session, REFERENCE_PREFIX, moment.year)
        order = stored.insert_order(session, new, reference, SupplyState.drafted.value)
        detail = {"kind": kind.value, "sets": sum(line.quantity for line in lines),
                  "supplier": draft.supplier.strip(), "region": region}  # fmt: skip
        record_step(session, store, actor, order, "open", order.state, moment,
                    side=Party.company.value, text=title, detail=detail)  # fmt: skip
        return view_in(session, actor, order.id, moment)


# -- the steps ---------------------------------------------------------------------------------


def step_supply_order(
    store: Store,
    actor: Principal,
    reference: str,
    step: str,
    *,
    expected_version: int,
    text: str = "",
    amount: float | None = None,
    now: datetime | None = None,
) -> SupplyOrderView:
    """Take ``step`` (send, quote, confirm, return, contract, allocate, hand_over, receive,
    cancel) on the order read at ``expected_version``: stops the clock the table says (met, or
    late after its due moment) and starts the next one from ``now``. ``text``: the step's note
    (required to return a quotation or cancel: the reason); ``amount``: a quotation's total in
    yuan."""
    moment = now or datetime.now(UTC)
    problems: list[Problem] = []
    cleaned = clean_text(text, "text", problems, TEXT_LIMIT) or ""
    if step in TEXT_REQUIRED and not cleaned:
        problems.append(Problem("text", _("is required: say why")))
    if amount is not None and (step != "quote" or not 0 <= amount < 1e12):
        problems.append(Problem("amount", _("a quotation's total in yuan, 0 or more")))
    if problems:
        raise InvalidInputError(_("The step has mistakes."), problems)
    with transaction(store.sessions) as session:
        order = visible_order(session, actor, reference)
        party = next((m.party for m in TRANSITIONS if m.step == step), None)
        if party is not None:
            acting_party(actor, order, party)  # the side's permission and scope: 403
        if order.version != expected_version:
            raise stored.stale(reference, expected_version, order.version)  # 409
        move = transition(order.state, step, None)  # not from this state: 409 naming the allowed
        detail: dict[str, Any] = {"amount": amount}
        detail |= _clocks(session, store, order, move, moment)
        changes: dict[str, Any] = {"state": move.target}
        if move.target == SupplyState.closed:
            changes["closed_at"] = moment
        if move.target == SupplyState.cancelled:
            changes["cancel_reason"] = cleaned
        stored.update_order(session, order, expected_version, changes, now=moment)
        record_step(session, store, actor, order, step, move.target, moment,
                    side=move.party.value, text=cleaned, detail=detail)  # fmt: skip
        return view_in(session, actor, order.id, moment)


def _clocks(
    session: Session, store: Store, order: SupplyOrderRecord, move: Transition, now: datetime
) -> dict[str, Any]:
    """Stop the clock the move stops (met, late, or cancelled by a cancellation) and start the
    one it starts; what happened, for the step's detail. A clock stopped late is breached even
    when no sweep ran past its due moment: the breach is recorded (once) with the step."""
    detail: dict[str, Any] = {}
    running = stored.running_clock(session, order.id)
    if running is not None and move.stops == running.rule_key:
        cancelled = move.step == SupplyStep.cancel
        ended = "cancelled" if cancelled else outcome(running.due_at, now)
        if ended == "late":
            _fire(session, store, order, running, "breach", now)
        stored.stop_clock(session, running.id, state=ended, at=now)
        detail |= {"clock_stopped": running.rule_key, "outcome": ended,
                   "due_at": running.due_at.isoformat()}  # fmt: skip
    if move.starts is not None:
        clock = start_clock(clock_rules()[move.starts], now, calendar_in(session))
        stored.start_clock(session, order.id, clock)
        detail |= {"clock_started": move.starts, "new_due_at": clock.due_at.isoformat()}
    return detail


# -- reading -----------------------------------------------------------------------------------


def get_supply_order(
    store: Store, actor: Principal, reference: str, *, now: datetime | None = None
) -> SupplyOrderView:
    """The order with its lines, delivery points, clocks, steps and the steps ``actor`` may
    take now."""
    moment = now or datetime.now(UTC)
    with transaction(store.sessions) as session:
        order = visible_order(session, actor, reference)
        return view_in(session, actor, order.id, moment)


def list_supply_orders(
    store: Store,
    actor: Principal,
    *,
    states: Sequence[str] | None = None,
    now: datetime | None = None,
    limit: int = 500,
) -> list[SupplyOrderSummary]:
    """The orders within ``actor``'s reach, each with its present clock: the late ones first,
    then the running clocks by due moment, then the others, newest first."""
    require(actor, Permission.supply_read)
    moment = now or datetime.now(UTC)
    organisation, scope = actor.organisation, reach(actor)
    platform = organisation.kind is OrganisationKind.platform
    if (scope.nothing and not platform) or (platform and organisation.id is None):
        return []
    with transaction(store.sessions) as session:
        orders = stored.query_orders(
            session,
            region_prefix="" if scope.everything or platform else scope.prefix,
            carrier=None if scope.everything or platform else scope.carrier,
            supplier_id=organisation.id if platform else None,
            states=states,
            limit=limit,
        )
        clocks = stored.clocks_of(session, [order.id for order in orders])
    found = [SupplyOrderSummary(order, _present(clocks[order.id], moment)) for order in orders]
    return sorted(found, key=_urgency)


def _present(clocks: list[SupplyClockRecord], now: datetime) -> ClockView | None:
    running = [clock for clock in clocks if clock.state == "running"]
    chosen = running[-1] if running else (clocks[-1] if clocks else None)
    return None if chosen is None else clock_view(chosen, now)


def _urgency(summary: SupplyOrderSummary) -> tuple[int, float, int]:
    clock = summary.clock
    if clock is not None and clock.remaining is not None:
        rank = 0 if clock.overdue else 1
        return rank, clock.due_at.timestamp(), -summary.order.id
    finished = summary.order.state not in OPEN_STATES
    return 2 + finished, 0.0, -summary.order.id


def order_demand(order: SupplyOrderView) -> OrderDemand:
    """The order's goods as consolidation, dispatch and shuttles plan them."""
    return OrderDemand(
        reference=order.reference,
        kind=OrderKind(order.order.kind),
        carrier=order.order.carrier,
        company=order.company,
        region=order.order.region,
        lines=order.lines,
        deliveries=tuple(point for point, _leader in order.deliveries),
        needed_by=order.order.needed_by,
    )


# -- the sweep ---------------------------------------------------------------------------------


def sweep_supply_orders(store: Store, *, now: datetime | None = None) -> int:
    """Remind the side whose clock runs at its rule's reminder (``remind_before_hours`` before
    the due moment) and record the breach once the due moment has passed (the clock runs on
    until the step; it will stop late). Each firing is a unique row: recorded once however many
    sweeps run, and caught up after downtime (a reminder whose moment passed with the due
    moment is not sent late: the breach says more). The count recorded."""
    moment = now or datetime.now(UTC)
    horizon = max((clock_rules()[key].remind_before for key in (QUOTATION, CONFIRMATION)),
                  default=timedelta(0))  # fmt: skip
    with transaction(store.sessions) as session:
        due = stored.clocks_to_sweep(session, now=moment, horizon=horizon)
    fired = 0
    for order, clock in due:  # one transaction per clock: one failure loses one clock's round
        with transaction(store.sessions) as session:
            if moment > clock.due_at:
                fired += _fire(session, store, order, clock, "breach", moment)
            elif clock.remind_at is not None and clock.remind_at <= moment:
                fired += _fire(session, store, order, clock, "remind", moment)
    return fired


def _fire(
    session: Session,
    store: Store,
    order: SupplyOrderRecord,
    clock: SupplyClockRecord,
    kind: str,
    now: datetime,
) -> int:
    scheduled = clock.due_at if kind == "breach" or clock.remind_at is None else clock.remind_at
    if not stored.record_firing(session, clock.id, kind, scheduled_at=scheduled, fired_at=now):
        return 0
    party = responsible(clock.rule_key)
    target = order.supplier_id if party is Party.supplier else order.company_id
    if kind == "breach":
        stored.mark_breached(session, clock.id, at=now)
        summary = _("Supply order {reference} ({title}): “{clock}” was due {due} (China time) "
                    "and has passed.", reference=order.reference, title=order.title,
                    clock=rule_label(clock.rule_key), due=_china(clock.due_at))  # fmt: skip
    else:
        summary = _("Supply order {reference} ({title}): “{clock}” is due {due} (China time).",
                    reference=order.reference, title=order.title,
                    clock=rule_label(clock.rule_key), due=_china(clock.due_at))  # fmt: skip
    for organisation_id in dict.fromkeys((target, order.company_id)):
        raise_alert(
            session,
            organisation_id=organisation_id,
            kind=f"supply.{kind}",
            subject=f"supply_order:{order.reference}",
            summary=summary,
            raised_at=now,
            dedupe_key=f"supply.{kind}:{order.reference}:{clock.seq}:{organisation_id}",
        )
    detail = {"clock": clock.rule_key, "seq": clock.seq, "due_at": clock.due_at.isoformat(),
              "side": party.value}  # fmt: skip
    record_in(session, store, SWEEPER, f"supply_order.{kind}", ORDER_KIND, order.reference,
              detail=detail, at=now)  # fmt: skip
    return 1


def _china(moment: datetime) -> str:
    """``moment`` as an alert writes it: China time to the minute."""
    return moment.astimezone(CHINA_STANDARD_TIME).strftime("%Y-%m-%d %H:%M")

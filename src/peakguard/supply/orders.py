"""Supply orders (保供订单, seed 004 需求确定 → 货源组织): the order's state machine as a table,
its two clocks, and the order requirement sheet (订单需求表) with the group-buy aggregation.

The provincial company (the **company** side, ``supply.order``) gathers governments' and large
customers' bulk purchases (批量直采直供) or its group leaders' group buys (团购, 接龙拼团) into an
order requirement sheet, **drafted**, and **sends** it to the supplier side (an e-commerce
platform organisation, seed 004's 邮乐公司; the **supplier** side, ``supply.quote``). The sheet
received, the supplier **quotes** within 24 hours (clock ``supply.quotation``); the quotation
(报价表) received, the company **confirms** it within 4 hours (clock ``supply.confirmation``) or
**returns** it for a new quotation (the quotation clock starts again). Then the supplier
**contracts** its suppliers (与供应商签约), **allocates** the goods (配货) and **hands them
over** (到货交接); the company **receives** them, which closes the order. The company may
**cancel** an open order, with its reason.

Each clock counts in hours from the moment of its start event, rest days included
(``cases/clocks.py``); a step at ``t <= due`` is in time, so a quotation 24 h and 1 minute
after the sheet is late and its clock breached.

What must hold (tests/unit/supply/test_orders.py): a step is taken only from the table, by the
side the table names; every other state × step is an IllegalTransitionError naming the steps
allowed; each clock starts and stops only where the table says.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, time
from enum import StrEnum
from typing import Final

from peakguard.cases.calendar import WorkingCalendar
from peakguard.cases.clocks import ClockRule, due_at
from peakguard.errors import IllegalTransitionError, InvalidInputError, Problem
from peakguard.i18n import Message, _
from peakguard.supply.model import (
    Bundle,
    DeliveryKind,
    DeliveryPoint,
    OrderKind,
    OrderLine,
    Place,
)

QUOTATION: Final = "supply.quotation"
"""The clock rule (``clock_rules.toml``): the supplier quotes within 24 h of the sheet."""
CONFIRMATION: Final = "supply.confirmation"
"""The company confirms (or returns) within 4 h of the quotation."""
REFERENCE_PREFIX: Final = "BG"
"""保供: ``BG2026-000001``."""


class Party(StrEnum):
    """Who takes a step."""

    company = "company"
    """The carrier's provincial company in the controlled province (``supply.order``)."""
    supplier = "supplier"
    """The platform organisation that sources the goods (``supply.quote``)."""


class SupplyState(StrEnum):
    drafted = "drafted"
    """The sheet is being written; nothing is running."""
    sent = "sent"
    """The supplier has the sheet; the quotation clock runs."""
    quoted = "quoted"
    """The company has the quotation; the confirmation clock runs."""
    confirmed = "confirmed"
    contracted = "contracted"
    allocated = "allocated"
    handed_over = "handed_over"
    """The supplier reports the goods handed over; the company's receipt is awaited."""
    closed = "closed"
    cancelled = "cancelled"


class SupplyStep(StrEnum):
    send = "send"
    quote = "quote"
    confirm = "confirm"
    return_quotation = "return"
    contract = "contract"
    allocate = "allocate"
    hand_over = "hand_over"
    receive = "receive"
    cancel = "cancel"


@dataclass(frozen=True)
class Transition:
    """One legal step: from ``source`` by ``step`` to ``target``, taken by ``party``; the clock
    it stops (the one running) and the clock it starts (a rule key), if any."""

    step: str
    source: str
    target: str
    party: Party
    stops: str | None = None
    starts: str | None = None


_S, _P = SupplyState, SupplyStep
_C, _U = Party.company, Party.supplier

TRANSITIONS: Final = (
    Transition(_P.send, _S.drafted, _S.sent, _C, starts=QUOTATION),
    Transition(_P.quote, _S.sent, _S.quoted, _U, stops=QUOTATION, starts=CONFIRMATION),
    Transition(_P.confirm, _S.quoted, _S.confirmed, _C, stops=CONFIRMATION),
    Transition(_P.return_quotation, _S.quoted, _S.sent, _C, stops=CONFIRMATION, starts=QUOTATION),
    Transition(_P.contract, _S.confirmed, _S.contracted, _U),
    Transition(_P.allocate, _S.contracted, _S.allocated, _U),
    Transition(_P.hand_over, _S.allocated, _S.handed_over, _U),
    Transition(_P.receive, _S.handed_over, _S.closed, _C),
    *(
        Transition(_P.cancel, state, _S.cancelled, _C, stops=clock)
        for state, clock in (
            (_S.drafted, None),
            (_S.sent, QUOTATION),
            (_S.quoted, CONFIRMATION),
            (_S.confirmed, None),
            (_S.contracted, None),
            (_S.allocated, None),
            (_S.handed_over, None),
        )
    ),
)
"""Every step an order can take after it is drafted."""

OPEN_STATES: Final = frozenset(set(SupplyState) - {_S.closed, _S.cancelled})
CLOCK_OF_STATE: Final = {_S.sent: QUOTATION, _S.quoted: CONFIRMATION}
"""The clock that runs in a state (none in the others)."""
TEXT_REQUIRED: Final = frozenset({_P.return_quotation, _P.cancel})
"""Steps that must say why (the return's reason, the cancellation's)."""


def allowed(state: str, party: Party | None = None) -> tuple[str, ...]:
    """The steps an order in ``state`` may take (by ``party``; None: by either), in order."""
    return tuple(
        dict.fromkeys(
            move.step
            for move in TRANSITIONS
            if move.source == state and (party is None or move.party is party)
        )
    )


def transition(state: str, step: str, party: Party | None) -> Transition:
    """The table's move for ``step`` from ``state`` by ``party`` (None: the system, either
    side). IllegalTransitionError naming the steps allowed when there is none."""
    for move in TRANSITIONS:
        if move.source == state and move.step == step:
            if party is None or move.party is party:
                return move
            raise IllegalTransitionError(
                _(
                    "The step {step} is not yours to take: it is the {side}'s.",
                    step=step,
                    side=party_name(move.party),
                ),
                allowed(state),
            )
    steps = allowed(state)
    raise IllegalTransitionError(
        _(
            "A supply order in state {state} cannot take the step {step}; it can take: {steps}.",
            state=state,
            step=step,
            steps=", ".join(steps) or "—",
        ),
        steps,
    )


def party_name(party: Party) -> Message:
    if party is Party.company:
        return _("provincial company (the ordering side)")
    return _("supplier platform (the quoting side)")


# -- clocks ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ClockStart:
    """A clock as it starts: its rule's terms copied, so a later change of the rules file does
    not move a running clock."""

    rule_key: str
    basis: str
    limit: int
    source: str
    started_at: datetime
    due_at: datetime
    remind_at: datetime | None
    """When the responsible side is reminded (None: at the deadline only)."""


def start_clock(rule: ClockRule, start: datetime, calendar: WorkingCalendar) -> ClockStart:
    """The clock of ``rule`` started at ``start``: its due moment and its reminder."""
    due = due_at(rule, start, calendar)
    remind = due - rule.remind_before
    return ClockStart(
        rule_key=rule.key,
        basis=rule.basis.value,
        limit=rule.limit,
        source=rule.source,
        started_at=start,
        due_at=due,
        remind_at=remind if rule.remind_before and start < remind < due else None,
    )


def outcome(due: datetime, at: datetime) -> str:
    """How a clock stopped at ``at`` ended: ``met`` (at or before its due moment) or ``late``."""
    return "met" if at <= due else "late"


def responsible(rule_key: str) -> Party:
    """The side whose clock it is: the supplier quotes, the company confirms."""
    return Party.supplier if rule_key == QUOTATION else Party.company


# -- the order requirement sheet (订单需求表) -----------------------------------------------------

MAX_QUANTITY: Final = 1_000_000
MAX_ROWS: Final = 2000


@dataclass(frozen=True)
class GroupBuyEntry:
    """One group leader's tally (接龙): ``quantity`` sets of ``bundle`` for the pick-up point
    ``point``. ``leader`` is the leader's code or shop name as the company registers it (not a
    private person's name or phone)."""

    leader: str
    point: Place
    bundle: str
    quantity: int
    source: str = ""
    """Where the goods come from (empty: the sheet's default source)."""


def aggregate_group_buy(
    entries: Iterable[GroupBuyEntry], *, source: str
) -> tuple[tuple[OrderLine, ...], tuple[DeliveryPoint, ...]]:
    """The sheet's lines (sets by bundle and source, summed over the leaders) and its delivery
    points (sets by pick-up point, summed over the bundles), in order of first appearance.

    Must hold: the lines' sets equal the delivery points' sets equal the entries' sets."""
    lines: dict[tuple[str, str], int] = {}
    points: dict[str, tuple[Place, int]] = {}
    for entry in entries:
        key = (entry.bundle, entry.source or source)
        lines[key] = lines.get(key, 0) + entry.quantity
        place, count = points.get(entry.point.code, (entry.point, 0))
        points[entry.point.code] = (place, count + entry.quantity)
    return (
        tuple(OrderLine(bundle, quantity, origin) for (bundle, origin), quantity in lines.items()),
        tuple(
            DeliveryPoint(place, DeliveryKind.pickup_point, quantity)
            for place, quantity in points.values()
        ),
    )


def sheet_problems(
    kind: OrderKind,
    lines: tuple[OrderLine, ...],
    deliveries: tuple[DeliveryPoint, ...],
    bundles: Mapping[str, Bundle],
) -> list[Problem]:
    """Every mistake of a sheet's lines and delivery points, located as ``lines[2].bundle``."""
    problems: list[Problem] = []
    if not lines:
        problems.append(Problem("lines", _("list at least one bundle ordered")))
    if not deliveries:
        problems.append(Problem("deliveries", _("name at least one delivery point")))
    if len(lines) > MAX_ROWS or len(deliveries) > MAX_ROWS:
        problems.append(Problem("lines", _("at most {most} rows", most=MAX_ROWS)))
    for index, line in enumerate(lines):
        where = f"lines[{index}]"
        if line.bundle not in bundles:
            message = _("is not a bundle of the catalogue; the bundles are {keys}",
                        keys=", ".join(bundles))  # fmt: skip
            problems.append(Problem(f"{where}.bundle", message))
        if not 1 <= line.quantity <= MAX_QUANTITY:
            message = _("must be a whole number of sets from 1 to {most}", most=MAX_QUANTITY)
            problems.append(Problem(f"{where}.quantity", message))
        if not line.source.strip():
            problems.append(Problem(f"{where}.source", _("name the source (货源地) of the goods")))
    for index, point in enumerate(deliveries):
        problems += _point_problems(kind, point, f"deliveries[{index}]")
    ordered = sum(line.quantity for line in lines)
    delivered = sum(point.quantity for point in deliveries)
    if lines and deliveries and ordered != delivered:
        message = _(
            "deliver every set ordered: the lines order {ordered} sets, the delivery points "
            "receive {delivered}",
            ordered=ordered,
            delivered=delivered,
        )
        problems.append(Problem("deliveries", message))
    return problems


def _point_problems(kind: OrderKind, point: DeliveryPoint, where: str) -> list[Problem]:
    problems: list[Problem] = []
    if not point.place.code.strip() or not point.place.name.strip():
        problems.append(Problem(f"{where}.code", _("give the point's code and name")))
    region = point.place.region
    if len(region) != 6 or not region.isdigit():
        problems.append(Problem(f"{where}.region", _("must be a six-digit GB/T 2260 code")))
    if not (-90 <= point.place.latitude <= 90 and -180 <= point.place.longitude <= 180):
        problems.append(Problem(f"{where}.latitude", _("must be a latitude and a longitude")))
    if not 1 <= point.quantity <= MAX_QUANTITY:
        message = _("must be a whole number of sets from 1 to {most}", most=MAX_QUANTITY)
        problems.append(Problem(f"{where}.quantity", message))
    if point.opens >= point.closes:
        problems.append(Problem(f"{where}.opens", _("must open before it closes")))
    if kind is OrderKind.direct_purchase and point.kind is not DeliveryKind.address:
        message = _("a direct purchase is delivered to named addresses (kind address)")
        problems.append(Problem(f"{where}.kind", message))
    if kind is OrderKind.group_buy and point.kind is DeliveryKind.address:
        message = _("a group buy is delivered to communities or pick-up points")
        problems.append(Problem(f"{where}.kind", message))
    return problems


def check_sheet(
    kind: OrderKind,
    lines: tuple[OrderLine, ...],
    deliveries: tuple[DeliveryPoint, ...],
    bundles: Mapping[str, Bundle],
) -> None:
    """InvalidInputError listing every mistake of the sheet."""
    problems = sheet_problems(kind, lines, deliveries, bundles)
    if problems:
        raise InvalidInputError(_("The order requirement sheet has mistakes."), problems)


def parse_time(text: str, where: str) -> time:
    """``08:00`` as a time of day; InvalidInputError located at ``where`` otherwise."""
    try:
        return time.fromisoformat(text.strip())
    except ValueError:
        problem = Problem(where, _("write a time of day as 08:00, not {value!r}", value=text))
        raise InvalidInputError(_("The order requirement sheet has mistakes."), [problem]) from None


# -- words -------------------------------------------------------------------------------------


def state_label(state: str) -> Message:
    """An order's state in the reader's words."""
    labels: dict[str, Message] = {
        _S.drafted: _("sheet drafted, not sent"),
        _S.sent: _("sheet sent, awaiting the quotation"),
        _S.quoted: _("quotation received, awaiting confirmation"),
        _S.confirmed: _("quotation confirmed, awaiting contracting"),
        _S.contracted: _("suppliers contracted, awaiting allocation"),
        _S.allocated: _("goods allocated, awaiting hand-over"),
        _S.handed_over: _("goods handed over, awaiting receipt"),
        _S.closed: _("supply order closed (goods received)"),
        _S.cancelled: _("supply order cancelled"),
    }
    return labels.get(state, _("unknown state {state}", state=state))


def step_label(step: str) -> Message:
    """A step of an order's history in the reader's words."""
    labels: dict[str, Message] = {
        "open": _("order requirement sheet drafted"),
        "send": _("sheet sent to the supplier"),
        "quote": _("quotation sent"),
        "confirm": _("quotation confirmed"),
        "return": _("quotation returned for a new quotation"),
        "contract": _("suppliers contracted"),
        "allocate": _("goods allocated"),
        "hand_over": _("goods handed over"),
        "receive": _("goods received"),
        "cancel": _("supply order cancelled with its reason"),
    }
    return labels.get(step, _("step {step}", step=step))


def clock_label(rule_key: str) -> Message:
    labels: dict[str, Message] = {
        QUOTATION: _("quotation within 24 hours of the sheet"),
        CONFIRMATION: _("confirmation within 4 hours of the quotation"),
    }
    return labels.get(rule_key, _("clock {key}", key=rule_key))


def clock_state_label(state: str) -> Message:
    labels: dict[str, Message] = {
        "running": _("clock running"),
        "met": _("stopped in time"),
        "late": _("stopped late"),
        "cancelled": _("stopped: order cancelled"),
    }
    return labels.get(state, _("unknown clock state {state}", state=state))


def order_kind_label(kind: str) -> Message:
    """An order's kind in the reader's words."""
    labels: dict[str, Message] = {
        OrderKind.direct_purchase: _("Direct purchase (government or large customer)"),
        OrderKind.group_buy: _("Group buy (group leaders' tallies)"),
    }
    return labels.get(kind, _("order kind {kind}", kind=kind))


def delivery_kind_label(kind: str) -> Message:
    """A delivery point's kind in the reader's words."""
    labels: dict[str, Message] = {
        DeliveryKind.address: _("Named delivery address"),
        DeliveryKind.community: _("Community of a group buy"),
        DeliveryKind.pickup_point: _("Group leader's pick-up point"),
    }
    return labels.get(kind, _("delivery kind {kind}", kind=kind))

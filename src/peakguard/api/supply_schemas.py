"""The supply order routes' request and response bodies, apart from the tables."""

from __future__ import annotations

from datetime import datetime, time
from typing import Annotated

from pydantic import Field, JsonValue

from peakguard.api.schemas import RequestModel, ResponseModel
from peakguard.app.supply_order_views import ClockView, SupplyOrderSummary, SupplyOrderView
from peakguard.i18n import render
from peakguard.supply.model import DeliveryKind, DeliveryPoint, OrderKind, OrderLine, Place
from peakguard.supply.orders import (
    GroupBuyEntry,
    SupplyStep,
    clock_label,
    clock_state_label,
    state_label,
    step_label,
)

Name = Annotated[str, Field(min_length=1, max_length=200)]
Code = Annotated[str, Field(min_length=1, max_length=64)]
Region = Annotated[str, Field(pattern=r"^[1-8][0-9]{5}$")]
Sets = Annotated[int, Field(ge=1, le=1_000_000)]
Version = Annotated[int, Field(ge=1)]


class PlaceIn(RequestModel):
    code: Code
    name: Name
    region: Region
    latitude: Annotated[float, Field(ge=-90, le=90)]
    longitude: Annotated[float, Field(ge=-180, le=180)]

    def place(self) -> Place:
        return Place(self.code, self.name, self.region, self.latitude, self.longitude)


class LineIn(RequestModel):
    bundle: Annotated[str, Field(min_length=1, max_length=48)]
    quantity: Sets
    source: Code


class DeliveryIn(PlaceIn):
    kind: DeliveryKind = DeliveryKind.address
    quantity: Sets
    opens: time = time(8, 0)
    closes: time = time(20, 0)


class TallyIn(RequestModel):
    """One group leader's tally (接龙) for a pick-up point."""

    leader: Name
    point: PlaceIn
    bundle: Annotated[str, Field(min_length=1, max_length=48)]
    quantity: Sets
    source: Annotated[str, Field(max_length=64)] = ""


class SupplyOrderIn(RequestModel):
    """A direct purchase (``lines`` and ``deliveries``) or a group buy (``group_buy``
    tallies, with a default ``source``)."""

    kind: OrderKind
    region: Region
    supplier: Code
    needed_by: datetime
    title: Annotated[str, Field(min_length=1, max_length=4000)]
    customer: Annotated[str, Field(max_length=4000)] = ""
    lines: Annotated[list[LineIn], Field(max_length=2000)] = Field(default_factory=list)
    deliveries: Annotated[list[DeliveryIn], Field(max_length=2000)] = Field(default_factory=list)
    group_buy: Annotated[list[TallyIn], Field(max_length=2000)] = Field(default_factory=list)
    source: Annotated[str, Field(max_length=64)] = ""
    carrier: Annotated[str, Field(max_length=64)] | None = None
    note: Annotated[str, Field(max_length=4000)] = ""

    def parts(
        self,
    ) -> tuple[tuple[OrderLine, ...], tuple[DeliveryPoint, ...], tuple[GroupBuyEntry, ...]]:
        lines = tuple(OrderLine(line.bundle, line.quantity, line.source) for line in self.lines)
        points = tuple(
            DeliveryPoint(p.place(), p.kind, p.quantity, p.opens, p.closes) for p in self.deliveries
        )
        tallies = tuple(
            GroupBuyEntry(t.leader, t.point.place(), t.bundle, t.quantity, t.source)
            for t in self.group_buy
        )
        return lines, points, tallies


class StepIn(RequestModel):
    """A step of the order read at ``expected_version``; ``text`` its note (the reason, to
    return a quotation or cancel), ``amount`` a quotation's total in yuan."""

    step: SupplyStep
    expected_version: Version
    text: Annotated[str, Field(max_length=4000)] = ""
    amount: Annotated[float, Field(ge=0, lt=1e12)] | None = None


class ClockOut(ResponseModel):
    rule_key: str
    label: str
    basis: str
    limit: int
    source: str
    started_at: datetime
    due_at: datetime
    remind_at: datetime | None
    state: str
    state_label: str
    stopped_at: datetime | None
    breached_at: datetime | None
    breached: bool
    """Past its due moment: running late or stopped late (the breach is recorded by the sweep
    or by the late step, ``breached_at``)."""
    overdue: bool
    remaining_seconds: int | None


class StepOut(ResponseModel):
    seq: int
    step: str
    label: str
    state: str
    side: str
    actor: str
    organisation: str
    at: datetime
    text: str
    detail: dict[str, JsonValue]


class LineOut(ResponseModel):
    bundle: str
    quantity: int
    source: str


class DeliveryOut(ResponseModel):
    code: str
    name: str
    region: str
    latitude: float
    longitude: float
    kind: str
    quantity: int
    opens: time
    closes: time
    leader: str


class FiringOut(ResponseModel):
    kind: str
    scheduled_at: datetime
    fired_at: datetime


class SupplyOrderOut(ResponseModel):
    reference: str
    kind: str
    state: str
    state_label: str
    version: int
    carrier: str
    company: str
    supplier: str
    region: str
    title: str
    customer: str
    needed_by: datetime
    note: str
    cancel_reason: str | None
    created_by: str
    created_at: datetime
    closed_at: datetime | None
    lines: list[LineOut]
    deliveries: list[DeliveryOut]
    clocks: list[ClockOut]
    steps: list[StepOut]
    firings: list[FiringOut]
    allowed: list[str]


class SupplyOrderLineOut(ResponseModel):
    reference: str
    kind: str
    state: str
    state_label: str
    version: int
    carrier: str
    region: str
    title: str
    needed_by: datetime
    clock: ClockOut | None
    late: bool


class SweepOut(ResponseModel):
    recorded: int


def clock_out(clock: ClockView, language: str) -> ClockOut:
    record = clock.clock
    return ClockOut(
        rule_key=record.rule_key, label=render(clock_label(record.rule_key), language),
        basis=record.basis, limit=record.limit_value, source=record.source,
        started_at=record.started_at, due_at=record.due_at, remind_at=record.remind_at,
        state=record.state, state_label=render(clock_state_label(record.state), language),
        stopped_at=record.stopped_at, breached_at=record.breached_at, overdue=clock.overdue,
        breached=clock.overdue or record.breached_at is not None,
        remaining_seconds=None if clock.remaining is None
        else int(clock.remaining.total_seconds()),
    )  # fmt: skip


def order_out(view: SupplyOrderView, language: str) -> SupplyOrderOut:
    order = view.order
    return SupplyOrderOut(
        reference=order.reference, kind=order.kind, state=order.state,
        state_label=render(state_label(order.state), language), version=order.version,
        carrier=order.carrier, company=view.company, supplier=view.supplier, region=order.region,
        title=order.title, customer=order.customer, needed_by=order.needed_by, note=order.note,
        cancel_reason=order.cancel_reason, created_by=order.created_by,
        created_at=order.created_at, closed_at=order.closed_at,
        lines=[LineOut(bundle=x.bundle, quantity=x.quantity, source=x.source) for x in view.lines],
        deliveries=[
            DeliveryOut(
                code=p.place.code, name=p.place.name, region=p.place.region,
                latitude=p.place.latitude, longitude=p.place.longitude, kind=p.kind.value,
                quantity=p.quantity, opens=p.opens, closes=p.closes, leader=leader,
            )
            for p, leader in view.deliveries
        ],
        clocks=[clock_out(clock, language) for clock in view.clocks],
        steps=[
            StepOut(
                seq=s.seq, step=s.step, label=render(step_label(s.step), language), state=s.state,
                side=s.side, actor=s.actor, organisation=s.organisation, at=s.at, text=s.text,
                detail=s.detail,
            )
            for s in view.steps
        ],
        firings=[FiringOut(kind=f.kind, scheduled_at=f.scheduled_at, fired_at=f.fired_at)
                 for f in view.firings],
        allowed=list(view.allowed),
    )  # fmt: skip


def line_out(summary: SupplyOrderSummary, language: str) -> SupplyOrderLineOut:
    order = summary.order
    return SupplyOrderLineOut(
        reference=order.reference, kind=order.kind, state=order.state,
        state_label=render(state_label(order.state), language), version=order.version,
        carrier=order.carrier, region=order.region, title=order.title, needed_by=order.needed_by,
        clock=None if summary.clock is None else clock_out(summary.clock, language),
        late=summary.late,
    )  # fmt: skip

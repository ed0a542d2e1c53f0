"""The steps of the demo's supply guarantee after the control is declared, each by the demo user
whose job it is, through the areas' operations (:mod:`peakguard.app.demo_supply`):

- China Post Sichuan's supply coordinator (``ems-sc.supply``) drafts and sends each order
  requirement sheet to 邮乐 (``youle.supplier``), which quotes; the coordinator confirms; 邮乐
  contracts its suppliers, allocates the goods and hands them over on arrival; the coordinator
  receives them. The supply-order sweep runs every four hours, so the group buy's late
  quotation is breached by it before the quotation comes;
- each confirmed order's dispatch mode (direct or through the point) and the point's schedules;
- the coverage plan for the city's mail (the reroute planner's backup centres);
- Ya'an's postal administration (``ya.duty``) publishes the consumer tip and the controlled
  area's notice; every parcel of the lake bound for the city is tracked, and each one the lake
  shows still on its way is sent its arrival message into the outbox — by the administrator
  running the demo for every brand (most brands have no company in the demo, and each call
  reads the lake's recent days, so one call for all).
"""

from __future__ import annotations

import zlib
from collections.abc import Callable
from datetime import date, datetime, timedelta
from functools import partial
from pathlib import Path

from peakguard.app.consolidation import PointDraft, dispatch_modes, register_point, schedule_orders
from peakguard.app.coverage import plan_area_coverage
from peakguard.app.demo_security_work import People
from peakguard.app.demo_supply_parcels import bound_parcels
from peakguard.app.demo_supply_shuttles import plan_day, record_fleet
from peakguard.app.demo_supply_summary import Outcome
from peakguard.app.notice_messages import Recipient, send_arrival_messages
from peakguard.app.notices import publish_control_notice, publish_tip
from peakguard.app.supply_orders import (
    SupplyOrderDraft,
    get_supply_order,
    open_supply_order,
    order_demand,
    step_supply_order,
    sweep_supply_orders,
)
from peakguard.app.tracking import track_many
from peakguard.demo.static_control import (
    CARRIER,
    CONSOLIDATION_POINT,
    POINT_RESOURCES,
    SOURCES,
    SUPPLIER,
    TRANSFER_STATIONS,
    OrderScript,
    StaticControl,
)
from peakguard.demo.supply_groupbuy import sign_ups, tallies
from peakguard.domain.geography import great_circle_km
from peakguard.identity.model import Principal
from peakguard.notices.eta import EtaSettings
from peakguard.notices.tips import ConsumerTip
from peakguard.store.database import Store
from peakguard.supply.model import DispatchMode, OrderDemand, OrderKind, Place
from peakguard.supply.orders import QUOTATION

At = Callable[[datetime, Callable[[], None]], None]
ROAD_CIRCUITY = 1.3
ROAD_SPEED_KMH = 50.0
LOADING = timedelta(hours=2)
"""From the goods allocated at the source to the truck leaving it."""
SWEEP_EVERY = timedelta(hours=4)
ETA = EtaSettings(lookback=timedelta(days=2))
"""Two days of the lake's measured times: the estimates need the recent days only, and the
demo's lake is read quickly."""


def road_hours(origin: Place, destination: Place) -> timedelta:
    """Driving time between two places at the demo's road speed and circuity."""
    km = great_circle_km(
        origin.longitude, origin.latitude, destination.longitude, destination.latitude
    )
    return timedelta(hours=round(km * ROAD_CIRCUITY / ROAD_SPEED_KMH, 2))


class SupplyWork:
    """The steps, with what earlier steps made (orders' references and versions)."""

    def __init__(
        self,
        store: Store,
        actor: Principal,
        people: People,
        lake: Path,
        network: str,
        control: StaticControl,
        outcome: Outcome,
    ) -> None:
        self.store, self.actor, self.lake, self.network = store, actor, lake, network
        self.control, self.outcome = control, outcome
        self.coordinator = _user(people, "ems-sc.supply")
        self.supplier = _user(people, "youle.supplier")
        self.duty = _user(people, "ya.duty")
        self.sources = {place.code: place for place in SOURCES}
        self.demands: dict[str, OrderDemand] = {}

    # -- orders ----------------------------------------------------------------------------

    def order_steps(self, script: OrderScript, seed: int, at: At) -> None:
        """The order's sheet, quotation, confirmation, contract, allocation, handover and
        receipt, each at its moment."""
        allocated = script.confirmed_at + timedelta(hours=6)
        arrival = allocated + LOADING + self._travel(script)
        at(script.sent_at - timedelta(minutes=30), lambda: self._open(script, seed))
        at(script.sent_at, lambda: self._step(script, "send", self.coordinator, script.sent_at))
        at(script.quoted_at, lambda: self._step(script, "quote", self.supplier, script.quoted_at))
        confirmed = script.confirmed_at
        at(confirmed, lambda: self._step(script, "confirm", self.coordinator, confirmed))
        contracted = confirmed + timedelta(hours=2)
        at(contracted, lambda: self._step(script, "contract", self.supplier, contracted))
        at(allocated, lambda: self._step(script, "allocate", self.supplier, allocated))
        at(arrival, lambda: self._step(script, "hand_over", self.supplier, arrival))
        received = arrival + timedelta(hours=1)
        at(received, lambda: self._step(script, "receive", self.coordinator, received))

    def _travel(self, script: OrderScript) -> timedelta:
        """From the farthest source to the point (or, one source, to the first station)."""
        goal = (
            CONSOLIDATION_POINT
            if len({line.source for line in script.lines}) > 1
            else TRANSFER_STATIONS[0]
        )
        return max(road_hours(self.sources[line.source], goal) for line in script.lines)

    def _open(self, script: OrderScript, seed: int) -> None:
        group_buy = script.kind is OrderKind.group_buy
        draft = SupplyOrderDraft(
            kind=script.kind,
            region=self.control.region,
            supplier=SUPPLIER,
            needed_by=script.needed_by,
            title=f"{script.customer} 保供物资订单需求表（演示）",
            customer=script.customer,
            lines=() if group_buy else script.lines,
            deliveries=() if group_buy else script.deliveries,
            group_buy=tuple(tallies(sign_ups(seed))) if group_buy else (),
            note=script.reference,
        )
        view = open_supply_order(
            self.store, self.coordinator, draft, now=script.sent_at - timedelta(minutes=30)
        )
        self.outcome.orders[script.reference] = (view.reference, view.state, view.version)

    def _step(self, script: OrderScript, step: str, who: Principal, moment: datetime) -> None:
        reference, _state, version = self.outcome.orders[script.reference]
        amount = float(script.demand().sets * 80) if step == "quote" else None
        view = step_supply_order(
            self.store, who, reference, step, expected_version=version, amount=amount, now=moment
        )
        self.outcome.orders[script.reference] = (reference, view.state, view.version)
        if step == "confirm":
            self.demands[script.reference] = order_demand(view)
            self._dispatch(script.reference)

    def sweep(self, moment: datetime) -> None:
        """The supply-order sweep (reminders and breaches), as the deployment runs it."""
        sweep_supply_orders(self.store, now=moment)

    def sweeps(self, at: At) -> None:
        moment = self.control.start
        while moment <= self.control.end:
            at(moment, partial(self.sweep, moment))
            moment += SWEEP_EVERY

    def late_quotations(self) -> list[str]:
        """The orders whose quotation clock the sweep marked breached."""
        late = []
        for reference, _state, _version in self.outcome.orders.values():
            view = get_supply_order(self.store, self.coordinator, reference)
            if any(
                c.rule_key == QUOTATION and c.clock.breached_at is not None for c in view.clocks
            ):
                late.append(reference)
        return late

    def _dispatch(self, script_reference: str) -> None:
        demand = self.demands[script_reference]
        decision = dispatch_modes(self.coordinator, [demand])[0]
        self.outcome.dispatch[self.outcome.orders[script_reference][0]] = decision.mode.value

    # -- the consolidation point -----------------------------------------------------------

    def register_point(self, moment: datetime) -> None:
        point = CONSOLIDATION_POINT
        draft = PointDraft(
            code=point.code,
            name=point.name,
            carrier=CARRIER,
            region=point.region,
            latitude=point.latitude,
            longitude=point.longitude,
            resources=POINT_RESOURCES,
            serves_region=self.control.region,
        )
        register_point(self.store, self.coordinator, draft, now=moment)
        self.outcome.point = point.name

    def schedule(self, scripts: list[OrderScript], moment: datetime) -> None:
        """Schedule the confirmed orders that go through the point, their goods arriving when
        their allocation and the road say."""
        chosen = [
            s
            for s in scripts
            if self.outcome.dispatch.get(self.outcome.orders[s.reference][0])
            == DispatchMode.consolidated.value
        ]
        if not chosen:
            return
        arrivals: dict[str, datetime] = {}
        for script in chosen:
            ready = script.confirmed_at + timedelta(hours=6) + LOADING
            for line in script.lines:
                arrivals[line.source] = max(
                    arrivals.get(line.source, ready),
                    ready + road_hours(self.sources[line.source], CONSOLIDATION_POINT),
                )
        demands = [self.demands[s.reference] for s in chosen]
        view = schedule_orders(
            self.store, self.coordinator, CONSOLIDATION_POINT.code, demands,
            start=moment, arrivals=arrivals, now=moment,
        )  # fmt: skip
        if self.outcome.bottleneck is None:
            self.outcome.bottleneck = view.bottleneck_label
        for shipment in view.shipments:
            if shipment.shipped_at is not None:
                self.outcome.shipping[shipment.reference] = shipment.shipped_at

    # -- passes and shuttles ----------------------------------------------------------------

    def fleet(self, moment: datetime) -> None:
        record_fleet(self.store, self.coordinator, self.control.region, moment.year, moment)

    def shuttles(self, day: date, scripts: list[OrderScript], moment: datetime) -> None:
        orders = [self.demands[s.reference] for s in scripts if s.reference in self.demands]
        plan_day(
            self.store, self.coordinator, self.control.region, day, orders, self.outcome, moment
        )

    # -- coverage and notices --------------------------------------------------------------

    def coverage(self, moment: datetime) -> None:
        # A provincial company may not plan on a network reaching beyond its province (China
        # Post's lanes run to national hubs): its headquarters may, which the demo has no user
        # of; the administrator running the demo plans for China Post.
        view = plan_area_coverage(
            self.store, self.actor, self.network, self.control.region,
            self.control.start, self.control.end, carrier=CARRIER, now=moment,
        )  # fmt: skip
        self.outcome.coverage = ", ".join(view.centres)

    def publish(self, moment: datetime) -> None:
        control = self.control
        tip = ConsumerTip(
            control.region,
            moment,
            control.end,
            "雅安市静态管理期间寄递服务提示",
            "Parcel service in Ya'an during its static control",
            (
                "静态管理期间，寄往雅安市的快件暂存处理中心，解除管理后优先投递；"
                "生鲜、药品请选择保供渠道，勿囤积下单。"
            ),
            (
                "While Ya'an is under static control, parcels bound for it wait at the "
                "processing centres and are delivered first when it ends; order fresh food and "
                "medicines through the supply-guarantee channel and do not stockpile."
            ),
        )
        self.outcome.tip = str(publish_tip(self.store, self.duty, tip, now=moment).id)
        notice = publish_control_notice(self.store, self.duty, control.region, now=moment)
        self.outcome.notice = str(notice.id)

    def tell_recipients(self, moment: datetime) -> None:
        """Track every parcel bound for the city, and send an arrival message for each one the
        lake shows still on its way (one call: each call reads the lake's recent days)."""
        bound = bound_parcels(self.lake, self.control.region, self.control.start, self.control.end)
        self.outcome.bound = bound
        if not bound:
            return
        found = track_many(
            self.store, self.duty, self.lake, sorted({p.waybill for p in bound}), now=moment,
            settings=ETA,
        )  # fmt: skip
        self.outcome.tracked = sum(
            1
            for parcel in bound
            for view in found.get(parcel.waybill, [])
            if view.carrier == parcel.carrier and view.notice is not None
        )
        recipients = [
            Recipient(p.waybill, _phone(p.carrier, p.waybill), "zh", p.carrier)
            for p in bound
            if p.finished_at is None
        ]
        if recipients:
            report = send_arrival_messages(
                self.store, self.actor, self.lake, recipients, now=moment, settings=ETA
            )
            self.outcome.messages = len(report.sent)
            self.outcome.unestimated = len(report.skipped)


def _phone(carrier: str, waybill: str) -> str:
    """A synthetic recipient's mobile number (the demo has no real recipients): 199 and eight
    digits from the parcel's number."""
    return f"199{zlib.crc32(f'{carrier}:{waybill}'.encode()) % 10**8:08d}"


def _user(people: People, name: str) -> Principal:
    found = people.user(name)
    if found is None:  # checked by record_demo_supply
        raise LookupError(name)
    return found

"""When each order's goods leave the consolidation point, and the point's capacity plan.

The schedule is a tandem line over whole hours (China time). In every hour a shift is on, each
task handles at most its capacity in whole sets (its staff × rate, capped by its equipment, see
:mod:`peakguard.supply.consolidation`); outside the shifts nothing moves. Within an hour the
tasks run in line order and a set a task finishes is at once available to the next, so a line
whose goods are all in works at its bottleneck's rate. Goods count from the first whole hour
at or after they arrive (goods in at 08:20 are received from 09:00). An order whose goods
come from several sources is picked only once all of them are put away (its sets are combined
from every source's goods); a one-source order's goods flow on as they are put away.
Orders take each task's capacity in order of need (the earliest ``needed_by`` first, then the
earliest goods, then the reference); a task with nothing of an earlier order waiting works on
a later one. An order **ships** at the end of the hour its last set leaves.

The capacity plan, day by day: the sets arriving, the sets shipped, the sets still in the
point at the day's end, what the line can ship in the day's working hours, and the staff per
shift needed (split in balance) to ship that day's arrivals and what was left from the day
before within the day — with the shortfall against the staff the point has, and the
equipment that would still hold it back.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from peakguard.domain.scans import CHINA_STANDARD_TIME
from peakguard.errors import InvalidInputError, Problem
from peakguard.i18n import _
from peakguard.supply.consolidation import (
    TASKS,
    Bottleneck,
    PointRates,
    PointResources,
    Task,
    TaskCapacity,
    balanced_staffing,
    bottleneck,
    ceilings,
    staff_for,
    task_capacities,
)
from peakguard.supply.model import OrderDemand

HOUR = timedelta(hours=1)
FAR = datetime(9999, 1, 1, tzinfo=CHINA_STANDARD_TIME)
MAX_DAYS = 31
EPSILON = 1e-9


@dataclass(frozen=True)
class GoodsArrival:
    """``sets`` sets' worth of goods from ``source`` reach the point at ``at``."""

    source: str
    sets: int
    at: datetime


@dataclass(frozen=True)
class PointOrder:
    """An order routed through the point: its goods' arrivals and when it is needed."""

    reference: str
    arrivals: tuple[GoodsArrival, ...]
    needed_by: datetime | None = None

    @property
    def sets(self) -> int:
        return sum(arrival.sets for arrival in self.arrivals)

    @property
    def goods_in_at(self) -> datetime:
        """When its last goods arrive."""
        return max(arrival.at for arrival in self.arrivals)


def point_order(order: OrderDemand, arrivals: Mapping[str, datetime]) -> PointOrder:
    """The order's lines as goods arriving at the point, each at its source's time."""
    missing = sorted(order.sources - set(arrivals))
    if missing:
        raise InvalidInputError(
            _("The order's goods need an arrival time at the point."),
            [
                Problem(
                    f"{order.reference}: arrivals.{source}",
                    _("is missing: say when the goods from {source} arrive", source=source),
                )
                for source in missing
            ],
        )
    found = tuple(
        GoodsArrival(line.source, line.quantity, arrivals[line.source]) for line in order.lines
    )
    return PointOrder(order.reference, found, order.needed_by)


@dataclass(frozen=True)
class Shipment:
    """When an order's goods are in, and when they ship (None: not within the horizon)."""

    reference: str
    sets: int
    goods_in_at: datetime
    shipped_at: datetime | None
    needed_by: datetime | None

    @property
    def late(self) -> bool:
        if self.needed_by is None:
            return False
        return self.shipped_at is None or self.shipped_at > self.needed_by


@dataclass(frozen=True)
class HourFlow:
    """The sets each task handled in the hour starting ``start``."""

    start: datetime
    done: Mapping[Task, int]


@dataclass(frozen=True)
class TaskLoad:
    """A task in the schedule: its capacity, whole sets an hour, load and hours it needs."""

    capacity: TaskCapacity
    hourly: int
    load: int

    @property
    def hours_needed(self) -> float | None:
        return None if self.hourly == 0 else self.load / self.hourly


@dataclass(frozen=True)
class DayPlan:
    """One day of the capacity plan (China time)."""

    day: date
    arriving: int
    shipped: int
    left: int
    """Sets in the point at the day's end."""
    capacity: int
    """Sets the line can ship in the day's working hours."""
    staff_needed: int
    """Staff per shift, split in balance, to ship the day's arrivals and the day before's
    left-over within the day."""
    staff_shortfall: int
    equipment_limit: str | None
    """A ceiling's key when the equipment alone cannot reach the rate the day needs."""


@dataclass(frozen=True)
class PointSchedule:
    """The whole answer: the tasks, the bottleneck, each order's shipment, hour by hour flow
    and the capacity plan."""

    start: datetime
    staffing: Mapping[Task, float]
    tasks: tuple[TaskLoad, ...]
    bottleneck: Bottleneck
    line_rate: int
    """Whole sets an hour the line ships while a shift is on."""
    shipments: tuple[Shipment, ...]
    hours: tuple[HourFlow, ...]
    days: tuple[DayPlan, ...]

    @property
    def unshipped(self) -> int:
        """Sets not shipped within the horizon."""
        shipped = sum(flow.done[Task.ship] for flow in self.hours)
        return sum(shipment.sets for shipment in self.shipments) - shipped


def _checked_staffing(
    staffing: Mapping[Task, float] | None, resources: PointResources, rates: PointRates
) -> dict[Task, float]:
    if staffing is None:
        return balanced_staffing(resources.staff_per_shift, resources, rates)
    problems = [
        Problem(f"staffing.{task}", _("must be between 0 and the staff on shift"))
        for task, staff in staffing.items()
        if task not in TASKS or not 0 <= staff <= resources.staff_per_shift
    ]
    if sum(staffing.values()) > resources.staff_per_shift + EPSILON:
        problems.append(
            Problem(
                "staffing",
                _(
                    "puts {given} staff on the tasks; the point has {staff} on a shift",
                    given=f"{sum(staffing.values()):g}",
                    staff=resources.staff_per_shift,
                ),
            )
        )
    if problems:
        raise InvalidInputError(_("The staffing has mistakes."), problems)
    return {task: float(staffing.get(task, 0.0)) for task in TASKS}


def _checked_orders(orders: Sequence[PointOrder]) -> list[PointOrder]:
    problems: list[Problem] = []
    seen: set[str] = set()
    for index, order in enumerate(orders):
        if order.reference in seen:
            problems.append(
                Problem(
                    f"orders[{index}]",
                    _("repeats the order {reference}", reference=order.reference),
                )
            )
        seen.add(order.reference)
        if not order.arrivals or any(arrival.sets <= 0 for arrival in order.arrivals):
            problems.append(
                Problem(f"orders[{index}].arrivals", _("needs goods of at least one set each"))
            )
        if any(arrival.at.tzinfo is None for arrival in order.arrivals):
            problems.append(Problem(f"orders[{index}].arrivals", _("a time needs its time zone")))
    if problems:
        raise InvalidInputError(_("The orders to schedule have mistakes."), problems)
    return sorted(
        orders,
        key=lambda order: (
            order.needed_by or FAR,
            min(a.at for a in order.arrivals),
            order.reference,
        ),
    )


def _hour_start(moment: datetime) -> datetime:
    """The first whole hour at or after ``moment``, China time."""
    local = moment.astimezone(CHINA_STANDARD_TIME)
    floor = local.replace(minute=0, second=0, microsecond=0)
    return floor if floor == local else floor + HOUR


def schedule_point(
    resources: PointResources,
    rates: PointRates,
    orders: Sequence[PointOrder],
    *,
    start: datetime,
    days: int = 3,
    staffing: Mapping[Task, float] | None = None,
    horizon_days: int = 14,
) -> PointSchedule:
    """Schedule ``orders`` through the point from ``start`` (the module's rules); the capacity
    plan covers ``days`` days from ``start``'s date; sets not shipped within ``horizon_days``
    stay unshipped."""
    if not 1 <= days <= MAX_DAYS or not 1 <= horizon_days <= MAX_DAYS:
        raise InvalidInputError(
            _("The schedule has mistakes."),
            [Problem("days", _("must be between 1 and {most} days", most=MAX_DAYS))],
        )
    queue = _checked_orders(orders)
    split = _checked_staffing(staffing, resources, rates)
    capacities = task_capacities(resources, rates, split)
    hourly = {cap.task: math.floor(cap.sets_per_hour + EPSILON) for cap in capacities}
    first = _hour_start(start)
    flows, shipped_at = _run(resources, queue, hourly, first, horizon_days)
    load = sum(order.sets for order in queue)
    shipments = tuple(
        Shipment(
            order.reference,
            order.sets,
            order.goods_in_at,
            shipped_at.get(order.reference),
            order.needed_by,
        )
        for order in queue
    )
    line = min(hourly.values())
    plan = _plan(resources, rates, queue, flows, first, days, line)
    return PointSchedule(
        start=first,
        staffing=split,
        tasks=tuple(TaskLoad(cap, hourly[cap.task], load) for cap in capacities),
        bottleneck=bottleneck(capacities),
        line_rate=line,
        shipments=shipments,
        hours=tuple(flows),
        days=plan,
    )


def _run(
    resources: PointResources,
    queue: Sequence[PointOrder],
    hourly: Mapping[Task, int],
    first: datetime,
    horizon_days: int,
) -> tuple[list[HourFlow], dict[str, datetime]]:
    """The hour-by-hour tandem line (see the module's docstring)."""
    done = {order.reference: dict.fromkeys(TASKS, 0) for order in queue}
    ready = [[(_hour_start(a.at), a.sets) for a in order.arrivals] for order in queue]
    gated = {order.reference: order.sets if len(order.arrivals) > 1 else 0 for order in queue}
    shipped_at: dict[str, datetime] = {}
    flows: list[HourFlow] = []
    moment = first
    for _hour in range(horizon_days * 24):
        if len(shipped_at) == len(queue):
            break
        working = resources.works_at(moment.hour)
        handled = dict.fromkeys(TASKS, 0)
        for position, task in enumerate(TASKS):
            room = hourly[task] if working else 0
            for order, arrivals in zip(queue, ready, strict=True):
                if room == 0:
                    break
                mine = done[order.reference]
                if position == 0:
                    waiting = sum(sets for at, sets in arrivals if at <= moment) - mine[task]
                elif task is Task.pick and gated[order.reference] > mine[Task.put_away]:
                    waiting = 0  # combined from several sources' goods: all must be in first
                else:
                    waiting = mine[TASKS[position - 1]] - mine[task]
                take = min(room, waiting)
                mine[task] += take
                handled[task] += take
                room -= take
        for order in queue:
            if order.reference not in shipped_at and done[order.reference][Task.ship] == order.sets:
                shipped_at[order.reference] = moment + HOUR
        flows.append(HourFlow(moment, handled))
        moment += HOUR
    return flows, shipped_at


def _arrival_day(arrival: GoodsArrival, first: date) -> date:
    """The plan's day goods count on: their day, China time (goods in before the plan's
    first day count on it)."""
    return max(arrival.at.astimezone(CHINA_STANDARD_TIME).date(), first)


def _plan(
    resources: PointResources,
    rates: PointRates,
    queue: Sequence[PointOrder],
    flows: Sequence[HourFlow],
    first: datetime,
    days: int,
    line: int,
) -> tuple[DayPlan, ...]:
    tightest = min(ceilings(resources, rates), key=lambda ceiling: ceiling.sets_per_hour)
    hours = resources.working_hours
    left = 0
    plan = []
    for offset in range(days):
        day = first.date() + timedelta(days=offset)
        arriving = sum(
            a.sets
            for order in queue
            for a in order.arrivals
            if _arrival_day(a, first.date()) == day
        )
        shipped = sum(flow.done[Task.ship] for flow in flows if flow.start.date() == day)
        rate_needed = (left + arriving) / hours
        needed = staff_for(rate_needed, resources, rates)
        plan.append(
            DayPlan(
                day=day,
                arriving=arriving,
                shipped=shipped,
                left=left + arriving - shipped,
                capacity=line * hours,
                staff_needed=needed,
                staff_shortfall=max(0, needed - resources.staff_per_shift),
                equipment_limit=tightest.key if tightest.sets_per_hour < rate_needed else None,
            )
        )
        left = left + arriving - shipped
    return tuple(plan)

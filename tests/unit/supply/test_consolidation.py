"""The consolidation point (汇集点, seed 004): its seven tasks' capacities, the bottleneck, and
the hour-by-hour schedule, against hand-worked cases and invariants."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from peakguard.domain.scans import CHINA_STANDARD_TIME
from peakguard.errors import InvalidInputError
from peakguard.i18n import render
from peakguard.supply.consolidation import (
    TASKS,
    PointRates,
    PointResources,
    Task,
    balanced_staffing,
    bottleneck,
    even_staffing,
    staff_for,
    task_capacities,
)
from peakguard.supply.consolidation_schedule import (
    GoodsArrival,
    PointOrder,
    point_order,
    schedule_point,
)
from peakguard.supply.model import OrderDemand, OrderKind, OrderLine

RATES = PointRates()
"""The brief's rates: receive 120, put away 100, pick 60, combine 40, pack 50, dispatch 80,
ship 200 sets per staff-hour."""


def _ample(staff: int, **changes: object) -> PointResources:
    """A point whose equipment never binds (so the staff decide), with a warehouse system."""
    values: dict[str, object] = {
        "floor_area_m2": 2_000.0,
        "staff_per_shift": staff,
        "forklifts": 10,
        "pallets": 1_000,
        "racks": 1_000,
        "trailers": 10,
        "handling_equipment": 50,
        "warehouse_system": True,
    }
    values.update(changes)
    return PointResources(**values)  # type: ignore[arg-type]


def _at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 12, day, hour, minute, tzinfo=CHINA_STANDARD_TIME)


def test_equal_staff_makes_combine_the_bottleneck() -> None:
    """10 staff split evenly (10/7 each): combine does 10/7 × 40 = 57.1 sets an hour, the least."""
    resources = _ample(10)
    capacities = task_capacities(resources, RATES, even_staffing(10))
    found = bottleneck(capacities)
    assert found.key == "combine"
    assert found.sets_per_hour == pytest.approx(400 / 7)
    assert "combine" in render(found.reason, "en") and "57.1" in render(found.reason, "en")


def test_the_balanced_split_runs_every_task_at_staff_over_the_sum_of_times() -> None:
    """Balanced, 10 staff do 10 ÷ (1/120+1/100+1/60+1/40+1/50+1/80+1/200) = 102.6 sets an hour
    at every task; 45 sets an hour need ⌈45 × 0.0975⌉ = 5 staff."""
    resources = _ample(10)
    split = balanced_staffing(10, resources, RATES)
    assert sum(split.values()) == pytest.approx(10)
    capacities = task_capacities(resources, RATES, split)
    for capacity in capacities:
        assert capacity.sets_per_hour == pytest.approx(10 / 0.0975)
    assert staff_for(45, resources, RATES) == 5


def test_forklifts_become_the_bottleneck_when_staff_is_plenty() -> None:
    """One forklift (600 sets an hour over three tasks: 200) caps a line 30 staff would run at
    307.7; the reason says more staff would not help."""
    resources = _ample(30, forklifts=1)
    found = bottleneck(task_capacities(resources, RATES, balanced_staffing(30, resources, RATES)))
    assert found.key == "forklifts"
    assert found.sets_per_hour == pytest.approx(200)
    assert "more staff would not help" in render(found.reason, "en")


def test_without_a_warehouse_system_pick_slows_to_seventy_percent() -> None:
    """Paper lists: pick 60 → 42 sets per staff-hour, put away 100 → 70; the rest unchanged."""
    resources = _ample(14, warehouse_system=False)
    capacities = {c.task: c for c in task_capacities(resources, RATES, even_staffing(14))}
    assert capacities[Task.pick].rate == pytest.approx(42)
    assert capacities[Task.put_away].rate == pytest.approx(70)
    assert capacities[Task.combine].rate == 40


def test_hand_worked_schedule_of_two_orders() -> None:
    """14 staff, 2 per task, one shift 08–16: receive 240, put away 200, pick 120, combine 80,
    pack 100, dispatch 160, ship 400 sets an hour; combine (80) is the bottleneck.

    A: 200 sets from S1 at 08:00, needed 18:00 (first in line). B: 100 from S1 at 08:00 and 60
    from S2 at 10:30 (received from 11:00), needed 20:00. By hand:
    08–09 receive A 200 + B 40, put away A 200, pick A 120, combine/pack/dispatch/ship A 80;
    09–10 receive B 60, put away B 100, pick A 80 (B waits for S2), ship A 80 (160);
    10–11 combine A's last 40, ship 40: A ships at 11:00; B's S2 goods not in yet;
    11–12 receive and put away B 60, pick B 120, ship B 80;
    12–13 pick B 40, combine B 80, ship B 80: B ships at 13:00.
    Day plan: 360 sets in, 360 out, capacity 80 × 8 = 640, staff needed ⌈45 × 0.0975⌉ = 5.
    """
    resources = _ample(14, shifts_per_day=1, first_shift_starts=8)
    orders = [
        PointOrder(
            "B",
            (GoodsArrival("S1", 100, _at(3, 8)), GoodsArrival("S2", 60, _at(3, 10, 30))),
            _at(3, 20),
        ),
        PointOrder("A", (GoodsArrival("S1", 200, _at(3, 8)),), _at(3, 18)),
    ]
    schedule = schedule_point(
        resources, RATES, orders, start=_at(3, 7), days=2, staffing=even_staffing(14)
    )
    assert schedule.bottleneck.key == "combine" and schedule.line_rate == 80
    shipped = {s.reference: s.shipped_at for s in schedule.shipments}
    assert shipped == {"A": _at(3, 11), "B": _at(3, 13)}
    by_hour = {flow.start.hour: flow.done for flow in schedule.hours}
    assert by_hour[8][Task.receive] == 240 and by_hour[8][Task.ship] == 80
    assert by_hour[9][Task.pick] == 80 and by_hour[10][Task.ship] == 40
    assert by_hour[11][Task.pick] == 120 and by_hour[12][Task.combine] == 80
    day = schedule.days[0]
    assert (day.arriving, day.shipped, day.left, day.capacity) == (360, 360, 0, 640)
    assert (day.staff_needed, day.staff_shortfall, day.equipment_limit) == (5, 0, None)
    assert not any(s.late for s in schedule.shipments)


def test_the_plan_names_the_staff_shortfall() -> None:
    """2,000 sets in one day at a 16-hour point need ⌈125 × 0.0975⌉ = 13 staff a shift; with 10
    (balanced: 102 sets an hour) 16 × 102 = 1,632 ship on the day, 368 roll to the next, which
    needs ⌈23 × 0.0975⌉ = 3."""
    resources = _ample(10)
    orders = [PointOrder("X", (GoodsArrival("S1", 2_000, _at(3, 6)),))]
    schedule = schedule_point(resources, RATES, orders, start=_at(3, 0), days=2)
    first, second = schedule.days
    assert schedule.line_rate == 102
    assert (first.staff_needed, first.staff_shortfall) == (13, 3)
    assert (first.shipped, first.left, first.capacity) == (1_632, 368, 1_632)
    assert (second.arriving, second.shipped, second.left) == (0, 368, 0)
    assert (second.staff_needed, second.staff_shortfall) == (3, 0)
    assert schedule.shipments[0].shipped_at == _at(4, 10)  # 368 / 102 → the 4th hour from 06:00


def test_an_order_demand_becomes_goods_arriving_per_source() -> None:
    """Each line arrives at its source's time; a source without a time is named."""
    demand = OrderDemand(
        "BG-2",
        OrderKind.group_buy,
        "ems",
        "EMS-HN",
        "410100",
        (OrderLine("vegetables", 30, "S1"), OrderLine("milk", 20, "S2")),
        (),
        _at(4, 12),
    )
    order = point_order(demand, {"S1": _at(3, 9), "S2": _at(3, 11)})
    assert order.sets == 50 and order.goods_in_at == _at(3, 11)
    with pytest.raises(InvalidInputError) as raised:
        point_order(demand, {"S1": _at(3, 9)})
    assert raised.value.problems[0].location == "BG-2: arrivals.S2"


def test_staffing_beyond_the_shift_is_refused() -> None:
    """Putting 15 staff on tasks at a point of 14 is refused at the staffing."""
    with pytest.raises(InvalidInputError):
        schedule_point(_ample(14), RATES, [], start=_at(3, 0), staffing=even_staffing(15))


orders_strategy = st.lists(
    st.tuples(
        st.lists(st.tuples(st.integers(1, 300), st.integers(0, 60 * 60)), min_size=1, max_size=3),
        st.integers(0, 72),
    ),
    min_size=0,
    max_size=6,
)


@settings(max_examples=40, deadline=None)
@given(orders=orders_strategy, staff=st.integers(1, 40), forklifts=st.integers(1, 4))
def test_schedule_invariants(
    orders: list[tuple[list[tuple[int, int]], int]], staff: int, forklifts: int
) -> None:
    """No order ships before its goods are in; no task ever exceeds its hourly capacity or works
    outside a shift; each task handles no more than the one before; every set ships."""
    origin = _at(3, 0)
    point_orders = [
        PointOrder(
            f"O{index}",
            tuple(
                GoodsArrival(f"S{k}", sets, origin + timedelta(minutes=m))
                for k, (sets, m) in enumerate(lines)
            ),
            origin + timedelta(hours=due),
        )
        for index, (lines, due) in enumerate(orders)
    ]
    resources = _ample(staff, forklifts=forklifts)
    schedule = schedule_point(resources, RATES, point_orders, start=origin, horizon_days=31)
    caps = {load.capacity.task: load.hourly for load in schedule.tasks}
    assert schedule.line_rate >= 1
    for flow in schedule.hours:
        for task in TASKS:
            assert flow.done[task] <= (caps[task] if resources.works_at(flow.start.hour) else 0)
    totals = [sum(flow.done[task] for flow in schedule.hours) for task in TASKS]
    assert totals == sorted(totals, reverse=True)
    assert schedule.unshipped == 0
    for shipment in schedule.shipments:
        assert shipment.shipped_at is not None
        assert shipment.shipped_at >= shipment.goods_in_at + timedelta(hours=1)

"""A second hand-worked consolidation point, independent of the reference page's: no
warehouse system (put away and pick at 70 % of their rate), one person per task, one short
shift 09:00–13:00, and a floor of 2 m² that holds the packing line to 2 ÷ 0.05 ÷ 2 = 20 sets an
hour — the bottleneck is the floor, not a task's staff.

By hand, hour by hour (capacities: receive 120, put away 70, pick 42, combine 40, pack
min(50, 20) = 20, dispatch 80, ship 200):

- X, 50 sets in at 09:00, needed 10:00. 09–10: receive 50, put away 50, pick 42, combine 40,
  pack 20, dispatch 20, ship 20. 10–11: pick 8, combine 10, pack 20, ship 20 (40 in all).
  11–12: pack 10, ship 10 → **X ships 12:00**, late.
- Y, 30 sets in at 12:30, counts from 13:00 — the shift is over: nothing moves until 09:00 the
  next day. 09–10: receive…combine 30, pack 20, ship 20. 10–11: pack 10, ship 10 → **Y ships
  11:00 the next day**, late (needed 20:00 on the first day).

The capacity plan: the first day 80 sets arrive, 50 ship, 30 are left; the line can ship
20 × 4 = 80; staff needed, balanced, ⌈80 ÷ 4 × Σ(1 ÷ rate)⌉ with Σ = 1/120 + 1/70 + 1/42 +
1/40 + 1/50 + 1/80 + 1/200 = 0.10893 staff-hours a set → ⌈2.18⌉ = 3, no shortfall with 7. The
second day: 30 left over ship, ⌈30 ÷ 4 × 0.10893⌉ = 1.
"""

from __future__ import annotations

from datetime import date, datetime

from peakguard.domain.scans import CHINA_STANDARD_TIME
from peakguard.supply.consolidation import PointRates, PointResources, Task
from peakguard.supply.consolidation_schedule import GoodsArrival, PointOrder, schedule_point

CST = CHINA_STANDARD_TIME


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 12, day, hour, minute, tzinfo=CST)


def test_a_floor_bound_point_without_a_warehouse_system_ships_as_worked_by_hand() -> None:
    """X ships 12:00, Y at 11:00 the next day, both late; the floor area is the bottleneck at
    20 sets an hour; the plan's two days as worked in the module's docstring."""
    resources = PointResources(
        floor_area_m2=2.0, staff_per_shift=7, shifts_per_day=1, shift_hours=4,
        first_shift_starts=9, forklifts=10, pallets=1000, racks=1000, trailers=10,
        handling_equipment=50, warehouse_system=False,
    )  # fmt: skip
    orders = [
        PointOrder("X", (GoodsArrival("S1", 50, at(3, 9)),), needed_by=at(3, 10)),
        PointOrder("Y", (GoodsArrival("S2", 30, at(3, 12, 30)),), needed_by=at(3, 20)),
    ]
    schedule = schedule_point(
        resources, PointRates(), orders, start=at(3, 8), days=2,
        staffing=dict.fromkeys(Task, 1.0),
    )  # fmt: skip
    shipped = {s.reference: (s.shipped_at, s.late) for s in schedule.shipments}
    assert shipped == {"X": (at(3, 12), True), "Y": (at(4, 11), True)}
    assert schedule.line_rate == 20
    assert schedule.bottleneck.key == "floor_area"
    assert round(schedule.bottleneck.sets_per_hour) == 20
    plan = [(d.day, d.arriving, d.shipped, d.left, d.capacity, d.staff_needed,
             d.staff_shortfall) for d in schedule.days]  # fmt: skip
    assert plan == [
        (date(2026, 12, 3), 80, 50, 30, 80, 3, 0),
        (date(2026, 12, 4), 0, 30, 0, 80, 1, 0),
    ]

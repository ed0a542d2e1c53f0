"""The shuttle planner: a hand-worked optimum, the passes it must respect, and PyVRP against
an exact enumeration on small legs."""

from __future__ import annotations

import math
from dataclasses import replace
from datetime import date, datetime, time

import pytest

from peakguard.domain.geography import EARTH_RADIUS_KM
from peakguard.optimize.shuttle_model import Leg, ShuttleParameters, Vehicle
from peakguard.optimize.shuttles import plan_shuttles
from peakguard.supply.model import (
    Bundle,
    DeliveryKind,
    DeliveryPoint,
    OrderDemand,
    OrderKind,
    OrderLine,
    Place,
)
from peakguard.supply.passes import Pass, PassKind

AREA = "310115"
DAY = date(2026, 4, 10)
STATION = Place("ST-1", "张江转运站", "310115", 31.0, 121.5)
POINT = Place("CP-1", "昆山汇集点", "320583", 31.0, 121.0)
KM_PER_HUNDREDTH = EARTH_RADIUS_KM * math.pi / 180 * 0.01
"""Great-circle kilometres of 0.01° along a meridian (the line the hand case's points lie on)."""
EXACT = ShuttleParameters(road_factor=1.0, iterations=800, seconds=5.0)


def granted(*holders: tuple[PassKind, str]) -> list[Pass]:
    """Passes valid in the whole city on the plan's day for each holder."""
    return [Pass(kind, holder, "310000", DAY, DAY, "上海市防控办") for kind, holder in holders]


def order(reference: str, *deliveries: DeliveryPoint) -> OrderDemand:
    return OrderDemand(
        reference=reference,
        kind=OrderKind.group_buy,
        carrier="EMS",
        company="310000-EMS",
        region=AREA,
        lines=(),
        deliveries=deliveries,
        needed_by=datetime(2026, 4, 10, 20, 0),
    )


def point_north(number: int, hundredths: int, sets: int) -> DeliveryPoint:
    """A pick-up point ``hundredths`` × 0.01° due north of the station."""
    place = Place(f"P{number}", f"团长自提点{number}", AREA, 31.0 + hundredths / 100, 121.5)
    return DeliveryPoint(place, DeliveryKind.pickup_point, sets)


def test_four_points_on_a_line_take_two_trips_of_twelve_units() -> None:
    """Four points 1, 2, 3, 4 units (0.01°) north of the station, 5 sets each, one vehicle of
    10 sets: the optimum is 12 units, and no plan does better.

    Hand-worked: 20 sets over a capacity of 10 need two trips. The trip serving the point at 4
    drives at least 2 × 4 = 8; it carries at most two points, so the other trip serves at least
    two of the points at 1, 2, 3, the farther at 2 or more: at least 2 × 2 = 4. Total ≥ 12,
    met by {3, 4} then {1, 2} (or the other order). The trunk leg is one trailer trip of
    2 × 50 units (the point is 0.5° of longitude west at the same latitude, computed below).
    """
    orders = [order("GB-1", *(point_north(n, n, 5) for n in (1, 2, 3, 4)))]
    vehicles = [
        Vehicle("V1", "沪A1", "D-1", Leg.inner, "ST-1", capacity_sets=10),
        Vehicle("T1", "沪B1", "D-2", Leg.trunk, "CP-1", capacity_sets=40),
    ]
    passes = granted(
        (PassKind.vehicle, "沪A1"),
        (PassKind.vehicle, "沪B1"),
        (PassKind.person, "D-1"),
        (PassKind.person, "D-2"),
        (PassKind.site, "ST-1"),
    )
    plan = plan_shuttles(
        region=AREA,
        day=DAY,
        point=POINT,
        stations=[STATION],
        vehicles=vehicles,
        orders=orders,
        passes=passes,
        parameters=EXACT,
    )
    inner = next(route for route in plan.routes if route.leg is Leg.inner)
    assert len(inner.trips) == 2
    assert [sorted(stop.place for stop in trip.stops) for trip in inner.trips] in (
        [["P3", "P4"], ["P1", "P2"]],
        [["P1", "P2"], ["P3", "P4"]],
    )
    assert inner.distance_km == pytest.approx(
        12 * KM_PER_HUNDREDTH, abs=0.004
    )  # legs rounded to 1 m
    trunk = next(route for route in plan.routes if route.leg is Leg.trunk)
    across = (
        2 * EARTH_RADIUS_KM * math.asin(math.cos(math.radians(31.0)) * math.sin(math.radians(0.25)))
    )
    assert trunk.distance_km == pytest.approx(2 * across, abs=0.002)
    assert trunk.sets == 20
    assert plan.unserved == () and plan.missing == ()
    second = inner.trips[1]
    assert second.loads >= inner.trips[0].returns  # reloads after coming back, not before


def test_a_point_closed_before_the_vehicle_can_arrive_is_unserved_with_why() -> None:
    """A point closing at 06:10, 30 minutes' drive after a 06:00 start with 20 minutes'
    loading, cannot be reached: it is listed unserved, the others delivered."""
    late = DeliveryPoint(
        point_north(9, 14, 3).place, DeliveryKind.address, 3, time(6, 0), time(6, 10)
    )
    orders = [order("GP-1", point_north(1, 1, 4), late)]
    vehicles = [Vehicle("V1", "沪A1", "D-1", Leg.inner, "ST-1", capacity_sets=10)]
    passes = granted((PassKind.vehicle, "沪A1"), (PassKind.person, "D-1"), (PassKind.site, "ST-1"))
    plan = plan_shuttles(
        region=AREA,
        day=DAY,
        point=POINT,
        stations=[STATION],
        vehicles=vehicles,
        orders=orders,
        passes=passes,
    )
    assert [(item.place, item.sets) for item in plan.unserved if item.place == "P9"] == [("P9", 3)]
    assert plan.delivered_sets() == 4


def test_an_order_of_bundles_unknown_to_the_catalogue_is_planned_by_sets_alone() -> None:
    """An order whose lines name bundles the catalogue passed in does not hold (or no
    catalogue) is planned by its sets, its weight unknown (0 kg), never a crash; with the
    catalogue its trip carries the sets' weight (10 vegetable sets of 5 kg: 50 kg)."""
    lines = (OrderLine("vegetables", 10, "S1"),)
    demand = replace(order("GB-9", point_north(1, 1, 10)), lines=lines)
    vehicles = [Vehicle("V1", "沪A1", "D-1", Leg.inner, "ST-1", capacity_sets=10)]
    passes = granted((PassKind.vehicle, "沪A1"), (PassKind.person, "D-1"), (PassKind.site, "ST-1"))
    common = {"region": AREA, "day": DAY, "point": POINT, "stations": [STATION]}
    blind = plan_shuttles(**common, vehicles=vehicles, orders=[demand], passes=passes)
    (route,) = [r for r in blind.routes if r.leg is Leg.inner]
    assert route.trips[0].sets == 10 and route.trips[0].kg == 0
    vegetables = Bundle("vegetables", "蔬菜套装", "vegetable set", True, 5.0, 0.02)
    weighed = plan_shuttles(
        **common, vehicles=vehicles, orders=[demand], passes=passes,
        bundles={"vegetables": vegetables},
    )  # fmt: skip
    (route,) = [r for r in weighed.routes if r.leg is Leg.inner]
    assert route.trips[0].kg == pytest.approx(50.0)

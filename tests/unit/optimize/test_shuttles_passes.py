"""A shuttle is never scheduled with a pass that is expired, not yet valid or for another area
(issue 18's Done-when), whatever the registers and the day."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from peakguard.optimize.shuttle_model import Leg, ShuttleParameters, Vehicle
from peakguard.optimize.shuttles import plan_shuttles
from peakguard.supply.model import DeliveryKind, DeliveryPoint, OrderDemand, OrderKind, Place
from peakguard.supply.passes import Pass, PassKind

AREA = "310115"
START = date(2026, 4, 1)
STATIONS = [Place("ST-1", "张江", AREA, 31.2, 121.6), Place("ST-2", "川沙", AREA, 31.19, 121.7)]
POINT = Place("CP-1", "昆山", "320583", 31.38, 120.98)
VEHICLES = [
    Vehicle("V1", "沪A1", "D1", Leg.inner, "ST-1", 8),
    Vehicle("V2", "沪A2", "D2", Leg.inner, "ST-1", 8),
    Vehicle("V3", "沪A3", "D3", Leg.inner, "ST-2", 8),
    Vehicle("T1", "沪B1", "D4", Leg.trunk, "CP-1", 40),
]
ORDERS = [
    OrderDemand(
        "GB-1",
        OrderKind.group_buy,
        "EMS",
        "310000-EMS",
        AREA,
        (),
        tuple(
            DeliveryPoint(Place(f"P{n}", f"点{n}", AREA, 31.2 + n / 100, 121.65), kind, 5)
            for n, kind in enumerate([DeliveryKind.community, DeliveryKind.pickup_point] * 2)
        ),
        datetime(2026, 4, 30, 20, 0),
    )
]
QUICK = ShuttleParameters(iterations=200, seconds=1.0)
REGIONS = ("310000", "310100", "310115", "310104", "320000")
"""The city and the district (they cover the area), another district and another province."""


@st.composite
def passes(draw: st.DrawFn) -> list[Pass]:
    """Zero to two passes per holder, each for a random region and a random week in April."""
    holders = [(PassKind.vehicle, v.plate) for v in VEHICLES]
    holders += [(PassKind.person, v.driver) for v in VEHICLES]
    holders += [(PassKind.site, s.code) for s in STATIONS]
    register = []
    for kind, holder in holders:
        for _ in range(draw(st.integers(0, 2))):
            start = START + timedelta(days=draw(st.integers(0, 10)))
            until = start + timedelta(days=draw(st.integers(0, 5)))
            register.append(Pass(kind, holder, draw(st.sampled_from(REGIONS)), start, until, "办"))
    return register


def holds(register: list[Pass], kind: PassKind, holder: str, day: date) -> bool:
    """The rule written out again: same holder, the day within both ends, and the pass's
    region the area itself or a city or province above it."""
    above = {"310000", "310100", AREA}
    return any(
        p.kind is kind
        and p.holder == holder
        and p.valid_from <= day <= p.valid_until
        and p.region in above
        for p in register
    )


@settings(max_examples=25, deadline=None)
@given(passes(), st.integers(0, 16))
def test_no_route_uses_a_vehicle_driver_or_station_without_a_valid_pass(
    register: list[Pass], offset: int
) -> None:
    """Every routed vehicle has a vehicle pass and its driver a white list entry valid for the
    area that day, every inner vehicle's station a site permit; everyone left out is listed as
    missing; and each set is either delivered or listed unserved."""
    day = START + timedelta(days=offset)
    plan = plan_shuttles(
        region=AREA,
        day=day,
        point=POINT,
        stations=STATIONS,
        vehicles=VEHICLES,
        orders=ORDERS,
        passes=register,
        parameters=QUICK,
    )
    by_code = {v.code: v for v in VEHICLES}
    for route in plan.routes:
        vehicle = by_code[route.vehicle]
        assert holds(register, PassKind.vehicle, vehicle.plate, day)
        assert holds(register, PassKind.person, vehicle.driver, day)
        if route.leg is Leg.inner:
            assert holds(register, PassKind.site, vehicle.base, day)
    for vehicle in VEHICLES:
        allowed = holds(register, PassKind.vehicle, vehicle.plate, day) and holds(
            register, PassKind.person, vehicle.driver, day
        )
        if vehicle.leg is Leg.inner:
            allowed = allowed and holds(register, PassKind.site, vehicle.base, day)
        assert allowed == (vehicle.code not in {m.subject for m in plan.missing})
    delivered = plan.delivered_sets()
    lost = sum(item.sets for item in plan.unserved if item.place.startswith("P"))
    assert delivered + lost == 20

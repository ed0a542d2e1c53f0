"""The demo's static control as data: Ya'an's window, its orders, the group buy's lists and the
passes (demo/static_control.py, demo/supply_groupbuy.py, demo/supply_fleet.py)."""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta

from peakguard.demo.season import DEMO_CLOSED_HUB, double11_scenario
from peakguard.demo.static_control import (
    CONSOLIDATION_POINT,
    CONTROLLED_CITY,
    SOURCES,
    TRANSFER_STATIONS,
    government_orders,
    static_control,
)
from peakguard.demo.supply_fleet import LAPSING_PLATE, STAFF, VEHICLES, pass_grants
from peakguard.demo.supply_groupbuy import LEADERS, group_buy_order, sign_ups
from peakguard.supply.bundles import load_bundles
from peakguard.supply.model import OrderKind

YEAR = 2026


def test_the_control_is_five_days_inside_the_season_away_from_the_closed_hub() -> None:
    """Ya'an is controlled for five whole days inside 6–17 November, and it is not the city of
    the hub the season closes (Deyang)."""
    scenario = double11_scenario(YEAR)
    control = static_control(YEAR)
    first = scenario.first_day
    last = first + timedelta(days=scenario.days - 1)
    assert control.end - control.start == timedelta(days=5)
    assert control.days == [date(YEAR, 11, 10) + timedelta(days=i) for i in range(5)]
    assert first <= control.days[0] and control.days[-1] <= last
    assert DEMO_CLOSED_HUB.split("-")[1][:4] != CONTROLLED_CITY[:4]


def test_the_group_buy_is_the_sum_of_the_leaders_lists() -> None:
    """The group buy's sheet asks for exactly what the households signed up for, counted line by
    line here, per bundle and per pick-up point."""
    lines = sign_ups(2016)
    by_bundle: Counter[str] = Counter()
    by_point: Counter[str] = Counter()
    for line in lines:
        for bundle, count in line.sets:
            by_bundle[bundle] += count
            by_point[line.point] += count
    order = group_buy_order(YEAR, 2016)
    assert order.kind is OrderKind.group_buy
    assert {line.bundle: line.quantity for line in order.lines} == dict(by_bundle)
    assert {point.place.code: point.quantity for point in order.deliveries} == dict(by_point)
    assert len(lines) == sum(leader.households for leader in LEADERS)
    assert order.demand().sets == sum(by_bundle.values())


def test_one_quotation_is_late_and_every_other_answer_in_time() -> None:
    """Only the group buy's quotation comes after its 24 hours; every confirmation within 4."""
    orders = (*government_orders(YEAR), group_buy_order(YEAR, 2016))
    late = [o.reference for o in orders if o.quote_after > timedelta(hours=24)]
    assert late == ["YA-GROUPBUY"]
    assert all(o.confirm_after <= timedelta(hours=4) for o in orders)
    control = static_control(YEAR)
    assert all(control.start <= o.sent_at and o.confirmed_at < control.end for o in orders)


def test_every_order_names_known_bundles_sources_and_places_in_the_city() -> None:
    """Each order line is a catalogue bundle from a listed source; every set is delivered in
    Ya'an; the point and the sources lie outside it, the transfer stations inside."""
    bundles = load_bundles()
    sources = {place.code for place in SOURCES}
    for order in (*government_orders(YEAR), group_buy_order(YEAR, 2016)):
        assert all(line.bundle in bundles and line.source in sources for line in order.lines)
        assert all(point.place.region.startswith("5118") for point in order.deliveries)
        assert sum(point.quantity for point in order.deliveries) == order.demand().sets
    assert not CONSOLIDATION_POINT.region.startswith("5118")
    assert all(not place.region.startswith("5118") for place in SOURCES)
    assert all(station.region.startswith("5118") for station in TRANSFER_STATIONS)


def test_one_truck_s_pass_lapses_after_three_days() -> None:
    """Every vehicle and person has a pass from the control's first day; the lapsing truck's ends
    on 12 November, every other on the last day."""
    grants = pass_grants(YEAR)
    vehicles = {g.holder: g for g in grants if g.kind == "vehicle"}
    people = {g.holder: g for g in grants if g.kind == "person"}
    assert set(vehicles) == {v.plate for v in VEHICLES}
    assert set(people) == {s.number for s in STAFF}
    assert all(g.first_day == date(YEAR, 11, 10) for g in grants)
    assert vehicles[LAPSING_PLATE].last_day == date(YEAR, 11, 12)
    others = [g for g in grants if g.holder != LAPSING_PLATE]
    assert all(g.last_day == date(YEAR, 11, 14) for g in others)

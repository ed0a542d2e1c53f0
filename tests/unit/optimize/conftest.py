"""Small networks and scenarios whose staggering plans can be worked out by hand.

Every node is in Chengdu (510100), so the home province has no gateway hubs: an outlet's
parcels all go to its carrier's stations and nothing comes in from outside the province.
Outlets and stations never limit anything unless a test says so.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from datetime import date, timedelta

import pytest

from peakguard.domain.network import Carrier, Lane, Network, Node, NodeKind, Shift
from peakguard.optimize.releases import OrderRelease
from peakguard.simulate.scenario import Scenario

EVERY_HOUR = [f"{hour:02d}:00" for hour in range(24)]
BIG = 10**9
DAY1 = date(2024, 11, 11)
"""The first demand day of every scenario here (Double 11)."""
CARRIERS = [Carrier(code="ZTO", name="中通快递"), Carrier(code="YTO", name="圆通速递")]


def day(number: int) -> date:
    """Day ``number`` of the scenario, counting Double 11 as day 1."""
    return DAY1 + timedelta(days=number - 1)


def shift(start: int, end: int, capacity: int) -> Shift:
    return Shift(
        name=f"{start:02d}-{end:02d}",
        start_hour=start,
        end_hour=end,
        sorting_capacity_per_hour=capacity,
    )


def node(
    node_id: str,
    kind: str,
    *,
    capacity: int = BIG,
    shifts: Sequence[Shift] | None = None,
    storage: int = BIG,
    carrier: str = "ZTO",
    daily_volume: int = 0,
) -> Node:
    """A node sorting ``capacity`` an hour all day unless ``shifts`` are given."""
    return Node(
        id=node_id,
        name=node_id,
        kind=NodeKind(kind),
        region="510100",
        carrier=carrier,
        shifts=list(shifts) if shifts else [shift(0, 24, capacity)],
        storage_capacity=storage,
        staff=1,
        vehicles=1,
        floor_area_m2=1.0,
        longitude=104.0,
        latitude=30.6,
        daily_volume=daily_volume,
    )


def lane(
    origin: str,
    destination: str,
    *,
    hours: float = 1.0,
    departures: Sequence[str] = EVERY_HOUR,
    capacity: int = BIG,
) -> Lane:
    return Lane(
        id=f"{origin}-{destination}",
        origin=origin,
        destination=destination,
        mode="road",
        transit_hours=hours,
        departure_times=list(departures),
        capacity_per_departure=capacity,
    )


def hub_chain(hub_per_hour: int, *, hub_storage: int = BIG, outlet_volume: int = 1000) -> Network:
    """outlet O → hub H → station S, every node working all day, lanes every hour taking one
    hour. A parcel picked up at O in hour h is sorted there in h, leaves at h+1, reaches H
    and is sorted there in h+2, leaves at h+3: with the pickup rounds at 10, 13, 16 and 19 it
    is at H only at the end of hours 12, 15, 18, 21, and all of a day's pickups are sorted at
    H the same day. So H's sorting load on day d is exactly that day's quota."""
    return Network(
        name="hub-chain",
        carriers=CARRIERS[:1],
        nodes=[
            node("O", "outlet", daily_volume=outlet_volume),
            node("H", "hub", capacity=hub_per_hour, storage=hub_storage),
            node("S", "station"),
        ],
        lanes=[lane(a, b) for a, b in itertools.pairwise(["O", "H", "S"])],
    )


def scenario(
    days: int = 3, *, warm_up_days: int = 0, drain_days: int = 1, **extra: object
) -> Scenario:
    return Scenario.model_validate(
        {
            "name": "double-11",
            "first_day": DAY1,
            "days": days,
            "warm_up_days": warm_up_days,
            "drain_days": drain_days,
            **extra,
        }
    )


def release(
    origin: str, parcels: float, released: int, latest: int, *, carrier: str = "ZTO"
) -> OrderRelease:
    return OrderRelease(
        origin=origin,
        carrier=carrier,
        release_day=day(released),
        latest_day=day(latest),
        parcels=parcels,
    )


@pytest.fixture
def small_hub() -> Network:
    """O → H → S with H sorting 100 an hour (2,400 a day, one all-day shift = one row a
    day) and storage that never binds: the plan's only constraint is H's daily sorting."""
    return hub_chain(100)


@pytest.fixture
def shared_hub() -> Network:
    """Two outlets O1, O2 of one carrier → one hub H (100 an hour) → station S: they compete
    for H's 2,400 parcels a day, so origin fairness decides who waits."""
    return Network(
        name="shared-hub",
        carriers=CARRIERS[:1],
        nodes=[
            node("O1", "outlet", daily_volume=1000),
            node("O2", "outlet", daily_volume=1000),
            node("H", "hub", capacity=100),
            node("S", "station"),
        ],
        lanes=[lane("O1", "H"), lane("O2", "H"), lane("H", "S")],
    )


@pytest.fixture
def two_carriers() -> Network:
    """ZTO's outlet OZ and YTO's outlet OY share ZTO's hub H (100 an hour), each delivering
    to its own carrier's station: carrier fairness decides who waits. Also the network for
    the bad-input tests (a hub, two carriers)."""
    return Network(
        name="two-carriers",
        carriers=CARRIERS,
        nodes=[
            node("OZ", "outlet", daily_volume=1000),
            node("OY", "outlet", carrier="YTO", daily_volume=1000),
            node("H", "hub", capacity=100),
            node("SZ", "station"),
            node("SY", "station", carrier="YTO"),
        ],
        lanes=[lane("OZ", "H"), lane("OY", "H"), lane("H", "SZ"), lane("H", "SY")],
    )

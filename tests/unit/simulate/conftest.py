"""Small networks whose behaviour can be worked out by hand."""

from __future__ import annotations

import itertools
from collections.abc import Sequence

import numpy as np

from peakguard.domain.network import Carrier, Lane, Network, Node, NodeKind, Shift
from peakguard.domain.routing import derive_routing
from peakguard.simulate.engine import SimulationRun, simulate_plan
from peakguard.simulate.plan import Demand, StoragePolicy, compile_plan

EVERY_HOUR = [f"{hour:02d}:00" for hour in range(24)]
BIG = 10**9


def node(node_id: str, kind: str, capacity: int, storage: int = BIG) -> Node:
    return Node(
        id=node_id,
        name=node_id,
        kind=NodeKind(kind),
        region="510100",
        carrier="ZTO",
        shifts=[
            Shift(name="all day", start_hour=0, end_hour=24, sorting_capacity_per_hour=capacity)
        ],
        storage_capacity=storage,
        staff=1,
        vehicles=1,
        floor_area_m2=1.0,
        longitude=104.0,
        latitude=30.6,
    )


def lane(
    origin: str,
    destination: str,
    *,
    hours: float = 1.0,
    capacity: int = BIG,
    departures: Sequence[str] = EVERY_HOUR,
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


def chain(
    hub_capacities: Sequence[int], *, storage: Sequence[int] | None = None, lane_capacity: int = BIG
) -> Network:
    """outlet O → hubs H1..Hk → station S, lanes every hour taking one hour; the outlet and
    station never limit anything."""
    hubs = [
        node(f"H{i + 1}", "hub", capacity, (storage or [BIG] * len(hub_capacities))[i])
        for i, capacity in enumerate(hub_capacities)
    ]
    names = ["O", *[hub.id for hub in hubs], "S"]
    return Network(
        name="chain",
        carriers=[Carrier(code="ZTO", name="中通快递")],
        nodes=[node("O", "outlet", BIG), *hubs, node("S", "station", BIG)],
        lanes=[lane(a, b, capacity=lane_capacity) for a, b in itertools.pairwise(names)],
    )


def run_chain(
    network: Network,
    arrivals: Sequence[float],
    *,
    hours: int,
    policy: StoragePolicy = StoragePolicy.block,
    closed: dict[str, range] | None = None,
    trace: bool = True,
) -> SimulationRun:
    """Accept ``arrivals[h]`` parcels at the outlet in hour h, bound for the station."""
    table = derive_routing(network)
    count = len(arrivals)
    demand = Demand(
        np.zeros(count, dtype=np.int64),
        np.full(count, len(network.nodes) - 1, dtype=np.int64),
        np.arange(count, dtype=np.int64),
        np.asarray(arrivals, dtype=float),
    )
    capacity = np.array(
        [[n.sorting_capacity_by_hour()[h % 24] for h in range(hours)] for n in network.nodes],
        dtype=float,
    )
    accepting = np.ones((len(network.nodes), hours), dtype=bool)
    for node_id, window in (closed or {}).items():
        accepting[table.position[node_id], window.start : window.stop] = False
    plan = compile_plan(
        network,
        table,
        demand,
        hours=hours,
        sorting_capacity=capacity,
        accepting=accepting,
        lane_capacity_factor=np.ones((len(network.lanes), hours)),
        policy=policy,
    )
    return simulate_plan(plan, trace=trace)

"""Compile the simulator's kernel once, at install time, so no user's first run waits for it.

``python -m peakguard.simulate.warm`` runs a three-node plan through every path of the compiled
engine (both storage policies, untraced, traced, a traced sample, a snapshot and a restart from
it), which makes Numba compile each kernel function and write it to its cache (``__pycache__``
beside the modules). ``scripts/bootstrap.sh`` calls it when the engine's sources change, after
clearing the old cache: Numba keys a cached function on its own file only, so a change to a
kernel module the cached callers use would otherwise leave them stale (decision 0016).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np

from peakguard.domain.network import Carrier, Lane, Network, Node, NodeKind, Shift
from peakguard.domain.routing import derive_routing
from peakguard.simulate.engine import simulate_plan
from peakguard.simulate.plan import Demand, LaneFactor, SimulationPlan, StoragePolicy, compile_plan

HOURS = 48


def _node(node_id: str, kind: NodeKind, capacity: int, storage: int) -> Node:
    return Node(
        id=node_id,
        name=node_id,
        kind=kind,
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


def _lane(origin: str, destination: str) -> Lane:
    return Lane(
        id=f"{origin}-{destination}",
        origin=origin,
        destination=destination,
        mode="road",
        transit_hours=1.0,
        departure_times=[f"{hour:02d}:00" for hour in range(24)],
        capacity_per_departure=400,
    )


def tiny_plan(policy: StoragePolicy) -> SimulationPlan:
    """Outlet → hub → station, the hub slower than what it is sent, with little storage."""
    network = Network(
        name="warm-up",
        carriers=[Carrier(code="ZTO", name="中通快递")],
        nodes=[
            _node("O", NodeKind.outlet, 10_000, 10**9),
            _node("H", NodeKind.hub, 100, 250),
            _node("S", NodeKind.station, 10_000, 10**9),
        ],
        lanes=[_lane("O", "H"), _lane("H", "S")],
    )
    hours = np.arange(12, dtype=np.int64)
    demand = Demand(
        origin=np.zeros(12, dtype=np.int64),
        destination=np.full(12, 2, dtype=np.int64),
        hour=hours,
        parcels=np.full(12, 150.0),
    )
    nodes = len(network.nodes)
    return compile_plan(
        network,
        derive_routing(network),
        demand,
        hours=HOURS,
        sorting_capacity=np.array([[10_000.0], [100.0], [10_000.0]]).repeat(HOURS, axis=1),
        accepting=np.ones((nodes, HOURS), dtype=bool),
        lane_capacity_factor=LaneFactor(len(network.lanes), HOURS),
        policy=policy,
    )


def warm() -> float:
    """Run every path once and check the answers (the install's self-check of the compiled
    engine on this machine): every parcel of the tiny plan is delivered within its 48 hours,
    and the run restarted from its hour-6 state delivers what the whole run delivered after
    hour 6. The parcels delivered, all paths together."""
    delivered = 0.0
    for policy in StoragePolicy:
        plan = tiny_plan(policy)
        whole = simulate_plan(plan)
        accepted = float(plan.cohort_parcels.sum())
        if abs(float(whole.delivered.sum()) - accepted) > 1e-6:
            raise RuntimeError(f"the compiled simulator lost parcels ({policy.value})")
        simulate_plan(plan, trace=True)
        sample = np.arange(len(plan.cohort_parcels)) % 2 == 0
        taken = simulate_plan(plan, trace_cohorts=sample, snapshot_at=6).state
        assert taken is not None
        resumed = simulate_plan(plan, start=taken)
        after = float(resumed.delivered.sum())
        if abs(taken.delivered_before + after - accepted) > 1e-6:
            raise RuntimeError(f"the compiled simulator's restart disagrees ({policy.value})")
        delivered += float(whole.delivered.sum())
    return delivered


def main() -> None:
    start = time.perf_counter()
    delivered = warm()
    where = Path(__file__).parent / "__pycache__"
    print(
        f"simulator compiled in {time.perf_counter() - start:.0f} s "
        f"({delivered:,.0f} test parcels delivered; cache in {where})",
        file=sys.stderr,
    )


if __name__ == "__main__":
    main()

"""Routing windows: parcels accepted inside a window take that window's routes."""

from __future__ import annotations

import numpy as np
import pytest

from peakguard.domain.network import Carrier, Network, RoutingOverride
from peakguard.domain.routing import RoutingTable, derive_routing
from peakguard.simulate.engine import conservation_gap, simulate_plan
from peakguard.simulate.plan import (
    Demand,
    RoutingWindow,
    SimulationPlan,
    StoragePolicy,
    compile_plan,
)

from .conftest import lane, node

HOURS = 30


@pytest.fixture
def two_ways() -> Network:
    """Outlet O to station S through hub H (1 h + 1 h) or hub B (2 h + 2 h): the shortest
    route is through H; nothing limits either."""
    return Network(
        name="two-ways",
        carriers=[Carrier(code="ZTO", name="中通快递")],
        nodes=[
            node("O", "outlet", 10**9),
            node("H", "hub", 10**9),
            node("B", "hub", 10**9),
            node("S", "station", 10**9),
        ],
        lanes=[lane("O", "H"), lane("H", "S"), lane("O", "B", hours=2), lane("B", "S", hours=2)],
    )


def _through_b(network: Network) -> RoutingTable:
    override = RoutingOverride(node="O", destination="S", next_node="B")
    return derive_routing(network.model_copy(update={"routing_overrides": [override]}))


def _compile(network: Network, windows: list[RoutingWindow] | None = None) -> SimulationPlan:
    """100 parcels accepted at O in each of hours 0–9, bound for S."""
    demand = Demand(
        np.zeros(10, dtype=np.int64),
        np.full(10, 3, dtype=np.int64),
        np.arange(10, dtype=np.int64),
        np.full(10, 100.0),
    )
    arguments = {} if windows is None else {"routing_windows": windows}
    return compile_plan(
        network,
        derive_routing(network),
        demand,
        hours=HOURS,
        sorting_capacity=np.full((4, HOURS), 1e9),
        accepting=np.ones((4, HOURS), dtype=bool),
        lane_capacity_factor=np.ones((len(network.lanes), HOURS)),
        policy=StoragePolicy.block,
        **arguments,  # type: ignore[arg-type]
    )


def test_cohorts_inside_the_window_take_its_route(two_ways: Network) -> None:
    """Parcels accepted in hours 3–5 pass B and not H; the others pass H and not B."""
    run = simulate_plan(_compile(two_ways, [(3, 6, _through_b(two_ways))]), trace=True)
    trace = run.trace
    assert trace is not None
    for cohort, accepted in enumerate(run.plan.cohort_hour.tolist()):
        visited = set(trace.node[trace.cohort == cohort].tolist())
        inside = 3 <= accepted < 6
        assert (1 in visited) is not inside  # H
        assert (2 in visited) is inside  # B
    # Through H a parcel accepted in hour h is sorted at O in h, leaves at h+1, is sorted at
    # H in h+2, leaves at h+3, reaches S in h+4 and is delivered at the end of it: 5 h. Through
    # B each lane takes 2 h: sorted at B in h+3, at S in h+6: 7 h.
    ages = run.delivered_hours / run.delivered
    assert ages.tolist() == pytest.approx([5, 5, 5, 7, 7, 7, 5, 5, 5, 5])
    assert conservation_gap(run) == pytest.approx(0)


def test_without_windows_nothing_changes(two_ways: Network) -> None:
    """No windows, or an empty list, compile to the same routes as before."""
    plain, empty = _compile(two_ways), _compile(two_ways, [])
    for plan in (plain, empty):
        assert plan.route_nodes.tolist() == [[0, 1, 3]]
        assert plan.cohort_route.tolist() == [0] * 10


def test_the_first_of_overlapping_windows_wins(two_ways: Network) -> None:
    """Hours 4–5 are in both windows: the first listed applies."""
    original = derive_routing(two_ways)
    plan = _compile(two_ways, [(4, 6, original), (2, 8, _through_b(two_ways))])
    through_b = [2 in plan.route_nodes[route].tolist() for route in plan.cohort_route.tolist()]
    # Hours 2, 3, 6, 7 through B (second window); 4, 5 through H (first window).
    assert through_b == [False, False, True, True, False, False, True, True, False, False]


def test_tables_over_other_nodes_are_refused(two_ways: Network) -> None:
    """A table over a different node list is a programming error."""
    other = two_ways.model_copy(update={"nodes": list(reversed(two_ways.nodes))})
    with pytest.raises(ValueError, match="same nodes"):
        _compile(two_ways, [(0, 5, derive_routing(other))])

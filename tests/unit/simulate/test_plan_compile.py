"""Compiling a plan: the departure table and the sparse lane factor.

The departure table is built with array operations; it must be exactly what the plain loop
over lanes, departure clocks and days gives (kept here as the reference), with a dense factor
and with the sparse :class:`LaneFactor` a scenario makes."""

from __future__ import annotations

import numpy as np
import pytest

from peakguard.demo.sichuan import build_sichuan_network
from peakguard.domain.network import Network, NodeKind, RoutingOverride
from peakguard.domain.regions import classify_pair
from peakguard.domain.routing import RoutingTable, derive_routing
from peakguard.simulate.plan import (
    Demand,
    FloatArray,
    IntArray,
    LaneFactor,
    StoragePolicy,
    compile_plan,
    hour_of_departure,
)
from tests.unit.simulate.conftest import chain, lane


def _network() -> Network:
    """The chain O → H1 → H2 → S, with H1 → H2 leaving twice in hour 20 and at 06:15."""
    base = chain([100, 80])
    lanes = list(base.lanes)
    lanes[1] = lane("H1", "H2", hours=2.5, capacity=300, departures=["20:00", "06:15", "20:30"])
    return base.model_copy(update={"lanes": lanes})


def _reference(
    network: Network, hours: int, factor: FloatArray
) -> dict[int, tuple[list[int], list[float]]]:
    """The departure table as a loop: lanes in order, their clocks in order, every day."""
    table: dict[int, tuple[list[int], list[float]]] = {}
    for index, each in enumerate(network.lanes):
        for clock in each.departure_times:
            for hour in range(hour_of_departure(clock), hours, 24):
                lanes, capacities = table.setdefault(hour, ([], []))
                lanes.append(index)
                capacities.append(each.capacity_per_departure * float(factor[index, hour]))
    return table


def _compiled(
    network: Network, hours: int, factor: FloatArray | LaneFactor
) -> dict[int, tuple[IntArray, FloatArray]]:
    routing = derive_routing(network)
    nodes = len(network.nodes)
    demand = Demand(
        origin=np.array([0]), destination=np.array([nodes - 1]), hour=np.array([0]),
        parcels=np.array([10.0]),
    )  # fmt: skip
    plan = compile_plan(
        network,
        routing,
        demand,
        hours=hours,
        sorting_capacity=np.full((nodes, hours), 100.0),
        accepting=np.ones((nodes, hours), dtype=bool),
        lane_capacity_factor=factor,
        policy=StoragePolicy.block,
    )
    return plan.departures


@pytest.mark.parametrize("hours", [1, 21, 24, 50, 24 * 7 + 5])
def test_departure_table_is_the_loop_s_with_a_dense_factor(hours: int) -> None:
    network = _network()
    factor = np.random.default_rng(hours).uniform(0.5, 1.5, size=(len(network.lanes), hours))
    expected = _reference(network, hours, factor)
    got = _compiled(network, hours, factor)
    assert sorted(got) == sorted(expected)
    for hour, (lanes, capacities) in expected.items():
        assert got[hour][0].tolist() == lanes, hour
        np.testing.assert_allclose(got[hour][1], capacities, rtol=0, atol=0)
    # hour 20 of the first day: every hourly lane, then H1 → H2 twice (its two 20:xx clocks)
    if hours > 20:
        assert got[20][0].tolist() == [0, 1, 1, 2]


def test_sparse_factor_is_the_dense_one() -> None:
    network = _network()
    hours = 24 * 4
    # H1 → H2 at half capacity on day 2, and the overlapping quarter of it again: 0.5 × 0.5
    sparse = LaneFactor(len(network.lanes), hours, ((1, 24, 48, 0.5), (1, 40, 60, 0.5)))
    dense = sparse.dense()
    assert dense[1, 23] == 1.0 and dense[1, 24] == 0.5 and dense[1, 40] == 0.25
    assert dense[1, 50] == 0.5 and dense[1, 60] == 1.0 and dense[0].min() == 1.0
    lanes = np.repeat(np.arange(len(network.lanes)), hours)
    moments = np.tile(np.arange(hours), len(network.lanes))
    np.testing.assert_array_equal(sparse.at(lanes, moments), dense[lanes, moments])
    from_sparse = _compiled(network, hours, sparse)
    from_dense = _compiled(network, hours, dense)
    assert sorted(from_sparse) == sorted(from_dense)
    for hour, (lanes_then, capacities) in from_dense.items():
        np.testing.assert_array_equal(from_sparse[hour][0], lanes_then)
        np.testing.assert_array_equal(from_sparse[hour][1], capacities)
    # the 20:00 and 20:30 departures of day 2 (hour 44) carry a quarter of 300 each
    assert from_sparse[44][1][from_sparse[44][0] == 1].tolist() == [75.0, 75.0]


def _looped_routes(table: RoutingTable, pairs: list[tuple[int, int]]) -> list[list[int] | None]:
    """Each pair's route by :meth:`RoutingTable.path`, one pair at a time (the reference)."""
    routes: list[list[int] | None] = []
    for origin, destination in pairs:
        path = table.path(table.node_ids[origin], table.node_ids[destination])
        routes.append(None if path is None else [table.position[node] for node in path])
    return routes


def _some_pairs(network: Network, destination: str) -> list[tuple[int, int]]:
    """Every node to ``destination``, and 20,000 pairs drawn at random (with a fixed seed)."""
    size = len(network.nodes)
    target = [node.id for node in network.nodes].index(destination)
    rng = np.random.default_rng(11)
    origins, targets = rng.integers(0, size, 20_000), rng.integers(0, size, 20_000)
    drawn = zip(origins.tolist(), targets.tolist(), strict=True)
    return [*((origin, target) for origin in range(size)), *drawn]


@pytest.mark.parametrize("overrides", [False, True])
def test_routes_walked_as_arrays_are_the_pair_by_pair_paths(overrides: bool) -> None:
    network = original = build_sichuan_network()
    station = next(node.id for node in network.nodes if node.kind == NodeKind.station)
    if overrides:
        # send one outlet's parcels for another city through a second hub, and make a loop
        # between two hubs for one destination (the loop's pairs have no route)
        first, second = [node.id for node in network.nodes if node.kind == NodeKind.hub][:2]
        served = {(lane.origin, lane.destination) for lane in network.lanes}
        assert (first, second) in served and (second, first) in served
        network = network.model_copy(
            update={
                "routing_overrides": [
                    RoutingOverride(node=first, destination=station, next_node=second),
                    RoutingOverride(node=second, destination=station, next_node=first),
                ]
            }
        )
    table = derive_routing(network)
    pairs = _some_pairs(network, station)
    expected = _looped_routes(table, pairs)
    nodes, length = table.paths(
        np.array([origin for origin, _ in pairs]), np.array([target for _, target in pairs])
    )
    for index, route in enumerate(expected):
        if route is None:
            assert length[index] == 0, pairs[index]
        else:
            assert nodes[index, : length[index]].tolist() == route, pairs[index]
            assert (nodes[index, length[index] :] == -1).all()
    assert (length == 0).any()  # stations reach nothing: the unreachable case is exercised
    if overrides:
        before = _looped_routes(derive_routing(original), pairs)
        assert sum(route is None for route in expected) > sum(route is None for route in before)


def test_time_limits_by_array_are_each_pair_s_class_and_carrier() -> None:
    network = build_sichuan_network()
    table = derive_routing(network)
    size = len(network.nodes)
    rng = np.random.default_rng(7)
    origin = rng.integers(0, size, 5_000)
    destination = rng.integers(0, size, 5_000)
    demand = Demand(origin, destination, np.zeros(5_000, dtype=np.int64), np.ones(5_000))
    hours = 24
    plan = compile_plan(
        network,
        table,
        demand,
        hours=hours,
        sorting_capacity=np.full((size, hours), 100.0),
        accepting=np.ones((size, hours), dtype=bool),
        lane_capacity_factor=LaneFactor(len(network.lanes), hours),
        policy=StoragePolicy.block,
    )
    classes = set()
    for index in range(len(plan.cohort_origin)):
        start = network.nodes[int(plan.cohort_origin[index])]
        end = network.nodes[int(plan.cohort_destination[index])]
        pair_class = classify_pair(start.region, end.region)
        classes.add(pair_class)
        expected = network.time_limit_hours(pair_class, start.carrier)
        assert plan.cohort_time_limit[index] == expected
    assert len(classes) >= 2
    # the routes' lanes join consecutive nodes of each route
    for route in range(len(plan.route_length)):
        for hop in range(int(plan.route_length[route]) - 1):
            used = int(plan.route_lanes[route, hop])
            assert plan.lane_origin[used] == plan.route_nodes[route, hop]
            assert plan.lane_destination[used] == plan.route_nodes[route, hop + 1]

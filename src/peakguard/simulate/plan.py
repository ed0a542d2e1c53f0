"""A simulation compiled to arrays: capacities per node and hour, lane departures, routes.

:func:`compile_plan` turns a network, its routing, the demand and a scenario's effects into a
:class:`SimulationPlan`; the engine then works on integer positions and NumPy arrays only.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

import numpy as np
import numpy.typing as npt

from peakguard.domain.network import Network
from peakguard.domain.regions import PairClass, prefecture_code, province_code
from peakguard.domain.routing import RoutingTable
from peakguard.simulate.keys import distinct

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]


class StoragePolicy(StrEnum):
    """What a full node does with parcels sent to it."""

    block = "block"
    """Refuse them: they wait upstream, so a full node backs its senders up (as in practice)."""
    overflow = "overflow"
    """Take them in beyond its storage capacity; the excess is recorded as overflow (爆仓)."""


@dataclass(frozen=True)
class Demand:
    """Parcels entering the network: ``parcels[i]`` at node ``origin[i]`` bound for
    ``destination[i]``, accepted in hour ``hour[i]`` (hour 0 = 00:00 of the first day)."""

    origin: IntArray
    destination: IntArray
    hour: IntArray
    parcels: FloatArray

    def __post_init__(self) -> None:
        sizes = {len(self.origin), len(self.destination), len(self.hour), len(self.parcels)}
        if len(sizes) != 1:
            raise ValueError("demand arrays differ in length")

    @property
    def total(self) -> float:
        return float(self.parcels.sum())


@dataclass(frozen=True)
class SimulationPlan:
    """Everything the engine needs, as arrays over node positions, lanes and hours."""

    node_ids: tuple[str, ...]
    hours: int
    sorting_capacity: FloatArray
    """[node, hour] parcels the node can sort (stations: deliver) in that hour."""
    storage_capacity: FloatArray
    """[node] parcels the node can hold."""
    accepting: BoolArray
    """[node, hour] False while the node is closed: it neither receives nor dispatches."""
    lane_origin: IntArray
    lane_destination: IntArray
    lane_transit_hours: IntArray
    """Whole hours from departure to arrival (the lane's transit time rounded up, at least 1)."""
    departures: dict[int, tuple[IntArray, FloatArray]]
    """hour → (lanes departing, capacity of each departure)."""
    cohort_route: IntArray
    """[cohort] index into the route tables."""
    route_nodes: IntArray
    """[route, hop] node positions, -1 past the end."""
    route_lanes: IntArray
    """[route, hop] lane taken from hop to hop + 1, -1 past the end."""
    route_length: IntArray
    """[route] number of nodes on the route."""
    cohort_origin: IntArray
    cohort_destination: IntArray
    cohort_hour: IntArray
    cohort_parcels: FloatArray
    cohort_time_limit: FloatArray
    """[cohort] the service standard's time limit for its pair class and carrier, hours."""
    policy: StoragePolicy = StoragePolicy.block
    unroutable: dict[tuple[int, int], float] = field(default_factory=dict)
    """(origin, destination) → parcels with no route, left out of the run and reported."""
    lane_ids: tuple[str, ...] = ()
    """[lane] the network's lane ids (what observed parcels on lanes are reported by)."""


@dataclass(frozen=True)
class LaneFactor:
    """The lanes' capacity multipliers over the run, stored sparsely: 1 everywhere except the
    listed changes (a lane's capacity times ``multiplier`` in hours [start, end)).

    A scenario changes a few lanes for a few days; a dense [lane, hour] array of a national
    network over a month is 30,000 × 720 floats (170 MB) of ones. Overlapping changes multiply,
    as they would applied one after another."""

    lanes: int
    hours: int
    changes: tuple[tuple[int, int, int, float], ...] = ()
    """(lane, start hour, end hour, multiplier)."""

    def at(self, lane: IntArray, hour: IntArray) -> FloatArray:
        """The factor of each (lane, hour) pair."""
        factor = np.ones(len(lane), dtype=np.float64)
        for changed, start, end, multiplier in self.changes:
            inside = (lane == changed) & (hour >= start) & (hour < end)
            factor[inside] *= multiplier
        return factor

    def dense(self) -> FloatArray:
        """The [lane, hour] array the factor stands for."""
        factor = np.ones((self.lanes, self.hours), dtype=np.float64)
        for lane, start, end, multiplier in self.changes:
            factor[lane, start:end] *= multiplier
        return factor


RoutingWindow = tuple[int, int, RoutingTable]
"""(start hour, end hour, routing table): the table parcels accepted in [start, end) follow."""


def hour_of_departure(clock: str) -> int:
    """``"20:30"`` departs in hour 20 (hour resolution: departures leave at the hour's start)."""
    return int(clock.split(":", maxsplit=1)[0])


def compile_plan(
    network: Network,
    routing: RoutingTable,
    demand: Demand,
    *,
    hours: int,
    sorting_capacity: FloatArray,
    accepting: BoolArray,
    lane_capacity_factor: FloatArray | LaneFactor,
    policy: StoragePolicy,
    storage_capacity: FloatArray | None = None,
    routing_windows: Sequence[RoutingWindow] = (),
) -> SimulationPlan:
    """Compile routes and departures. ``lane_capacity_factor`` is [lane, hour] (1 = normal),
    dense or as a sparse :class:`LaneFactor`.

    ``routing_windows`` are ``(start_hour, end_hour, table)``: parcels accepted in
    [start_hour, end_hour) take their routes from ``table`` (a reroute around a closed hub),
    the rest from ``routing``; where windows overlap, the first listed wins. Every table must
    be over the same nodes in the same order, and the network must hold every lane any of
    them uses (a rerouted network: the original lanes, then the temporary ones)."""
    tables = [routing, *(table for _start, _end, table in routing_windows)]
    for table in tables[1:]:
        if table.node_ids != routing.node_ids:
            raise ValueError("every routing table must be over the same nodes in the same order")
    lanes = _Lanes.of(network, routing.position)
    departures = _departures(network, hours, lane_capacity_factor)
    routes = _Routes.of(tables, _route_variants(demand, routing_windows), demand, lanes)
    routable = routes.routable[routes.inverse]
    keep = routable & (demand.parcels > 0) & (demand.hour < hours)
    unroutable = _unroutable(demand, ~routable & (demand.parcels > 0))
    kept = _Kept(keep)
    cohort_route = kept.rows(routes.inverse, np.int64)
    limits = _time_limits(network, routes.pairs)[cohort_route]
    storage = (
        storage_capacity
        if storage_capacity is not None
        else np.array([node.storage_capacity for node in network.nodes], dtype=np.float64)
    )
    return SimulationPlan(
        node_ids=routing.node_ids,
        hours=hours,
        sorting_capacity=sorting_capacity,
        storage_capacity=storage,
        accepting=accepting,
        lane_origin=lanes.origin,
        lane_destination=lanes.destination,
        lane_transit_hours=lanes.transit_hours,
        departures=departures,
        cohort_route=cohort_route,
        route_nodes=routes.nodes,
        route_lanes=routes.lanes,
        route_length=routes.length,
        cohort_origin=kept.rows(demand.origin, np.int64),
        cohort_destination=kept.rows(demand.destination, np.int64),
        cohort_hour=kept.rows(demand.hour, np.int64),
        cohort_parcels=kept.rows(demand.parcels, np.float64),
        cohort_time_limit=limits,
        policy=policy,
        unroutable=unroutable,
        lane_ids=tuple(lane.id for lane in network.lanes),
    )


class _Kept:
    """The demand rows that become cohorts. Where every row does (the usual case: every row
    has parcels, a route and an hour inside the run), a cohort column is the demand's own
    array, not a copy: runs of one demand (the reserve sizing's rounds, a season and its
    plan's checks) share them — some 15 MB a column on the demo's season. Nothing writes
    a plan's or a demand's columns in place (every run of the unit suite passed with them
    read-only); they are not marked read-only because the compiled kernel is typed, and
    cached, for writeable arrays."""

    def __init__(self, keep: BoolArray) -> None:
        self.keep = keep
        self.every = bool(keep.all())

    def rows(self, column: np.ndarray, dtype: type[np.generic]) -> np.ndarray:
        if self.every:
            return np.asarray(column, dtype=dtype)
        return np.asarray(column[self.keep], dtype=dtype)


@dataclass(frozen=True)
class _Lanes:
    """The network's lanes as node positions, and the lane a route takes between two nodes."""

    origin: IntArray
    destination: IntArray
    transit_hours: IntArray
    """Whole hours, rounded up, at least 1."""
    fastest: dict[tuple[int, int], int]
    """(origin, destination) → the lane with the shortest transit (the first listed on a tie)."""

    @classmethod
    def of(cls, network: Network, positions: Mapping[str, int]) -> _Lanes:
        origin = np.array([positions[lane.origin] for lane in network.lanes], dtype=np.int64)
        destination = np.array(
            [positions[lane.destination] for lane in network.lanes], dtype=np.int64
        )
        transit = np.array(
            [max(1, math.ceil(lane.transit_hours - 1e-9)) for lane in network.lanes],
            dtype=np.int64,
        )
        fastest: dict[tuple[int, int], int] = {}
        for index, lane in enumerate(network.lanes):
            key = (int(origin[index]), int(destination[index]))
            best = fastest.get(key)
            if best is None or lane.transit_hours < network.lanes[best].transit_hours:
                fastest[key] = index
        return cls(origin, destination, transit, fastest)


def _departures(
    network: Network, hours: int, lane_capacity_factor: FloatArray | LaneFactor
) -> dict[int, tuple[IntArray, FloatArray]]:
    """hour → (lanes departing, capacity of each departure), every day of the run.

    Built as arrays: every (lane, departure clock) repeated over the run's days, then grouped
    by hour with a stable sort, so within an hour the lanes keep the network's order (and a
    lane leaving twice in one hour, its clocks' order)."""
    lane_of: list[int] = []
    first_hour: list[int] = []
    for index, lane in enumerate(network.lanes):
        for clock in lane.departure_times:
            lane_of.append(index)
            first_hour.append(hour_of_departure(clock))
    if not lane_of or hours <= 0:
        return {}
    days = (hours + 23) // 24
    lane_array = np.repeat(np.array(lane_of, dtype=np.int64), days)
    hour_array = np.repeat(np.array(first_hour, dtype=np.int64), days) + np.tile(
        np.arange(days, dtype=np.int64) * 24, len(lane_of)
    )
    keep = hour_array < hours
    lane_array, hour_array = lane_array[keep], hour_array[keep]
    per_departure = np.array(
        [lane.capacity_per_departure for lane in network.lanes], dtype=np.float64
    )
    if isinstance(lane_capacity_factor, LaneFactor):
        factor = lane_capacity_factor.at(lane_array, hour_array)
    else:
        factor = np.asarray(lane_capacity_factor, dtype=np.float64)[lane_array, hour_array]
    capacity = per_departure[lane_array] * factor
    order = np.argsort(hour_array, kind="stable")
    lane_array, hour_array, capacity = lane_array[order], hour_array[order], capacity[order]
    bounds = np.flatnonzero(np.diff(hour_array)) + 1
    starts = np.concatenate([[0], bounds]).tolist()
    ends = np.concatenate([bounds, [len(hour_array)]]).tolist()
    return {
        int(hour_array[start]): (lane_array[start:end], capacity[start:end])
        for start, end in zip(starts, ends, strict=True)
    }


def _route_variants(demand: Demand, routing_windows: Sequence[RoutingWindow]) -> IntArray:
    """[demand row] which table routes it: 0 the default, k the k-th window's (first wins)."""
    variant = np.zeros(len(demand.hour), dtype=np.int64)
    for number, (start, end, _table) in reversed(list(enumerate(routing_windows, start=1))):
        variant[(demand.hour >= start) & (demand.hour < end)] = number
    return variant


@dataclass(frozen=True)
class _Routes:
    """One route per distinct (variant, origin, destination) of the demand."""

    pairs: IntArray
    """[route] (origin, destination)."""
    inverse: IntArray
    """[demand row] its route."""
    routable: BoolArray
    """[route] False where the table has no path (the route is then the origin alone)."""
    nodes: IntArray
    """[route, hop] node positions, -1 past the end."""
    lanes: IntArray
    """[route, hop] lane taken from hop to hop + 1, -1 past the end."""
    length: IntArray
    """[route] number of nodes on the route."""

    @classmethod
    def of(
        cls, tables: Sequence[RoutingTable], variant: IntArray, demand: Demand, lanes: _Lanes
    ) -> _Routes:
        routing = tables[0]
        size = len(routing.node_ids)
        keys, inverse = distinct(
            (variant * size + demand.origin) * size + demand.destination,
            len(tables) * size * size,
        )
        pairs = np.stack([(keys // size) % size, keys % size], axis=1)
        key_variant = keys // (size * size)
        length = np.zeros(len(pairs), dtype=np.int64)
        walked: list[tuple[IntArray, IntArray]] = []
        for number, table in enumerate(tables):
            rows = np.flatnonzero(key_variant == number)
            if len(rows):
                nodes, found = table.paths(pairs[rows, 0], pairs[rows, 1])
                walked.append((rows, nodes))
                length[rows] = found
        routable = length > 0
        longest = max([nodes.shape[1] for _, nodes in walked], default=1)
        route_nodes = np.full((len(pairs), longest), -1, dtype=np.int64)
        for rows, nodes in walked:
            route_nodes[rows, : nodes.shape[1]] = nodes
        # a pair without a path is the origin alone (left out of the run and reported)
        route_nodes[~routable, 0] = pairs[~routable, 0]
        length[~routable] = 1
        route_lanes = _route_lanes(route_nodes, length, lanes.fastest)
        return cls(pairs, inverse.reshape(-1), routable, route_nodes, route_lanes, length)


def _route_lanes(
    route_nodes: IntArray, length: IntArray, fastest: dict[tuple[int, int], int]
) -> IntArray:
    """[route, hop] the lane taken from hop to hop + 1 (the fastest between the two nodes),
    -1 past the end: looked up for every hop at once in the sorted (origin, destination) keys."""
    route_lanes = np.full(route_nodes.shape, -1, dtype=np.int64)
    if not fastest or route_nodes.shape[1] < 2:
        return route_lanes
    size = int(max(max(pair) for pair in fastest)) + 1
    size = max(size, int(route_nodes.max(initial=0)) + 1)
    ordered = sorted(fastest.items())
    keys = np.array([origin * size + target for (origin, target), _ in ordered], dtype=np.int64)
    chosen = np.array([lane for _, lane in ordered], dtype=np.int64)
    hops = np.arange(route_nodes.shape[1] - 1)
    inside = hops[None, :] < (length[:, None] - 1)
    wanted = route_nodes[:, :-1][inside] * size + route_nodes[:, 1:][inside]
    spot = np.searchsorted(keys, wanted)
    if len(wanted) and (
        (spot >= len(keys)).any() or (keys[np.minimum(spot, len(keys) - 1)] != wanted).any()
    ):
        raise ValueError("a route uses a hop no lane of the network serves")
    route_lanes[:, :-1][inside] = chosen[spot]
    return route_lanes


def _unroutable(demand: Demand, rows: BoolArray) -> dict[tuple[int, int], float]:
    """(origin, destination) → parcels of the demand ``rows`` that have no route."""
    unroutable: dict[tuple[int, int], float] = {}
    for position in np.flatnonzero(rows).tolist():
        key = (int(demand.origin[position]), int(demand.destination[position]))
        unroutable[key] = unroutable.get(key, 0.0) + float(demand.parcels[position])
    return unroutable


def _time_limits(network: Network, pairs: npt.NDArray[np.int64]) -> FloatArray:
    """The time limit of each (origin, destination) pair, by pair class and carrier: the class
    from the nodes' prefecture and province codes compared as arrays, the limit looked up once
    per (class, carrier) that occurs."""
    if not len(pairs):
        return np.zeros(0, dtype=np.float64)
    regions = [node.region for node in network.nodes]
    _, prefecture = np.unique([prefecture_code(code) for code in regions], return_inverse=True)
    _, province = np.unique([province_code(code) for code in regions], return_inverse=True)
    carriers = sorted({node.carrier for node in network.nodes})
    carrier = np.array([carriers.index(node.carrier) for node in network.nodes], dtype=np.int64)
    source, target = pairs[:, 0], pairs[:, 1]
    classes = list(PairClass)
    pair_class = np.where(
        prefecture[source] == prefecture[target],
        classes.index(PairClass.same_city),
        np.where(
            province[source] == province[target],
            classes.index(PairClass.same_province),
            classes.index(PairClass.other_province),
        ),
    )
    combination = pair_class * len(carriers) + carrier[source]
    present, position = np.unique(combination, return_inverse=True)
    limit_of = np.array(
        [
            network.time_limit_hours(
                classes[int(key) // len(carriers)], carriers[int(key) % len(carriers)]
            )
            for key in present
        ],
        dtype=np.float64,
    )
    return limit_of[position.reshape(-1)]

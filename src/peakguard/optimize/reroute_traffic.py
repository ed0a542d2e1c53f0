"""The closed nodes' traffic, grouped into units, and what each backup would cost each unit.

A parcel whose route passes a closed node has, on that route, a *predecessor* (the node that
sends it to the first closed node) and a *successor* (the node the last closed node sends it
to). Routing relations are per node and destination, so the parcels of one (predecessor,
destination) pair always move together; they are grouped into units that move as a whole:

- a *destination unit* is a successor that is the parcels' destination (a station the closed
  hub feeds): it takes every parcel the closed node would have delivered to it, whoever sent
  it (seed 004: inbound mail is sorted by the backup straight to the 揽投部);
- an *origin unit* is a predecessor (an outlet of the closed city, the provincial hub sending
  transit parcels): it takes every other parcel it would have sent through the closed node.

Through backup ``b`` a parcel goes predecessor → ``b`` → onwards, where onwards is ``b``'s own
route to the destination when that avoids the closed nodes and is no slower, else ``b`` →
successor and the original route from there. Missing connections are proposed as temporary
road lanes (临时接驳) whose transit follows from the great-circle distance.
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from dataclasses import dataclass
from enum import StrEnum

import numpy as np

from peakguard.domain.geography import great_circle_km
from peakguard.domain.network import Network, Node, NodeKind
from peakguard.domain.routing import RoutingTable
from peakguard.optimize.profiles import uncongested_run
from peakguard.optimize.reroute_parameters import RerouteParameters
from peakguard.simulate.plan import Demand
from peakguard.simulate.run import scenario_capacities
from peakguard.simulate.scenario import Scenario

PARCEL_TOLERANCE = 1e-6


class UnitRole(StrEnum):
    origin = "origin"
    """A predecessor of the closed node: what it sends through it."""
    destination = "destination"
    """A successor the closed node delivers to: what it receives through it."""


@dataclass(frozen=True)
class Flow:
    """Parcels of one (predecessor, destination) pair through the closed nodes (positions)."""

    predecessor: int
    destination: int
    successor: int
    parcels: float
    closed_hours: float
    """Transit hours from the predecessor through the closed nodes to the successor."""
    onward_hours: float
    """Transit hours from the successor to the destination along the route."""
    lane_in: int
    """The lane from the predecessor into the closed nodes (a temporary lane copies it)."""
    lane_out: int
    """The lane from the closed nodes to the successor."""


@dataclass(frozen=True)
class Unit:
    node: int
    role: UnitRole
    flows: tuple[Flow, ...]

    @property
    def parcels(self) -> float:
        return sum(flow.parcels for flow in self.flows)


@dataclass(frozen=True)
class Traffic:
    """What passes the closed nodes among the parcels accepted in the reroute window."""

    units: tuple[Unit, ...]
    stranded: dict[tuple[int, UnitRole], float]
    """(closed node, role) → parcels accepted at it (origin) or bound for it (destination):
    no backup can take them, the closed node itself is where they start or end."""
    pairs: dict[tuple[int, int], float]
    """Every (origin, destination) pair with parcels accepted in the window, and its parcels."""


@dataclass(frozen=True)
class BackupCandidate:
    """A hub that could take closed traffic, and its sorting capacity over the window."""

    hub: str
    carrier: str
    automated_sorter: bool
    capacity: float
    """Parcels it can sort in the window (the scenario's capacity, closed hours left out)."""
    own_load: float
    """Parcels of its own it sorts in the window, in free flow (no capacity limit)."""

    @property
    def spare(self) -> float:
        return max(0.0, self.capacity - self.own_load)


@dataclass(frozen=True)
class Connection:
    """A hop of a rerouted parcel: an existing lane, or a temporary one to propose."""

    origin: int
    destination: int
    hours: float
    lane: int | None
    """The existing lane's index, or None when a temporary lane is needed."""
    replaces: int
    """The lane whose timetable and capacity a temporary lane copies."""


@dataclass(frozen=True)
class Leg:
    """One flow sent through one backup."""

    flow: Flow
    to_backup: Connection | None
    """None when the predecessor is the backup itself."""
    to_successor: Connection | None
    """None when the backup's own route onwards is used (or the backup is the successor)."""
    added_hours: float


@dataclass(frozen=True)
class Option:
    """A unit sent as a whole through one backup (index into the candidates)."""

    unit: int
    backup: int
    legs: tuple[Leg, ...]

    @property
    def added_hours(self) -> float:
        """Mean added transit hours per parcel."""
        parcels = sum(leg.flow.parcels for leg in self.legs)
        total = sum(leg.flow.parcels * leg.added_hours for leg in self.legs)
        return total / parcels if parcels > 0 else 0.0


class LaneHours:
    """Transit hours of the fastest lane between two nodes, and of routes (cached)."""

    def __init__(self, network: Network, routing: RoutingTable, closed: frozenset[int]) -> None:
        self.network = network
        self.routing = routing
        self.closed = closed
        self.best: dict[tuple[int, int], int] = {}
        position = routing.position
        for index, lane in enumerate(network.lanes):
            key = (position[lane.origin], position[lane.destination])
            known = self.best.get(key)
            if known is None or lane.transit_hours < network.lanes[known].transit_hours:
                self.best[key] = index
        self._routes: dict[tuple[int, int], tuple[int, ...] | None] = {}

    def hours(self, origin: int, destination: int) -> float:
        return self.network.lanes[self.best[(origin, destination)]].transit_hours

    def route(self, origin: int, destination: int) -> tuple[int, ...] | None:
        key = (origin, destination)
        if key not in self._routes:
            ids = self.routing.node_ids
            path = self.routing.path(ids[origin], ids[destination])
            position = self.routing.position
            self._routes[key] = None if path is None else tuple(position[n] for n in path)
        return self._routes[key]

    def route_hours(self, route: tuple[int, ...]) -> float:
        return sum(self.hours(a, b) for a, b in itertools.pairwise(route))

    def clean_route_hours(self, origin: int, destination: int) -> float | None:
        """Hours of the route from ``origin`` to ``destination``; None if it has none or it
        passes a closed node."""
        if origin == destination:
            return 0.0
        route = self.route(origin, destination)
        if route is None or any(node in self.closed for node in route):
            return None
        return self.route_hours(route)


def closed_traffic(lanes: LaneHours, demand: Demand, *, first_hour: int, end_hour: int) -> Traffic:
    """The units of the closed nodes' traffic among the parcels accepted in the window."""
    chosen = (demand.hour >= first_hour) & (demand.hour < end_hour) & (demand.parcels > 0)
    pair_parcels: dict[tuple[int, int], float] = defaultdict(float)
    for origin, destination, parcels in zip(
        demand.origin[chosen].tolist(),
        demand.destination[chosen].tolist(),
        demand.parcels[chosen].tolist(),
        strict=True,
    ):
        pair_parcels[(origin, destination)] += parcels
    closed = lanes.closed
    by_pair: dict[tuple[int, int], list[float]] = {}
    shapes: dict[tuple[int, int], tuple[int, float, float, int, int]] = {}
    stranded: dict[tuple[int, UnitRole], float] = defaultdict(float)
    for (origin, destination), parcels in sorted(pair_parcels.items()):
        route = lanes.route(origin, destination)
        if route is None or not any(node in closed for node in route):
            continue
        if origin in closed:
            stranded[(origin, UnitRole.origin)] += parcels
            continue
        if destination in closed:
            stranded[(destination, UnitRole.destination)] += parcels
            continue
        first = next(i for i, node in enumerate(route) if node in closed)
        last = max(i for i, node in enumerate(route) if node in closed)
        predecessor, successor = route[first - 1], route[last + 1]
        key = (predecessor, destination)
        by_pair.setdefault(key, []).append(parcels)
        shapes[key] = (
            successor,
            lanes.route_hours(route[first - 1 : last + 2]),
            lanes.route_hours(route[last + 1 :]),
            lanes.best[(predecessor, route[first])],
            lanes.best[(route[last], successor)],
        )
    grouped: dict[tuple[int, UnitRole], list[Flow]] = {}
    for (predecessor, destination), amounts in by_pair.items():
        successor, closed_hours, onward_hours, lane_in, lane_out = shapes[
            (predecessor, destination)
        ]
        flow = Flow(
            predecessor,
            destination,
            successor,
            sum(amounts),
            closed_hours,
            onward_hours,
            lane_in,
            lane_out,
        )
        owner: tuple[int, UnitRole] = (
            (successor, UnitRole.destination)
            if successor == destination
            else (predecessor, UnitRole.origin)
        )
        grouped.setdefault(owner, []).append(flow)
    units = tuple(
        Unit(node, role, tuple(flows))
        for (node, role), flows in sorted(
            grouped.items(), key=lambda item: (item[0][1], item[0][0])
        )
        if sum(flow.parcels for flow in flows) > PARCEL_TOLERANCE
    )
    return Traffic(units, dict(stranded), dict(sorted(pair_parcels.items())))


def backup_candidates(
    network: Network,
    scenario: Scenario,
    routing: RoutingTable,
    demand: Demand,
    *,
    closed: frozenset[int],
    carriers: frozenset[str] | None,
    first_hour: int,
    end_hour: int,
) -> list[tuple[int, BackupCandidate]]:
    """Open hubs (of ``carriers``, or any when None) with spare sorting capacity over the
    window: the scenario's capacity in its open hours less their own free-flow load."""
    hubs = [
        position
        for position, node in enumerate(network.nodes)
        if node.kind is NodeKind.hub
        and position not in closed
        and (carriers is None or node.carrier in carriers)
    ]
    if not hubs:
        return []
    capacity, accepting, _factor, _storage = scenario_capacities(network, scenario)
    usable = np.where(accepting, capacity, 0.0)[:, first_hour:end_hour].sum(axis=1)
    run = uncongested_run(network, routing, demand, hours=scenario.hours, trace=False)
    own = run.processed[:, first_hour:end_hour].sum(axis=1)
    result: list[tuple[int, BackupCandidate]] = []
    for position in hubs:
        node = network.nodes[position]
        candidate = BackupCandidate(
            node.id,
            node.carrier,
            node.automated_sorter,
            float(usable[position]),
            float(own[position]),
        )
        if candidate.spare > PARCEL_TOLERANCE:
            result.append((position, candidate))
    return result


def unit_options(
    lanes: LaneHours,
    units: tuple[Unit, ...],
    candidates: list[tuple[int, BackupCandidate]],
    settings: RerouteParameters,
) -> list[Option]:
    """Every (unit, backup) pair within the added-transit limit, with its legs."""
    nodes = lanes.network.nodes
    options: list[Option] = []
    for unit_index, unit in enumerate(units):
        carrier = nodes[unit.node].carrier
        for backup_index, (backup, candidate) in enumerate(candidates):
            if not settings.other_carriers and candidate.carrier != carrier:
                continue
            legs = tuple(_leg(lanes, flow, backup, settings) for flow in unit.flows)
            option = Option(unit_index, backup_index, legs)
            if option.added_hours <= settings.max_added_transit_hours + 1e-9:
                options.append(option)
    return options


def _leg(lanes: LaneHours, flow: Flow, backup: int, settings: RerouteParameters) -> Leg:
    to_backup = (
        None
        if backup == flow.predecessor
        else _connection(lanes, flow.predecessor, backup, flow.lane_in, settings)
    )
    arrive = to_backup.hours if to_backup is not None else 0.0
    own = lanes.clean_route_hours(backup, flow.destination)
    to_successor = (
        None
        if backup == flow.successor
        else _connection(lanes, backup, flow.successor, flow.lane_out, settings)
    )
    via = (to_successor.hours if to_successor is not None else 0.0) + flow.onward_hours
    if own is not None and own <= via + 1e-9:
        onward, to_successor = own, None
    else:
        onward = via
    added = arrive + onward - (flow.closed_hours + flow.onward_hours)
    return Leg(flow, to_backup, to_successor, added)


def _connection(
    lanes: LaneHours, origin: int, destination: int, replaces: int, settings: RerouteParameters
) -> Connection:
    lane = lanes.best.get((origin, destination))
    if lane is not None:
        return Connection(origin, destination, lanes.hours(origin, destination), lane, replaces)
    nodes = lanes.network.nodes
    hours = temporary_transit_hours(nodes[origin], nodes[destination], settings)
    return Connection(origin, destination, hours, None, replaces)


def temporary_transit_hours(origin: Node, destination: Node, settings: RerouteParameters) -> float:
    """Great-circle distance × detour factor ÷ speed + handover, to 0.1 h (at least 0.1 h)."""
    distance = great_circle_km(
        origin.longitude, origin.latitude, destination.longitude, destination.latitude
    )
    hours = distance * settings.detour_factor / settings.road_speed_kmh + settings.handover_hours
    return max(0.1, round(hours, 1))

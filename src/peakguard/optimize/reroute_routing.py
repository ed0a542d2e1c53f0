"""The rerouted network: temporary lanes and routing overrides for the chosen backups.

For each flow sent through backup ``b``: at its predecessor ``p``, parcels for the destination
go to ``b`` (override ``(p, d) → b``); at ``b``, when ``b``'s own route onwards would pass a
closed node or be slower, they go to the successor (``(b, d) → s``). When a node is both a
predecessor and a backup for the same destination, the backup's override wins: it sorts the
parcels itself, so the backup it would have sent them to gets fewer than planned, never more.

Temporary lanes let the shortest-path routing find shortcuts the reroute did not ask for;
every other pair of the window whose route would change is pinned to its original route, so
the reroute moves the closed nodes' traffic and nothing else.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

from peakguard.domain.geography import great_circle_km
from peakguard.domain.network import Lane, Network, RoutingOverride, TransportMode
from peakguard.domain.routing import RoutingTable, derive_routing
from peakguard.optimize.reroute_parameters import RerouteParameters
from peakguard.optimize.reroute_traffic import Connection, LaneHours, Option

MAX_IDENTIFIER = 64
PIN_ROUNDS = 4


@dataclass(frozen=True)
class TemporaryLane:
    """A road connection proposed for the reroute (临时接驳), and the lane it copies."""

    lane: Lane
    replaces: str
    """The lane whose departures and capacity per departure it takes over."""


@dataclass(frozen=True)
class ReroutedRouting:
    network: Network
    routing: RoutingTable
    overrides: tuple[RoutingOverride, ...]
    """The reroute's own overrides (the network's earlier ones are kept before them)."""
    temporary_lanes: tuple[TemporaryLane, ...]
    misrouted: float
    """Parcels of absorbed units whose new route still passes a closed node (expected 0)."""


def reroute_routing(
    lanes: LaneHours,
    chosen: list[tuple[int, Option]],
    pairs: dict[tuple[int, int], float],
    settings: RerouteParameters,
) -> ReroutedRouting:
    """The network and routing table with ``chosen`` (backup position, option) applied."""
    network = lanes.network
    ids = lanes.routing.node_ids
    sent: dict[tuple[int, int], int] = {}
    onward: dict[tuple[int, int], int] = {}
    connections: dict[tuple[int, int], Connection] = {}
    for backup, option in chosen:
        for leg in option.legs:
            flow = leg.flow
            if flow.predecessor != backup:
                sent[(flow.predecessor, flow.destination)] = backup
            if leg.to_successor is not None:
                onward.setdefault((backup, flow.destination), flow.successor)
            for connection in (leg.to_backup, leg.to_successor):
                if connection is not None and connection.lane is None:
                    connections.setdefault((connection.origin, connection.destination), connection)
    overrides = {**sent, **onward}
    absorbed = set(sent) | {
        (flow.predecessor, flow.destination)
        for backup, option in chosen
        for flow in (leg.flow for leg in option.legs)
        if flow.predecessor == backup
    }
    temporary = _temporary_lanes(network, list(connections.values()), settings)
    base = network.model_copy(
        update={"lanes": [*network.lanes, *(item.lane for item in temporary)]}
    )
    pins: dict[tuple[int, int], int] = {}
    misrouted = 0.0
    for _round in range(PIN_ROUNDS):
        table_overrides = [
            RoutingOverride(node=ids[node], destination=ids[target], next_node=ids[following])
            for (node, target), following in {**pins, **overrides}.items()
        ]
        rerouted = base.model_copy(
            update={"routing_overrides": [*network.routing_overrides, *table_overrides]}
        )
        table = derive_routing(rerouted)
        changed, misrouted = _check(lanes, table, pairs, absorbed)
        added = {
            key: following
            for key, following in changed.items()
            if key not in overrides and key not in pins
        }
        if not added:
            break
        pins.update(added)
    own = tuple(
        RoutingOverride(node=ids[node], destination=ids[target], next_node=ids[following])
        for (node, target), following in sorted({**pins, **overrides}.items())
    )
    final = base.model_copy(update={"routing_overrides": [*network.routing_overrides, *own]})
    return ReroutedRouting(final, derive_routing(final), own, temporary, misrouted)


def _check(
    lanes: LaneHours,
    table: RoutingTable,
    pairs: dict[tuple[int, int], float],
    absorbed: set[tuple[int, int]],
) -> tuple[dict[tuple[int, int], int], float]:
    """Next hops to pin so that pairs the reroute does not move keep their route; and the
    parcels of moved pairs that still pass a closed node."""
    ids, position, closed = table.node_ids, table.position, lanes.closed
    pins: dict[tuple[int, int], int] = {}
    misrouted = 0.0
    for (origin, destination), parcels in pairs.items():
        old = lanes.route(origin, destination)
        path = table.path(ids[origin], ids[destination])
        new = None if path is None else tuple(position[node] for node in path)
        moved = old is not None and _moved_pair(old, closed, absorbed, destination)
        if moved:
            if new is None or any(node in closed for node in new):
                misrouted += parcels
            continue
        if old is not None and new != old:
            for here, following in itertools.pairwise(old):
                pins.setdefault((here, destination), following)
    return pins, misrouted


def _moved_pair(
    route: tuple[int, ...], closed: frozenset[int], absorbed: set[tuple[int, int]], target: int
) -> bool:
    """Whether the route passes a closed node with its predecessor's flow absorbed."""
    for index, node in enumerate(route):
        if node in closed:
            return index > 0 and (route[index - 1], target) in absorbed
    return False


def _temporary_lanes(
    network: Network, connections: list[Connection], settings: RerouteParameters
) -> tuple[TemporaryLane, ...]:
    existing = {lane.id for lane in network.lanes}
    nodes = network.nodes
    result: list[TemporaryLane] = []
    for number, connection in enumerate(
        sorted(connections, key=lambda c: (c.origin, c.destination)), start=1
    ):
        origin, destination = nodes[connection.origin], nodes[connection.destination]
        copied = network.lanes[connection.replaces]
        lane_id = f"{origin.id}>{destination.id}-temporary"
        if len(lane_id) > MAX_IDENTIFIER or lane_id in existing:
            lane_id = f"temporary-{number}"
        while lane_id in existing:
            lane_id = f"{lane_id}-{number}"
        existing.add(lane_id)
        distance = great_circle_km(
            origin.longitude, origin.latitude, destination.longitude, destination.latitude
        )
        lane = Lane(
            id=lane_id,
            origin=origin.id,
            destination=destination.id,
            mode=TransportMode.road,
            transit_hours=connection.hours,
            departure_times=list(copied.departure_times),
            capacity_per_departure=copied.capacity_per_departure,
            distance_km=max(0.1, round(distance * settings.detour_factor, 1)),
        )
        result.append(TemporaryLane(lane, copied.id))
    return tuple(result)

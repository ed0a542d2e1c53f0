"""The figures a planner reads first about a network: size, capacity, reach."""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
from scipy.sparse import csr_array
from scipy.sparse.csgraph import dijkstra

from peakguard.domain.network import Network, NodeKind
from peakguard.domain.regions import province_code
from peakguard.domain.routing import UNREACHABLE, RoutingTable


@dataclass(frozen=True)
class CarrierSummary:
    code: str
    name: str
    name_en: str | None
    hubs: int
    outlets: int
    stations: int
    hub_daily_sorting_capacity: int
    normal_day_pickups: int


@dataclass(frozen=True)
class NetworkSummary:
    name: str
    title: str | None
    nodes_by_kind: dict[str, int]
    lanes_by_mode: dict[str, int]
    carriers: list[CarrierSummary]
    regions: int
    hub_daily_sorting_capacity: int
    storage_capacity: int
    staff: int
    vehicles: int
    floor_area_m2: float
    automated_hubs: int
    normal_day_pickups: int
    home_province: str
    """The province most nodes are in: the network's own territory."""
    home_province_hub_daily_sorting_capacity: int
    routed_pairs: int
    unrouted_pairs: int
    """Outlet → station pairs of the same carrier with and without a route."""
    description: str = ""

    @property
    def nodes(self) -> int:
        return sum(self.nodes_by_kind.values())

    @property
    def lanes(self) -> int:
        return sum(self.lanes_by_mode.values())


def summarise(network: Network, routing: RoutingTable | None = None) -> NetworkSummary:
    """The network's figures. Routed pairs are counted on ``routing`` when given, else without
    an all-pairs table (:func:`routed_pairs`): the same counts in memory proportional to the
    network, not to its square (8,589 nodes took 2 GB)."""
    if routing is None:
        routed, unrouted = routed_pairs(network)
    else:
        routed, unrouted = routed_pairs_on(network, routing)
    home = Counter(province_code(node.region) for node in network.nodes).most_common(1)[0][0]
    hubs = [node for node in network.nodes if node.kind is NodeKind.hub]
    outlets = [node for node in network.nodes if node.kind is NodeKind.outlet]
    carriers = []
    for carrier in network.carriers:
        kinds = Counter(node.kind for node in network.nodes if node.carrier == carrier.code)
        carriers.append(
            CarrierSummary(
                code=carrier.code,
                name=carrier.name,
                name_en=carrier.name_en,
                hubs=kinds[NodeKind.hub],
                outlets=kinds[NodeKind.outlet],
                stations=kinds[NodeKind.station],
                hub_daily_sorting_capacity=sum(
                    h.daily_sorting_capacity() for h in hubs if h.carrier == carrier.code
                ),
                normal_day_pickups=sum(
                    o.daily_volume for o in outlets if o.carrier == carrier.code
                ),
            )
        )
    return NetworkSummary(
        name=network.name,
        title=network.title,
        nodes_by_kind={kind.value: sum(n.kind is kind for n in network.nodes) for kind in NodeKind},
        lanes_by_mode=dict(sorted(Counter(lane.mode.value for lane in network.lanes).items())),
        carriers=carriers,
        regions=len({node.region for node in network.nodes}),
        hub_daily_sorting_capacity=sum(h.daily_sorting_capacity() for h in hubs),
        storage_capacity=sum(n.storage_capacity for n in network.nodes),
        staff=sum(n.staff for n in network.nodes),
        vehicles=sum(n.vehicles for n in network.nodes),
        floor_area_m2=sum(n.floor_area_m2 for n in network.nodes),
        automated_hubs=sum(h.automated_sorter for h in hubs),
        normal_day_pickups=sum(o.daily_volume for o in outlets),
        home_province=home,
        home_province_hub_daily_sorting_capacity=sum(
            h.daily_sorting_capacity() for h in hubs if province_code(h.region) == home
        ),
        routed_pairs=routed,
        unrouted_pairs=unrouted,
        description=network.description,
    )


def routed_pairs_on(network: Network, table: RoutingTable) -> tuple[int, int]:
    """Outlet → station pairs of one carrier with and without a route, on an all-pairs
    table: an override from the outlet itself is followed hop by hop, any other pair is
    routed when the lanes reach the station."""
    outlets = [node for node in network.nodes if node.kind is NodeKind.outlet]
    stations = [node for node in network.nodes if node.kind is NodeKind.station]
    routed = unrouted = 0
    for outlet in outlets:
        origin = table.position[outlet.id]
        for station in stations:
            if station.carrier != outlet.carrier:
                continue
            target = table.position[station.id]
            if (origin, target) in table.overrides:
                ok = table.reachable(outlet.id, station.id)
            else:
                ok = bool(table.next_hop[origin, target] >= 0)
            routed += ok
            unrouted += not ok
    return routed, unrouted


_SOURCES_AT_ONCE = 256
"""Shortest-path searches run together: their distances take this many rows of the network."""


def routed_pairs(network: Network) -> tuple[int, int]:
    """What :func:`routed_pairs_on` counts on :func:`derive_routing`'s table, without it:
    reachability searched from the outlets a few hundred at a time, and a pair an override
    starts walked on its station's own next-hop column (the table's column, searched alone)."""
    position = {node.id: index for index, node in enumerate(network.nodes)}
    graph = _lane_graph(network, position)
    overrides = {
        (position[item.node], position[item.destination]): position[item.next_node]
        for item in network.routing_overrides
    }
    next_hops: dict[int, npt.NDArray[np.int32]] = {}
    routed = unrouted = 0
    for carrier in dict.fromkeys(node.carrier for node in network.nodes):
        origins = _positions(network, position, carrier, NodeKind.outlet)
        targets = _positions(network, position, carrier, NodeKind.station)
        if not origins or not targets:
            continue
        columns_of = {target: column for column, target in enumerate(targets)}
        for start in range(0, len(origins), _SOURCES_AT_ONCE):
            chunk = origins[start : start + _SOURCES_AT_ONCE]
            reached = np.isfinite(dijkstra(graph, directed=True, indices=chunk)[:, targets])
            rows = {origin: row for row, origin in enumerate(chunk)}
            for (origin, target), _next in overrides.items():
                if origin in rows and target in columns_of:
                    if target not in next_hops:
                        next_hops[target] = _next_hops_towards(graph, target)
                    reached[rows[origin], columns_of[target]] = _walk(
                        origin, target, next_hops[target], overrides
                    )
            routed += int(reached.sum())
            unrouted += int(reached.size - reached.sum())
    return routed, unrouted


def _positions(
    network: Network, position: dict[str, int], carrier: str, kind: NodeKind
) -> list[int]:
    return [
        position[node.id] for node in network.nodes if node.carrier == carrier and node.kind is kind
    ]


def _lane_graph(network: Network, position: dict[str, int]) -> csr_array:
    """The lanes as a sparse graph of their shortest transit hours, as derive_routing builds it."""
    size = len(position)
    best: dict[tuple[int, int], float] = {}
    for lane in network.lanes:
        key = (position[lane.origin], position[lane.destination])
        best[key] = min(best.get(key, np.inf), lane.transit_hours)
    if not best:
        return csr_array((size, size), dtype=np.float64)
    rows, cols = zip(*best.keys(), strict=True)
    weights = np.fromiter(best.values(), dtype=np.float64)
    return csr_array((weights, (np.array(rows), np.array(cols))), shape=(size, size))


def _next_hops_towards(graph: csr_array, target: int) -> npt.NDArray[np.int32]:
    """``next_hop[:, target]`` of derive_routing's table: the same search, from one target."""
    _distances, predecessors = dijkstra(
        graph.T, directed=True, indices=target, return_predecessors=True
    )
    return np.asarray(predecessors).astype(np.int32)


def _walk(
    origin: int,
    target: int,
    next_hops: npt.NDArray[np.int32],
    overrides: dict[tuple[int, int], int],
) -> bool:
    """Whether the route from ``origin`` reaches ``target``, as RoutingTable.path walks it."""
    current = origin
    for _step in range(len(next_hops)):
        if current == target:
            return True
        chosen = overrides.get((current, target), int(next_hops[current]))
        if chosen == UNREACHABLE:
            return False
        current = chosen
    return False  # a loop made by overrides: treated as unreachable


def summary_record(summary: NetworkSummary) -> dict[str, Any]:
    """The summary as plain JSON-ready data (what is stored with the network)."""
    return asdict(summary)


def summary_from_record(record: dict[str, Any]) -> NetworkSummary:
    """The summary :func:`summary_record` gave."""
    carriers = [CarrierSummary(**carrier) for carrier in record["carriers"]]
    return NetworkSummary(**{**record, "carriers": carriers})

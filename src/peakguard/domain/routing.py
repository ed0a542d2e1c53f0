"""Routing relations (经转关系): for every node and destination, the next node to send to.

Derived from the lanes by shortest transit time (Dijkstra, SciPy's compiled implementation),
unless the network's ``routing_overrides`` fix the next node for a node and destination.
An override changes only that one hop; the path continues from the chosen next node.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy.sparse import csr_array
from scipy.sparse.csgraph import dijkstra

from peakguard.domain.network import Network

UNREACHABLE = -9999


@dataclass(frozen=True)
class RoutingTable:
    """Next hops and shortest transit hours between every pair of nodes of one network."""

    node_ids: tuple[str, ...]
    position: dict[str, int]
    next_hop: npt.NDArray[np.int32]
    """``next_hop[i, d]``: position of the next node from ``i`` towards ``d``, or -9999."""
    transit_hours: npt.NDArray[np.float64]
    """``transit_hours[i, d]``: shortest lane transit time from ``i`` to ``d`` (inf if none)."""
    overrides: dict[tuple[int, int], int]

    def next_node(self, node: str, destination: str) -> str | None:
        """The node a parcel at ``node`` bound for ``destination`` goes to next."""
        origin, target = self.position[node], self.position[destination]
        if origin == target:
            return None
        chosen = self.overrides.get((origin, target), int(self.next_hop[origin, target]))
        return None if chosen == UNREACHABLE else self.node_ids[chosen]

    def path(self, origin: str, destination: str) -> list[str] | None:
        """The whole route from ``origin`` to ``destination``, or None when unreachable."""
        route = [origin]
        current = origin
        for _step in range(len(self.node_ids)):
            if current == destination:
                return route
            following = self.next_node(current, destination)
            if following is None:
                return None
            route.append(following)
            current = following
        return None  # a loop made by overrides: treated as unreachable

    def paths(
        self, origins: npt.NDArray[np.int64], destinations: npt.NDArray[np.int64]
    ) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
        """:meth:`path` for many (origin, destination) positions at once, walked as arrays.

        Returns ``nodes`` [pair, hop] (positions, -1 past the end) and ``length`` [pair]
        (nodes on the route; 0 where the destination cannot be reached, or the overrides
        make a loop). One step per hop for all pairs, so the cost is the longest route's
        hops times a few array operations, not a Python loop per pair."""
        count, size = len(origins), len(self.node_ids)
        override_keys = np.array(
            sorted(origin * size + target for origin, target in self.overrides), dtype=np.int64
        )
        override_next = np.array(
            [self.overrides[(int(key) // size, int(key) % size)] for key in override_keys],
            dtype=np.int64,
        )
        columns = [np.asarray(origins, dtype=np.int64).copy()]
        length = np.zeros(count, dtype=np.int64)
        current = columns[0].copy()
        walking = np.ones(count, dtype=bool)
        for hop in range(size + 1):
            arrived = walking & (current == destinations)
            length[arrived] = hop + 1
            walking &= ~arrived
            if not walking.any():
                break
            if hop == size:  # a loop made by overrides: treated as unreachable
                break
            which = np.flatnonzero(walking)
            following = self.next_hop[current[which], destinations[which]].astype(np.int64)
            if len(override_keys):
                keys = current[which] * size + destinations[which]
                spot = np.minimum(np.searchsorted(override_keys, keys), len(override_keys) - 1)
                hit = override_keys[spot] == keys
                following[hit] = override_next[spot[hit]]
            stuck = following == UNREACHABLE
            walking[which[stuck]] = False
            step = np.full(count, -1, dtype=np.int64)
            moving = which[~stuck]
            step[moving] = following[~stuck]
            current[moving] = following[~stuck]
            columns.append(step)
        longest = int(length.max(initial=1))
        nodes = np.full((count, max(longest, 1)), -1, dtype=np.int64)
        for hop, column in enumerate(columns[:longest]):
            inside = length > hop
            nodes[inside, hop] = column[inside]
        return nodes, length

    def reachable(self, origin: str, destination: str) -> bool:
        return self.path(origin, destination) is not None


def derive_routing(network: Network) -> RoutingTable:
    """Shortest-transit-time next hops, with the file's overrides applied on top."""
    node_ids = tuple(node.id for node in network.nodes)
    position = {node_id: index for index, node_id in enumerate(node_ids)}
    size = len(node_ids)
    best: dict[tuple[int, int], float] = {}
    for lane in network.lanes:
        key = (position[lane.origin], position[lane.destination])
        best[key] = min(best.get(key, np.inf), lane.transit_hours)
    if best:
        rows, cols = zip(*best.keys(), strict=True)
        weights = np.fromiter(best.values(), dtype=np.float64)
        graph = csr_array((weights, (np.array(rows), np.array(cols))), shape=(size, size))
    else:
        graph = csr_array((size, size), dtype=np.float64)
    # Searching the reversed graph from each destination gives, as predecessor of i,
    # the node that follows i on its shortest path towards that destination.
    distances, predecessors = dijkstra(graph.T, directed=True, return_predecessors=True)
    transit_hours = np.ascontiguousarray(distances.T)
    next_hop = np.ascontiguousarray(predecessors.T).astype(np.int32)
    overrides = {
        (position[item.node], position[item.destination]): position[item.next_node]
        for item in network.routing_overrides
    }
    return RoutingTable(node_ids, position, next_hop, transit_hours, overrides)

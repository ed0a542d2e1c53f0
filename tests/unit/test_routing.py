"""Routing relations: shortest transit time, overrides, and agreement with networkx."""

from __future__ import annotations

import itertools
import random
from typing import Any

import networkx as nx
import pytest

from peakguard.demo.sichuan import DemoParameters, build_sichuan_network
from peakguard.domain.routing import derive_routing
from peakguard.formats.network_document import parse_network


def test_shortest_time_beats_fewest_hops(tiny: dict[str, Any]) -> None:
    """CD→DY→MY takes 1.5+1.5 = 3 h, the direct lane 4 h: the route goes through Deyang."""
    table = derive_routing(parse_network(tiny))
    assert table.path("CD-O1", "MY-S1") == ["CD-O1", "CD-HUB", "DY-HUB", "MY-HUB", "MY-S1"]
    assert table.transit_hours[table.position["CD-O1"], table.position["MY-S1"]] == 5.0


def test_override_changes_one_hop(tiny: dict[str, Any]) -> None:
    """An override at CD-HUB sends Mianyang parcels on the direct lane; the rest is derived."""
    tiny["routing_overrides"] = [{"node": "CD-HUB", "destination": "MY-S1", "next_node": "MY-HUB"}]
    table = derive_routing(parse_network(tiny))
    assert table.path("CD-O1", "MY-S1") == ["CD-O1", "CD-HUB", "MY-HUB", "MY-S1"]
    # Other destinations keep the derived routing.
    assert table.next_node("CD-HUB", "MY-HUB") == "DY-HUB"


def test_unreachable_destination(tiny: dict[str, Any]) -> None:
    """No lane leads back from the station: no route, not an exception."""
    table = derive_routing(parse_network(tiny))
    assert table.path("MY-S1", "CD-HUB") is None
    assert table.next_node("MY-S1", "CD-HUB") is None


@pytest.mark.parametrize("seed", [1, 2016])
def test_agrees_with_networkx_on_the_demo(seed: int) -> None:
    """On 300 random pairs of the demo network, the path length equals networkx's Dijkstra."""
    network = build_sichuan_network(DemoParameters(seed=seed, outlets_per_carrier=21))
    table = derive_routing(network)
    graph = nx.DiGraph()
    for lane in network.lanes:
        previous = graph.get_edge_data(lane.origin, lane.destination)
        if previous is None or previous["weight"] > lane.transit_hours:
            graph.add_edge(lane.origin, lane.destination, weight=lane.transit_hours)
    chooser = random.Random(seed)
    ids = [node.id for node in network.nodes]
    for _ in range(300):
        origin, destination = chooser.choice(ids), chooser.choice(ids)
        ours = table.transit_hours[table.position[origin], table.position[destination]]
        try:
            theirs = nx.dijkstra_path_length(graph, origin, destination)
        except (nx.NetworkXNoPath, nx.NodeNotFound):
            assert ours == float("inf")
            continue
        assert ours == pytest.approx(theirs)
        route = table.path(origin, destination)
        assert route is not None
        walked = sum(graph[a][b]["weight"] for a, b in itertools.pairwise(route))
        assert walked == pytest.approx(theirs)

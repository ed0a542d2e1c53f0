"""The summary's routed pairs, counted without an all-pairs table (what an import stores),
equal the count walked on ``domain.routing``'s table, overrides and their loops included."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from peakguard.demo.sichuan import DemoParameters, build_sichuan_network
from peakguard.domain.network import Carrier, Lane, Network, Node, RoutingOverride, Shift
from peakguard.domain.routing import derive_routing
from peakguard.domain.summary import routed_pairs, routed_pairs_on, summarise

KINDS = ("hub", "outlet", "station")


def node(index: int, kind: str, carrier: str) -> Node:
    return Node(
        id=f"N{index}",
        name=f"N{index}",
        kind=kind,
        region="510100",
        carrier=carrier,
        shifts=[Shift(name="day", start_hour=0, end_hour=24, sorting_capacity_per_hour=10)],
        storage_capacity=100,
        staff=1,
        vehicles=1,
        floor_area_m2=10.0,
        longitude=104.0,
        latitude=30.6,
    )


@st.composite
def networks(draw: Any) -> Network:
    """Small networks of two carriers with lanes of few distinct transit times (so shortest
    paths tie) and overrides that may loop or lead nowhere."""
    size = draw(st.integers(3, 10))
    nodes = [
        node(i, draw(st.sampled_from(KINDS)), draw(st.sampled_from(("A", "B"))))
        for i in range(size)
    ]
    pairs = st.tuples(st.integers(0, size - 1), st.integers(0, size - 1))
    edges = draw(st.lists(pairs.filter(lambda p: p[0] != p[1]), max_size=3 * size))
    lanes = [
        Lane(
            id=f"L{i}",
            origin=f"N{a}",
            destination=f"N{b}",
            mode="road",
            transit_hours=draw(st.sampled_from((1.0, 2.0, 3.0))),
            departure_times=["08:00"],
            capacity_per_departure=10,
        )
        for i, (a, b) in enumerate(edges)
    ]
    # Overrides towards stations, mostly, so that they decide whether pairs are routed.
    stations = [i for i, n in enumerate(nodes) if n.kind.value == "station"] or [0]
    any_node = st.integers(0, size - 1)
    triples = st.tuples(any_node, st.sampled_from(stations) | any_node, any_node)
    chosen = draw(st.lists(triples, max_size=2 * size, unique_by=lambda t: (t[0], t[1])))
    overrides = [
        RoutingOverride(node=f"N{a}", destination=f"N{b}", next_node=f"N{c}") for a, b, c in chosen
    ]
    return Network(
        name="drawn",
        carriers=[Carrier(code="A", name="A"), Carrier(code="B", name="B")],
        nodes=nodes,
        lanes=lanes,
        routing_overrides=overrides,
    )


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(networks())
def test_routed_pairs_without_the_table_equal_the_walked_table(network: Network) -> None:
    """Any network: the light count equals the count on derive_routing's table."""
    assert routed_pairs(network) == routed_pairs_on(network, derive_routing(network))


def test_the_demo_network_is_counted_alike() -> None:
    """The demo network (no overrides; one with overrides added) gives one summary either way."""
    demo = build_sichuan_network(DemoParameters(outlets_per_carrier=2))
    assert summarise(demo) == summarise(demo, derive_routing(demo))
    outlet = next(n for n in demo.nodes if n.kind.value == "outlet")
    station = next(
        n for n in demo.nodes if n.kind.value == "station" and n.carrier == outlet.carrier
    )
    hub = next(n for n in demo.nodes if n.kind.value == "hub" and n.carrier == outlet.carrier)
    looped = demo.model_copy(
        update={
            "routing_overrides": [
                # outlet → hub → outlet … for that station: a loop, never routed
                RoutingOverride(node=outlet.id, destination=station.id, next_node=hub.id),
                RoutingOverride(node=hub.id, destination=station.id, next_node=outlet.id),
            ]
        }
    )
    expected = summarise(looped, derive_routing(looped))
    assert summarise(looped) == expected
    assert expected.unrouted_pairs == summarise(demo).unrouted_pairs + 1

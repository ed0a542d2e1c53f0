"""A cycle of routing overrides is a mistake of the network file, located at the override
(issue #13: such a file was stored and its pairs reported as routed)."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml

from peakguard.domain.network import Network, RoutingOverride
from peakguard.domain.routing import derive_routing
from peakguard.errors import InvalidInputError
from peakguard.formats.network_document import parse_network

EXAMPLE = Path(__file__).resolve().parents[3] / "docs" / "examples" / "chengdu-mianyang.yaml"


@pytest.fixture(scope="module")
def document() -> dict[str, Any]:
    """The example network: Chengdu and Mianyang hubs with lanes both ways between them."""
    loaded = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
    assert isinstance(loaded, dict)
    return loaded


def with_overrides(document: dict[str, Any], *hops: tuple[str, str, str]) -> dict[str, Any]:
    changed = copy.deepcopy(document)
    changed["routing_overrides"] = [
        {"node": node, "destination": destination, "next_node": next_node}
        for node, destination, next_node in hops
    ]
    return changed


def test_two_overrides_sending_parcels_back_and_forth(document: dict[str, Any]) -> None:
    """CD-HUB sends Xi'an parcels to MY-HUB, MY-HUB sends them back: one loop, one problem."""
    changed = with_overrides(
        document,
        ("ZTO-CD-S1", "ZTO-CD-O1", "ZTO-CD-HUB"),  # not a loop: lanes onward exist
        ("ZTO-CD-HUB", "ZTO-XA-GW", "ZTO-MY-HUB"),
        ("ZTO-MY-HUB", "ZTO-XA-GW", "ZTO-CD-HUB"),
    )
    changed["lanes"].append(
        {**changed["lanes"][0], "id": "S1-HUB", "origin": "ZTO-CD-S1", "destination": "ZTO-CD-HUB"}
    )
    with pytest.raises(InvalidInputError) as caught:
        parse_network(changed)
    found = {problem.location: problem.message.render("en") for problem in caught.value.problems}
    assert found == {
        "routing_overrides[1].next_node": (
            "parcels for ZTO-XA-GW would go round in a loop and never arrive: "
            "ZTO-CD-HUB → ZTO-MY-HUB → ZTO-CD-HUB (routing_overrides [1], [2])"
        )
    }


def test_one_override_looping_through_the_shortest_route(document: dict[str, Any]) -> None:
    """One override suffices: MY-HUB's own shortest route to Xi'an runs back through CD-HUB."""
    changed = with_overrides(document, ("ZTO-CD-HUB", "ZTO-XA-GW", "ZTO-MY-HUB"))
    with pytest.raises(InvalidInputError) as caught:
        parse_network(changed)
    (problem,) = caught.value.problems
    assert problem.location == "routing_overrides[0].next_node"
    assert "ZTO-CD-HUB → ZTO-MY-HUB → ZTO-CD-HUB (routing_overrides [0])" in problem.render("en")


def test_the_check_agrees_with_the_routing_it_guards(document: dict[str, Any]) -> None:
    """The loop the check refuses is one the routing table cannot follow; an override that
    only picks another way is accepted and routed."""
    network = parse_network(document)
    looping = network.model_copy(
        update={
            "routing_overrides": [
                RoutingOverride(node="ZTO-CD-HUB", destination="ZTO-XA-GW", next_node="ZTO-MY-HUB")
            ]
        }
    )
    assert derive_routing(looping).path("ZTO-CD-HUB", "ZTO-XA-GW") is None
    fine = with_overrides(document, ("ZTO-MY-HUB", "ZTO-CD-S1", "ZTO-CD-HUB"))
    routed: Network = parse_network(fine)
    assert derive_routing(routed).path("ZTO-MY-HUB", "ZTO-CD-S1") == [
        "ZTO-MY-HUB",
        "ZTO-CD-HUB",
        "ZTO-CD-S1",
    ]

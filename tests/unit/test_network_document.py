"""The network document: valid files load; every mistake is reported with its location."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest

from peakguard.domain.regions import PairClass
from peakguard.errors import InvalidInputError
from peakguard.formats.loading import load_network
from peakguard.formats.network_document import parse_network, write_document
from peakguard.i18n import render


def problems_of(document: Any) -> dict[str, str]:
    with pytest.raises(InvalidInputError) as caught:
        parse_network(document)
    return {problem.location: render(problem.message, "en") for problem in caught.value.problems}


def test_tiny_network_loads_with_defaults(tiny: dict[str, Any]) -> None:
    """A valid file loads; absent service standards get the documented 24/48/72 h defaults."""
    network = parse_network(tiny)
    assert [node.id for node in network.nodes][:3] == ["CD-HUB", "DY-HUB", "MY-HUB"]
    assert network.time_limit_hours(PairClass.same_city) == 24
    assert network.time_limit_hours(PairClass.other_province) == 72
    outlet = network.node_index()["CD-O1"]
    # No coordinates in the file: the node sits at its county's centre (锦江区).
    assert (outlet.longitude, outlet.latitude) == pytest.approx((104.117022, 30.598158))


def test_every_mistake_is_reported_with_its_location(tiny: dict[str, Any]) -> None:
    """Seven independent mistakes give seven problems, each at the field that is wrong."""
    document = copy.deepcopy(tiny)
    document["lanes"][1]["transit_hours"] = 0
    document["nodes"][2]["region"] = "510199"
    document["nodes"][1]["carrier"] = "XYZ"
    document["nodes"][4]["id"] = "CD-HUB"
    document["lanes"][3]["destination"] = "NOWHERE"
    document["nodes"][0]["storage_capacity"] = "lots"
    document["lanes"][0]["departure_times"] = ["25:00"]
    found = problems_of(document)
    assert found == {
        "lanes[1].transit_hours": "must be greater than 0",
        "nodes[2].region": "unknown region code 510199",
        "nodes[1].carrier": "unknown carrier code XYZ: declare it under carriers",
        "nodes[4].id": "duplicate id CD-HUB: already used by nodes[0]",
        "lanes[3].destination": "unknown node NOWHERE",
        # MY-S1 was renamed by the duplicate, so the lane to it has lost its end too.
        "lanes[4].destination": "unknown node MY-S1",
        "nodes[0].storage_capacity": "must be a whole number, not 'lots'",
        "lanes[0].departure_times[0]": (
            "'25:00' is not a time of day written HH:MM, from 00:00 to 23:59"
        ),
    }


def test_structural_mistakes(tiny: dict[str, Any]) -> None:
    """Missing sections, unknown fields, overlapping shifts and bad overrides are all caught."""
    document = copy.deepcopy(tiny)
    del document["carriers"]
    document["nodes"][0]["capacity"] = 5
    document["nodes"][1]["shifts"].append(
        {"name": "late", "start_hour": 18, "end_hour": 2, "sorting_capacity_per_hour": 10}
    )
    document["routing_overrides"] = [
        {"node": "CD-HUB", "destination": "MY-S1", "next_node": "MY-S1"}
    ]
    found = problems_of(document)
    assert found["carriers"] == "is required"
    assert found["nodes[0].capacity"].startswith("is not a known field")
    assert found["nodes[1].shifts[1]"] == "overlaps shifts[0] at hour 18"
    assert found["routing_overrides[0].next_node"] == "no lane runs from CD-HUB to MY-S1"


def test_incomplete_service_standards_are_refused(tiny: dict[str, Any]) -> None:
    """A file that lists standards must give a general limit for all three pair classes."""
    tiny["service_standards"] = [{"pair_class": "same_city", "time_limit_hours": 24}]
    with pytest.raises(InvalidInputError) as caught:
        parse_network(tiny)
    assert [(p.location, render(p.message, "en")) for p in caught.value.problems] == [
        (
            "service_standards",
            "no time limit for same province that applies to all carriers: add one without a "
            "carrier",
        ),
        (
            "service_standards",
            "no time limit for other province that applies to all carriers: add one without a "
            "carrier",
        ),
    ]


def test_messages_in_chinese(tiny: dict[str, Any]) -> None:
    """The same problems read in Chinese for a Chinese user."""
    tiny["lanes"][1]["transit_hours"] = -1
    with pytest.raises(InvalidInputError) as caught:
        parse_network(tiny)
    assert render(caught.value.problems[0].message, "zh_CN") == "必须大于 0"


def test_yaml_round_trip_and_syntax_errors(tiny: dict[str, Any], tmp_path: Path) -> None:
    """Written YAML and JSON load back equal; a YAML syntax error names line and column."""
    network = parse_network(tiny)
    for suffix in (".yaml", ".json"):
        path = tmp_path / f"tiny{suffix}"
        write_document(network, path)
        assert load_network(path) == network
    broken = tmp_path / "broken.yaml"
    broken.write_text("name: x\nnodes:\n  - id: [unclosed\n", encoding="utf-8")
    with pytest.raises(InvalidInputError) as caught:
        load_network(broken)
    assert caught.value.problems[0].location.startswith("broken.yaml:")


def test_shorthand_capacity_becomes_one_all_day_shift(tiny: dict[str, Any]) -> None:
    """``sorting_capacity_per_hour`` alone means the same capacity in all 24 hours."""
    del tiny["nodes"][0]["shifts"]
    tiny["nodes"][0]["sorting_capacity_per_hour"] = 1000
    node = parse_network(tiny).nodes[0]
    assert node.daily_sorting_capacity() == 24_000


def test_shifts_wrap_past_midnight(tiny: dict[str, Any]) -> None:
    """A 20–6 night shift covers hours 20..23 and 0..5: ten hours."""
    tiny["nodes"][0]["shifts"] = [
        {"name": "day", "start_hour": 8, "end_hour": 18, "sorting_capacity_per_hour": 100},
        {"name": "night", "start_hour": 20, "end_hour": 6, "sorting_capacity_per_hour": 150},
    ]
    node = parse_network(tiny).nodes[0]
    by_hour = node.sorting_capacity_by_hour()
    assert by_hour[21] == 150
    assert by_hour[3] == 150
    assert by_hour[9] == 100
    assert by_hour[19] == 0
    assert node.daily_sorting_capacity() == 10 * 100 + 10 * 150

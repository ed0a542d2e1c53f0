"""The network model's text and numbers: one spelling per identifier, nothing hidden, no
mixed alphabets, numbers finite and within what a node or lane can be (issue #13)."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml

from peakguard.domain.network import Network
from peakguard.errors import InvalidInputError
from peakguard.formats.network_document import parse_network

EXAMPLE = Path(__file__).resolve().parents[3] / "docs" / "examples" / "chengdu-mianyang.yaml"


@pytest.fixture(scope="module")
def document() -> dict[str, Any]:
    """The example network (2 hubs, outlets, stations, a gateway) as a parsed document."""
    loaded = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
    assert isinstance(loaded, dict)
    return loaded


def problems_of(document: dict[str, Any]) -> dict[str, str]:
    with pytest.raises(InvalidInputError) as caught:
        parse_network(document)
    return {problem.location: problem.render("en") for problem in caught.value.problems}


def test_full_width_identifiers_fold_to_their_plain_spelling(document: dict[str, Any]) -> None:
    """Full-width ``ＺＴＯ`` is the carrier ZTO; the region ５１０１００ is 510100."""
    changed = copy.deepcopy(document)
    changed["carriers"][0]["code"] = "\uff3a\uff34\uff2f"
    changed["nodes"][0]["region"] = "\uff15\uff11\uff10\uff11\uff10\uff10"
    changed["nodes"][0]["name"] = "中通成都转运中心\u00a0"
    network = parse_network(changed)
    assert network.carriers[0].code == "ZTO"
    assert network.nodes[0].region == "510100"
    assert network.nodes[0].name == "中通成都转运中心"


def test_full_width_duplicate_of_an_identifier_is_a_duplicate(document: dict[str, Any]) -> None:
    """Two nodes spelled ZTO-CD-HUB and ＺＴＯ-CD-HUB are one identifier given twice."""
    changed = copy.deepcopy(document)
    changed["nodes"][1]["id"] = "\uff3a\uff34\uff2f-CD-HUB"
    found = problems_of(changed)
    assert "duplicate id ZTO-CD-HUB" in found["nodes[1].id"]


@pytest.mark.parametrize(
    ("field", "value", "expected"),
    [
        ("id", "ZTO\x00HUB", "U+0000 control character"),
        ("id", "ZTO\u200bHUB", "U+200B ZERO WIDTH SPACE"),
        ("name", "中通\u202e成都", "U+202E RIGHT-TO-LEFT OVERRIDE"),
        ("name", "hub\u2028two", "U+2028 LINE SEPARATOR"),
        ("id", "ZT\u041e-HUB", "mixes Latin and Cyrillic letters"),
        ("name", "ZT\u041e hub", "mixes Latin and Cyrillic letters"),
        ("name", "\u0391BC hub", "mixes Greek and Latin letters"),
    ],
)
def test_hidden_characters_and_mixed_alphabets_are_refused(
    document: dict[str, Any], field: str, value: str, expected: str
) -> None:
    """A NUL, an invisible character or a Cyrillic О in an identifier or name is named."""
    changed = copy.deepcopy(document)
    changed["nodes"][2][field] = value
    assert expected in problems_of(changed)[f"nodes[2].{field}"]


def test_chinese_with_latin_letters_is_an_ordinary_name(document: dict[str, Any]) -> None:
    changed = copy.deepcopy(document)
    changed["nodes"][2]["name"] = "ZTO成都 hub 2"
    assert parse_network(changed).nodes[2].name == "ZTO成都 hub 2"


def test_description_keeps_lines_and_tabs_but_not_hidden_characters(
    document: dict[str, Any],
) -> None:
    changed = copy.deepcopy(document)
    changed["description"] = "line one\r\nline\ttwo"
    assert parse_network(changed).description == "line one\nline\ttwo"
    changed["description"] = "line one\x1b[2J"
    assert "U+001B" in problems_of(changed)["description"]


@pytest.mark.parametrize(
    ("section", "index", "field", "value", "expected"),
    [
        ("lanes", 0, "capacity_per_departure", 2**63, "must be at most 1000000000"),
        ("lanes", 0, "transit_hours", float("inf"), "must be a number, not inf"),
        ("lanes", 0, "distance_km", float("nan"), "must be a number, not nan"),
        ("nodes", 1, "storage_capacity", 2**64, "must be at most 1000000000"),
        ("nodes", 1, "staff", 10**7, "must be at most 1000000"),
        ("nodes", 1, "floor_area_m2", float("inf"), "must be a number, not inf"),
        ("nodes", 1, "longitude", float("-inf"), "must be a number, not -inf"),
    ],
)
def test_numbers_are_finite_and_bounded(
    document: dict[str, Any], section: str, index: int, field: str, value: object, expected: str
) -> None:
    """2**63 parcels per departure, an infinite transit time: located, never stored."""
    changed = copy.deepcopy(document)
    changed[section][index][field] = value
    assert expected in problems_of(changed)[f"{section}[{index}].{field}"]


def test_network_name_with_a_space_or_a_path_is_refused(document: dict[str, Any]) -> None:
    for name in ("my network", "../etc", "a/b"):
        changed = {**document, "name": name}
        assert "name" in problems_of(changed)


def test_a_model_built_in_code_is_checked_as_strictly() -> None:
    """The rules live on the model, not only in the file reader."""
    with pytest.raises(ValueError, match="ZERO WIDTH SPACE"):
        Network.model_validate({"name": "a\u200bb", "carriers": [], "nodes": []})


@pytest.mark.parametrize(
    ("section", "index", "field"),
    [("lanes", 0, "capacity_per_departure"), ("nodes", 1, "staff"), ("lanes", 0, "transit_hours")],
)
def test_true_is_not_a_number(
    document: dict[str, Any], section: str, index: int, field: str
) -> None:
    """``capacity_per_departure: true`` was stored as 1 parcel (found by the document fuzzer)."""
    changed = copy.deepcopy(document)
    changed[section][index][field] = True
    assert problems_of(changed)[f"{section}[{index}].{field}"].endswith(
        "must be a number, not True"
    )

"""What each kind of organisation reaches, and the part of a network inside a reach."""

from __future__ import annotations

from typing import Any

import pytest

from peakguard.formats.network_document import parse_network
from peakguard.identity.model import Organisation, OrganisationKind, RegulatorLevel
from peakguard.identity.territory import reach_of, visible_network, wholly_within
from tests.integration.test_access_matrix import network_document

K, L = OrganisationKind, RegulatorLevel
NATIONAL = Organisation("spb", "国家邮政局", K.regulator, L.national)
SICHUAN = Organisation("sc", "四川", K.regulator, L.provincial, "510000")
CHENGDU = Organisation("sc-cd", "成都", K.regulator, L.city, "510100")
MIANYANG = Organisation("sc-my", "绵阳", K.regulator, L.city, "510700")
ZTO = Organisation("zto", "中通", K.carrier, carrier="ZTO")
ZTO_SICHUAN = Organisation("zto-sc", "中通四川", K.carrier, region="510000", carrier="ZTO")
ZTO_GUANGDONG = Organisation("zto-gd", "中通广东", K.carrier, region="440000", carrier="ZTO")
PLATFORM = Organisation("tmall", "天猫", K.platform)
PUBLIC = Organisation("public", "公众", K.public)
SYSTEM = Organisation("ops", "ops", K.system)


@pytest.mark.parametrize(
    ("organisation", "covered", "not_covered"),
    [
        (NATIONAL, [("SF", "440305"), ("ZTO", "510104")], []),
        (SYSTEM, [("SF", "440305")], []),
        (SICHUAN, [("SF", "510104"), ("ZTO", "510703")], [("ZTO", "440305"), ("SF", "520100")]),
        (CHENGDU, [("SF", "510104"), ("ZTO", "510100")], [("ZTO", "510703"), ("SF", "510000")]),
        (MIANYANG, [("ZTO", "510703")], [("ZTO", "510104")]),
        (ZTO, [("ZTO", "510104"), ("ZTO", "440305")], [("SF", "510104")]),
        (ZTO_SICHUAN, [("ZTO", "510104")], [("ZTO", "440305"), ("SF", "510104")]),
        (ZTO_GUANGDONG, [("ZTO", "440305")], [("ZTO", "510104")]),
        (PLATFORM, [], [("ZTO", "510104"), ("SF", "440305")]),
        (PUBLIC, [], [("ZTO", "510104")]),
    ],
    ids=lambda value: value.code if isinstance(value, Organisation) else None,
)
def test_each_organisation_reaches_its_territory_or_brand(
    organisation: Organisation,
    covered: list[tuple[str, str]],
    not_covered: list[tuple[str, str]],
) -> None:
    """A regulator reaches every carrier inside its territory, a carrier its brand (a
    provincial company inside its province), the system and the national office all, a
    platform and the public nothing."""
    reach = reach_of(organisation)
    assert [pair for pair in covered if not reach.covers(*pair)] == []
    assert [pair for pair in not_covered if reach.covers(*pair)] == []


def _mixed(**extra: Any) -> Any:
    document = network_document("mix", ["ZTO", "SF"])
    return parse_network(document | extra)


def test_the_visible_part_keeps_lanes_with_both_ends_inside() -> None:
    """Chengdu's part of a Chengdu–Mianyang network: its nodes, and only the lanes between
    them (not the Chengdu → Mianyang trunk)."""
    part = visible_network(_mixed(), reach_of(CHENGDU))
    assert part is not None
    assert {node.region[:4] for node in part.nodes} == {"5101"}
    kept = {node.id for node in part.nodes}
    assert part.lanes and all({lane.origin, lane.destination} <= kept for lane in part.lanes)
    assert {lane.id for lane in part.lanes} == {"ZTO-L1", "ZTO-L2", "SF-L1", "SF-L2"}


def test_a_carriers_part_drops_the_other_carriers_records() -> None:
    """ZTO's part holds no SF node, lane, carrier, carrier-specific service standard or
    routing override; the shared standards stay."""
    network = _mixed(
        service_standards=[
            {"pair_class": "same_city", "time_limit_hours": 24},
            {"pair_class": "same_province", "time_limit_hours": 48},
            {"pair_class": "other_province", "time_limit_hours": 72},
            {"pair_class": "same_city", "time_limit_hours": 12, "carrier": "SF"},
        ],
        routing_overrides=[
            {"node": "SF-CD-HUB", "destination": "SF-MY-S1", "next_node": "SF-MY-HUB"},
            {"node": "ZTO-CD-HUB", "destination": "ZTO-MY-S1", "next_node": "ZTO-MY-HUB"},
        ],
    )
    part = visible_network(network, reach_of(ZTO))
    assert part is not None
    text = part.model_dump_json()
    assert '"SF' not in text and "顺丰" not in text
    assert [s.carrier for s in part.service_standards] == [None, None, None]
    assert [o.node for o in part.routing_overrides] == ["ZTO-CD-HUB"]


def test_nothing_visible_is_none_and_everything_is_the_network() -> None:
    """A reach that sees no node gets no network; one that sees all gets it unchanged."""
    network = _mixed()
    assert visible_network(network, reach_of(ZTO_GUANGDONG)) is None
    assert visible_network(network, reach_of(PLATFORM)) is None
    assert visible_network(network, reach_of(SICHUAN)) is network
    assert wholly_within(network, reach_of(SICHUAN))
    assert not wholly_within(network, reach_of(ZTO))

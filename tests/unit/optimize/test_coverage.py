"""Coverage plans for a closed area: seed 004's Henan and Beijing 朝阳 cases, worked by hand."""

from __future__ import annotations

from datetime import datetime

import pytest

from peakguard.demo.sichuan import build_sichuan_network
from peakguard.errors import InvalidInputError
from peakguard.i18n import render
from peakguard.optimize.coverage import (
    CandidateStatus,
    CoverageParameters,
    CoveragePlan,
    CoverageRequest,
    SortingDepth,
    plan_coverage,
)
from peakguard.optimize.coverage_parts import TargetKind

from .test_coverage_networks import (
    CHAOYANG_STATIONS,
    HENAN_VOLUMES,
    chaoyang_network,
    henan_network,
)

START, END = datetime(2022, 5, 1), datetime(2022, 5, 8)

HENAN_EXPECTED = {
    "410100": "EMS-HANDAN",  # 郑州: 邯郸 225 km, 济宁 280
    "410200": "EMS-JINING",  # 开封: 邯郸 204 (full), 济宁 218
    "410300": "EMS-XIAN",  # 洛阳: 邯郸 292 (full), 西安 324
    "410400": "EMS-JINING",  # 平顶山: 邯郸 341 (full), 济宁 361, 武汉 368
    "410500": "EMS-HANDAN",  # 安阳: 60
    "410600": "EMS-HANDAN",  # 鹤壁: 100
    "410700": "EMS-HANDAN",  # 新乡: 157
    "410800": "EMS-HANDAN",  # 焦作: 195
    "410900": "EMS-HANDAN",  # 濮阳: 106
    "411000": "EMS-JINING",  # 许昌: 济宁 293, 邯郸 295 (full)
    "411100": "EMS-JINING",  # 漯河: 济宁 312, 武汉 333
    "411200": "EMS-XIAN",  # 三门峡: 212
    "411300": "EMS-WUHAN",  # 南阳: 315
    "411400": "EMS-JINING",  # 商丘: 140
    "411500": "EMS-WUHAN",  # 信阳: 174
    "411600": "EMS-JINING",  # 周口: 264
    "411700": "EMS-WUHAN",  # 驻马店: 270
    "419001": "EMS-HANDAN",  # 济源: 邯郸 246, 西安 344
}


@pytest.fixture(scope="module")
def henan() -> CoveragePlan:
    """All of Henan closed for a week (seed 004's example)."""
    return plan_coverage(henan_network(), CoverageRequest("410000", START, END))


@pytest.fixture(scope="module")
def chaoyang() -> CoveragePlan:
    """Beijing's 朝阳区 closed for a week (seed 004's second example)."""
    return plan_coverage(chaoyang_network(), CoverageRequest("110105", START, END))


def test_henan_uses_exactly_the_four_centres_of_seed_004(henan: CoveragePlan) -> None:
    """武汉, 西安, 济宁 and 邯郸 are chosen; nothing else."""
    assert {c.hub for c in henan.centres} == {"EMS-WUHAN", "EMS-XIAN", "EMS-JINING", "EMS-HANDAN"}


def test_henan_split_is_the_nearest_centre_with_room(henan: CoveragePlan) -> None:
    """Each prefecture goes to the centre worked out by hand.

    Great-circle km from each part's centre to each centre's city (reference table) are in
    HENAN_EXPECTED's comments. Nearest centre first: 邯郸 is nearest for 安阳 60, 鹤壁 100,
    濮阳 106, 新乡 157, 焦作 195, 开封 204, 郑州 225, 济源 246, 洛阳 292, 平顶山 341 —
    326 k parcels a day, but its usable spare is 0.8 × (504 k − 200 k) = 243.2 k. Dropping
    郑州 (120 k × 55 km more to 济宁 = 6,600 k·km) costs more than dropping 开封 (25 k × 14),
    洛阳 (40 k × 32 to 西安) and 平顶山 (25 k × 20 to 济宁) = 2,130 k·km, which leaves 邯郸
    236 k. Every other part's nearest centre has room: 济宁 160 k of 200 k (许昌 293 vs 邯郸
    295, 漯河 312 vs 武汉 333, 周口, 商丘, 开封, 平顶山), 武汉 105 k of 200 k (南阳, 信阳,
    驻马店), 西安 52 k of 106.4 k (三门峡, 洛阳).
    """
    assert {a.part.code: a.centre for a in henan.assignments} == HENAN_EXPECTED
    handan = next(c for c in henan.centres if c.hub == "EMS-HANDAN")
    assert handan.parcels == 236_000
    assert handan.usable == pytest.approx(243_200)


def test_henan_parts_are_the_17_prefectures_and_jiyuan(henan: CoveragePlan) -> None:
    """Every part is covered with its volume; the total is the province's."""
    assert [a.part.code for a in henan.assignments] == sorted(HENAN_VOLUMES)
    assert henan.parcels == sum(HENAN_VOLUMES.values()) == 553_000
    assert henan.unabsorbed == ()


def test_no_centre_takes_more_than_its_usable_spare(henan: CoveragePlan) -> None:
    """A centre's parts sum to at most max_spare_share of its spare capacity."""
    for centre in henan.centres:
        taken = sum(a.part.parcels for a in henan.assignments if a.centre == centre.hub)
        assert taken == centre.parcels <= centre.usable


def test_henan_rejected_centres_say_why(henan: CoveragePlan) -> None:
    """菏泽 (manual, full), 广州 (far) and the full origin hubs are never chosen, with reasons."""
    status = {c.hub: c.status for c in henan.candidates}
    assert status["EMS-HEZE"] is CandidateStatus.manual
    assert status["EMS-GUANGZHOU"] is CandidateStatus.too_far
    assert status["EMS-BEIJING"] is CandidateStatus.no_spare
    guangzhou = next(c for c in henan.candidates if c.hub == "EMS-GUANGZHOU")
    assert "more than the 12.0 h allowed" in render(guangzhou.reason, "en")
    assert "EMS-ZHENGZHOU" not in status  # inside the closed area


def test_henan_depth_sorts_to_prefecture_and_big_stations(henan: CoveragePlan) -> None:
    """A closed province is sorted to prefectures, counties and high-volume stations."""
    assert henan.depth is SortingDepth.prefecture_county
    zhengzhou = next(s for s in henan.sorting if s.part == "410100")
    kinds = {(t.kind, t.code) for t in zhengzhou.targets}
    assert (TargetKind.prefecture, "410100") in kinds
    assert (TargetKind.station, "EMS-410100-S") in kinds
    assert zhengzhou.centre == "EMS-HANDAN"


def test_henan_routing_relations_move_origin_hubs_to_the_centres(henan: CoveragePlan) -> None:
    """北京 and 上海 send each part's mail to its centre instead of 郑州's hub; 邯郸 (a lane into
    安阳) sends the 11 parts it does not sort itself to their centres."""
    relations = {(r.origin, r.part): r for r in henan.routing}
    assert len(relations) == 2 * 18 + 11
    assert ("EMS-HANDAN", "410500") not in relations
    nanyang = relations[("EMS-SHANGHAI", "411300")]
    assert nanyang.centre == "EMS-WUHAN"
    assert nanyang.previously == ("EMS-ZHENGZHOU",)
    assert {(o.node, o.destination, o.next_node) for o in henan.routing_overrides} >= {
        ("EMS-BEIJING", "EMS-410500-S", "EMS-HANDAN"),
        ("EMS-BEIJING", "EMS-411200-S", "EMS-XIAN"),
    }
    lanes = {t.part: t.lane for t in henan.transport}
    assert lanes["410500"] == "HD-AY"  # 邯郸 → 安阳 already runs
    assert lanes["411300"] is None  # 武汉 → 南阳 is a new road connection


def test_chaoyang_is_sorted_by_dapingmian_and_xinshun_to_segments(chaoyang: CoveragePlan) -> None:
    """朝阳's northern stations go to 新顺, its southern to 大平面, sorted to segments and grids."""
    assert {c.hub for c in chaoyang.centres} == {"EMS-DAPINGMIAN", "EMS-XINSHUN"}
    assert chaoyang.depth is SortingDepth.station_segment
    split = {a.part.code: a.centre for a in chaoyang.assignments}
    assert split == {
        "CY-WANGJING": "EMS-XINSHUN",
        "CY-LAIGUANGYING": "EMS-XINSHUN",
        "CY-JIUXIANQIAO": "EMS-XINSHUN",
        "CY-SHUANGJING": "EMS-DAPINGMIAN",
        "CY-SHIBALIDIAN": "EMS-DAPINGMIAN",
        "CY-FATOU": "EMS-DAPINGMIAN",
    }
    assert all(
        [t.kind for t in s.targets] == [TargetKind.station_segments] for s in chaoyang.sorting
    )
    assert sum(a.part.parcels for a in chaoyang.assignments) == sum(
        v for *_rest, v in CHAOYANG_STATIONS.values()
    )
    tianjin = next(c for c in chaoyang.candidates if c.hub == "EMS-TIANJIN")
    assert tianjin.status is CandidateStatus.not_needed


def test_a_part_no_centre_can_take_is_reported_with_its_volume() -> None:
    """With little spare capacity usable, the plan leaves the parts it cannot fit uncovered."""
    plan = plan_coverage(
        henan_network(),
        CoverageRequest("410000", START, END),
        parameters=CoverageParameters(max_spare_share=0.2),
    )
    assert plan.unabsorbed
    for centre in plan.centres:
        assert centre.parcels <= centre.usable
    assert plan.unabsorbed_parcels == sum(a.part.parcels for a in plan.unabsorbed) > 0
    assert plan.parcels == 553_000
    text = render(plan.unabsorbed[0].reason, "en")
    assert str(plan.unabsorbed[0].part.parcels) in text


def test_depth_can_be_asked_finer_than_the_default() -> None:
    """A closed province may be sorted to stations and segments when asked."""
    request = CoverageRequest("410000", START, END, depth=SortingDepth.station_segment)
    plan = plan_coverage(henan_network(), request)
    assert plan.depth is SortingDepth.station_segment
    assert all(t.kind is TargetKind.station_segments for s in plan.sorting for t in s.targets)


def test_a_closed_prefecture_of_the_demo_network_is_covered() -> None:
    """绵阳 closed on the Sichuan demo network: EMS's mail goes to an automated hub outside it."""
    network = build_sichuan_network()
    plan = plan_coverage(network, CoverageRequest("510700", START, END, carrier="EMS"))
    nodes = network.node_index()
    assert plan.centres
    assert all(nodes[c.hub].automated_sorter for c in plan.centres)
    assert all(not c.region.startswith("5107") for c in plan.candidates)
    assert plan.unabsorbed == ()
    assert plan.area.hubs == ("EMS-510700-HUB",)


@pytest.mark.parametrize(
    ("request_", "field"),
    [
        (CoverageRequest("419999", START, END), "region"),
        (CoverageRequest("410000", END, START), "end"),
        (CoverageRequest("410000", START, END, carrier="SF"), "carrier"),
        (CoverageRequest("500000", START, END), "region"),
    ],
)
def test_a_bad_request_names_its_field(request_: CoverageRequest, field: str) -> None:
    """Unknown region, reversed period, unknown carrier, a region without stations."""
    with pytest.raises(InvalidInputError) as caught:
        plan_coverage(henan_network(), request_)
    assert [p.location for p in caught.value.problems] == [field]


def test_several_carriers_need_one_named() -> None:
    """On a multi-carrier network the plan asks which carrier's mail it covers."""
    network = henan_network()
    two = network.model_copy(
        update={
            "carriers": [
                network.carriers[0],
                network.carriers[0].model_copy(update={"code": "SF", "name": "顺丰"}),
            ]
        }
    )
    with pytest.raises(InvalidInputError) as caught:
        plan_coverage(two, CoverageRequest("410000", START, END))
    assert [p.location for p in caught.value.problems] == ["carrier"]

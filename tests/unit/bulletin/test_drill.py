"""The drill-down from a carrier or a region of the bulletin to its figures, worst nodes and
worst origin–destination pairs, on the two-day log of ``conftest.py`` and a few more parcels of
2026-11-12 (hours 16 … 40), worked out by hand below. Cutoff: hour 130.

========  =======  ==========================  ========  =========  ==========================
parcel    carrier  pair (city codes)           accepted  delivered  journey, service standard
========  =======  ==========================  ========  =========  ==========================
A3 … A6   A        成都 510100 → 西安 610100    17, 17,   40, 50,    23, 33, 42, 80 h; 72 h:
                                               18, 18    60, 98     A6 late
A7        A        成都 → 西安                  30        70         40 h, on time
C1        C        成都 510100 → 绵阳 510700    17        47         30 h; 48 h (same province)
C2        C        成都 → 绵阳                  17        67         50 h, late
C3        C        成都 → 绵阳                  18        78         60 h, late
D1        A        成都 → 成都 510100           20        never      24 h (same city): late
B2, B3    B        绵阳 510700 → 西安 610100    19, 20    45, 100    26, 80 h; B3 late
========  =======  ==========================  ========  =========  ==========================
"""

from __future__ import annotations

from typing import Any

import pyarrow as pa
import pytest

from peakguard.analytics import KpiSettings
from peakguard.analytics.od_pairs import PairLevel
from peakguard.bulletin import (
    ALL_CARRIERS,
    Bulletin,
    BulletinOptions,
    EmptyPeriodError,
    Subject,
    assemble_bulletin,
    day_period,
)
from peakguard.bulletin.drill import (
    Drill,
    DrillOptions,
    Focus,
    FocusKind,
    carrier_focus,
    drill_bulletin,
    region_focus,
)
from peakguard.bulletin.model import BulletinScope
from peakguard.errors import InvalidInputError, NotFoundError
from tests.unit.analytics.conftest import CHENGDU, CHENGDU_2, MIANYANG, at, events, trail
from tests.unit.bulletin.conftest import (
    CURRENT_DAY,
    PREVIOUS_DAY,
    parcel_a,
    parcel_b,
    two_day_rows,
)

PERIOD = day_period(CURRENT_DAY)


def parcel_c(waybill: str, accepted: float, delivered: float) -> list[dict[str, Any]]:
    """Carrier C: outlet OC → hub HC → station SC, Chengdu → Mianyang."""
    common: dict[str, Any] = {"carrier": "C", "origin": CHENGDU, "destination": MIANYANG}
    stops = [("OC", accepted, accepted + 1), ("HC", accepted + 3, accepted + 4)]
    return trail(waybill, [*stops, ("SC", accepted + 8, None)], delivered=delivered, **common)


def drill_rows() -> list[dict[str, Any]]:
    same_city = {"carrier": "A", "origin": CHENGDU, "destination": CHENGDU_2}
    return [
        *two_day_rows(),
        *parcel_a("A7", 30, 70),
        *parcel_c("C1", 17, 47),
        *parcel_c("C2", 17, 67),
        *parcel_c("C3", 18, 78),
        *trail("D1", [("OA", 20, None)], **same_city),
    ]


@pytest.fixture
def log() -> pa.Table:
    return events(drill_rows())


def drill(
    log: pa.Table,
    focus: Focus,
    settings: KpiSettings | None,
    scope: BulletinScope | None = None,
    **options: Any,
) -> Drill:
    return drill_bulletin(
        log, PERIOD, focus, settings=settings, scope=scope, options=DrillOptions(**options)
    )


def bulletin_of(
    log: pa.Table, settings: KpiSettings | None, scope: BulletinScope | None = None
) -> Bulletin:
    return assemble_bulletin(
        log, PERIOD, settings=settings, scope=scope, options=BulletinOptions(rows=50)
    )


def test_city_pairs_worked_by_hand(log: pa.Table, cutoff_settings: KpiSettings) -> None:
    """With at least 2 parcels past their limit: 成都→绵阳 1 of 3 on time (C1), then 绵阳→西安
    1 of 2, then 成都→西安 4 of 5; 成都→成都 (D1 alone, 0 of 1) stays out. Journey times over
    the delivered: 30, 50, 60 h → mean 46.67, median 50, 90th percentile 50 + 0.8 × 10 = 58."""
    result = drill(log, region_focus("510000"), cutoff_settings, min_pair_parcels=2)
    pairs = [(pair.origin, pair.destination) for pair in result.pairs]
    assert pairs == [("510100", "510700"), ("510700", "610100"), ("510100", "610100")]
    first, second, third = result.pairs
    assert (first.origin_name, first.destination_name) == ("成都市", "绵阳市")
    assert (first.accepted, first.delivered, first.due, first.on_time) == (3, 3, 3, 1)
    assert first.on_time_rate == pytest.approx(1 / 3)
    assert first.rate_72h == 1.0  # all three within 72 h: late only against the 48-h standard
    assert first.mean_journey_hours == pytest.approx(140 / 3)
    assert first.p50_journey_hours == pytest.approx(50.0)
    assert first.p90_journey_hours == pytest.approx(58.0)
    assert (second.due, second.on_time, second.on_time_rate) == (2, 1, 0.5)
    assert second.p90_journey_hours == pytest.approx(26 + 0.9 * 54)
    assert (third.due, third.on_time, third.on_time_rate) == (5, 4, 0.8)
    assert third.mean_journey_hours == pytest.approx((23 + 33 + 42 + 80 + 40) / 5)
    assert third.p50_journey_hours == pytest.approx(40.0)
    assert third.p90_journey_hours == pytest.approx(42 + 0.6 * 38)


def test_the_minimum_keeps_a_lone_parcel_from_topping_the_list(
    log: pa.Table, cutoff_settings: KpiSettings
) -> None:
    """With a minimum of 1, D1's pair (0 %) tops the list; the default minimum (20) leaves no
    pair of this small log in it; ``rows`` cuts the list."""
    result = drill(log, region_focus("510000"), cutoff_settings, min_pair_parcels=1)
    top = result.pairs[0]
    assert (top.origin, top.destination, top.due, top.on_time_rate) == ("510100", "510100", 1, 0.0)
    assert DrillOptions().min_pair_parcels == 20
    assert drill(log, region_focus("510000"), cutoff_settings).pairs == ()
    cut = drill(log, region_focus("510000"), cutoff_settings, min_pair_parcels=1, rows=2)
    assert [pair.on_time_rate for pair in cut.pairs] == [0.0, pytest.approx(1 / 3)]


def test_province_pairs(log: pa.Table, cutoff_settings: KpiSettings) -> None:
    """Sichuan → Sichuan: C1 … C3 and D1, 1 of 4 on time; Sichuan → Shaanxi: A3 … A7, B2, B3,
    5 of 7."""
    result = drill(
        log,
        region_focus("510000"),
        cutoff_settings,
        min_pair_parcels=1,
        pair_level=PairLevel.province,
    )
    found = [(p.origin, p.destination, p.due, p.on_time) for p in result.pairs]
    assert found == [("510000", "510000", 4, 1), ("510000", "610000", 7, 5)]
    assert result.pairs[1].destination_name == "陕西省"


def test_a_carriers_figures_are_its_row_of_the_bulletin(
    log: pa.Table, cutoff_settings: KpiSettings
) -> None:
    """Every figure of carrier A's drill-down (this day, the day before, the change) is the
    bulletin's row for A; so are its worst nodes (each node here is one carrier's)."""
    bulletin = bulletin_of(log, cutoff_settings)
    for carrier in ("A", "B", "C"):
        result = drill(log, carrier_focus(carrier), cutoff_settings)
        assert_same_figures(result.figures.figures, bulletin.headline(carrier).figures)
        assert [h.carrier for h in result.bulletin.headlines] == [ALL_CARRIERS, carrier]
        for mine, theirs in (
            (result.bulletin.busiest_nodes, bulletin.busiest_nodes),
            (result.bulletin.slowest_nodes, bulletin.slowest_nodes),
            (result.bulletin.unmatched_nodes, bulletin.unmatched_nodes),
        ):
            assert mine == tuple(row for row in theirs if row.carrier == carrier)
    a = drill(log, carrier_focus("A"), cutoff_settings).figures
    assert (a.figure("accepted").current, a.figure("due_72h").current) == (6, 6)
    assert a.figure("on_time_rate").current == pytest.approx(4 / 6)  # A3 A4 A5 A7; A6, D1 late


def test_a_regions_figures_are_its_ranking_rows(
    log: pa.Table, cutoff_settings: KpiSettings
) -> None:
    """成都 (510100): A3 … A7, C1 … C3, D1 accepted there; 7 of 9 within 72 h (A6 and D1
    not), mean journey (23 + 33 + 42 + 80 + 40 + 30 + 50 + 60) / 8 = 44.75 h, on time 5 of
    9 — the bulletin's city ranking rows. Every province and city row of the ranking agrees,
    and the region's carriers add up to it."""
    bulletin = bulletin_of(log, cutoff_settings)
    chengdu = drill(log, region_focus("510100"), cutoff_settings).figures
    assert chengdu.figure("accepted").current == 9
    assert chengdu.figure("rate_72h").current == pytest.approx(7 / 9)
    assert chengdu.figure("rate_72h").previous == pytest.approx(1 / 2)  # A1 yes, A2 stopped
    assert chengdu.figure("mean_journey_hours").current == pytest.approx(44.75)
    assert chengdu.figure("on_time_rate").current == pytest.approx(5 / 9)
    assert_ranking_rows_agree(log, bulletin, cutoff_settings)
    carriers = drill(log, region_focus("510100"), cutoff_settings).bulletin.headlines[1:]
    assert {h.carrier: h.figure("accepted").current for h in carriers} == {"A": 6, "C": 3}


def test_a_regulators_drill_counts_only_its_territory(
    log: pa.Table, cutoff_settings: KpiSettings
) -> None:
    """Shaanxi's regulator (61) sees the parcels to Xi'an: its 成都 is A3 … A7 only (4 of 5 in
    72 h), its bulletin's row for 成都 the same; 成都→绵阳 is not in its reach."""
    shaanxi = BulletinScope(region_prefix="61")
    result = drill(log, region_focus("510100"), cutoff_settings, shaanxi, min_pair_parcels=1)
    assert result.figures.figure("accepted").current == 5
    assert result.figures.figure("rate_72h").current == pytest.approx(4 / 5)
    assert [(p.origin, p.destination) for p in result.pairs] == [("510100", "610100")]
    assert_ranking_rows_agree(
        log, bulletin_of(log, cutoff_settings, shaanxi), cutoff_settings, shaanxi
    )


def test_the_cutoff_is_the_bulletins_not_the_focuss() -> None:
    """Without a stated as-of the drill-down is measured as of the bulletin's moment, the
    period's end plus 72 hours (China midnight after 12 November is hour 40; 40 + 72), not at
    A's own latest event (A6's delivery, hour 98): by then A7's 72 hours (run out at hour 102)
    had passed, so A's drill-down counts A7 due, as the bulletin does: 6 parcels past 72
    hours, not 5."""
    log = events([*drill_rows(), *parcel_b("B4", 39, 105)])
    bulletin = bulletin_of(log, None)
    result = drill(log, carrier_focus("A"), None)
    assert result.bulletin.cutoff == bulletin.cutoff == at(112)
    assert result.figures.figure("due_72h").current == 6
    assert_same_figures(result.figures.figures, bulletin.headline("A").figures)


def test_out_of_reach_is_not_found_like_a_missing_focus(
    log: pa.Table, cutoff_settings: KpiSettings
) -> None:
    """Carrier B's reader drilling into A, or into 成都 (no B parcel starts there), is told the
    same as for a carrier that does not exist."""
    only_b = BulletinScope(carrier="B")
    with pytest.raises(NotFoundError) as foreign:
        drill(log, carrier_focus("A"), cutoff_settings, only_b)
    with pytest.raises(NotFoundError) as missing:
        drill(log, carrier_focus("Z"), cutoff_settings, only_b)
    assert foreign.value.message.msgid == missing.value.message.msgid
    with pytest.raises(NotFoundError):
        drill(log, region_focus("510100"), cutoff_settings, only_b)
    assert (
        drill(log, region_focus("510700"), cutoff_settings, only_b)
        .figures.figure("accepted")
        .current
        == 2
    )


def test_a_focus_without_parcels_in_the_period_is_refused_with_its_days(
    log: pa.Table, cutoff_settings: KpiSettings
) -> None:
    """Carrier C's parcels were accepted on 11-12 (and scanned until 11-14): its drill-down of
    11-11 names the days it has."""
    with pytest.raises(EmptyPeriodError) as refused:
        drill_bulletin(log, day_period(PREVIOUS_DAY), carrier_focus("C"), settings=cutoff_settings)
    assert refused.value.problems[0].message.params["days"] == "2026-11-12 – 2026-11-14"


@pytest.mark.parametrize("code", ["510104", "51", "abcdef", "000000", ""])
def test_a_region_is_a_province_or_a_city(code: str) -> None:
    """A district's code, a short code or a name is refused, located, with the form expected."""
    with pytest.raises(InvalidInputError) as refused:
        region_focus(code, "region")
    assert refused.value.problems[0].location == "region"


def test_focus_levels() -> None:
    assert region_focus("510000").level == "province"
    assert region_focus("510100").level == "city"
    assert region_focus("510100").name == "成都市"
    assert carrier_focus("ZTO") == Focus(FocusKind.carrier, "ZTO")


def assert_same_figures(mine: Any, theirs: Any) -> None:
    assert [f.metric for f in mine] == [f.metric for f in theirs]
    for ours, reference in zip(mine, theirs, strict=True):
        for name in ("current", "previous", "change"):
            value, expected = getattr(ours, name), getattr(reference, name)
            if expected is None:
                assert value is None, (ours.metric, name)
            else:
                assert value == pytest.approx(expected), (ours.metric, name)


def assert_ranking_rows_agree(
    log: pa.Table,
    bulletin: Bulletin,
    settings: KpiSettings,
    scope: BulletinScope | None = None,
) -> None:
    """Each origin province's and city's drill-down gives its ranking rows' value and base."""
    checked = 0
    for subject in (Subject.origin_province, Subject.origin_city):
        for key in ("rate_72h", "mean_journey_hours"):
            for row in bulletin.ranking(subject, key).rows:
                figures = drill(log, region_focus(row.key), settings, scope).figures
                value = figures.figure(key)
                for ours, theirs in (
                    (value.current, row.value),
                    (value.previous, row.previous_value),
                ):
                    if theirs is None:
                        assert ours is None, (row.key, key)
                    else:
                        assert ours == pytest.approx(theirs), (row.key, key)
                base = "due_72h" if key == "rate_72h" else None
                if base:
                    assert figures.figure(base).current == row.base
                checked += 1
    assert checked >= 4

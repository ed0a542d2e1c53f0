"""The bulletin's figures, changes, rankings and worst-of lists on the hand-made two-day log
(``conftest.py`` tabulates it); the day of 2026-11-12 is compared with 2026-11-11."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest

from peakguard.analytics import KpiSettings
from peakguard.bulletin import (
    ALL_CARRIERS,
    Better,
    Bulletin,
    BulletinOptions,
    EmptyPeriodError,
    Subject,
    assemble_bulletin,
    day_period,
)
from peakguard.errors import InvalidInputError
from peakguard.i18n import render
from tests.unit.analytics.conftest import CHENGDU, XIAN, at, events, trail
from tests.unit.bulletin.conftest import CURRENT_DAY


@pytest.fixture
def bulletin(two_days: pa.Table, cutoff_settings: KpiSettings, complaints: pa.Table) -> Bulletin:
    return assemble_bulletin(
        two_days,
        day_period(CURRENT_DAY),
        settings=cutoff_settings,
        complaints=complaints,
        options=BulletinOptions(min_pair_parcels=1),
    )


def test_72_hour_rates_and_their_change_in_points(bulletin: Bulletin) -> None:
    """A: 3 of 4 within 72 h = 75 %, the day before 1 of 2 = 50 % → +25 points; B: 1 of 2 =
    50 % after 1 of 1 = 100 % → −50 points; all carriers 4 of 6 after 2 of 3 → 0."""
    a = bulletin.headline("A").figure("rate_72h")
    assert (a.current, a.previous) == (0.75, 0.5)
    assert a.change == pytest.approx(25.0)
    b = bulletin.headline("B").figure("rate_72h")
    assert (b.current, b.previous, b.change) == (0.5, 1.0, pytest.approx(-50.0))
    total = bulletin.headline(ALL_CARRIERS).figure("rate_72h")
    assert total.current == pytest.approx(4 / 6)
    assert total.previous == pytest.approx(2 / 3)
    assert total.change == pytest.approx(0.0)
    assert [headline.carrier for headline in bulletin.headlines] == [ALL_CARRIERS, "A", "B"]


def test_counts_48_hours_on_time_and_journey(bulletin: Bulletin) -> None:
    """A accepted 4 after 2 (+100 %); within 48 h: A3, A4, A5 (23, 33, 42 h) = 75 %; the
    on-time rate equals the 72-hour rate (every pair is other-province: 72 h); the journey is
    (23 + 33 + 42 + 80) / 4 = 44.5 h after 20 h (+24.5 h); B (26 + 80) / 2 = 53 h after 28 h."""
    a = bulletin.headline("A")
    assert (a.figure("accepted").current, a.figure("accepted").previous) == (4, 2)
    assert a.figure("accepted").change == pytest.approx(1.0)
    assert a.figure("due_72h").current == 4
    assert a.figure("rate_48h").current == 0.75
    assert a.figure("on_time_rate").current == 0.75
    journey = a.figure("mean_journey_hours")
    assert (journey.current, journey.previous) == (pytest.approx(44.5), pytest.approx(20.0))
    assert journey.change == pytest.approx(24.5)
    legs = [
        a.figure(f"mean_{leg}_hours").current
        for leg in ("acceptance", "outbound", "transit", "inbound", "delivery")
    ]
    assert sum(legs) == pytest.approx(44.5)  # the five legs add up to the full journey
    assert bulletin.headline("B").figure("mean_journey_hours").current == pytest.approx(53.0)


def test_information_loss_security_and_complaints(bulletin: Bulletin) -> None:
    """A2's trail stopped (A: 1 of 2 the day before, none now → −50 points); B3's handover is
    late (B: 1 of 2 = 50 %); B3 was not X-rayed (three-100 %: 1 of 2); A's complaints: 2 per
    4 parcels = 500,000 per million, 1 valid = 250,000 (the day before: 1 valid of 2 parcels)."""
    a, b = bulletin.headline("A"), bulletin.headline("B")
    loss = a.figure("information_loss_rate")
    assert (loss.current, loss.previous, loss.change) == (0.0, 0.5, pytest.approx(-50.0))
    assert b.figure("information_loss_rate").current == 0.5
    assert a.figure("all_three_share").current == 1.0
    assert b.figure("all_three_share").current == 0.5
    assert a.figure("complaints_per_million").current == pytest.approx(500_000)
    valid = a.figure("valid_complaints_per_million")
    assert (valid.current, valid.previous) == (pytest.approx(250_000), pytest.approx(500_000))
    assert valid.change == pytest.approx(-250_000)
    assert a.figure("damaged_per_million").current == 0.0


def test_rankings_say_the_direction_and_the_previous_rank(bulletin: Bulletin) -> None:
    """By 72-hour rate A (75 %) is above B (50 %), the reverse of the day before; by journey
    time A (44.5 h) is above B (53 h), lower being better; cities likewise."""
    rate = bulletin.ranking(Subject.carrier, "rate_72h")
    assert rate.better is Better.higher
    assert [(row.key, row.rank, row.previous_rank) for row in rate.rows] == [
        ("A", 1, 2),
        ("B", 2, 1),
    ]
    journey = bulletin.ranking(Subject.carrier, "mean_journey_hours")
    assert journey.better is Better.lower
    assert [(row.key, row.rank, row.value) for row in journey.rows] == [
        ("A", 1, pytest.approx(44.5)),
        ("B", 2, pytest.approx(53.0)),
    ]
    cities = bulletin.ranking(Subject.origin_city, "rate_72h")
    assert [(row.key, row.name, row.rank) for row in cities.rows] == [
        ("510100", "成都市", 1),
        ("510700", "绵阳市", 2),
    ]
    provinces = bulletin.ranking(Subject.origin_province, "rate_72h")
    assert [(row.key, row.name, row.base) for row in provinces.rows] == [("510000", "四川省", 6)]
    assert provinces.rows[0].value == pytest.approx(4 / 6)


def test_worst_nodes_and_pairs(bulletin: Bulletin) -> None:
    """SA holds A3–A6 from hour 26 (two arrive at 25, two at 26) until the day ends: peak 4,
    first at 02:00 UTC; OB's two departures that day, one late → 1 of 2 unmatched; the worst
    pair is Mianyang → Xi'an at 50 %, then Chengdu → Xi'an at 75 %."""
    busiest = bulletin.busiest_nodes[0]
    assert (busiest.node_id, busiest.carrier, busiest.peak_backlog, busiest.arrived) == (
        "SA",
        "A",
        4,
        4,
    )
    assert busiest.peak_hour == datetime(2026, 11, 12, 2, tzinfo=UTC)
    peaks = [row.peak_backlog for row in bulletin.busiest_nodes]
    assert peaks == sorted(peaks, reverse=True)
    [handover] = bulletin.unmatched_nodes
    assert (handover.node_id, handover.handovers, handover.late, handover.missing) == (
        "OB",
        2,
        1,
        0,
    )
    assert handover.unmatched_rate == 0.5
    pairs = [(row.origin_city, row.destination_city, row.rate_72h) for row in bulletin.worst_pairs]
    assert pairs == [("510700", "610100", 0.5), ("510100", "610100", 0.75)]
    dwell = [row.mean_dwell_hours for row in bulletin.slowest_nodes]
    assert dwell == sorted(dwell, reverse=True)


def test_rates_wait_for_72_hours(two_days: pa.Table) -> None:
    """At hour 80 the 11-12 parcels (accepted at 17–20) are not yet 72 hours old: no rate,
    none counted; the 11-11 parcels (accepted at 0–2) are, and keep their 50 %."""
    bulletin = assemble_bulletin(
        two_days, day_period(CURRENT_DAY), settings=KpiSettings(cutoff=at(80))
    )
    a = bulletin.headline("A")
    assert a.figure("due_72h").current == 0
    assert a.figure("rate_72h").current is None
    assert a.figure("rate_72h").previous == 0.5
    assert a.figure("rate_72h").change is None
    assert bulletin.cutoff == at(80)


def test_ties_go_to_more_parcels_then_to_the_code() -> None:
    """C, D and E all deliver everything within 72 h: E (2 parcels) first, then C before D."""
    rows: list[dict[str, Any]] = []
    for carrier, waybills in (("D", ["D1"]), ("C", ["C1"]), ("E", ["E1", "E2"])):
        for waybill in waybills:
            rows += trail(
                waybill,
                [(f"O{carrier}", 17, 18), (f"S{carrier}", 20, None)],
                delivered=30,
                carrier=carrier,
                origin=CHENGDU,
                destination=XIAN,
            )
    bulletin = assemble_bulletin(
        events(rows), day_period(CURRENT_DAY), settings=KpiSettings(cutoff=at(130))
    )
    ranking = bulletin.ranking(Subject.carrier, "rate_72h")
    assert [(row.key, row.rank) for row in ranking.rows] == [("E", 1), ("C", 2), ("D", 3)]
    assert all(row.previous_rank is None for row in ranking.rows)


def test_an_empty_period_names_the_days_the_lake_has(two_days: pa.Table) -> None:
    """A day without events is refused with the days that have events (11-11 to 11-15)."""
    with pytest.raises(EmptyPeriodError) as raised:
        assemble_bulletin(two_days, day_period(date(2026, 11, 20)))
    assert "2026-11-20" in render(raised.value.message, "en")
    [problem] = raised.value.problems
    assert "2026-11-11 – 2026-11-15" in render(problem.message, "en")


def test_a_missing_lake_is_refused(tmp_path: Path) -> None:
    """A lake folder that does not exist, or holds no events, is an input error (exit 2)."""
    with pytest.raises(InvalidInputError) as raised:
        assemble_bulletin(tmp_path / "nowhere", day_period(CURRENT_DAY))
    assert raised.value.exit_code == 2
    with pytest.raises(InvalidInputError):
        assemble_bulletin(tmp_path, day_period(CURRENT_DAY))


def test_without_complaints_the_complaint_rates_are_left_out(two_days: pa.Table) -> None:
    """No complaint records: no complaint metric in the bulletin (rather than zeros)."""
    bulletin = assemble_bulletin(two_days, day_period(CURRENT_DAY))
    keys = [item.key for item in bulletin.metrics]
    assert "complaints_per_million" not in keys
    assert "rate_72h" in keys


def test_lanes_set_the_time_a_handover_is_allowed(
    two_days: pa.Table, cutoff_settings: KpiSettings
) -> None:
    """B3's handover OB → HB took 40 h: late against the default 24 h + 6 h, matched when the
    lanes table gives OB → HB a transit time of 36 h (36 + 6 = 42 h allowed) — and a lanes
    table as plain Arrow works (the demo passes one)."""
    lanes = pa.table({"node_id": ["OB"], "next_node_id": ["HB"], "transit_hours": [36.0]})
    bulletin = assemble_bulletin(
        two_days,
        day_period(CURRENT_DAY),
        settings=cutoff_settings,
        lanes=lanes,
        options=BulletinOptions(min_pair_parcels=1),
    )
    assert bulletin.unmatched_nodes == ()

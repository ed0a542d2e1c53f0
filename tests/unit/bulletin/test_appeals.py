"""The monthly appeals bulletin: counts, per-million rates, ranks with ties, the change against
the previous period and the problem breakdown, worked out by hand on a small month.

November 2026 against October 2026 (parcels; appeals as category:valid, ``-`` = no finding):

=======  =========  ===========================================  =========  =================
carrier  Nov parcels  November appeals                           Oct parcels  October appeals
=======  =========  ===========================================  =========  =================
ZTO      2,000,000  delay:T delay:T loss:T attitude:F delivery:-   1,000,000  loss:T loss:T
STO      4,000,000  damage:T ×2, delay:T ×3, loss:T                4,000,000  delay:T ×2
YTO      1,000,000  charges:F                                      1,000,000  damage:T
SF         500,000  loss:T ×2                                      (none)     –
JT               0  delay:T                                        (none)     –
=======  =========  ===========================================  =========  =================

Valid appeals per million, November: YTO 0, ZTO 1.5, STO 1.5, SF 4.0, JT none (no volume);
national 12 / 7.5 M = 1.6 (appeals 15 / 7.5 M = 2.0). October: STO 0.5, YTO 1.0, ZTO 2.0;
national 5 / 6 M.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from fractions import Fraction
from typing import Any

import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from peakguard.bulletin.appeals import (
    AppealsBulletin,
    appeals_bulletin,
    national_rate,
    reproduces,
)
from peakguard.bulletin.periods import month_period
from peakguard.errors import InvalidInputError

NOVEMBER = month_period(2026, 11)
OCTOBER = month_period(2026, 10)


def _appeal(carrier: str, day: date | datetime, category: str | None, valid: bool | None) -> Any:
    return {"carrier": carrier, "received": day, "category": category, "valid": valid}


def _month_appeals() -> list[dict[str, Any]]:
    nov, oct_ = date(2026, 11, 15), date(2026, 10, 15)
    # 2026-10-31 20:00 UTC is 2026-11-01 04:00 in China: a November appeal.
    china_november = datetime(2026, 10, 31, 20, 0, tzinfo=UTC)
    return [
        _appeal("ZTO", nov, "delay", True),
        _appeal("ZTO", nov, "delay", True),
        _appeal("ZTO", nov, "loss", True),
        _appeal("ZTO", nov, "attitude", False),
        _appeal("ZTO", nov, "delivery_service", None),
        _appeal("STO", china_november, "damage", True),
        _appeal("STO", nov, "damage", True),
        _appeal("STO", nov, "delay", True),
        _appeal("STO", nov, "delay", True),
        _appeal("STO", nov, "delay", True),
        _appeal("STO", nov, "loss", True),
        _appeal("YTO", nov, "charges", False),
        _appeal("SF", nov, "loss", True),
        _appeal("SF", nov, "loss", True),
        _appeal("JT", nov, "delay", True),
        _appeal("ZTO", oct_, "loss", True),
        _appeal("ZTO", oct_, "loss", True),
        _appeal("STO", oct_, "delay", True),
        _appeal("STO", oct_, "delay", True),
        _appeal("YTO", oct_, "damage", True),
        # outside both months: not counted
        _appeal("ZTO", date(2026, 12, 1), "delay", True),
        _appeal("ZTO", date(2026, 9, 30), "delay", True),
    ]


def _month_volume() -> list[dict[str, Any]]:
    return [
        {"carrier": "ZTO", "period": "2026-11", "parcels": 2_000_000},
        {"carrier": "STO", "period": "2026-11", "parcels": 4_000_000},
        {"carrier": "YTO", "period": "2026-11", "parcels": 1_000_000},
        {"carrier": "SF", "period": "2026-11", "parcels": 500_000},
        {"carrier": "JT", "period": "2026-11", "parcels": 0},
        {"carrier": "ZTO", "period": "2026-10", "parcels": 1_000_000},
        {"carrier": "STO", "period": "2026-10", "parcels": 4_000_000},
        {"carrier": "YTO", "period": OCTOBER, "parcels": 1_000_000},
        {"carrier": "ZTO", "period": "2026-09", "parcels": 9_000_000},
    ]


@pytest.fixture(scope="module")
def november() -> AppealsBulletin:
    """The month of the module docstring: five carriers, a tie, a carrier without volume."""
    return appeals_bulletin(_month_appeals(), _month_volume(), period=NOVEMBER)


def test_national_totals_count_every_appeal_of_the_month(november: AppealsBulletin) -> None:
    """Nationally 15 appeals, 12 valid, over 7.5 M parcels: 2.0 and 1.6 per million."""
    national = november.national
    assert (national.parcels, national.appeals, national.valid_appeals) == (7_500_000, 15, 12)
    assert national.appeals_per_million == pytest.approx(2.0)
    assert national.valid_per_million == pytest.approx(1.6)
    previous = november.previous_national
    assert (previous.parcels, previous.appeals, previous.valid_appeals) == (6_000_000, 5, 5)
    assert november.change == pytest.approx(1.6 - 5 / 6)
    assert november.previous == OCTOBER


def test_ranks_lowest_rate_first_and_ties_share_a_rank(november: AppealsBulletin) -> None:
    """YTO 1st (0), ZTO and STO share 2nd (1.5), SF is 4th (4.0), JT unranked and last."""
    order = [(row.carrier, row.rank) for row in november.carriers]
    assert order == [("YTO", 1), ("STO", 2), ("ZTO", 2), ("SF", 4), ("JT", None)]
    assert november.carrier("STO").current.valid_per_million == pytest.approx(1.5)
    assert november.carrier("SF").current.valid_per_million == pytest.approx(4.0)


def test_change_and_rank_against_the_previous_month(november: AppealsBulletin) -> None:
    """ZTO 2.0 → 1.5 (−0.5), STO 0.5 → 1.5 (+1.0), YTO 1.0 → 0 (−1.0); SF had no October."""
    changes = {row.carrier: row.change for row in november.carriers}
    assert changes["ZTO"] == pytest.approx(-0.5)
    assert changes["STO"] == pytest.approx(1.0)
    assert changes["YTO"] == pytest.approx(-1.0)
    assert changes["SF"] is None
    previous_ranks = {row.carrier: row.previous_rank for row in november.carriers}
    assert previous_ranks == {"STO": 1, "YTO": 2, "ZTO": 3, "SF": None, "JT": None}
    assert november.carrier("ZTO").appeals_change == pytest.approx(1.5)  # 2 → 5
    assert november.carrier("YTO").appeals_change == pytest.approx(0.0)  # 1 → 1


def test_a_carrier_without_volume_keeps_its_appeals_but_has_no_rate(
    november: AppealsBulletin,
) -> None:
    """JT's valid appeal counts nationally, but a rate needs a volume: no rate, no rank."""
    jt = november.carrier("JT")
    assert (jt.current.parcels, jt.current.appeals, jt.current.valid_appeals) == (0, 1, 1)
    assert jt.current.valid_per_million is None
    assert jt.rank is None
    assert jt.above_national is None
    assert jt.change is None


def test_carriers_above_the_national_rate(november: AppealsBulletin) -> None:
    """Only SF (4.0) is above the national 1.6; 1.5 is below it."""
    assert november.above_national == ("SF",)


def test_problem_breakdown(november: AppealsBulletin) -> None:
    """Delay 6 valid of 12 (half; 0.8 per million), loss 4, damage 2; no-finding and
    invalid appeals count as appeals of their category only."""
    order = [(row.category, row.appeals, row.valid_appeals) for row in november.categories]
    assert order == [
        ("delay", 6, 6),
        ("loss", 4, 4),
        ("damage", 2, 2),
        ("attitude", 1, 0),
        ("charges", 1, 0),
        ("delivery_service", 1, 0),
    ]
    delay = november.category("delay")
    assert delay.valid_share == pytest.approx(0.5)
    assert delay.appeals_share == pytest.approx(6 / 15)
    assert delay.valid_per_million == pytest.approx(0.8)
    loss = november.category("loss")
    assert loss.previous_valid_appeals == 2
    assert loss.change == pytest.approx(4 / 7.5 - 2 / 6)


def test_a_year_on_year_bulletin_compares_with_the_month_asked_for() -> None:
    """With November 2025 as the previous period (同比), October's figures play no part."""
    bulletin = appeals_bulletin(
        _month_appeals(), _month_volume(), period=NOVEMBER, previous_period=month_period(2025, 11)
    )
    assert bulletin.previous_national.appeals == 0
    assert bulletin.change is None
    assert all(row.previous_rank is None for row in bulletin.carriers)


def test_a_pyarrow_table_gives_the_same_bulletin(november: AppealsBulletin) -> None:
    """Case records as an Arrow table (days as dates) are counted as the plain records."""
    records = [row for row in _month_appeals() if not isinstance(row["received"], datetime)]
    records.append(_appeal("STO", date(2026, 11, 1), "damage", True))
    volume = [
        {**row, "period": row["period"] if isinstance(row["period"], str) else "2026-10"}
        for row in _month_volume()
    ]
    table = appeals_bulletin(
        pa.Table.from_pylist(records), pa.Table.from_pylist(volume), period=NOVEMBER
    )
    assert table.carriers == november.carriers
    assert table.categories == november.categories


def test_bad_records_are_refused_with_every_problem_located() -> None:
    """A missing carrier, an unreadable day, a valid flag that is not a boolean and a negative
    volume are each named with their record and field."""
    cases = [
        _appeal("", date(2026, 11, 2), "delay", True),
        {"carrier": "ZTO", "received": "11/02/2026", "valid": True},
        {"carrier": "ZTO", "received": date(2026, 11, 2), "valid": "yes"},
    ]
    with pytest.raises(InvalidInputError) as refused:
        appeals_bulletin(cases, [], period=NOVEMBER)
    locations = [problem.location for problem in refused.value.problems]
    assert locations == ["cases[0].carrier", "cases[1].received", "cases[2].valid"]
    volume = [{"carrier": "ZTO", "period": "2026-11", "parcels": -5}]
    with pytest.raises(InvalidInputError) as refused:
        appeals_bulletin([], volume, period=NOVEMBER)
    assert [problem.location for problem in refused.value.problems] == ["volume[0].parcels"]


# -- published national rates ---------------------------------------------------------------


def test_national_rate_rounds_half_up_as_the_bulletins_print() -> None:
    """5,125 of 10⁹ is exactly 5.125 per million: printed 5.13 (half up, not half to even)."""
    assert national_rate(5_125, 1_000_000_000) == Decimal("5.13")
    assert national_rate(1, 1_000_000) == Decimal("1.00")
    assert national_rate(1, 3_000_000, decimals=None) == Decimal(1) / Decimal(3)
    with pytest.raises(ValueError, match="positive volume"):
        national_rate(1, 0)


def test_reproduces_at_the_recorded_volume_or_within_its_rounding() -> None:
    """1,000 of 400 M is 2.50 per million. 2.51 needs a volume of at most 399.2 M: not within
    ±0.5 M of 400 M, but within ±1 M; 2.49 needs more than 400.8 M, likewise."""
    assert reproduces("2.50", 1_000, 400_000_000)
    assert reproduces("2.5", 1_000, 400_000_000)
    assert not reproduces("2.51", 1_000, 400_000_000)
    assert not reproduces("2.51", 1_000, 400_000_000, rounding=500_000)
    assert reproduces("2.51", 1_000, 400_000_000, rounding=1_000_000)
    assert not reproduces("2.49", 1_000, 400_000_000, rounding=500_000)
    assert reproduces("2.49", 1_000, 400_000_000, rounding=1_000_000)
    assert not reproduces("2.52", 1_000, 400_000_000, rounding=1_000_000)


# -- invariants -----------------------------------------------------------------------------

CARRIERS = ("EMS", "SF", "STO", "ZTO")


@st.composite
def months(draw: st.DrawFn) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Random appeals of four carriers over October and November, and random volumes (some
    carriers without one)."""
    appeals = draw(
        st.lists(
            st.builds(
                _appeal,
                st.sampled_from(CARRIERS),
                st.dates(date(2026, 10, 1), date(2026, 11, 30)),
                st.sampled_from(("delay", "loss", "damage", None)),
                st.sampled_from((True, False, None)),
            ),
            max_size=40,
        )
    )
    volume = [
        {"carrier": carrier, "period": label, "parcels": parcels}
        for carrier in CARRIERS
        for label in ("2026-10", "2026-11")
        if (parcels := draw(st.one_of(st.none(), st.integers(0, 3_000_000)))) is not None
    ]
    return appeals, volume


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(months())
def test_totals_add_up_and_ranks_follow_the_rates(
    month: tuple[list[dict[str, Any]], list[dict[str, Any]]],
) -> None:
    """The carriers' and the categories' appeals add up to the national ones; a rank is one
    more than the number of carriers with a strictly lower rate; unranked rows come last."""
    appeals, volume = month
    bulletin = appeals_bulletin(appeals, volume, period=NOVEMBER)
    november = [row for row in appeals if NOVEMBER.contains(row["received"])]
    assert bulletin.national.appeals == len(november)
    assert bulletin.national.valid_appeals == sum(1 for row in november if row["valid"])
    assert sum(row.current.appeals for row in bulletin.carriers) == bulletin.national.appeals
    assert sum(row.appeals for row in bulletin.categories) == bulletin.national.appeals
    assert sum(row.valid_appeals for row in bulletin.categories) == (
        bulletin.national.valid_appeals
    )
    rates = {
        row.carrier: Fraction(row.current.valid_appeals, row.current.parcels)
        for row in bulletin.carriers
        if row.current.parcels
    }
    for row in bulletin.carriers:
        if row.carrier in rates:
            lower = sum(other < rates[row.carrier] for other in rates.values())
            assert row.rank == lower + 1
        else:
            assert row.rank is None
    ranked = [row.rank is not None for row in bulletin.carriers]
    assert ranked == sorted(ranked, reverse=True)

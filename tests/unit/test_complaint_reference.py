"""The per-million rates reproduce the State Post Bureau's published national rates from the
published counts and the business volume of the same period (issue #15's check).

The figures are the package's reference data (``reference/complaint_bulletins.csv`` and
``reference/business_volume_periods.csv``, provenance beside them). A rate is reproduced when
the count over the volume, per million and rounded half up to the published decimals, equals the
published rate, with the volume as recorded. A count and a volume pair only within one scope:
express counts with the express volume, all counts (postal and express) with the postal
industry's volume (邮政行业寄递业务量).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from importlib import resources

import ibis
import pyarrow as pa
import pytest

from peakguard.analytics.complaints import complaint_rates
from peakguard.bulletin.appeals import appeals_bulletin, national_rate, reproduces
from peakguard.bulletin.periods import month_period

RATE_COUNTS = {
    "effective_complaint_rate": {
        "express": "effective_complaints_express",
        "postal_and_express": "effective_complaints_total",
    },
    "complaint_rate_all": {
        "express": "complaints_express",
        "postal_and_express": "complaints_total",
    },
}
"""Which published count a rate is made of, in each volume scope."""

NOT_REPRODUCED = {"2022-02"}
"""Published counts, rates and volume that do not agree (the provenance file says why)."""


def _rows(name: str) -> list[dict[str, str]]:
    text = resources.files("peakguard").joinpath(f"reference/{name}").read_text("utf-8")
    return list(csv.DictReader(io.StringIO(text)))


@dataclass(frozen=True)
class Check:
    period: str
    metric: str
    published: Decimal
    scope: str
    count: int
    parcels: int
    rounding: int

    @property
    def reproduced(self) -> bool:
        return reproduces(self.published, self.count, self.parcels)


def checks() -> Iterator[Check]:
    """Every national published rate with a count and a volume of the same period and scope."""
    bulletins = [row for row in _rows("complaint_bulletins.csv") if row["scope"] == "national"]
    values = {(row["period"], row["metric"]): row["value"] for row in bulletins}
    volumes = {
        (row["period"], row["scope"]): row
        for row in _rows("business_volume_periods.csv")
        if row["period_type"] in {"month", "quarter"}
    }
    for (period, metric), value in sorted(values.items()):
        for scope, count_metric in RATE_COUNTS.get(metric, {}).items():
            volume = volumes.get((period, scope))
            if volume is None or (period, count_metric) not in values:
                continue
            yield Check(
                period=period,
                metric=metric,
                published=Decimal(value),
                scope=scope,
                count=int(values[(period, count_metric)]),
                parcels=int(volume["parcels"]),
                rounding=int(Decimal(volume["rounding_100m"]) * 100_000_000),
            )


def reproduced_periods() -> dict[str, set[str]]:
    """Period → the scopes whose count and volume give every published rate of the period."""
    found: dict[str, dict[str, list[bool]]] = {}
    for check in checks():
        found.setdefault(check.period, {}).setdefault(check.scope, []).append(check.reproduced)
    return {
        period: {scope for scope, results in scopes.items() if all(results)}
        for period, scopes in found.items()
    }


def test_the_volume_is_the_published_figure_in_parcels() -> None:
    """Each volume row's parcels are its 亿件 figure × 10⁸, and every derived row says how."""
    for row in _rows("business_volume_periods.csv"):
        assert int(row["parcels"]) == Decimal(row["volume_100m_pieces"]) * 100_000_000
        assert row["source"]
        if row["status"] == "derived":
            assert row["note"]


def test_derived_volumes_are_the_differences_of_published_ones() -> None:
    """A quarter is the difference of the year-to-date figures at its ends; a month is the
    difference of consecutive year-to-date figures (the year figure ends the year)."""
    table = {
        (row["period"], row["period_type"], row["scope"]): Decimal(row["volume_100m_pieces"])
        for row in _rows("business_volume_periods.csv")
    }

    def ytd(year: int, month: int, scope: str) -> Decimal | None:
        if month == 0:
            return Decimal(0)
        key = f"{year}-{month:02d}"
        return table.get((key, "ytd", scope), table.get((key, "year", scope)))

    compared = 0
    for (period, kind, scope), value in table.items():
        year = int(period[:4])
        if kind == "quarter":
            end = int(period[-1]) * 3
            first, last = ytd(year, end - 3, scope), ytd(year, end, scope)
        elif kind == "month":
            month = int(period[5:])
            first, last = ytd(year, month - 1, scope), ytd(year, month, scope)
        else:
            continue
        if first is not None and last is not None:
            assert last - first == value, (period, scope)
            compared += 1
    assert compared >= 6


def test_postal_industry_volume_is_express_plus_the_postal_group() -> None:
    """寄递业务量 = 快递 + 邮政集团寄递 in every period that publishes all three."""
    table = {
        (row["period"], row["period_type"], row["scope"]): Decimal(row["volume_100m_pieces"])
        for row in _rows("business_volume_periods.csv")
    }
    periods = {(period, kind) for period, kind, scope in table if scope == "postal_group"}
    assert periods
    for period, kind in periods:
        express = table[(period, kind, "express")]
        postal = table[(period, kind, "postal_group")]
        assert table[(period, kind, "postal_and_express")] == express + postal


def test_published_national_rates_are_reproduced_in_at_least_two_periods() -> None:
    """Every period with a published count, rate and volume is reproduced (2015-08, 2016-07,
    2023-Q3, 2023-Q4), except the one whose figures disagree; at least two are."""
    reproduced = reproduced_periods()
    assert set(reproduced) - NOT_REPRODUCED == {
        period for period, scopes in reproduced.items() if scopes
    }
    assert len([period for period, scopes in reproduced.items() if scopes]) >= 2
    assert all(not reproduced[period] for period in NOT_REPRODUCED)


@pytest.mark.parametrize(
    ("period", "scope"),
    [
        ("2015-08", "express"),
        ("2016-07", "express"),
        ("2023-Q3", "postal_and_express"),
        ("2023-Q4", "postal_and_express"),
    ],
)
def test_the_bulletin_of_each_era_divides_by_its_own_volume(period: str, scope: str) -> None:
    """Up to 2017 the rate is express complaints over express volume ("全国快递业务平均百万件快件
    有效申诉率"); in 2023 all complaints over the postal industry's volume ("与业务量相比")."""
    assert reproduced_periods()[period] == {scope}


def test_domain_example_fourth_quarter_2023() -> None:
    """DOMAIN.md's example: 71,380 appeals = 1.51 and 11,502 valid = 0.24 per million, over the
    postal industry's 473.8 亿 items of Q4 2023."""
    parcels = 47_380_000_000
    assert national_rate(71_380, parcels) == Decimal("1.51")
    assert national_rate(11_502, parcels) == Decimal("0.24")
    # The express volume alone (389.6 亿) gives other figures: not the bulletin's denominator.
    assert national_rate(68_956, 38_960_000_000) == Decimal("1.77")


def test_february_2022_figures_admit_no_published_denominator() -> None:
    """The reprint's February 2022 rates (3.43, 0.55) need, with the express counts, a volume
    of 77.2–77.4 亿, with all counts no single volume at all; the published volumes are 69.1 亿
    (express) and 90.5 亿 (postal and express), so the period cannot be reproduced."""

    def bounds(count: int, rate: str) -> tuple[Decimal, Decimal]:
        half = Decimal("0.005")
        return (
            Decimal(count) / (Decimal(rate) + half) / 100,
            Decimal(count) / (Decimal(rate) - half) / 100,
        )

    def common(first: tuple[Decimal, Decimal], second: tuple[Decimal, Decimal]) -> bool:
        return max(first[0], second[0]) < min(first[1], second[1])

    express = (bounds(26_507, "3.43"), bounds(4_216, "0.55"))
    assert common(*express)
    low, high = max(express[0][0], express[1][0]), min(express[0][1], express[1][1])
    assert Decimal("77.1") < low < high < Decimal("77.4")
    assert not common(bounds(27_335, "3.43"), bounds(4_298, "0.55"))
    failed = [check for check in checks() if check.period == "2022-02"]
    assert {check.scope for check in failed} == {"express", "postal_and_express"}
    assert not any(check.reproduced for check in failed)
    assert not any(
        reproduces(check.published, check.count, check.parcels, rounding=check.rounding)
        for check in failed
    )


@pytest.mark.parametrize(
    "check",
    [check for check in checks() if check.reproduced],
    ids=lambda check: f"{check.period}-{check.metric}",
)
def test_the_kpi_engine_gives_the_published_rate(check: Check) -> None:
    """The engine's complaint_rates over ``count`` valid complaint records and the period's
    volume, rounded half up as printed, is the published rate."""
    complaints = pa.table(
        {
            "carrier": ["all"] * check.count,
            "day": [date(2000, 1, 1)] * check.count,
            "valid": [True] * check.count,
        }
    )
    volume = pa.table({"carrier": ["all"], "parcels": [check.parcels]})
    rates = complaint_rates(ibis.memtable(complaints), ibis.memtable(volume)).to_pyarrow()
    rate = rates.column("valid_complaints_per_million")[0].as_py()
    assert Decimal(repr(rate)).quantize(check.published, rounding=ROUND_HALF_UP) == check.published


def test_the_appeals_bulletin_gives_the_published_rate_of_july_2016() -> None:
    """July 2016: 65,543 express appeals, 12,813 valid, over 25 亿 express parcels: the
    bulletin's national valid rate is 5.13 per million, as published."""
    july = month_period(2016, 7)
    appeals = pa.table(
        {
            "carrier": ["all"] * 65_543,
            "received": [date(2016, 7, 15)] * 65_543,
            "valid": [True] * 12_813 + [False] * (65_543 - 12_813),
        }
    )
    volume = [{"carrier": "all", "period": "2016-07", "parcels": 2_500_000_000}]
    national = appeals_bulletin(appeals, volume, period=july).national
    assert national.valid_per_million is not None
    shown = Decimal(repr(national.valid_per_million)).quantize(Decimal("0.01"), ROUND_HALF_UP)
    assert shown == Decimal("5.13")

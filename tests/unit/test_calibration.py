"""The demo's calibration constants agree with the sourced figures shipped beside them."""

from __future__ import annotations

import csv
from importlib import resources

import pytest

from peakguard.demo import calibration


def _figures() -> dict[str, float]:
    source = resources.files("peakguard").joinpath("reference/calibration_sources.csv")
    with source.open(encoding="utf-8") as handle:
        return {row["figure"]: float(row["value"]) for row in csv.DictReader(handle)}


def test_constants_come_from_the_sourced_figures() -> None:
    """Each constant is the arithmetic on the reported figures that its docstring claims."""
    figures = _figures()
    assert figures["national_annual_volume_2023"] * 1e8 == calibration.NATIONAL_ANNUAL_VOLUME_2023
    assert (
        pytest.approx(
            figures["sichuan_annual_volume_2022"] / figures["national_annual_volume_2022"]
        )
        == calibration.SICHUAN_SHARE_OF_NATIONAL
    )
    assert figures["peak_multiple_2020"] == calibration.PEAK_MULTIPLE
    assert figures["sichuan_top_five_cities_share_2019"] / 100 == calibration.TOP_FIVE_SHARE


def test_city_shares_add_up_and_match_the_reported_ones() -> None:
    """All 21 cities, shares summing to 1; Chengdu and the top five as reported."""
    shares = calibration.CITY_SHARES
    assert len(shares) == 21
    assert sum(shares.values()) == pytest.approx(1.0, abs=1e-9)
    chengdu_2021 = _figures()["chengdu_annual_volume_2021"] / (28.69 / 1.0311)
    assert shares["510100"] == pytest.approx(chengdu_2021, abs=0.005)
    top_five = ("510100", "511400", "511300", "510600", "510700")
    assert sum(shares[code] for code in top_five) == pytest.approx(calibration.TOP_FIVE_SHARE)
    assert sum(calibration.CARRIER_SHARES.values()) == pytest.approx(1.0)

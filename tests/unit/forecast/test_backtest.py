"""Backtests: the calendar beats seasonal-naive on synthetic peaks; the public figures score."""

from __future__ import annotations

import csv
from datetime import date
from importlib import resources

import numpy as np
import pytest

from peakguard.forecast.backtest import (
    BacktestScore,
    markdown_table,
    rolling_origin_backtest,
    score_forecast,
)
from peakguard.forecast.baselines import PlainStatsforecast, SeasonalNaive
from peakguard.forecast.history import SeriesHistory
from peakguard.forecast.models import BaseForecast, CalendarModel
from peakguard.forecast.public import (
    PublicComparison,
    daily_proxy,
    load_public_figures,
    public_backtest,
)

ORIGINS = (date(2022, 10, 19), date(2023, 10, 19), date(2023, 11, 30), date(2024, 1, 5))


def test_scores_by_hand() -> None:
    """Forecast 90, 110, 150 against 100, 100, 200: MAPE (10+10+25)/3 %, peak day −25 %;
    ±5 covers none of the days, ±40 the first two (150 ± 40 misses 200)."""
    point = np.array([90.0, 110.0, 150.0])
    forecast = BaseForecast(point, point - 5, point + 5, point - 40, point + 40)
    score = score_forecast(forecast, np.array([100.0, 100.0, 200.0]))
    assert score.absolute_percentage_error == pytest.approx((0.10 + 0.10 + 0.25) / 3)
    assert score.peak_day_bias == pytest.approx(-0.25)
    assert score.coverage_80 == pytest.approx(0.0)
    assert score.coverage_95 == pytest.approx(2 / 3)


def test_calendar_beats_seasonal_naive_on_synthetic_peaks(
    four_nodes: tuple[SeriesHistory, ...],
) -> None:
    """Over Double 11, 12.12 and the Spring Festival rush the calendar model's peak-day error
    is below seasonal-naive's and far below the library's plain model's."""
    scores = {
        score.model: score
        for score in rolling_origin_backtest(
            four_nodes,
            ORIGINS,
            35,
            [CalendarModel(), SeasonalNaive(), PlainStatsforecast("seasonal_naive")],
        )
    }
    calendar = scores["calendar_ar1"]
    assert calendar.forecasts == len(four_nodes) * len(ORIGINS)
    assert calendar.peak_day_error < scores["seasonal_naive"].peak_day_error
    assert calendar.peak_day_error < 0.5 * scores["statsforecast_seasonal_naive"].peak_day_error
    assert calendar.mape < scores["seasonal_naive"].mape
    assert calendar.coverage_95 >= 0.85
    assert "calendar_ar1" in markdown_table(tuple(scores.values()))


def reported_rows() -> int:
    """Reported figures in 2014–2023 counted straight from the CSV files."""

    def rows(name: str) -> list[dict[str, str]]:
        path = resources.files("peakguard").joinpath(f"reference/{name}")
        with path.open(encoding="utf-8") as handle:
            return list(csv.DictReader(handle))

    annual = [
        row
        for row in rows("china_express_annual_ytd.csv")
        if row["period_type"] == "year"
        and row["status"] == "reported"
        and 2014 <= int(row["period_end"][:4]) <= 2023
    ]
    monthly = [
        row
        for row in rows("china_express_monthly.csv")
        if row["status"] == "reported" and 2014 <= int(row["month"][:4]) <= 2023
    ]
    peaks = {
        row["year"]
        for row in rows("double11_daily_peak.csv")
        if row["status"] == "reported"
        and row["metric"].startswith("single_day_")
        and "11-11" in row["window"]
        and "yiwu" not in row["metric"]
        and 2014 <= int(row["year"]) <= 2023
    }
    return len(annual) + len(monthly) + len(peaks)


@pytest.fixture(scope="module")
def public() -> tuple[tuple[BacktestScore, ...], tuple[PublicComparison, ...]]:
    """public: the public-figure backtest of the calendar model and both seasonal-naives."""
    return public_backtest([CalendarModel(), SeasonalNaive(), PlainStatsforecast("seasonal_naive")])


def test_public_backtest_scores_only_reported_rows(
    public: tuple[tuple[BacktestScore, ...], tuple[PublicComparison, ...]],
) -> None:
    """Every reported annual, monthly and peak-day figure is scored once, nothing else; the
    calendar model's peak-day error stays below the library's plain weekly model's."""
    scores, comparisons = public
    per_model = [item for item in comparisons if item.model == "calendar_ar1"]
    assert len(per_model) == reported_rows()
    by_model = {score.model: score for score in scores}
    calendar = by_model["calendar_ar1"]
    assert calendar.peak_day_error < by_model["statsforecast_seasonal_naive"].peak_day_error
    assert calendar.peak_day_error < 0.35
    assert calendar.mape < 0.2


def test_calendar_beats_seasonal_naive_on_the_reported_peak_days(
    public: tuple[tuple[BacktestScore, ...], tuple[PublicComparison, ...]],
) -> None:
    """Issue 6's target on real figures: over the 7 reported 11 November peaks the calendar
    model's peak-day error is below seasonal-naive's (16.2 % against 18.1 % when written), and
    so is its MAPE over the reported totals."""
    by_model = {score.model: score for score in public[0]}
    calendar, naive = by_model["calendar_ar1"], by_model["seasonal_naive"]
    assert calendar.peak_day_error < naive.peak_day_error
    assert calendar.mape < naive.mape


def test_the_proxy_holds_the_published_peaks() -> None:
    """The daily proxy's 11 November equals each earlier year's published peak day."""
    figures = load_public_figures()
    proxy = daily_proxy(figures, 2021)
    first = date(min(figures.annual), 1, 1)
    for year in (2016, 2017, 2020, 2021):
        day = (date(year, 11, 11) - first).days
        assert proxy[day] == pytest.approx(figures.peak_days[year].volume)

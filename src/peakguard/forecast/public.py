"""Backtests on the public national figures (``peakguard/reference/``).

The public figures are not daily: annual volumes (2012–2023), a few single months, and the
Double 11 peak day of most years. So each model sees a **daily proxy** built only from figures
published before its origin (31 December of the year before the target year):

* the normal-day level is ``annual volume / days`` placed at each year's middle day and
  interpolated log-linearly between years (extrapolated past the last middle day with the last
  year's growth);
* 11 November of each past year is the reported peak day (processed or, from 2023, collected);
  a year without a figure gets a multiple of the level interpolated (log-linearly) from the
  neighbouring years; no other day carries an event.

Inputs may use rows of any status (they are what a planner would have had); **scores use only
rows whose status is exactly ``reported``**: the peak day against the forecast for 11 November,
annual and single-month totals against the sums of the daily forecasts over the same days.
"""

from __future__ import annotations

import csv
import math
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from importlib import resources

import numpy as np

from peakguard.forecast.backtest import BacktestScore
from peakguard.forecast.calendar import EventCalendar
from peakguard.forecast.history import NATIONAL_REGION, Level, SeriesKey, series_history
from peakguard.forecast.models import BaseForecast, Forecaster, ModelFitError

HUNDRED_MILLION = 1e8
PEAK_METRICS = ("single_day_processed", "single_day_processed_peak", "single_day_collected")
NATIONAL = SeriesKey(Level.national, "all", NATIONAL_REGION)


def _rows(name: str) -> list[dict[str, str]]:
    path = resources.files("peakguard").joinpath(f"reference/{name}")
    with path.open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


@dataclass(frozen=True)
class Figure:
    """One public figure in parcels: a year's, a month's or 11 November's volume."""

    period: str
    volume: float
    status: str


@dataclass(frozen=True)
class PublicFigures:
    annual: dict[int, Figure]
    monthly: dict[str, Figure]
    peak_days: dict[int, Figure]


def load_public_figures() -> PublicFigures:
    """The bundled national figures (see the provenance files beside the CSVs)."""
    annual = {
        int(row["period_end"][:4]): Figure(
            row["period_end"][:4],
            float(row["volume_100m_pieces"]) * HUNDRED_MILLION,
            row["status"],
        )
        for row in _rows("china_express_annual_ytd.csv")
        if row["period_type"] == "year"
    }
    monthly = {
        row["month"]: Figure(
            row["month"], float(row["volume_100m_pieces"]) * HUNDRED_MILLION, row["status"]
        )
        for row in _rows("china_express_monthly.csv")
    }
    peak_days = {
        int(row["year"]): Figure(
            f"{row['year']}-11-11", float(row["value_100m_pieces"]) * HUNDRED_MILLION, row["status"]
        )
        for row in _rows("double11_daily_peak.csv")
        if row["metric"] in PEAK_METRICS and "11-11" in row["window"] and ".." not in row["window"]
    }
    return PublicFigures(annual, monthly, peak_days)


def _interpolate(points: dict[int, float], year: int) -> float:
    """Linear in ``year`` between known points, flat beyond them."""
    known = sorted(points)
    if year <= known[0]:
        return points[known[0]]
    if year >= known[-1]:
        return points[known[-1]]
    return float(np.interp(year, known, [points[k] for k in known]))


def daily_proxy(figures: PublicFigures, last_year: int) -> np.ndarray:
    """Daily national volumes from 1 January of the first annual year to 31 December of
    ``last_year``, from the figures of those years only (see the module docstring)."""
    years = [year for year in sorted(figures.annual) if year <= last_year]
    first = date(years[0], 1, 1)
    middles = np.array([(date(year, 7, 2) - first).days for year in years], dtype=float)
    levels = np.array(
        [
            math.log(figures.annual[year].volume / (date(year + 1, 1, 1) - date(year, 1, 1)).days)
            for year in years
        ]
    )
    count = (date(last_year, 12, 31) - first).days + 1
    t = np.arange(count, dtype=float)
    log_level = np.interp(t, middles, levels)
    if len(years) > 1:
        slope = (levels[-1] - levels[-2]) / (middles[-1] - middles[-2])
        after = t > middles[-1]
        log_level[after] = levels[-1] + slope * (t[after] - middles[-1])
        first_slope = (levels[1] - levels[0]) / (middles[1] - middles[0])
        before = t < middles[0]
        log_level[before] = levels[0] + first_slope * (t[before] - middles[0])
    volumes = np.exp(log_level)
    log_multiples = {
        year: math.log(figure.volume / volumes[(date(year, 11, 11) - first).days])
        for year, figure in figures.peak_days.items()
        if year in years
    }
    if log_multiples:
        for year in years:
            day = (date(year, 11, 11) - first).days
            volumes[day] *= math.exp(_interpolate(log_multiples, year))
    return np.asarray(volumes, dtype=float)


@dataclass(frozen=True)
class PublicComparison:
    """One scored figure: what a model forecast and what was reported."""

    model: str
    period: str
    forecast: float
    reported: float
    inside_80: bool | None
    inside_95: bool | None

    @property
    def error(self) -> float:
        return (self.forecast - self.reported) / self.reported


def public_backtest(
    models: Sequence[Forecaster],
    target_years: Sequence[int] = tuple(range(2014, 2024)),
    calendar: EventCalendar | None = None,
) -> tuple[tuple[BacktestScore, ...], tuple[PublicComparison, ...]]:
    """Forecast each target year from 31 December before it; score on reported rows only.

    Scores: ``mape`` over the reported annual and single-month totals, ``peak_day_error`` and
    the coverages over the reported peak days.
    """
    calendar = calendar or EventCalendar()
    figures = load_public_figures()
    comparisons: list[PublicComparison] = []
    scores = []
    for model in models:
        score, mine = _model_backtest(model, target_years, calendar, figures)
        scores.append(score)
        comparisons.extend(mine)
    return tuple(scores), tuple(comparisons)


def _model_backtest(
    model: Forecaster,
    target_years: Sequence[int],
    calendar: EventCalendar,
    figures: PublicFigures,
) -> tuple[BacktestScore, list[PublicComparison]]:
    """One model's score over the target years and the figures it was compared with."""
    mine: list[PublicComparison] = []
    failures = 0
    elapsed = 0.0
    for year in target_years:
        first = date(min(figures.annual), 1, 1)
        history = series_history(NATIONAL, first, daily_proxy(figures, year - 1))
        horizon = (date(year + 1, 1, 1) - date(year, 1, 1)).days
        started = time.perf_counter()
        try:
            forecast = model.forecast(history, horizon, calendar)
        except ModelFitError:
            failures += 1
            continue
        finally:
            elapsed += time.perf_counter() - started
        peak = _peak_day_comparison(model.name, year, forecast, figures)
        if peak is not None:
            mine.append(peak)
        mine.extend(_total_comparisons(model.name, year, forecast, figures))
    peaks = [item for item in mine if item.inside_80 is not None]
    totals_only = [item for item in mine if item.inside_80 is None]
    score = BacktestScore(
        model=model.name,
        mape=_mean([abs(item.error) for item in totals_only]),
        peak_day_error=_mean([abs(item.error) for item in peaks]),
        peak_day_bias=_mean([item.error for item in peaks]),
        coverage_80=_mean([float(bool(item.inside_80)) for item in peaks]),
        coverage_95=_mean([float(bool(item.inside_95)) for item in peaks]),
        forecasts=len(target_years) - failures,
        failures=failures,
        seconds=elapsed,
    )
    return score, mine


def _peak_day_comparison(
    model: str, year: int, forecast: BaseForecast, figures: PublicFigures
) -> PublicComparison | None:
    """The forecast for 11 November against the reported peak day, if one is reported."""
    peak = figures.peak_days.get(year)
    if peak is None or peak.status != "reported":
        return None
    day = (date(year, 11, 11) - date(year, 1, 1)).days
    return PublicComparison(
        model,
        peak.period,
        float(forecast.point[day]),
        peak.volume,
        bool(forecast.lower_80[day] <= peak.volume <= forecast.upper_80[day]),
        bool(forecast.lower_95[day] <= peak.volume <= forecast.upper_95[day]),
    )


def _total_comparisons(
    model: str, year: int, forecast: BaseForecast, figures: PublicFigures
) -> list[PublicComparison]:
    """The sums of the daily forecasts against the year's reported annual and single-month
    totals."""
    comparisons: list[PublicComparison] = []
    totals = [(str(year), 1, 12)] + [
        (month, int(month[5:]), int(month[5:]))
        for month in figures.monthly
        if month.startswith(f"{year}-")
    ]
    for period, first_month, last_month in totals:
        figure = figures.annual.get(year) if len(period) == 4 else figures.monthly[period]
        if figure is None or figure.status != "reported":
            continue
        start = (date(year, first_month, 1) - date(year, 1, 1)).days
        end_day = date(year + 1, 1, 1) if last_month == 12 else date(year, last_month + 1, 1)
        stop = (end_day - date(year, 1, 1)).days
        comparisons.append(
            PublicComparison(
                model, period, float(forecast.point[start:stop].sum()), figure.volume, None, None
            )
        )
    return comparisons


def _mean(values: list[float]) -> float:
    return float(np.mean(values)) if values else float("nan")


def days_between(first: date, last: date) -> list[date]:
    return [first + timedelta(days=offset) for offset in range((last - first).days + 1)]

"""Rolling-origin backtests: MAPE, peak-day error and interval coverage per model.

For each origin (the last day of history a forecast may see) and each series, every model
forecasts the next ``horizon_days`` from the history up to the origin only, and is scored on
the days that follow:

* **MAPE** — mean of ``|ŷ − y| / y`` over the horizon's days with ``y > 0``;
* **peak-day error** — ``|ŷ(d*) − y(d*)| / y(d*)`` on the horizon's highest actual day ``d*``
  (11 November when the horizon holds Double 11); the **peak-day bias** keeps the sign, so an
  underestimate shows as negative;
* **coverage** — the share of days whose actual lies inside the 80 % and the 95 % interval.

Each figure is averaged over origins and series. A model that fails on a series at an origin
is counted in ``failures`` and left out of its averages (no fallback here: each model is
judged alone).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np

from peakguard.forecast.calendar import EventCalendar
from peakguard.forecast.history import SeriesHistory
from peakguard.forecast.models import BaseForecast, Forecaster, ModelFitError


@dataclass(frozen=True)
class ForecastScore:
    """The scores of one forecast of one series from one origin."""

    absolute_percentage_error: float
    peak_day_error: float
    peak_day_bias: float
    coverage_80: float
    coverage_95: float


def score_forecast(forecast: BaseForecast, actual: np.ndarray) -> ForecastScore:
    positive = actual > 0
    errors = np.abs(forecast.point[positive] - actual[positive]) / actual[positive]
    peak = int(np.argmax(actual))
    bias = float((forecast.point[peak] - actual[peak]) / actual[peak])
    return ForecastScore(
        absolute_percentage_error=float(errors.mean()) if errors.size else float("nan"),
        peak_day_error=abs(bias),
        peak_day_bias=bias,
        coverage_80=float(np.mean((forecast.lower_80 <= actual) & (actual <= forecast.upper_80))),
        coverage_95=float(np.mean((forecast.lower_95 <= actual) & (actual <= forecast.upper_95))),
    )


@dataclass(frozen=True)
class BacktestScore:
    """One model's scores averaged over origins and series."""

    model: str
    mape: float
    peak_day_error: float
    peak_day_bias: float
    coverage_80: float
    coverage_95: float
    forecasts: int
    failures: int
    seconds: float


def summarise(
    model: str, scores: Sequence[ForecastScore], failures: int, seconds: float
) -> BacktestScore:
    def mean(name: str) -> float:
        values = [getattr(score, name) for score in scores]
        return float(np.nanmean(values)) if values else float("nan")

    return BacktestScore(
        model=model,
        mape=mean("absolute_percentage_error"),
        peak_day_error=mean("peak_day_error"),
        peak_day_bias=mean("peak_day_bias"),
        coverage_80=mean("coverage_80"),
        coverage_95=mean("coverage_95"),
        forecasts=len(scores),
        failures=failures,
        seconds=seconds,
    )


def rolling_origin_backtest(
    series: Sequence[SeriesHistory],
    origins: Sequence[date],
    horizon_days: int,
    models: Sequence[Forecaster],
    calendar: EventCalendar | None = None,
) -> tuple[BacktestScore, ...]:
    """Score each model over every (origin, series) whose horizon lies inside the history."""
    calendar = calendar or EventCalendar()
    results = []
    for model in models:
        scores: list[ForecastScore] = []
        failures = 0
        elapsed = 0.0
        for origin in origins:
            for history in series:
                if origin + timedelta(days=horizon_days) > history.last_day:
                    continue
                if origin < history.first_day:
                    continue
                actual = history.window(origin + timedelta(days=1), horizon_days)
                started = time.perf_counter()
                try:
                    forecast = model.forecast(history.until(origin), horizon_days, calendar)
                except ModelFitError:
                    failures += 1
                    continue
                finally:
                    elapsed += time.perf_counter() - started
                scores.append(score_forecast(forecast, actual))
        results.append(summarise(model.name, scores, failures, elapsed))
    return tuple(results)


def markdown_table(scores: Sequence[BacktestScore], *, title: str = "model") -> str:
    """The scores as a markdown table (percentages to one decimal)."""
    lines = [
        f"| {title} | MAPE | peak-day error | peak-day bias | 80 % coverage | 95 % coverage "
        "| forecasts | failures | seconds |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for score in scores:
        lines.append(
            f"| {score.model} | {percent(score.mape)} | {percent(score.peak_day_error)} "
            f"| {percent(score.peak_day_bias, signed=True)} | {percent(score.coverage_80, 0)} "
            f"| {percent(score.coverage_95, 0)} | {score.forecasts} | {score.failures} "
            f"| {score.seconds:.2f} |"
        )
    return "\n".join(lines)


def percent(value: float, decimals: int = 1, *, signed: bool = False) -> str:
    """``0.123`` → ``12.3 %`` (the house style puts a space before the sign)."""
    sign = "+" if signed else ""
    return f"{value * 100:{sign}.{decimals}f} %"

"""Backtests of the peak forecaster on synthetic series and on the public national figures.

Run it from the repository root (it is not part of the test run)::

    .venv/bin/python benchmarks/forecast_backtest.py --repeats 3

Synthetic: eight node series (two carriers, four cities) from the known process of
``peakguard.forecast.synthetic`` (June 2021 to February 2024, seeds 0–7), rolling origins
before Double 11 2022 and 2023, 618 2023, 12.12 2023 and the 2024 Spring Festival rush, 35-day
horizons. Public: the daily proxy of ``peakguard.forecast.public``, one origin per year
(31 December 2013 … 2022), scored on the reported rows only. Timings are the median over
``--repeats`` runs (``--slow-repeats`` for the AutoETS and AutoARIMA models) of the whole
backtest per model (the first statsforecast call, which compiles
with numba, is measured separately).
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable, Sequence
from datetime import date

from peakguard.forecast.backtest import BacktestScore, markdown_table, rolling_origin_backtest
from peakguard.forecast.baselines import PlainStatsforecast, SeasonalNaive
from peakguard.forecast.calendar import EventCalendar
from peakguard.forecast.history import Level, SeriesHistory, SeriesKey, series_history
from peakguard.forecast.models import CalendarModel, CalendarRegression, Forecaster
from peakguard.forecast.public import public_backtest
from peakguard.forecast.synthetic import SyntheticSpec, synthetic_volumes

FIRST_DAY = date(2021, 6, 1)
LAST_DAY = date(2024, 2, 29)
ORIGINS = (
    date(2022, 10, 19),
    date(2023, 5, 25),
    date(2023, 10, 19),
    date(2023, 11, 30),
    date(2024, 1, 5),
)
PLACES = (
    ("ZTO", "510104"),
    ("ZTO", "510603"),
    ("ZTO", "510703"),
    ("ZTO", "510802"),
    ("SF", "510105"),
    ("SF", "510603"),
    ("SF", "510703"),
    ("SF", "510802"),
)


def models() -> list[Forecaster]:
    return [
        CalendarModel(),
        CalendarModel(error_model="auto_ets"),
        CalendarRegression(),
        SeasonalNaive(),
        PlainStatsforecast("seasonal_naive"),
        PlainStatsforecast("auto_ets"),
        PlainStatsforecast("auto_arima"),
    ]


def synthetic_series() -> list[SeriesHistory]:
    count = (LAST_DAY - FIRST_DAY).days + 1
    return [
        series_history(
            SeriesKey(Level.node, carrier, region, f"{carrier}-{index}"),
            FIRST_DAY,
            synthetic_volumes(
                SyntheticSpec(base_volume=10_000.0 * (1 + index)), FIRST_DAY, count, seed=index
            ),
        )
        for index, (carrier, region) in enumerate(PLACES)
    ]


SLOW = ("statsforecast_auto_arima", "statsforecast_auto_ets", "calendar_auto_ets")


def timed(
    run: Callable[[Sequence[Forecaster]], Sequence[BacktestScore]], repeats: int, slow_repeats: int
) -> list[BacktestScore]:
    results: list[BacktestScore] = []
    for model in models():
        seconds = []
        score = None
        for _ in range(slow_repeats if model.name in SLOW else repeats):
            started = time.perf_counter()
            score = run([model])[0]
            seconds.append(time.perf_counter() - started)
        assert score is not None
        results.append(BacktestScore(**{**score.__dict__, "seconds": statistics.median(seconds)}))
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument(
        "--slow-repeats", type=int, default=1, help="for the AutoETS/AutoARIMA runs"
    )
    arguments = parser.parse_args()
    started = time.perf_counter()
    import statsforecast.models  # noqa: F401

    imported = time.perf_counter() - started
    series = synthetic_series()
    started = time.perf_counter()
    CalendarModel().forecast(series[0].until(ORIGINS[0]), 35, EventCalendar())
    first_call = time.perf_counter() - started
    print(
        f"statsforecast import: {imported:.2f} s; first calendar_ar1 forecast: {first_call:.2f} s\n"
    )
    print(f"## Synthetic: {len(series)} series × {len(ORIGINS)} origins, 35-day horizons\n")
    synthetic = timed(
        lambda chosen: rolling_origin_backtest(series, ORIGINS, 35, chosen),
        arguments.repeats,
        arguments.slow_repeats,
    )
    print(markdown_table(synthetic))
    print("\n## Public national figures: origins 31 Dec 2013 … 2022, reported rows only\n")
    print("MAPE here is over reported annual and single-month totals; peak-day error and coverage")
    print("over the reported 11 November figures.\n")
    public = timed(
        lambda chosen: public_backtest(chosen)[0], arguments.repeats, arguments.slow_repeats
    )
    print(markdown_table(public))


if __name__ == "__main__":
    main()

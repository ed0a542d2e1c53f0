"""The season's capacity plan: forecast → simulated season → reserves → checked on the outcome.

The demo (and anyone with a city-level pickup history per carrier) runs it in one call:

1. forecast every carrier's pickups per city through the season (the calendar model, its
   intervals, reconciled to the province), and the seasonal-naive baseline beside it;
2. turn the planning bound (``upper_80`` by default: plan for a bad day, not the median) into a
   scenario and simulate it with nothing added — the overflow is the cost of the gap;
3. add reserves round by round until the simulated season fits (:mod:`peakguard.reserve.season`)
   and read the gap report per node;
4. when the outcome is known (the demo generates it), simulate the season that happened with
   the reserves, to show whether planning on the forecast was enough.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import numpy as np

from peakguard.domain.network import Network, NodeKind
from peakguard.forecast.history import FloatArray, Level, SeriesHistory, SeriesKey
from peakguard.forecast.orchestrator import ForecastParameters, ForecastRun
from peakguard.forecast.scoped import ScopedForecast, forecast_with_announcements
from peakguard.optimize.shortfall_reserves import with_reserves
from peakguard.reserve.parameters import ReserveParameters
from peakguard.reserve.season import (
    NodeReserveGap,
    ReserveSizing,
    forecast_scenario,
    forecasts_by_city,
    reserve_gaps,
    size_reserves,
)
from peakguard.simulate.run import SimulationResult, simulate
from peakguard.simulate.scenario import Scenario


@dataclass(frozen=True)
class ProvinceDay:
    """The province's pickups on one day: the forecast, its intervals, the baseline, the outcome."""

    day: date
    point: float
    lower_80: float
    upper_80: float
    lower_95: float
    upper_95: float
    baseline: float
    outcome: float | None


@dataclass(frozen=True)
class SeasonCapacity:
    forecast: ScopedForecast
    baseline: ForecastRun
    bound: str
    province: tuple[ProvinceDay, ...]
    sizing: ReserveSizing
    gaps: tuple[NodeReserveGap, ...]
    outcome: SimulationResult | None
    """The season that happened, simulated with the reserves (None when not known)."""

    def season_days(self) -> tuple[ProvinceDay, ...]:
        scenario = self.sizing.scenario
        last = scenario.first_day + timedelta(days=scenario.days - 1)
        return tuple(day for day in self.province if scenario.first_day <= day.day <= last)

    def peak_day_errors(self) -> tuple[float, float] | None:
        """Relative error of the forecast and of the baseline on the outcome's peak day."""
        known = [day for day in self.season_days() if day.outcome]
        if not known:
            return None
        peak = max(known, key=lambda day: day.outcome or 0.0)
        actual = peak.outcome or 1.0
        return abs(peak.point - actual) / actual, abs(peak.baseline - actual) / actual

    def hubs_needing_reserves(self) -> list[NodeReserveGap]:
        return [gap for gap in self.gaps if gap.kind == NodeKind.hub.value]


def _province_series(run: ForecastRun) -> Any:
    return next(
        forecast
        for forecast in run.result.at_level(Level.province)
        if forecast.key.carrier == "all"
    )


def plan_season_capacity(
    network: Network,
    base: Scenario,
    history: tuple[SeriesHistory, ...],
    normal_day: Mapping[SeriesKey, float],
    *,
    horizon_days: int,
    outcome: Mapping[SeriesKey, FloatArray] | None = None,
    bound: str = "upper_80",
    parameters: ReserveParameters | None = None,
) -> SeasonCapacity:
    """Forecast the season from ``history`` (city-level series per carrier), size the
    reserves on the simulated ``bound`` season, and check them on ``outcome`` when given."""
    forecast = forecast_with_announcements(history, horizon_days=horizon_days)
    run = forecast.run
    baseline = forecast_with_announcements(
        history,
        horizon_days=horizon_days,
        parameters=ForecastParameters(models=("seasonal_naive",)),
    ).run
    cities = [item for item in run.result.at_level(Level.city) if item.key.carrier != "all"]
    normal = {(key.carrier, key.region): value for key, value in normal_day.items()}
    scenario = forecast_scenario(
        network,
        base,
        forecasts_by_city({item.key: (item.first_day, getattr(item, bound)) for item in cities}),
        normal,
        name=f"{base.name}-forecast-{bound}",
    )
    sizing = size_reserves(network, scenario)
    gaps = reserve_gaps(sizing, parameters)
    first = cities[0].first_day
    happened: SimulationResult | None = None
    actual_total: FloatArray | None = None
    if outcome:
        actual_total = np.sum(np.array(list(outcome.values())), axis=0)
        actual = forecast_scenario(
            network,
            base,
            forecasts_by_city({key: (first, values) for key, values in outcome.items()}),
            normal,
            name=f"{base.name}-outcome",
        )
        happened = simulate(network, with_reserves(actual, list(sizing.reserves)))
    province = _province_series(run)
    naive = _province_series(baseline)
    days = tuple(
        ProvinceDay(
            day=day,
            point=float(province.point[index]),
            lower_80=float(province.lower_80[index]),
            upper_80=float(province.upper_80[index]),
            lower_95=float(province.lower_95[index]),
            upper_95=float(province.upper_95[index]),
            baseline=float(naive.point[index]),
            outcome=(
                float(actual_total[index])
                if actual_total is not None and index < len(actual_total)
                else None
            ),
        )
        for index, day in enumerate(province.days)
    )
    return SeasonCapacity(forecast, baseline, bound, days, sizing, gaps, happened)

"""The entry point: history + event calendar → reconciled daily forecasts with intervals.

:func:`forecast_volumes` groups the history rows into series (all at one level, the bottom of
the hierarchy), sums them into every series above (:mod:`peakguard.forecast.reconcile`),
forecasts each series with the first model of the chain that succeeds, and reconciles the
results. A bottom series that starts later than the others (a new hub) counts as 0 before its
first day in the sums; all series must end on the same day, the forecast origin.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np

from peakguard.errors import InvalidInputError, Problem
from peakguard.forecast.baselines import PlainStatsforecast, SeasonalNaive
from peakguard.forecast.calendar import EventCalendar
from peakguard.forecast.history import (
    DailyVolume,
    ForecastResult,
    SeriesForecast,
    SeriesHistory,
    SeriesKey,
    group_history,
    series_history,
)
from peakguard.forecast.models import (
    BaseForecast,
    CalendarModel,
    CalendarRegression,
    Forecaster,
    ModelFitError,
)
from peakguard.forecast.reconcile import METHODS, Hierarchy, Reconciled, build_hierarchy, reconcile
from peakguard.i18n import _
from peakguard.parameters import FileParameters

MODEL_NAMES = (
    "calendar_auto_ets",
    "calendar_auto_arima",
    "calendar_ar1",
    "calendar_regression",
    "seasonal_naive",
    "statsforecast_auto_ets",
    "statsforecast_auto_arima",
    "statsforecast_seasonal_naive",
)
MAX_HORIZON_DAYS = 400


@dataclass(frozen=True)
class ForecastParameters(FileParameters, section="forecast"):
    """Knobs of the forecaster (defaults documented in docs/explanation/forecasting.md)."""

    models: tuple[str, ...] = ("calendar_ar1", "calendar_regression", "seasonal_naive")
    """The fallback chain: the first model that forecasts a series wins."""
    reconciliation: str = "wls_structural"
    event_uncertainty: float = 0.15
    """Standard deviation (log scale) added on event days for the event's unknown size."""
    prior_uncertainty: float = 0.3
    """The same for windows the history never saw (their size is a national prior)."""

    def __post_init__(self) -> None:
        problems = [
            Problem(f"parameters.models[{index}]", _("unknown model {name}", name=name))
            for index, name in enumerate(self.models)
            if name not in MODEL_NAMES
        ]
        if not self.models:
            problems.append(Problem("parameters.models", _("name at least one model")))
        if self.reconciliation not in METHODS:
            problems.append(
                Problem(
                    "parameters.reconciliation",
                    _("must be one of {choices}", choices=", ".join(METHODS)),
                )
            )
        for name in ("event_uncertainty", "prior_uncertainty"):
            if not 0 <= getattr(self, name) <= 2:
                problems.append(
                    Problem(
                        f"parameters.{name}", _("must lie between {low} and {high}", low=0, high=2)
                    )
                )
        if problems:
            raise InvalidInputError(_("the forecast parameters have mistakes"), problems)

    def forecasters(self) -> tuple[Forecaster, ...]:
        return tuple(make_forecaster(name, self) for name in self.models)


def make_forecaster(name: str, parameters: ForecastParameters) -> Forecaster:
    """The model called ``name`` (one of :data:`MODEL_NAMES`)."""
    event, prior = parameters.event_uncertainty, parameters.prior_uncertainty
    if name.startswith("calendar_") and name != "calendar_regression":
        return CalendarModel(
            error_model=name.removeprefix("calendar_"),
            event_uncertainty=event,
            prior_uncertainty=prior,
        )
    if name == "calendar_regression":
        return CalendarRegression(event_uncertainty=event, prior_uncertainty=prior)
    if name == "seasonal_naive":
        return SeasonalNaive()
    if name.startswith("statsforecast_"):
        return PlainStatsforecast(name.removeprefix("statsforecast_"))
    raise ValueError(name)


def aggregate_histories(
    bottom: Sequence[SeriesHistory], keys: Sequence[SeriesKey], summing: np.ndarray
) -> list[SeriesHistory]:
    """Sum the bottom series into each series of ``keys`` (rows of ``summing``)."""
    first = min(series.first_day for series in bottom)
    last = bottom[0].last_day
    count = (last - first).days + 1
    table = np.zeros((len(bottom), count))
    for column, series in enumerate(bottom):
        table[column, (series.first_day - first).days :] = series.volumes
    sums = summing.astype(float) @ table
    return [series_history(key, first, sums[row]) for row, key in enumerate(keys)]


def forecast_series(
    history: SeriesHistory,
    horizon_days: int,
    calendar: EventCalendar,
    forecasters: Sequence[Forecaster],
) -> tuple[BaseForecast, str, list[tuple[str, str]]]:
    """The first model's forecast that succeeds, its name, and the failures before it."""
    failures: list[tuple[str, str]] = []
    for forecaster in forecasters:
        try:
            return forecaster.forecast(history, horizon_days, calendar), forecaster.name, failures
        except ModelFitError as error:
            failures.append((forecaster.name, str(error)))
    raise ModelFitError("; ".join(f"{name}: {reason}" for name, reason in failures))


@dataclass(frozen=True)
class Fallback:
    """A model that failed on a series before another one forecast it."""

    series: SeriesKey
    model: str
    reason: str


@dataclass(frozen=True)
class ForecastRun:
    """The reconciled forecast and a record of the fallbacks taken."""

    result: ForecastResult
    fallbacks: tuple[Fallback, ...]


def forecast_volumes(
    history: Iterable[DailyVolume] | Sequence[SeriesHistory],
    calendar: EventCalendar,
    *,
    horizon_days: int,
    parameters: ForecastParameters | None = None,
    forecasters: Sequence[Forecaster] | None = None,
) -> ForecastRun:
    """Forecast every series of the hierarchy for ``horizon_days`` after the history's last day.

    ``history`` is rows (:class:`DailyVolume`) or already grouped series, all at one level;
    ``forecasters`` replaces the chain named in ``parameters.models``.
    """
    parameters = parameters or ForecastParameters()
    _check_horizon(horizon_days)
    bottom = _bottom_series(history)
    origins = _forecast_origins(bottom)
    hierarchy = build_hierarchy([series.key for series in bottom])
    histories = _hierarchy_histories(bottom, hierarchy)
    chain = tuple(forecasters) if forecasters is not None else parameters.forecasters()
    base, models, fallbacks = _base_forecasts(histories, horizon_days, calendar, chain)
    reconciled = reconcile(hierarchy, base, parameters.reconciliation)
    first_day: date = next(iter(origins)) + timedelta(days=1)
    return ForecastRun(
        ForecastResult(
            _series_forecasts(hierarchy, reconciled, first_day, models),
            parameters.reconciliation,
        ),
        tuple(fallbacks),
    )


def _check_horizon(horizon_days: int) -> None:
    if not 1 <= horizon_days <= MAX_HORIZON_DAYS:
        raise InvalidInputError(
            _("the forecast parameters have mistakes"),
            [
                Problem(
                    "horizon_days",
                    _("must lie between {low} and {high}", low=1, high=MAX_HORIZON_DAYS),
                )
            ],
        )


def _bottom_series(
    history: Iterable[DailyVolume] | Sequence[SeriesHistory],
) -> tuple[SeriesHistory, ...]:
    """The history as series, grouped from its rows unless it is series already."""
    items = list(history)
    return (
        tuple(item for item in items if isinstance(item, SeriesHistory))
        if items and isinstance(items[0], SeriesHistory)
        else group_history(item for item in items if isinstance(item, DailyVolume))
    )


def _forecast_origins(bottom: Sequence[SeriesHistory]) -> set[date]:
    """The series' last day (the forecast origin); every series must end on the same day."""
    origins = {series.last_day for series in bottom}
    if len(origins) > 1:
        raise InvalidInputError(
            _("the history has mistakes"),
            [
                Problem(
                    "history",
                    _(
                        "every series must end on the same day; found {first} to {last}",
                        first=min(origins),
                        last=max(origins),
                    ),
                )
            ],
        )
    return origins


def _hierarchy_histories(
    bottom: Sequence[SeriesHistory], hierarchy: Hierarchy
) -> list[SeriesHistory]:
    """Every series of the hierarchy, in its order: the bottom series as given, the others
    summed from them."""
    by_key = {series.key: series for series in bottom}
    ordered_bottom = [by_key[key] for key in hierarchy.bottom]
    return [
        by_key.get(summed.key, summed)
        for summed in aggregate_histories(ordered_bottom, hierarchy.keys, hierarchy.summing)
    ]


def _base_forecasts(
    histories: Sequence[SeriesHistory],
    horizon_days: int,
    calendar: EventCalendar,
    chain: Sequence[Forecaster],
) -> tuple[dict[str, np.ndarray], list[str], list[Fallback]]:
    """Each series' base forecast (one row per series, for each of the point and the interval
    bounds), the model that made it, and the fallbacks taken; a series no model can forecast
    is a mistake in the history."""
    base: dict[str, list[np.ndarray]] = {
        name: [] for name in ("point", "lower_80", "upper_80", "lower_95", "upper_95")
    }
    models: list[str] = []
    fallbacks: list[Fallback] = []
    problems: list[Problem] = []
    for series in histories:
        try:
            forecast, model, failures = forecast_series(series, horizon_days, calendar, chain)
        except ModelFitError as error:
            problems.append(
                Problem(
                    f"history[{series.key.label()}]",
                    _("no model could forecast this series: {reasons}", reasons=str(error)),
                )
            )
            continue
        fallbacks.extend(Fallback(series.key, name, reason) for name, reason in failures)
        models.append(model)
        for name, values in base.items():
            values.append(getattr(forecast, name))
    if problems:
        raise InvalidInputError(_("the history has mistakes"), problems)
    return {name: np.vstack(values) for name, values in base.items()}, models, fallbacks


def _series_forecasts(
    hierarchy: Hierarchy, reconciled: Reconciled, first_day: date, models: Sequence[str]
) -> tuple[SeriesForecast, ...]:
    """The reconciled forecast of every series of the hierarchy, with its base model."""
    return tuple(
        SeriesForecast(
            key=key,
            first_day=first_day,
            point=reconciled.point[row].astype(float),
            lower_80=reconciled.lower_80[row].astype(float),
            upper_80=reconciled.upper_80[row].astype(float),
            lower_95=reconciled.lower_95[row].astype(float),
            upper_95=reconciled.upper_95[row].astype(float),
            model=models[row],
        )
        for row, key in enumerate(hierarchy.keys)
    )

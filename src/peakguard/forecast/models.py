"""The :class:`Forecaster` protocol and the calendar models.

A forecaster turns one series' history into a :class:`BaseForecast` for the next days, or
raises :class:`ModelFitError` (too short a history, a solver error, numbers that are not
finite); the orchestrator then tries the next one (:mod:`peakguard.forecast.orchestrator`).

Both calendar models work on ``log(1 + volume)``, so an event's coefficient is the log of its
multiple of a normal day, and both regress it, by weighted least squares over the last three
years (a day's weight halves every 365 days of age, so the normal-day level and the weekdays
follow recent years), on an intercept, a linear trend, six weekday columns and one 0/1 column
per **occurrence** of each event window in the history (:mod:`peakguard.forecast.calendar`):
each year's Double 11 gets its own size. A window's size next time is forecast from its past
sizes by a local-level model (the size is a random walk seen with noise; :func:`event_level`):
its signal-to-noise ratio is estimated by maximum likelihood from the occurrences themselves,
so a size that has kept moving (the national 11 November fell from about 2.8× a normal day to
1.7× in three years) is followed at once, and a size that only wobbles is averaged; with fewer
than three occurrences it is their mean. The two calendar models:

* :class:`CalendarModel` — then forecasts the regression's residuals with a statsforecast
  model (ARIMA(1,0,0) by default; AutoETS or AutoARIMA on request), which carries where the
  series stands now into the first days of the horizon and gives the interval its width.
* :class:`CalendarRegression` — the regression alone, its residual spread as the interval:
  the fallback when the statsforecast stage fails.

A window the forecast horizon contains but the history never saw gets the prior multiple from
:data:`~peakguard.forecast.calendar.PRIOR_MULTIPLES` (the national public figures). A day with a
platform-announced multiple m is forecast as m × the model's own normal-day forecast for that
day (the forecast with every event column set to 0).

Intervals: the model's own interval on the log scale, widened on event days by the uncertainty
of the event's size, which a single history estimates poorly (real peaks differ by 10–20 % from
year to year): ``sd² = sd_model² + τ²`` on days of a window seen in the history or announced,
``+ τ_prior²`` on days of an unseen window. Bounds are transformed back with ``exp(·) − 1``, so
they stay ordered and the point (the median) stays inside them.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt
from threadpoolctl import threadpool_limits

from peakguard.forecast.calendar import (
    PRIOR_MULTIPLES,
    EventCalendar,
    day_of_week_features,
)
from peakguard.forecast.history import SeriesHistory

FloatArray = npt.NDArray[np.float64]

Z_80 = 1.2815515655446004
Z_95 = 1.959963984540054


class ModelFitError(Exception):
    """A model could not forecast a series; the orchestrator falls back to the next model."""


@dataclass(frozen=True, eq=False)
class BaseForecast:
    """One series' forecast before reconciliation (parcels per day)."""

    point: FloatArray
    lower_80: FloatArray
    upper_80: FloatArray
    lower_95: FloatArray
    upper_95: FloatArray


class Forecaster(Protocol):
    """Anything that forecasts one series' next ``horizon_days`` from its history."""

    @property
    def name(self) -> str: ...

    def forecast(
        self, history: SeriesHistory, horizon_days: int, calendar: EventCalendar
    ) -> BaseForecast: ...


def from_log_scale(center: FloatArray, deviation: FloatArray) -> BaseForecast:
    """Normal quantiles of ``log(1 + volume)`` transformed back to parcels (clipped at 0)."""
    if not (np.all(np.isfinite(center)) and np.all(np.isfinite(deviation))):
        raise ModelFitError("the forecast is not finite")

    def back(values: FloatArray) -> FloatArray:
        return np.asarray(np.maximum(np.expm1(np.minimum(values, 700.0)), 0.0), dtype=float)

    return BaseForecast(
        point=back(center),
        lower_80=back(center - Z_80 * deviation),
        upper_80=back(center + Z_80 * deviation),
        lower_95=back(center - Z_95 * deviation),
        upper_95=back(center + Z_95 * deviation),
    )


@dataclass(frozen=True, eq=False)
class Design:
    """Regressors for one series: history rows, future rows, and what the future adds.

    ``history`` holds one 0/1 column per **occurrence** of each window seen in the history (a
    run of consecutive days of the window: 11 November 2022 and 11 November 2023 are two
    columns), then the weekdays; ``occurrence_window`` says which seen window each occurrence
    column belongs to, in time order. ``future_events`` has one column per seen window.
    """

    history: FloatArray
    occurrence_window: npt.NDArray[np.int64]
    future_events: FloatArray
    future_weekdays: FloatArray
    prior_offset: FloatArray
    seen_event: FloatArray
    unseen_event: FloatArray
    announced: dict[int, float]


def occurrences(column: FloatArray) -> list[FloatArray]:
    """One 0/1 column per run of consecutive 1s in ``column``, in time order."""
    inside = np.concatenate([[0.0], column, [0.0]])
    starts = np.flatnonzero(np.diff(inside) > 0)
    stops = np.flatnonzero(np.diff(inside) < 0)
    runs = []
    for start, stop in zip(starts, stops, strict=True):
        run = np.zeros_like(column)
        run[start:stop] = 1.0
        runs.append(run)
    return runs


def calendar_design(history: SeriesHistory, horizon_days: int, calendar: EventCalendar) -> Design:
    """Weekday columns and the windows seen in the history; priors for the unseen ones."""
    count = len(history.volumes)
    features = calendar.features(history.first_day, count + horizon_days)
    past, ahead = features[:count], features[count:]
    active = past.sum(axis=0)
    seen = (active > 0) & (active < count)
    unseen = ~seen
    weekdays = day_of_week_features(history.first_day, count + horizon_days)
    names = calendar.feature_names
    prior = np.array([math.log(PRIOR_MULTIPLES[name]) for name in names])
    first_future = history.last_day + timedelta(days=1)
    announced = {
        (day - first_future).days: math.log(multiple)
        for day, multiple in calendar.announced_multiples().items()
        if 0 <= (day - first_future).days < horizon_days
    }
    columns: list[FloatArray] = []
    owners: list[int] = []
    for window, index in enumerate(np.flatnonzero(seen)):
        runs = occurrences(past[:, index])
        columns.extend(runs)
        owners.extend([window] * len(runs))
    occurrence_columns = np.column_stack(columns) if columns else np.zeros((count, 0), dtype=float)
    return Design(
        history=np.hstack([occurrence_columns, weekdays[:count]]),
        occurrence_window=np.array(owners, dtype=np.int64),
        future_events=ahead[:, seen],
        future_weekdays=weekdays[count:],
        prior_offset=ahead[:, unseen] @ prior[unseen],
        seen_event=ahead[:, seen].sum(axis=1),
        unseen_event=ahead[:, unseen].sum(axis=1),
        announced=announced,
    )


def combine(
    design: Design,
    center: FloatArray,
    normal_center: FloatArray,
    deviation: FloatArray,
    *,
    event_uncertainty: float,
    prior_uncertainty: float,
) -> BaseForecast:
    """Add the priors, apply announced multiples and widen event days (see the module doc)."""
    center = center + design.prior_offset
    variance = (
        deviation**2
        + event_uncertainty**2 * np.minimum(design.seen_event, 1.0)
        + prior_uncertainty**2 * np.minimum(design.unseen_event, 1.0)
    )
    for step, log_multiple in design.announced.items():
        center[step] = normal_center[step] + log_multiple
        variance[step] = deviation[step] ** 2 + event_uncertainty**2
    return from_log_scale(center, np.sqrt(variance))


def recent(history: SeriesHistory, days: int) -> SeriesHistory:
    """The last ``days`` days of a history (all of it if shorter)."""
    if len(history.volumes) <= days:
        return history
    skipped = len(history.volumes) - days
    return SeriesHistory(
        history.key, history.first_day + timedelta(days=skipped), history.volumes[skipped:]
    )


SIGNAL_TO_NOISE_GRID: tuple[float, ...] = (0.0, *(10.0 ** (k / 10) for k in range(-30, 31)))
"""The values of q tried by :func:`event_level` (0, then 10⁻³ … 10³)."""


def local_level_likelihood(values: FloatArray, q: float) -> tuple[float, float]:
    """The concentrated log-likelihood of a local-level model with signal-to-noise ratio
    ``q`` on ``values`` (diffuse start), and its forecast of the next value."""
    level, variance = float(values[0]), 1.0
    squares, logs = 0.0, 0.0
    for value in values[1:]:
        predicted = variance + q
        spread = predicted + 1.0
        innovation = float(value) - level
        gain = predicted / spread
        level += gain * innovation
        variance = predicted * (1.0 - gain)
        squares += innovation**2 / spread
        logs += math.log(spread)
    steps = len(values) - 1
    return -0.5 * steps * math.log(max(squares / steps, 1e-300)) - 0.5 * logs, level


def event_level(values: FloatArray) -> float:
    """The forecast of a window's next log multiple from its past occurrences' (oldest first).

    A local-level model (the multiple is a random walk seen with noise): q = 0 is the mean of
    the occurrences, q → ∞ the last one; q is chosen by maximum likelihood on the occurrences
    themselves, and is 0 (the mean) while there are fewer than three (two occurrences say
    nothing about whether the size drifts)."""
    if len(values) < 3 or np.ptp(values) == 0:
        return float(np.mean(values))
    fits = [local_level_likelihood(values, q) for q in SIGNAL_TO_NOISE_GRID]
    return max(fits, key=lambda fit: fit[0])[1]


@dataclass(frozen=True, eq=False)
class RegressionFit:
    """Least squares on log volume: fitted residuals and the regression part of the future."""

    residuals: FloatArray
    sigma: float
    future: FloatArray
    future_normal: FloatArray


def fit_regression(
    history: SeriesHistory, design: Design, horizon_days: int, half_life_days: float | None = None
) -> RegressionFit:
    """Intercept, linear trend (per year), weekdays and one column per occurrence of each seen
    window on ``log(1 + volume)``; with ``half_life_days`` a day's weight halves for every that
    many days of age. A window's future log multiple is :func:`event_level` of its
    occurrences' coefficients."""
    count = len(history.volumes)
    time = np.arange(count + horizon_days, dtype=float)[:, None] / 365.25
    ones = np.ones_like(time)
    past = np.hstack([ones[:count], time[:count], design.history])
    target = np.log1p(history.volumes)
    age = np.arange(count - 1, -1, -1, dtype=float)
    root = np.sqrt(0.5 ** (age / half_life_days)) if half_life_days else np.ones(count)
    # One BLAS thread: this small least squares spent most of its time waiting for a second
    # thread on a busy 2-core machine (26 s of CPU against 2.5 s, the same last bit).
    with threadpool_limits(limits=1, user_api="blas"):
        coefficients, _, rank, _ = np.linalg.lstsq(past * root[:, None], target * root, rcond=None)
    residuals = target - past @ coefficients
    freedom = max(count - int(rank), 1)  # positive weights leave the rank as it was
    occurrence_count = len(design.occurrence_window)
    sizes = coefficients[2 : 2 + occurrence_count]
    levels = np.array(
        [
            event_level(sizes[design.occurrence_window == window])
            for window in range(design.future_events.shape[1])
        ]
    )
    base = np.concatenate([coefficients[:2], coefficients[2 + occurrence_count :]])
    normal = np.hstack([ones[count:], time[count:], design.future_weekdays]) @ base
    events = design.future_events @ levels if levels.size else np.zeros(horizon_days)
    return RegressionFit(
        residuals=residuals,
        sigma=float(np.sqrt(residuals @ residuals / freedom)),
        future=normal + events,
        future_normal=normal,
    )


ERROR_MODELS = ("auto_ets", "auto_arima", "ar1")


@dataclass(frozen=True)
class CalendarModel:
    """Calendar regression on log volume, its residuals forecast by a statsforecast model.

    Two stages: least squares on the calendar (:func:`fit_regression`), then ``error_model``
    on the residuals — ``auto_ets`` (AutoETS, no season: the weekdays are in the regression),
    ``auto_arima`` (AutoARIMA, non-seasonal) or ``ar1`` (ARIMA(1,0,0)). The residual forecast
    moves the level towards where the series stands now; its intervals are the model's own.
    Only the last ``fit_window_days`` of history are used, so an old growth rate fades out.
    """

    error_model: str = "ar1"
    event_uncertainty: float = 0.15
    prior_uncertainty: float = 0.3
    min_history_days: int = 56
    fit_window_days: int = 3 * 365 + 1
    half_life_days: float | None = 365.0

    def __post_init__(self) -> None:
        if self.error_model not in ERROR_MODELS:
            raise ValueError(f"error_model must be one of {ERROR_MODELS}")

    @property
    def name(self) -> str:
        return f"calendar_{self.error_model}"

    def _model(self) -> Any:
        # statsforecast compiles with numba on import (seconds): only a fit pays for it
        from statsforecast.models import ARIMA, AutoARIMA, AutoETS  # noqa: PLC0415

        if self.error_model == "auto_ets":
            return AutoETS(season_length=1)
        if self.error_model == "auto_arima":
            return AutoARIMA(seasonal=False)
        return ARIMA(order=(1, 0, 0), include_mean=False)

    def forecast(
        self, history: SeriesHistory, horizon_days: int, calendar: EventCalendar
    ) -> BaseForecast:
        if len(history.volumes) < self.min_history_days:
            raise ModelFitError("history too short")
        history = recent(history, self.fit_window_days)
        design = calendar_design(history, horizon_days, calendar)
        regression = fit_regression(history, design, horizon_days, self.half_life_days)
        try:
            with warnings.catch_warnings(), np.errstate(all="ignore"):
                warnings.simplefilter("ignore")
                result = self._model().forecast(regression.residuals, horizon_days, level=[95])
        except Exception as error:  # statsforecast raises many kinds; all mean "no forecast"
            raise ModelFitError(str(error)) from error
        error_mean = np.asarray(result["mean"], dtype=float)
        deviation = (np.asarray(result["hi-95"], dtype=float) - error_mean) / Z_95
        return combine(
            design,
            regression.future + error_mean,
            regression.future_normal + error_mean,
            deviation,
            event_uncertainty=self.event_uncertainty,
            prior_uncertainty=self.prior_uncertainty,
        )


@dataclass(frozen=True)
class CalendarRegression:
    """The calendar regression alone (NumPy least squares, residual spread as the interval):
    the fallback when the statsforecast stage fails."""

    event_uncertainty: float = 0.15
    prior_uncertainty: float = 0.3
    min_history_days: int = 28
    fit_window_days: int = 3 * 365 + 1
    half_life_days: float | None = 365.0

    @property
    def name(self) -> str:
        return "calendar_regression"

    def forecast(
        self, history: SeriesHistory, horizon_days: int, calendar: EventCalendar
    ) -> BaseForecast:
        if len(history.volumes) < self.min_history_days:
            raise ModelFitError("history too short")
        history = recent(history, self.fit_window_days)
        design = calendar_design(history, horizon_days, calendar)
        regression = fit_regression(history, design, horizon_days, self.half_life_days)
        return combine(
            design,
            regression.future,
            regression.future_normal,
            np.full(horizon_days, regression.sigma),
            event_uncertainty=self.event_uncertainty,
            prior_uncertainty=self.prior_uncertainty,
        )

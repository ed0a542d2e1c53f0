"""Baselines the calendar models must beat: seasonal-naive and statsforecast's plain models.

:class:`SeasonalNaive` does exactly this, with T the last day of the history:

* **Same day last year, scaled by trend** — when the history holds at least 365 + 28 days and
  the target day's date one year earlier (29 February → 28 February; two years earlier beyond
  a year's horizon, and so on) lies in the history: ``ŷ(d) = y(d − k years) · g^k``, where the
  trend ``g`` is the mean of the last 28 days of history divided by the mean of the same 28
  calendar dates a year earlier. Dates, not weekdays, are matched, because the promotions fall
  on dates (11 November is a Saturday one year and a Sunday the next).
* **Last week repeated** — otherwise (at least 7 days): ``ŷ(T + j) = y(T + j − 7·⌈j/7⌉)``.

Intervals are normal on ``log(1 + volume)`` with the spread of the method's own in-sample
errors: for the yearly rule, the standard deviation of ``log(1 + y_t) − log(1 + y_{t−1 year})``
less its mean (the growth), over the last year of history; for the weekly rule, that of
``log(1 + y_t) − log(1 + y_{t−7})`` times ``√⌈j/7⌉`` (errors add up week after week).

:class:`PlainStatsforecast` runs one of statsforecast's models on the raw volumes without any
calendar (AutoETS, AutoARIMA, SeasonalNaive with a weekly season): what the library does alone.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import numpy as np

from peakguard.forecast.calendar import EventCalendar
from peakguard.forecast.history import SeriesHistory
from peakguard.forecast.models import BaseForecast, ModelFitError, from_log_scale

TREND_DAYS = 28


def years_earlier(day: date, years: int) -> date:
    """The same date ``years`` earlier; 29 February becomes 28 February."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


@dataclass(frozen=True)
class SeasonalNaive:
    """Same day last year scaled by trend where a year of history exists, else last week."""

    @property
    def name(self) -> str:
        return "seasonal_naive"

    def forecast(
        self, history: SeriesHistory, horizon_days: int, calendar: EventCalendar
    ) -> BaseForecast:
        volumes = history.volumes
        if len(volumes) < 7:
            raise ModelFitError("fewer than 7 days of history")
        if len(volumes) >= 365 + TREND_DAYS:
            return self._yearly(history, horizon_days)
        return self._weekly(history, horizon_days)

    def _yearly(self, history: SeriesHistory, horizon_days: int) -> BaseForecast:
        volumes = history.volumes
        last = history.last_day
        recent_first = last - timedelta(days=TREND_DAYS - 1)
        recent = volumes[-TREND_DAYS:]
        earlier_first = years_earlier(recent_first, 1)
        earlier_last = years_earlier(last, 1)
        earlier = history.window(earlier_first, (earlier_last - earlier_first).days + 1)
        growth = float(np.mean(recent)) / max(float(np.mean(earlier)), 1e-9)
        point = np.empty(horizon_days)
        for step in range(horizon_days):
            day = last + timedelta(days=step + 1)
            years = 1
            while years_earlier(day, years) > last:
                years += 1
            source = years_earlier(day, years)
            if source < history.first_day:
                raise ModelFitError("horizon reaches past the history")
            point[step] = history.window(source, 1)[0] * growth**years
        logs = np.log1p(volumes)
        year_ago = [
            (index, (years_earlier(history.first_day + timedelta(days=index), 1)))
            for index in range(len(volumes) - 365, len(volumes))
        ]
        differences = np.array(
            [
                logs[index] - logs[(source - history.first_day).days]
                for index, source in year_ago
                if source >= history.first_day
            ]
        )
        spread = float(np.std(differences - differences.mean()))
        return from_log_scale(np.log1p(point), np.full(horizon_days, spread))

    def _weekly(self, history: SeriesHistory, horizon_days: int) -> BaseForecast:
        volumes = history.volumes
        steps = np.arange(1, horizon_days + 1)
        weeks = np.ceil(steps / 7)
        source = len(volumes) - 1 + steps - 7 * weeks
        point = volumes[source.astype(int)]
        logs = np.log1p(volumes)
        spread = float(np.std(logs[7:] - logs[:-7])) if len(volumes) > 7 else 0.0
        return from_log_scale(np.log1p(point), spread * np.sqrt(weeks))


@dataclass(frozen=True)
class PlainStatsforecast:
    """A statsforecast model on the raw volumes, weekly season, no calendar (``kind``:
    ``auto_ets``, ``auto_arima`` or ``seasonal_naive``)."""

    kind: str = "auto_ets"

    @property
    def name(self) -> str:
        return f"statsforecast_{self.kind}"

    def _model(self) -> Any:
        # statsforecast compiles with numba on import (seconds): only a fit pays for it
        from statsforecast.models import AutoARIMA, AutoETS  # noqa: PLC0415
        from statsforecast.models import SeasonalNaive as LibrarySeasonalNaive  # noqa: PLC0415

        if self.kind == "auto_ets":
            return AutoETS(season_length=7)
        if self.kind == "auto_arima":
            return AutoARIMA(season_length=7)
        if self.kind == "seasonal_naive":
            return LibrarySeasonalNaive(season_length=7)
        raise ValueError(self.kind)

    def forecast(
        self, history: SeriesHistory, horizon_days: int, calendar: EventCalendar
    ) -> BaseForecast:
        if len(history.volumes) < 28:
            raise ModelFitError("history too short")
        try:
            with warnings.catch_warnings(), np.errstate(all="ignore"):
                warnings.simplefilter("ignore")
                result = self._model().forecast(
                    np.asarray(history.volumes, dtype=float), horizon_days, level=[80, 95]
                )
        except Exception as error:  # statsforecast raises many kinds; all mean "no forecast"
            raise ModelFitError(str(error)) from error
        parts = [
            np.maximum(np.asarray(result[key], dtype=float), 0.0)
            for key in ("mean", "lo-80", "hi-80", "lo-95", "hi-95")
        ]
        if not all(np.all(np.isfinite(part)) for part in parts):
            raise ModelFitError("the forecast is not finite")
        return BaseForecast(*parts)

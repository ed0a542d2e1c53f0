"""The models: known multiples recovered, the baseline by hand, announced plans, fallback."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import pytest

from peakguard.forecast.baselines import SeasonalNaive
from peakguard.forecast.calendar import AnnouncedMultiple, EventCalendar
from peakguard.forecast.history import Level, SeriesHistory, SeriesKey, series_history
from peakguard.forecast.models import (
    BaseForecast,
    CalendarModel,
    CalendarRegression,
    ModelFitError,
    event_level,
)
from peakguard.forecast.orchestrator import forecast_volumes
from peakguard.forecast.synthetic import SyntheticSpec, expected_volumes

KEY = SeriesKey(Level.node, "ZTO", "510104", "ZTO-CD-1")


def quiet_spec() -> SyntheticSpec:
    return SyntheticSpec(noise=0.0, event_variation=0.0)


def noise_free(first: date, last: date) -> SeriesHistory:
    """noise_free: the process's median, so a correct model reproduces it almost exactly."""
    return series_history(
        KEY, first, expected_volumes(quiet_spec(), first, (last - first).days + 1)
    )


@pytest.mark.parametrize("model", [CalendarModel(), CalendarRegression()], ids=lambda m: m.name)
def test_calendar_models_recover_a_noise_free_peak(model: CalendarModel) -> None:
    """On the noise-free process the 11 November forecast is within 1 % of the truth."""
    first, origin = date(2021, 6, 1), date(2023, 10, 19)
    forecast = model.forecast(noise_free(first, origin), 35, EventCalendar())
    truth = expected_volumes(quiet_spec(), first, (origin - first).days + 36)[-35:]
    peak = (date(2023, 11, 11) - origin).days - 1
    assert forecast.point[peak] == pytest.approx(truth[peak], rel=0.01)
    assert np.all(forecast.lower_95 <= forecast.lower_80)
    assert np.all(forecast.lower_80 <= forecast.point)
    assert np.all(forecast.point <= forecast.upper_80)
    assert np.all(forecast.upper_80 <= forecast.upper_95)


def test_an_unseen_window_gets_the_prior_multiple() -> None:
    """Eight months of history (no Double 11): 11 November is the prior 2.0 × what the same
    model says when it knows nothing of Double 11."""
    first, origin = date(2023, 2, 20), date(2023, 10, 19)
    history = noise_free(first, origin)
    others = tuple(event for event in EventCalendar().events if event != "double11")
    forecast = CalendarRegression().forecast(history, 35, EventCalendar())
    without = CalendarRegression().forecast(history, 35, EventCalendar(events=others))
    peak = (date(2023, 11, 11) - origin).days - 1
    assert (1 + forecast.point[peak]) / (1 + without.point[peak]) == pytest.approx(2.0, rel=1e-9)


def test_an_announced_multiple_sets_the_day() -> None:
    """An announced 3× on a day without events triples it (on the 1 + volume scale); an
    announced 1× on 11 November removes the spike the model learnt (the process's 2.3×)."""
    first, origin = date(2021, 6, 1), date(2023, 10, 19)
    history = noise_free(first, origin)
    plain = CalendarRegression().forecast(history, 35, EventCalendar())
    quiet_day, peak_day = date(2023, 11, 22), date(2023, 11, 11)
    announced = EventCalendar(
        announced=(AnnouncedMultiple(quiet_day, 3.0), AnnouncedMultiple(peak_day, 1.0))
    )
    forecast = CalendarRegression().forecast(history, 35, announced)
    quiet, peak = (quiet_day - origin).days - 1, (peak_day - origin).days - 1
    assert (1 + forecast.point[quiet]) / (1 + plain.point[quiet]) == pytest.approx(3.0)
    learnt = quiet_spec().event_multiples["double11_day_0"]
    assert (1 + plain.point[peak]) / (1 + forecast.point[peak]) == pytest.approx(learnt, rel=0.02)


def test_an_event_size_that_keeps_moving_is_followed_and_one_that_wobbles_is_averaged() -> None:
    """The local-level rule by hand: two occurrences give their mean; 0, 1, 2 (a size that
    keeps moving) gives the last; 0, 1, 0 (a size that comes back) gives the mean, 1/3."""
    assert event_level(np.array([0.0, 0.1])) == pytest.approx(0.05)
    assert event_level(np.array([0.0, 1.0, 2.0])) == pytest.approx(2.0, abs=0.01)
    assert event_level(np.array([0.0, 1.0, 0.0])) == pytest.approx(1 / 3)
    assert event_level(np.array([0.7, 0.7, 0.7])) == pytest.approx(0.7)


def test_a_shrinking_double_11_is_followed_at_once() -> None:
    """Noise-free history whose 11 November fell from 2.8× to 2.3× to 1.8× a normal day
    (2020–2022): the 2023 forecast is the last size, 1.8×, not an average of the three."""
    first, origin = date(2019, 6, 1), date(2023, 10, 19)
    count = (origin - first).days + 36
    truth = expected_volumes(quiet_spec(), first, count)
    for year, multiple in ((2019, 2.8), (2020, 2.8), (2021, 2.3), (2022, 1.8), (2023, 1.8)):
        day = (date(year, 11, 11) - first).days
        truth[day] *= multiple / quiet_spec().event_multiples["double11_day_0"]
    history = series_history(KEY, first, truth[: (origin - first).days + 1])
    forecast = CalendarRegression().forecast(history, 35, EventCalendar())
    peak = (date(2023, 11, 11) - origin).days - 1
    assert forecast.point[peak] == pytest.approx(truth[-35:][peak], rel=0.02)


def test_seasonal_naive_repeats_last_week_by_hand() -> None:
    """Ten days 1..10: tomorrow repeats day 4 (a week before it), then 5, 6, …, 10, 4, 5."""
    history = series_history(KEY, date(2024, 3, 1), [float(v) for v in range(1, 11)])
    forecast = SeasonalNaive().forecast(history, 9, EventCalendar())
    assert forecast.point == pytest.approx([4, 5, 6, 7, 8, 9, 10, 4, 5])
    # log(1+y_t) − log(1+y_{t−7}) for t = 8, 9, 10: log(9/2), log(10/3), log(11/4).
    spread = np.std([math.log(9 / 2), math.log(10 / 3), math.log(11 / 4)])
    z95 = 1.959963984540054
    assert forecast.upper_95[0] == pytest.approx(5 * math.exp(z95 * spread) - 1)
    assert forecast.upper_95[7] == pytest.approx(5 * math.exp(z95 * spread * math.sqrt(2)) - 1)


def test_seasonal_naive_scales_last_year_by_trend() -> None:
    """A year and more of 100 a day, then 28 days of 120: the trend is 1.2, so each date
    forecasts its value a year earlier × 1.2 — 11 November last year's 500 becomes 600."""
    first = date(2022, 1, 1)
    origin = date(2023, 10, 31)
    count = (origin - first).days + 1
    volumes = np.full(count, 100.0)
    volumes[(date(2022, 11, 11) - first).days] = 500.0
    volumes[-28:] = 120.0
    forecast = SeasonalNaive().forecast(series_history(KEY, first, volumes), 30, EventCalendar())
    assert forecast.point[10] == pytest.approx(600.0)
    assert forecast.point[0] == pytest.approx(120.0)


@dataclass(frozen=True)
class Broken:
    """A model that always fails, as a solver error would."""

    @property
    def name(self) -> str:
        return "broken"

    def forecast(
        self, history: SeriesHistory, horizon_days: int, calendar: EventCalendar
    ) -> BaseForecast:
        raise ModelFitError("solver error")


def test_the_orchestrator_falls_back_and_records_it() -> None:
    """Broken → calendar model on the long series; a 20-day series falls to seasonal-naive."""
    first = date(2023, 1, 1)
    long = noise_free(first, date(2023, 10, 19))
    short_key = SeriesKey(Level.node, "SF", "510105", "SF-CD-1")
    short = series_history(short_key, date(2023, 9, 30), np.full(20, 50.0))
    run = forecast_volumes(
        [long, short],
        EventCalendar(),
        horizon_days=14,
        forecasters=[Broken(), CalendarRegression(), SeasonalNaive()],
    )
    models = run.result.models()
    assert models[KEY] == "calendar_regression"
    assert models[short_key] == "seasonal_naive"
    assert {(fallback.series, fallback.model) for fallback in run.fallbacks} >= {
        (KEY, "broken"),
        (short_key, "broken"),
        (short_key, "calendar_regression"),
    }
    assert run.result.by_key()[short_key].first_day == date(2023, 10, 20)
    assert len(run.result.by_key()[short_key].point) == 14
    assert date(2023, 10, 19) + timedelta(days=1) == run.result.series[0].first_day

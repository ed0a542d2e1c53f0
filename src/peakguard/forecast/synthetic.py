"""Synthetic daily volume series with a known generating process.

The log volume of day t (t = 0 on ``first_day``) is

    log y_t = log(base_volume) + log(1 + annual_growth) · t / 365.25
              + log w[weekday(t)]
              + Σ_f (log m_f + u_{f,year}) · x_f(t)
              + e_t,          e_t = φ · e_{t−1} + ε_t,   ε_t ~ N(0, σ²)

where ``w`` are the weekday multiples (Monday first), ``x_f`` the event calendar's 0/1 features
(:mod:`peakguard.forecast.calendar`), ``m_f`` the multiple of feature f, and ``u_{f,year}`` ~
N(0, event_variation²) a per-year wobble of each event's size (real peaks are not the same
multiple every year). With ``noise = 0`` and ``event_variation = 0`` the series is exactly
:func:`expected_volumes`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date

import numpy as np
import numpy.typing as npt

from peakguard.forecast.calendar import ALL_FEATURES, days_from, event_features

FloatArray = npt.NDArray[np.float64]

DEFAULT_EVENT_MULTIPLES: Mapping[str, float] = {
    "spring_festival_rush": 1.15,
    "spring_festival_wind_down": 0.7,
    "spring_festival_shutdown": 0.3,
    "spring_festival_recovery": 0.75,
    "june18_build_up": 1.1,
    "june18_peak": 1.4,
    "national_day": 0.9,
    "double11_presale": 1.15,
    "double11_first_wave": 1.5,
    "double11_build_up": 1.2,
    "double11_day_0": 2.3,
    "double11_day_1": 2.1,
    "double11_day_2": 1.9,
    "double11_day_3": 1.7,
    "double11_day_4": 1.55,
    "double11_day_5": 1.4,
    "double11_tail": 1.2,
    "double12": 1.4,
}
"""Multiples of a normal day. 11–16 November average 1.8×, near the 2020 national figure of
"about twice a normal day" (DOMAIN.md); the peak day 2.3× (2020: 6.75 亿 against about 3 亿)."""

DEFAULT_WEEKDAY_MULTIPLES: tuple[float, ...] = (1.05, 1.05, 1.02, 1.0, 1.0, 0.95, 0.93)


@dataclass(frozen=True)
class SyntheticSpec:
    """The parameters of the generating process (see the module docstring)."""

    base_volume: float = 100_000.0
    annual_growth: float = 0.15
    weekday_multiples: tuple[float, ...] = DEFAULT_WEEKDAY_MULTIPLES
    event_multiples: Mapping[str, float] = field(
        default_factory=lambda: dict(DEFAULT_EVENT_MULTIPLES)
    )
    noise: float = 0.05
    autocorrelation: float = 0.5
    event_variation: float = 0.05

    def __post_init__(self) -> None:
        if len(self.weekday_multiples) != 7:
            raise ValueError("weekday_multiples needs 7 values")
        unknown = set(self.event_multiples) - set(ALL_FEATURES)
        if unknown:
            raise ValueError(f"unknown features {sorted(unknown)}")


def _log_effects(spec: SyntheticSpec) -> FloatArray:
    return np.array([math.log(spec.event_multiples.get(name, 1.0)) for name in ALL_FEATURES])


def expected_log_volumes(spec: SyntheticSpec, first_day: date, count: int) -> FloatArray:
    """The noise-free log volume of each day."""
    days = days_from(first_day, count)
    t = np.arange(count, dtype=float)
    trend = math.log(spec.base_volume) + math.log1p(spec.annual_growth) * t / 365.25
    weekday = np.log(np.array(spec.weekday_multiples))[[day.weekday() for day in days]]
    events = event_features(days, ALL_FEATURES) @ _log_effects(spec)
    return np.asarray(trend + weekday + events, dtype=float)


def expected_volumes(spec: SyntheticSpec, first_day: date, count: int) -> FloatArray:
    """The noise-free volume of each day (the median of the process)."""
    return np.exp(expected_log_volumes(spec, first_day, count))


def synthetic_volumes(spec: SyntheticSpec, first_day: date, count: int, *, seed: int) -> FloatArray:
    """One draw of the process for ``count`` days from ``first_day``."""
    generator = np.random.default_rng(seed)
    days = days_from(first_day, count)
    log_volumes = expected_log_volumes(spec, first_day, count)
    if spec.event_variation > 0:
        features = event_features(days, ALL_FEATURES)
        years = np.array([day.year for day in days])
        for year in np.unique(years):
            wobble = generator.normal(0.0, spec.event_variation, len(ALL_FEATURES))
            rows = years == year
            log_volumes[rows] += features[rows] @ wobble
    if spec.noise > 0:
        shocks = generator.normal(0.0, spec.noise, count)
        errors = np.empty(count)
        previous = 0.0
        for index in range(count):
            previous = spec.autocorrelation * previous + shocks[index]
            errors[index] = previous
        log_volumes = log_volumes + errors
    return np.asarray(np.exp(log_volumes), dtype=float)

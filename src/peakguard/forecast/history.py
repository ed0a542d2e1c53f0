"""Daily volume history and forecasts as plain, immutable data.

A series is named by a :class:`SeriesKey`: its level (node, city, province, national), its
carrier (or :data:`ALL_CARRIERS`) and where it is (the node's id and region code, or the region
code of the city or province). History arrives as :class:`DailyVolume` rows (the shape of a CSV
file) and is checked and grouped into :class:`SeriesHistory` values, one contiguous run of days
per series. Forecasts come back as :class:`SeriesForecast` values with the point forecast and the
80 % and 95 % prediction intervals, and the name of the model that produced them.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

import numpy as np
import numpy.typing as npt

from peakguard.domain.regions import prefecture_code, province_code
from peakguard.errors import InvalidInputError, Problem
from peakguard.i18n import _

FloatArray = npt.NDArray[np.float64]

ALL_CARRIERS = "all"
"""The carrier of a series that sums every carrier."""
NATIONAL_REGION = "000000"
"""The region code of the national series."""


class Level(StrEnum):
    """Levels of the hierarchy, from the bottom up."""

    node = "node"
    city = "city"
    province = "province"
    national = "national"


LEVELS: tuple[Level, ...] = tuple(Level)


@dataclass(frozen=True, order=True)
class SeriesKey:
    """One series: ``level`` + ``carrier`` + ``region`` (+ ``node`` id at node level)."""

    level: Level
    carrier: str
    region: str
    node: str = ""

    def parent_region(self, level: Level) -> str:
        """The code of the region at ``level`` that contains this series."""
        if level is Level.national:
            return NATIONAL_REGION
        if level is Level.province:
            return province_code(self.region)
        if level is Level.city:
            return prefecture_code(self.region)
        return self.region

    def label(self) -> str:
        place = self.node or self.region
        return f"{self.level.value}:{self.carrier}:{place}"


@dataclass(frozen=True)
class DailyVolume:
    """One row of history: the volume (parcels) of one series on one day."""

    series: SeriesKey
    day: date
    volume: float


def _frozen(values: Iterable[float]) -> FloatArray:
    array = np.array(list(values), dtype=float)
    array.setflags(write=False)
    return array


@dataclass(frozen=True, eq=False)
class SeriesHistory:
    """One series' daily volumes from ``first_day``, one value per day without gaps."""

    key: SeriesKey
    first_day: date
    volumes: FloatArray

    @property
    def last_day(self) -> date:
        return self.first_day + timedelta(days=len(self.volumes) - 1)

    def until(self, last_day: date) -> SeriesHistory:
        """The history up to and including ``last_day`` (for backtests)."""
        count = (last_day - self.first_day).days + 1
        return SeriesHistory(self.key, self.first_day, _frozen(self.volumes[: max(count, 0)]))

    def window(self, first_day: date, count: int) -> FloatArray:
        """``count`` volumes from ``first_day`` (which must lie inside the history)."""
        start = (first_day - self.first_day).days
        return self.volumes[start : start + count]


def series_history(key: SeriesKey, first_day: date, volumes: Iterable[float]) -> SeriesHistory:
    return SeriesHistory(key, first_day, _frozen(volumes))


def group_history(rows: Iterable[DailyVolume]) -> tuple[SeriesHistory, ...]:
    """Check history rows and group them into series; every mistake is reported at once.

    Volumes must be finite and not negative; a series may not give a day twice nor skip one,
    and all series must be at one level (the bottom of the hierarchy).
    """
    by_series: dict[SeriesKey, dict[date, float]] = defaultdict(dict)
    problems: list[Problem] = []
    for index, row in enumerate(rows):
        where = f"history[{index}]"
        if not (math.isfinite(row.volume) and row.volume >= 0):
            problems.append(Problem(f"{where}.volume", _("must be a number of at least 0")))
            continue
        days = by_series[row.series]
        if row.day in days:
            problems.append(
                Problem(
                    f"{where}.day",
                    _("{day} is given twice for {series}", day=row.day, series=row.series.label()),
                )
            )
            continue
        days[row.day] = row.volume
    if not by_series and not problems:
        problems.append(Problem("history", _("no history was given")))
    levels = {key.level for key in by_series}
    if len(levels) > 1:
        problems.append(
            Problem(
                "history",
                _(
                    "all series must be at one level; found {levels}",
                    levels=", ".join(sorted(levels)),
                ),
            )
        )
    result = []
    for key in sorted(by_series):
        days = by_series[key]
        first, last = min(days), max(days)
        missing = (last - first).days + 1 - len(days)
        if missing:
            problems.append(
                Problem(
                    f"history[{key.label()}]",
                    _(
                        "{count} days are missing between {first} and {last}",
                        count=missing,
                        first=first,
                        last=last,
                    ),
                )
            )
            continue
        result.append(series_history(key, first, (days[d] for d in sorted(days))))
    if problems:
        raise InvalidInputError(_("the history has mistakes"), problems)
    return tuple(result)


@dataclass(frozen=True, eq=False)
class SeriesForecast:
    """Daily forecasts of one series from ``first_day``: the point and two intervals."""

    key: SeriesKey
    first_day: date
    point: FloatArray
    lower_80: FloatArray
    upper_80: FloatArray
    lower_95: FloatArray
    upper_95: FloatArray
    model: str

    @property
    def days(self) -> list[date]:
        return [self.first_day + timedelta(days=offset) for offset in range(len(self.point))]


@dataclass(frozen=True)
class ForecastResult:
    """Forecasts for every series of the hierarchy, reconciled so the levels add up."""

    series: tuple[SeriesForecast, ...]
    reconciliation: str

    def by_key(self) -> dict[SeriesKey, SeriesForecast]:
        return {forecast.key: forecast for forecast in self.series}

    def models(self) -> dict[SeriesKey, str]:
        """Which model produced each series' base forecast (after any fallback)."""
        return {forecast.key: forecast.model for forecast in self.series}

    def at_level(self, level: Level) -> tuple[SeriesForecast, ...]:
        return tuple(forecast for forecast in self.series if forecast.key.level is level)

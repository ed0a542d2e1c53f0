"""The event calendar: which days belong to which promotion or holiday, as regressor columns.

Each event is a set of named day windows; a window becomes one 0/1 column of the regressor
matrix, so a model estimates one (log) multiple per window from the history it is given. The
windows, in calendar order:

=============================  ==================================================================
feature                        days
=============================  ==================================================================
``spring_festival_rush``       25 to 11 days before the lunar new year: the year-end rush (年货节)
``spring_festival_wind_down``  10 to 1 days before: carriers stop long-distance pickup, staff leave
``spring_festival_shutdown``   new year's day and the 6 days after (春节 holiday, network thin)
``spring_festival_recovery``   7 to 15 days after: staff return, backlog of orders ships
``june18_build_up``            1–15 June: the 618 pre-sale shipments
``june18_peak``                16–20 June: 618 and the two days after
``national_day``               1–7 October: the National Day golden week
``double11_presale``           20–31 October: pre-sale window (long cycle since 2021)
``double11_first_wave``        1–3 November: first final-payment wave (double peak since 2021)
``double11_build_up``          4–10 November
``double11_day_0`` … ``_5``    11, 12, …, 16 November, one column each: the spike and its shape
``double11_tail``              17–20 November
``double12``                   12–14 December
=============================  ==================================================================

Lunar new-year dates come from :data:`SPRING_FESTIVAL`, a table for 2010–2030 (the dates of
正月初一 as published in the State Council's annual holiday notices and the Purple Mountain
Observatory's calendar); a day whose nearest new year is outside the table is refused.

Platform-announced plans (:class:`AnnouncedMultiple`) are not regressors: the forecaster sets the
announced days to the announced multiple of its own normal-day forecast (see
:mod:`peakguard.forecast.models`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

import numpy as np
import numpy.typing as npt

from peakguard.errors import InvalidInputError, Problem
from peakguard.i18n import _

FloatArray = npt.NDArray[np.float64]

SPRING_FESTIVAL: dict[int, date] = {
    2010: date(2010, 2, 14),
    2011: date(2011, 2, 3),
    2012: date(2012, 1, 23),
    2013: date(2013, 2, 10),
    2014: date(2014, 1, 31),
    2015: date(2015, 2, 19),
    2016: date(2016, 2, 8),
    2017: date(2017, 1, 28),
    2018: date(2018, 2, 16),
    2019: date(2019, 2, 5),
    2020: date(2020, 1, 25),
    2021: date(2021, 2, 12),
    2022: date(2022, 2, 1),
    2023: date(2023, 1, 22),
    2024: date(2024, 2, 10),
    2025: date(2025, 1, 29),
    2026: date(2026, 2, 17),
    2027: date(2027, 2, 6),
    2028: date(2028, 1, 26),
    2029: date(2029, 2, 13),
    2030: date(2030, 2, 3),
}
"""Lunar new year's day (正月初一) by Gregorian year, 2010–2030."""

SPRING_FESTIVAL_WINDOWS: tuple[tuple[str, int, int], ...] = (
    ("spring_festival_rush", -25, -11),
    ("spring_festival_wind_down", -10, -1),
    ("spring_festival_shutdown", 0, 6),
    ("spring_festival_recovery", 7, 15),
)
"""(feature, first offset, last offset) in days from lunar new year's day, inclusive."""

FIXED_WINDOWS: tuple[tuple[str, tuple[int, int], tuple[int, int]], ...] = (
    ("june18_build_up", (6, 1), (6, 15)),
    ("june18_peak", (6, 16), (6, 20)),
    ("national_day", (10, 1), (10, 7)),
    ("double11_presale", (10, 20), (10, 31)),
    ("double11_first_wave", (11, 1), (11, 3)),
    ("double11_build_up", (11, 4), (11, 10)),
    *((f"double11_day_{offset}", (11, 11 + offset), (11, 11 + offset)) for offset in range(6)),
    ("double11_tail", (11, 17), (11, 20)),
    ("double12", (12, 12), (12, 14)),
)
"""(feature, first (month, day), last (month, day)) inclusive, the same every year."""

EVENTS: dict[str, tuple[str, ...]] = {
    "spring_festival": tuple(name for name, _first, _last in SPRING_FESTIVAL_WINDOWS),
    "june18": ("june18_build_up", "june18_peak"),
    "national_day": ("national_day",),
    "double11": (
        "double11_presale",
        "double11_first_wave",
        "double11_build_up",
        *(f"double11_day_{offset}" for offset in range(6)),
        "double11_tail",
    ),
    "double12": ("double12",),
}
"""Event name → its feature columns, in calendar order."""

ALL_FEATURES: tuple[str, ...] = (
    *EVENTS["spring_festival"],
    *(name for name, _first, _last in FIXED_WINDOWS),
)

PRIOR_MULTIPLES: dict[str, float] = {
    "spring_festival_rush": 1.1,
    "spring_festival_wind_down": 0.7,
    "spring_festival_shutdown": 0.3,
    "spring_festival_recovery": 0.8,
    "june18_build_up": 1.1,
    "june18_peak": 1.3,
    "national_day": 1.0,
    "double11_presale": 1.15,
    "double11_first_wave": 1.6,
    "double11_build_up": 1.25,
    "double11_day_0": 2.0,
    "double11_day_1": 2.0,
    "double11_day_2": 1.9,
    "double11_day_3": 1.9,
    "double11_day_4": 1.8,
    "double11_day_5": 1.7,
    "double11_tail": 1.2,
    "double12": 1.4,
}
"""Multiples of a normal day used for a window the history has never seen (national figures).

From public national figures (``reference/double11_daily_peak.csv``): the 11 November peak
was 2.25× a normal day in 2020 (6.75 亿 against about 3 亿), 1.8× in 2022 and 1.87× in 2023,
so about 2×; 11–16 November averaged about 2× in 2020; 1–11 November averaged 1.3× (2022)
and 1.4× (2023), which the pre-sale, first-wave and build-up values reproduce (1.41×); 12.12 in
2021 took in 4.6 亿 against about 3 亿 a day that year; the 2022 National Day week averaged
3.05 亿 a day against 3.03 亿 over the year. The Spring Festival and 618 values are local
assumptions (no public figure found): change them when a carrier's own history says otherwise.
"""


@dataclass(frozen=True)
class AnnouncedMultiple:
    """A platform's announced plan: on ``day`` expect ``multiple`` × a normal day's volume."""

    day: date
    multiple: float

    def __post_init__(self) -> None:
        if not (math.isfinite(self.multiple) and self.multiple > 0):
            raise InvalidInputError(
                _("the announced plans have mistakes"),
                [
                    Problem(
                        f"announced[{self.day.isoformat()}].multiple",
                        _("must be greater than 0"),
                    )
                ],
            )


@dataclass(frozen=True)
class EventCalendar:
    """Which events the models may use, and the platforms' announced plans."""

    events: tuple[str, ...] = tuple(EVENTS)
    announced: tuple[AnnouncedMultiple, ...] = field(default_factory=tuple)

    def __post_init__(self) -> None:
        problems = [
            Problem(f"events[{index}]", _("unknown event {name}", name=name))
            for index, name in enumerate(self.events)
            if name not in EVENTS
        ]
        seen: set[date] = set()
        for plan in self.announced:
            if plan.day in seen:
                problems.append(
                    Problem(f"announced[{plan.day.isoformat()}]", _("the day is given twice"))
                )
            seen.add(plan.day)
        if problems:
            raise InvalidInputError(_("the event calendar has mistakes"), problems)

    @property
    def feature_names(self) -> tuple[str, ...]:
        wanted = {name for event in self.events for name in EVENTS[event]}
        return tuple(name for name in ALL_FEATURES if name in wanted)

    def announced_multiples(self) -> dict[date, float]:
        return {plan.day: plan.multiple for plan in self.announced}

    def features(self, first_day: date, count: int) -> FloatArray:
        """The 0/1 regressor matrix (count × features) for ``count`` days from ``first_day``."""
        return event_features(days_from(first_day, count), self.feature_names)


def days_from(first_day: date, count: int) -> list[date]:
    return [first_day + timedelta(days=offset) for offset in range(count)]


def spring_festival(year: int) -> date:
    """Lunar new year's day of ``year``; refused outside the table."""
    try:
        return SPRING_FESTIVAL[year]
    except KeyError:
        first, last = min(SPRING_FESTIVAL), max(SPRING_FESTIVAL)
        raise InvalidInputError(
            _("no Spring Festival date for {year}", year=year),
            [
                Problem(
                    "calendar",
                    _("dates must lie between {first} and {last}", first=first, last=last),
                )
            ],
        ) from None


def event_features(days: Sequence[date], names: Sequence[str]) -> FloatArray:
    """One 0/1 column per feature in ``names`` (see the module table), one row per day."""
    column = {name: index for index, name in enumerate(names)}
    matrix = np.zeros((len(days), len(names)), dtype=float)
    if not days:
        return matrix
    month_day = np.array([day.month * 100 + day.day for day in days])
    for name, (first_month, first_day), (last_month, last_day) in FIXED_WINDOWS:
        if name in column:
            inside = (month_day >= first_month * 100 + first_day) & (
                month_day <= last_month * 100 + last_day
            )
            matrix[inside, column[name]] = 1.0
    festival_windows = [window for window in SPRING_FESTIVAL_WINDOWS if window[0] in column]
    if not festival_windows:
        return matrix
    ordinals = np.array([day.toordinal() for day in days])
    years = np.array([day.year for day in days])
    # The earliest new year (21 January) less 25 days is 27 December: only days from 20
    # December on can fall in the next year's windows.
    late = month_day >= 1220
    needed = set(years.tolist()) | set((years[late] + 1).tolist())
    new_year = {year: spring_festival(year).toordinal() for year in needed}
    this_year = ordinals - np.array([new_year[year] for year in years])
    next_year = np.where(
        late,
        ordinals - np.array([new_year.get(year + 1, 0) for year in years]),
        10**6,
    )
    for name, first_offset, last_offset in festival_windows:
        for offsets in (this_year, next_year):
            inside = (offsets >= first_offset) & (offsets <= last_offset)
            matrix[inside, column[name]] = 1.0
    return matrix


def day_of_week_features(first_day: date, count: int) -> FloatArray:
    """Six 0/1 columns, Tuesday to Sunday (Monday is the reference day)."""
    weekday = (first_day.weekday() + np.arange(count)) % 7
    return np.asarray(weekday[:, None] == np.arange(1, 7)[None, :], dtype=float)

"""China's working-day calendar: weekends, the statutory holidays and the make-up working days.

A day is a working day when the year's holiday notice (国务院办公厅关于某年部分节假日安排的通知)
makes it one (a weekend day worked, 调休), or when it is a Monday to Friday the notice does not
give off. Each year is known only through its notice: the years the ``chinesecalendar`` package
carries (2004 to its last published notice), and the years an administrator loads from the
State Council's notice (``peakguard calendar load FILE``). A question about any other year is
refused with :class:`~peakguard.errors.CalendarYearMissingError` — never answered from weekends
alone, because a guess would move legal deadlines (docs/decisions/0013-working-day-calendar.md).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache

import chinese_calendar  # type: ignore[import-untyped]

from peakguard.errors import CalendarYearMissingError
from peakguard.i18n import Message, _

ONE_DAY = timedelta(days=1)
SATURDAY = 5


@dataclass(frozen=True)
class YearNotice:
    """One year's arrangement of holidays, as the State Council's notice gives it.

    Must hold: every day lies in ``year``; no day is both a rest day and a working day; every
    make-up working day is a Saturday or a Sunday (a weekday is a working day already)."""

    year: int
    rest_days: frozenset[date]
    """The statutory holidays and the days given off with them; weekend days inside a holiday's
    span may be listed too (they are rest days either way)."""
    working_days: frozenset[date]
    """Make-up working days (调休): weekend days worked."""
    source: str
    """Where the arrangement comes from: ``国办发明电〔2025〕7号`` or ``chinesecalendar 1.11.0``."""

    def __post_init__(self) -> None:
        outside = sorted(day for day in self.rest_days | self.working_days if day.year != self.year)
        if outside:
            raise ValueError(f"days outside {self.year}: {outside}")
        both = sorted(self.rest_days & self.working_days)
        if both:
            raise ValueError(f"days both rest and working: {both}")
        weekdays = sorted(day for day in self.working_days if day.weekday() < SATURDAY)
        if weekdays:
            raise ValueError(f"make-up working days that are not weekend days: {weekdays}")
        if not self.source.strip():
            raise ValueError("a notice names its source")

    def is_working_day(self, day: date) -> bool:
        """Whether ``day`` (of this notice's year) is a working day."""
        if day in self.working_days:
            return True
        return day.weekday() < SATURDAY and day not in self.rest_days


class WorkingCalendar:
    """The working days of the years whose notices it holds, and nothing else.

    Built from notices; when two notices give the same year, the later one replaces the earlier
    (so a loaded notice replaces the package's year)."""

    def __init__(self, notices: Iterable[YearNotice]) -> None:
        self._notices: dict[int, YearNotice] = {}
        for notice in notices:
            self._notices[notice.year] = notice

    @classmethod
    def china(cls, loaded: Iterable[YearNotice] = ()) -> WorkingCalendar:
        """The years ``chinesecalendar`` carries, then the ``loaded`` ones (which replace a
        package year they repeat)."""
        return cls((*package_notices(), *loaded))

    def knows(self, year: int) -> bool:
        """Whether the notice of ``year`` is held."""
        return year in self._notices

    def years(self) -> tuple[int, ...]:
        """The years held, in order."""
        return tuple(sorted(self._notices))

    def notice(self, year: int) -> YearNotice:
        """The notice of ``year``; raises CalendarYearMissingError when it is not held."""
        try:
            return self._notices[year]
        except KeyError:
            raise year_missing(year) from None

    def source_of(self, year: int) -> str:
        """Where the arrangement of ``year`` comes from; raises for an unknown year."""
        return self.notice(year).source

    def is_working_day(self, day: date) -> bool:
        """Whether ``day`` is a working day; raises CalendarYearMissingError for a year whose
        notice is not held."""
        return self.notice(day.year).is_working_day(day)

    def add_working_days(self, start: date, count: int) -> date:
        """The ``count``-th working day after ``start`` (the start day itself is not counted,
        whatever it is); ``start`` for a count of 0."""
        if count < 0:
            raise ValueError("a count of working days is not negative")
        day = start
        while count:
            day += ONE_DAY
            if self.is_working_day(day):
                count -= 1
        return day

    def first_working_day_from(self, day: date) -> date:
        """``day`` when it is a working day, else the first working day after it."""
        while not self.is_working_day(day):
            day += ONE_DAY
        return day

    def working_days_between(self, after: date, through: date) -> int:
        """How many working days lie after ``after`` up to and including ``through`` (0 when
        ``through`` is not later than ``after``)."""
        count, day = 0, after
        while day < through:
            day += ONE_DAY
            count += self.is_working_day(day)
        return count


def year_missing(year: int) -> CalendarYearMissingError:
    """The refusal of a working-day question about ``year``, telling the administrator what to
    load."""
    return CalendarYearMissingError(missing_year_message(year), year)


def missing_year_message(year: int) -> Message:
    return _(
        "the working days of {year} are not known: load the State Council's holiday notice "
        "for {year} (国务院办公厅关于{year}年部分节假日安排的通知) with "
        "`peakguard calendar load FILE`; peakguard does not guess working days",
        year=year,
    )


@cache
def package_notices() -> tuple[YearNotice, ...]:
    """One notice per year ``chinesecalendar`` carries, from its tables of holidays and of
    make-up working days (each day filed under its own year)."""
    rest: defaultdict[int, set[date]] = defaultdict(set)
    working: defaultdict[int, set[date]] = defaultdict(set)
    for day in chinese_calendar.holidays:
        rest[day.year].add(day)
    for day in chinese_calendar.workdays:
        working[day.year].add(day)
    source = f"chinesecalendar {chinese_calendar.__version__}"
    return tuple(
        YearNotice(year, frozenset(rest[year]), frozenset(working[year]), source)
        for year in range(min(rest), max(rest) + 1)
    )

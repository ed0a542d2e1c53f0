"""Bulletin periods: a China-Standard-Time day, a Monday–Sunday ISO week, a calendar month.

The regulator's rhythm is 日监控、周分析、月通报 (daily monitoring, weekly analysis, monthly
bulletin). Each period knows the one before it, against which the bulletin's changes (环比) are
measured, and the instants (UTC) where it starts and ends in China time.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum

from peakguard.domain.scans import CHINA_STANDARD_TIME
from peakguard.errors import InvalidInputError, Problem
from peakguard.i18n import Message, _


class PeriodKind(StrEnum):
    """How long a bulletin's period is."""

    daily = "daily"
    weekly = "weekly"
    monthly = "monthly"


@dataclass(frozen=True)
class Period:
    """The China-time days ``first_day`` … ``last_day`` (inclusive) of one bulletin."""

    kind: PeriodKind
    first_day: date
    last_day: date

    @property
    def label(self) -> str:
        """``2026-11-11``, ``2026-W46`` or ``2026-11``."""
        if self.kind is PeriodKind.daily:
            return self.first_day.isoformat()
        if self.kind is PeriodKind.weekly:
            year, week, _day = self.first_day.isocalendar()
            return f"{year}-W{week:02d}"
        return f"{self.first_day.year}-{self.first_day.month:02d}"

    @property
    def days(self) -> tuple[date, ...]:
        count = (self.last_day - self.first_day).days + 1
        return tuple(self.first_day + timedelta(days=offset) for offset in range(count))

    @property
    def start(self) -> datetime:
        """The first moment (UTC) of the first day in China time."""
        return _china_midnight(self.first_day)

    @property
    def end(self) -> datetime:
        """The first moment (UTC) after the last day in China time (the period is half-open)."""
        return _china_midnight(self.last_day + timedelta(days=1))

    def contains(self, day: date) -> bool:
        return self.first_day <= day <= self.last_day

    def previous(self) -> Period:
        """The period of the same kind just before this one."""
        before = self.first_day - timedelta(days=1)
        if self.kind is PeriodKind.daily:
            return day_period(before)
        if self.kind is PeriodKind.weekly:
            return week_period(before)
        return month_period(before.year, before.month)


def _china_midnight(day: date) -> datetime:
    return datetime.combine(day, time(), CHINA_STANDARD_TIME).astimezone(UTC)


def day_period(day: date) -> Period:
    return Period(PeriodKind.daily, day, day)


def week_period(day: date) -> Period:
    """The ISO week (Monday to Sunday) holding ``day``."""
    monday = day - timedelta(days=day.weekday())
    return Period(PeriodKind.weekly, monday, monday + timedelta(days=6))


def month_period(year: int, month: int) -> Period:
    first = date(year, month, 1)
    following = date(year + month // 12, month % 12 + 1, 1)
    return Period(PeriodKind.monthly, first, following - timedelta(days=1))


_WEEK = re.compile(r"^(\d{4})-?W(\d{1,2})$", re.IGNORECASE)
_MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")


def parse_day(text: str, location: str = "--day") -> date:
    """``2026-11-11`` as a date, or an error that says the form expected."""
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        message = _("{value} is not a day; write it as 2026-11-11.", value=text)
        raise _refused(location, message) from None


def parse_week(text: str, location: str = "--week") -> Period:
    """``2026-W46`` (ISO year and week) as its Monday–Sunday period."""
    match = _WEEK.match(text.strip())
    if match:
        year, week = int(match.group(1)), int(match.group(2))
        try:
            return week_period(date.fromisocalendar(year, week, 1))
        except ValueError:
            pass
    raise _refused(
        location,
        _("{value} is not an ISO week; write it as 2026-W46 (weeks 1 to 52 or 53).", value=text),
    )


def parse_month(text: str, location: str = "--month") -> Period:
    """``2026-11`` as its calendar month."""
    match = _MONTH.match(text.strip())
    if match and 1 <= int(match.group(2)) <= 12 and int(match.group(1)) >= 1:
        return month_period(int(match.group(1)), int(match.group(2)))
    raise _refused(location, _("{value} is not a month; write it as 2026-11.", value=text))


def _refused(location: str, message: Message) -> InvalidInputError:
    return InvalidInputError(_("The bulletin period is not valid."), [Problem(location, message)])

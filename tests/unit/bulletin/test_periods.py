"""Bulletin periods: China days, Monday–Sunday ISO weeks, calendar months, and the one before."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from peakguard.bulletin import (
    PeriodKind,
    day_period,
    month_period,
    parse_day,
    parse_month,
    parse_week,
    week_period,
)
from peakguard.errors import InvalidInputError
from peakguard.i18n import render


def test_a_day_runs_from_china_midnight_and_follows_the_day_before() -> None:
    """2026-11-11 in China time is 2026-11-10 16:00 UTC to 2026-11-11 16:00 UTC."""
    period = day_period(date(2026, 11, 11))
    assert period.start == datetime(2026, 11, 10, 16, tzinfo=UTC)
    assert period.end == datetime(2026, 11, 11, 16, tzinfo=UTC)
    assert period.previous() == day_period(date(2026, 11, 10))
    assert period.label == "2026-11-11"


def test_a_week_is_monday_to_sunday_and_a_day_finds_its_week() -> None:
    """2026-W46 is Monday 9 to Sunday 15 November; Wednesday the 11th lies in it."""
    week = parse_week("2026-W46")
    assert (week.first_day, week.last_day, week.kind) == (
        date(2026, 11, 9),
        date(2026, 11, 15),
        PeriodKind.weekly,
    )
    assert week_period(date(2026, 11, 11)) == week
    assert week.previous().label == "2026-W45"
    assert len(week.days) == 7
    assert parse_week("2027-W01").previous().label == "2026-W53"  # 2026 has 53 ISO weeks


def test_a_month_is_the_calendar_month_and_january_follows_december() -> None:
    """2026-11 has 30 days; the month before 2027-01 is 2026-12."""
    month = parse_month("2026-11")
    assert (month.first_day, month.last_day) == (date(2026, 11, 1), date(2026, 11, 30))
    assert month_period(2027, 1).previous() == month_period(2026, 12)
    assert month_period(2026, 12).last_day == date(2026, 12, 31)
    assert month.label == "2026-11"


@pytest.mark.parametrize(
    ("parse", "text", "hint"),
    [
        (parse_day, "2026-13-01", "2026-11-11"),
        (parse_day, "yesterday", "2026-11-11"),
        (parse_week, "2026-W60", "2026-W46"),
        (parse_week, "46", "2026-W46"),
        (parse_month, "2026-13", "2026-11"),
        (parse_month, "Nov", "2026-11"),
    ],
)
def test_bad_periods_say_the_form_expected(parse: object, text: str, hint: str) -> None:
    """A period that cannot be read is an input error naming the expected form."""
    with pytest.raises(InvalidInputError) as raised:
        parse(text)  # type: ignore[operator]
    [problem] = raised.value.problems
    assert hint in render(problem.message, "en")
    assert text in render(problem.message, "en")

"""The event calendar: windows where the module table says, lunar dates, refusals."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from peakguard.errors import InvalidInputError
from peakguard.forecast.calendar import (
    ALL_FEATURES,
    SPRING_FESTIVAL,
    AnnouncedMultiple,
    EventCalendar,
    day_of_week_features,
    event_features,
)


def active_days(name: str, year: int) -> list[date]:
    days = [date(year, 1, 1) + timedelta(days=k) for k in range(366 if year % 4 == 0 else 365)]
    column = ALL_FEATURES.index(name)
    matrix = event_features(days, ALL_FEATURES)
    return [day for day, flag in zip(days, matrix[:, column], strict=True) if flag]


def test_double11_spike_has_one_column_per_day() -> None:
    """double11_day_k is 1 on 11+k November only; the pre-sale runs 20–31 October."""
    for offset in range(6):
        assert active_days(f"double11_day_{offset}", 2023) == [date(2023, 11, 11 + offset)]
    presale = active_days("double11_presale", 2023)
    assert presale[0] == date(2023, 10, 20) and presale[-1] == date(2023, 10, 31)
    assert len(presale) == 12


def test_spring_festival_windows_follow_the_lunar_date() -> None:
    """The shutdown is new year's day and the 6 days after, in every year of the table."""
    for year, new_year in SPRING_FESTIVAL.items():
        if year == max(SPRING_FESTIVAL):
            continue
        shutdown = active_days("spring_festival_shutdown", year)
        assert shutdown == [new_year + timedelta(days=k) for k in range(7)]


def test_rush_for_an_early_new_year_starts_in_december() -> None:
    """2023's new year fell on 22 January, so its rush began 25 days earlier: 28 December 2022."""
    december = [day for day in active_days("spring_festival_rush", 2022) if day.month == 12]
    assert december[0] == date(2023, 1, 22) - timedelta(days=25)
    assert december[-1] == date(2022, 12, 31)


def test_windows_never_overlap() -> None:
    """Every day belongs to at most one window, 2010–2030."""
    days = [date(2010, 1, 1) + timedelta(days=k) for k in range(7600)]
    assert event_features(days, ALL_FEATURES).sum(axis=1).max() == 1


def test_a_day_beyond_the_table_is_refused() -> None:
    """There is no lunar date for 2031, so a day in 2031 cannot be featured."""
    with pytest.raises(InvalidInputError):
        event_features([date(2031, 3, 1)], ALL_FEATURES)


def test_bad_calendars_are_refused_with_locations() -> None:
    """Unknown events and a day announced twice are both reported."""
    with pytest.raises(InvalidInputError) as caught:
        EventCalendar(
            events=("double11", "black_friday"),
            announced=(
                AnnouncedMultiple(date(2024, 11, 11), 2.0),
                AnnouncedMultiple(date(2024, 11, 11), 2.5),
            ),
        )
    assert {problem.location for problem in caught.value.problems} == {
        "events[1]",
        "announced[2024-11-11]",
    }
    with pytest.raises(InvalidInputError):
        AnnouncedMultiple(date(2024, 11, 11), 0.0)


@settings(max_examples=50, deadline=None)
@given(first=st.dates(date(2015, 1, 1), date(2029, 1, 1)), count=st.integers(1, 60))
def test_weekday_columns_match_the_calendar(first: date, count: int) -> None:
    """Column k−1 is 1 exactly on weekday k (Tuesday = 1); Mondays are all zeros."""
    matrix = day_of_week_features(first, count)
    for row in range(count):
        weekday = (first + timedelta(days=row)).weekday()
        expected = np.zeros(6)
        if weekday:
            expected[weekday - 1] = 1
        assert matrix[row].tolist() == expected.tolist()

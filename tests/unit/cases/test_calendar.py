"""China's working-day calendar: the package's years checked against the State Council's
published notices, make-up working days, and the refusal of a year whose notice is missing."""

from __future__ import annotations

from datetime import date

import chinese_calendar
import pytest

from peakguard.cases.calendar import WorkingCalendar, YearNotice
from peakguard.errors import CalendarYearMissingError
from peakguard.i18n import render
from tests.unit.cases.conftest import days


def test_package_years_run_from_2004_to_2026(china: WorkingCalendar) -> None:
    """The package knows every year 2004–2026, each sourced to chinesecalendar, and no later."""
    assert china.years() == tuple(range(2004, 2027))
    assert china.source_of(2026) == f"chinesecalendar {chinese_calendar.__version__}"
    assert not china.knows(2027)
    assert not china.knows(2003)


def test_national_day_2026_as_the_notice_gives_it(china: WorkingCalendar) -> None:
    """The 2026 notice: 1–7 October 2026 off; Sun 20 September and Sat 10 October worked."""
    assert not any(china.is_working_day(day) for day in days(date(2026, 10, 1), date(2026, 10, 7)))
    assert china.is_working_day(date(2026, 9, 20))  # a Sunday
    assert china.is_working_day(date(2026, 10, 10))  # a Saturday
    assert china.is_working_day(date(2026, 10, 8))  # Thursday after the holiday
    assert not china.is_working_day(date(2026, 10, 11))  # an ordinary Sunday


def test_spring_festival_2026_as_the_notice_gives_it(china: WorkingCalendar) -> None:
    """The 2026 notice: 15–23 February off (9 days); Sat 14 and Sat 28 February worked."""
    assert not any(china.is_working_day(day) for day in days(date(2026, 2, 15), date(2026, 2, 23)))
    assert china.is_working_day(date(2026, 2, 14))
    assert china.is_working_day(date(2026, 2, 28))
    assert china.is_working_day(date(2026, 2, 13))  # the Friday before


def test_ordinary_weeks_are_monday_to_friday(china: WorkingCalendar) -> None:
    """Outside holidays a week is worked Monday to Friday: 16–22 November 2026."""
    week = [china.is_working_day(date(2026, 11, 16 + n)) for n in range(7)]
    assert week == [True, True, True, True, True, False, False]


def test_the_start_day_is_not_counted(china: WorkingCalendar) -> None:
    """Two working days after Wed 18 Nov 2026 are Thu 19 and Fri 20; zero is the start itself."""
    assert china.add_working_days(date(2026, 11, 18), 2) == date(2026, 11, 20)
    assert china.add_working_days(date(2026, 11, 18), 0) == date(2026, 11, 18)
    with pytest.raises(ValueError, match="not negative"):
        china.add_working_days(date(2026, 11, 18), -1)


def test_a_count_skips_the_holiday_and_takes_the_make_up_saturday(china: WorkingCalendar) -> None:
    """From Wed 30 Sep 2026: 1–7 Oct off, Thu 8 (1), Fri 9 (2), Sat 10 worked (3), Mon 12 (4)."""
    counted = [china.add_working_days(date(2026, 9, 30), n) for n in (1, 2, 3, 4)]
    assert counted == [date(2026, 10, 8), date(2026, 10, 9), date(2026, 10, 10), date(2026, 10, 12)]


def test_first_working_day_from(china: WorkingCalendar) -> None:
    """A working day is its own first working day; from 3 Oct 2026 (holiday) it is Thu 8 Oct."""
    assert china.first_working_day_from(date(2026, 10, 9)) == date(2026, 10, 9)
    assert china.first_working_day_from(date(2026, 10, 3)) == date(2026, 10, 8)
    assert china.first_working_day_from(date(2026, 10, 10)) == date(2026, 10, 10)


def test_working_days_between(china: WorkingCalendar) -> None:
    """After 30 Sep through 12 Oct 2026 lie four working days: 8, 9, 10 (make-up) and 12 Oct."""
    assert china.working_days_between(date(2026, 9, 30), date(2026, 10, 12)) == 4
    assert china.working_days_between(date(2026, 10, 12), date(2026, 9, 30)) == 0


def test_an_unknown_year_is_refused_naming_it(china: WorkingCalendar) -> None:
    """A question about 2027 (no notice loaded) is refused, naming 2027 and the command that
    loads its notice."""
    with pytest.raises(CalendarYearMissingError) as raised:
        china.is_working_day(date(2027, 1, 4))
    assert raised.value.year == 2027
    text = render(raised.value.message, "en")
    assert "2027" in text
    assert "peakguard calendar load FILE" in text
    assert raised.value.problems[0].location == "2027"


def test_a_count_into_an_unknown_year_is_refused(
    china: WorkingCalendar, china_2027: WorkingCalendar
) -> None:
    """Two working days after Wed 30 Dec 2026 need 2027: refused without its notice; with the
    hypothetical notice: Thu 31 Dec (1), 1 Jan off, 2–3 Jan weekend, Mon 4 Jan (2)."""
    with pytest.raises(CalendarYearMissingError) as raised:
        china.add_working_days(date(2026, 12, 30), 2)
    assert raised.value.year == 2027
    assert china_2027.add_working_days(date(2026, 12, 30), 2) == date(2027, 1, 4)


def test_a_count_inside_known_years_needs_no_later_notice(china: WorkingCalendar) -> None:
    """One working day after Wed 30 Dec 2026 is Thu 31 Dec: 2027 is never asked."""
    assert china.add_working_days(date(2026, 12, 30), 1) == date(2026, 12, 31)


def test_spring_festival_2027_with_the_hypothetical_notice(china_2027: WorkingCalendar) -> None:
    """With the hypothetical notice: 5–12 Feb 2027 off, Sun 31 Jan and Sat 20 Feb worked."""
    assert china_2027.source_of(2027).startswith("hypothetical")
    assert not any(china_2027.is_working_day(d) for d in days(date(2027, 2, 5), date(2027, 2, 12)))
    assert china_2027.is_working_day(date(2027, 1, 31))
    assert china_2027.is_working_day(date(2027, 2, 20))
    assert china_2027.is_working_day(date(2027, 2, 15))


def test_a_loaded_notice_replaces_the_package_year(china: WorkingCalendar) -> None:
    """A notice loaded for 2026 wins over the package's 2026 (an administrator's correction)."""
    corrected = YearNotice(2026, frozenset({date(2026, 11, 18)}), frozenset(), "a correction")
    calendar = WorkingCalendar.china(loaded=[corrected])
    assert calendar.source_of(2026) == "a correction"
    assert not calendar.is_working_day(date(2026, 11, 18))
    assert calendar.is_working_day(date(2026, 10, 1))  # the package's holiday is gone with it
    assert china.is_working_day(date(2026, 11, 18))  # the package calendar is unchanged


@pytest.mark.parametrize(
    ("rest", "working", "refusal"),
    [
        ({date(2028, 1, 3)}, set(), "outside 2027"),
        ({date(2027, 2, 20)}, {date(2027, 2, 20)}, "both rest and working"),
        (set(), {date(2027, 2, 17)}, "not weekend days"),  # a Wednesday
    ],
)
def test_a_notice_holds_only_consistent_days(
    rest: set[date], working: set[date], refusal: str
) -> None:
    """A notice is refused when a day lies outside its year, is both rest and working, or a
    make-up working day is a weekday."""
    with pytest.raises(ValueError, match=refusal):
        YearNotice(2027, frozenset(rest), frozenset(working), "test")


def test_a_notice_names_its_source() -> None:
    """A notice without a source is refused: every working day must be traceable."""
    with pytest.raises(ValueError, match="source"):
        YearNotice(2027, frozenset(), frozenset(), " ")

"""A year's holiday notice typed by an administrator: read, checked with located errors, and
written back."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from peakguard.cases.calendar import WorkingCalendar, YearNotice, package_notices
from peakguard.errors import InvalidInputError
from peakguard.formats.calendar_notice import notice_document, read_notice
from peakguard.i18n import render
from tests.unit.cases.conftest import HYPOTHETICAL_2027_SOURCE, hypothetical_notice_2027

NOTICE_2027 = f"""
# HYPOTHETICAL 2027 arrangement in the State Council's form (tests only, not the real notice)
year = 2027
source = "{HYPOTHETICAL_2027_SOURCE}"
rest_days = [
    "2027-01-01",                                 # 元旦 (Fri; 2-3 Jan are the weekend)
    {{ from = "2027-02-05", to = "2027-02-12" }},   # 春节: 除夕 Fri 5 Feb to Fri 12 Feb
]
working_days = ["2027-01-31", "2027-02-20"]       # Sun 31 Jan and Sat 20 Feb worked
"""


def test_the_notice_form_reads_the_2027_arrangement() -> None:
    """The TOML form gives the same notice as the days listed one by one in the fixture."""
    assert read_notice(NOTICE_2027) == hypothetical_notice_2027()


def test_toml_dates_are_days_too(tmp_path: Path) -> None:
    """Unquoted TOML dates are read like quoted ones, from a file."""
    path = tmp_path / "2027.toml"
    path.write_text(NOTICE_2027.replace('"2027-01-31"', "2027-01-31"), encoding="utf-8")
    assert read_notice(path) == hypothetical_notice_2027()


def test_a_loaded_notice_counts_across_the_2027_spring_festival() -> None:
    """Loaded into China's calendar, the notice makes 2 working days after Thu 4 Feb 2027 end on
    Tue 16 Feb (5–12 Feb off, 13–14 the weekend, Mon 15 and Tue 16 worked)."""
    calendar = WorkingCalendar.china(loaded=[read_notice(NOTICE_2027)])
    assert calendar.add_working_days(date(2027, 2, 4), 2) == date(2027, 2, 16)


BAD_NOTICE = """
year = 2027
rest_days = [
    { from = "2027-01-01", to = "2027-01-03" },
    "2026-12-31",
    { from = "2027-02-12", to = "2027-02-05" },
    { from = "2027-05-01", to = "2027-05-32" },
    "1 May",
    { from = "2027-10-01", until = "2027-10-07" },
]
working_days = ["2027-02-17", "2027-01-02", "2027-02-20"]
published = "2026-11-12"
"""


def test_a_bad_notice_lists_every_mistake_located() -> None:
    """A missing source, a day outside the year, a range ending before it begins, an impossible
    day, a day that is not a date, a range's unknown key, a weekday make-up day, a day both off
    and worked and an unknown key are all reported at once, by key and index."""
    with pytest.raises(InvalidInputError) as raised:
        read_notice(BAD_NOTICE, source="2027.toml")
    located = [problem.location for problem in raised.value.problems]
    assert sorted(located) == sorted(
        f"2027.toml: {where}"
        for where in (
            "published",
            "source",
            "rest_days[1]",
            "rest_days[2]",
            "rest_days[3].to",
            "rest_days[4]",
            "rest_days[5].until",
            "rest_days[5].to",
            "working_days[0]",
            "working_days[1]",
        )
    )
    messages = {p.location: render(p.message, "en") for p in raised.value.problems}
    assert "2026-12-31 is not in 2027" in messages["2027.toml: rest_days[1]"]
    assert "Saturday or a Sunday" in messages["2027.toml: working_days[0]"]
    assert "rest_days[0]" in messages["2027.toml: working_days[1]"]


@pytest.mark.parametrize(
    ("text", "where"),
    [
        ('source = "x"\nrest_days = ["2027-01-01"]\n', "year"),
        ('year = true\nsource = "x"\nrest_days = ["2027-01-01"]\n', "year"),
        ('year = 2027\nsource = "  "\nrest_days = ["2027-01-01"]\n', "source"),
        ('year = 2027\nsource = "x"\nrest_days = []\n', "rest_days"),
        ('year = 2027\nsource = "x"\nrest_days = "2027-01-01"\n', "rest_days"),
    ],
)
def test_a_notice_needs_its_year_source_and_days(text: str, where: str) -> None:
    """A notice without a year, a source or any rest day is refused at that key."""
    with pytest.raises(InvalidInputError) as raised:
        read_notice(text)
    assert [p.location for p in raised.value.problems] == [f"notice: {where}"]


def test_a_syntax_error_is_located_by_line(tmp_path: Path) -> None:
    """A TOML syntax error names the file, its line and column."""
    path = tmp_path / "2027.toml"
    path.write_text('year = 2027\nrest_days = ["2027-01-01",\n', encoding="utf-8")
    with pytest.raises(InvalidInputError) as raised:
        read_notice(path)
    assert raised.value.problems[0].location.startswith("2027.toml:")


def test_a_notice_is_written_with_ranges() -> None:
    """The Spring Festival's eight days are written as one range, make-up days one by one."""
    text = notice_document(hypothetical_notice_2027())
    assert '{ from = "2027-02-05", to = "2027-02-12" }' in text
    assert '"2027-01-31",' in text
    assert text.count("from =") == 1


def test_every_package_year_reads_back_written() -> None:
    """Each year the package carries, written as a notice and read again, is the same notice."""
    for notice in package_notices():
        assert read_notice(notice_document(notice)) == notice


@st.composite
def notices(draw: st.DrawFn) -> YearNotice:
    """A random consistent notice: rest days anywhere in the year, make-up working days on
    weekend days that are not rest days, and a source with quotes, backslashes and controls."""
    year = draw(st.integers(2000, 2100))
    first, last = date(year, 1, 1), date(year, 12, 31)
    rest = draw(st.frozensets(st.dates(first, last), min_size=1, max_size=40))
    weekend = st.dates(first, last).filter(lambda day: day.weekday() >= 5 and day not in rest)
    working = draw(st.frozensets(weekend, max_size=8))
    source = draw(st.text(min_size=1, max_size=30).filter(lambda text: text.strip() == text != ""))
    return YearNotice(year, rest, working, source)


@given(notice=notices())
def test_any_notice_reads_back_written(notice: YearNotice) -> None:
    """Writing a notice and reading it again gives the same notice."""
    assert read_notice(notice_document(notice)) == notice


def test_runs_of_days_become_ranges() -> None:
    """Three consecutive days and one apart give one range and one day."""
    start = date(2030, 5, 1)
    rest = frozenset(
        {start, start + timedelta(days=1), start + timedelta(days=2), date(2030, 6, 3)}
    )
    text = notice_document(YearNotice(2030, rest, frozenset(), "x"))
    assert '{ from = "2030-05-01", to = "2030-05-03" }' in text
    assert '"2030-06-03",' in text

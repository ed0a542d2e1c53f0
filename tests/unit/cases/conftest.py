"""Fixtures shared by the tests of the workflows' rules (peakguard.cases)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from peakguard.cases.calendar import WorkingCalendar, YearNotice
from peakguard.cases.clocks import ClockRule, load_clock_rules

HYPOTHETICAL_2027_SOURCE = "hypothetical 2027 arrangement for tests (not a State Council notice)"


def days(first: date, last: date) -> frozenset[date]:
    """Every day from ``first`` to ``last``, both included."""
    return frozenset(first + timedelta(days=n) for n in range((last - first).days + 1))


def hypothetical_notice_2027() -> YearNotice:
    """A HYPOTHETICAL 2027 arrangement in the State Council's form — the real notice
    (国务院办公厅关于2027年部分节假日安排的通知) is not published or not available offline, and
    peakguard never ships 2027 data. Only New Year's Day and the Spring Festival are given:

    - 元旦: Fri 1 January 2027 off (with the weekend of 2–3 January);
    - 春节: 除夕 is Fri 5 February 2027 (正月初一 Sat 6 February); off Fri 5 to Fri 12
      February, 8 days; make-up working days Sun 31 January and Sat 20 February.
    """
    return YearNotice(
        year=2027,
        rest_days=frozenset({date(2027, 1, 1)}) | days(date(2027, 2, 5), date(2027, 2, 12)),
        working_days=frozenset({date(2027, 1, 31), date(2027, 2, 20)}),
        source=HYPOTHETICAL_2027_SOURCE,
    )


@pytest.fixture(scope="session")
def notice_2027() -> YearNotice:
    """A hypothetical 2027 notice (New Year and Spring Festival only), for counts that span the
    2027 Spring Festival; see :func:`hypothetical_notice_2027`."""
    return hypothetical_notice_2027()


@pytest.fixture(scope="session")
def china() -> WorkingCalendar:
    """China's calendar as the package knows it (chinesecalendar: 2004–2026), nothing loaded."""
    return WorkingCalendar.china()


@pytest.fixture(scope="session")
def china_2027(notice_2027: YearNotice) -> WorkingCalendar:
    """China's calendar with the hypothetical 2027 notice loaded."""
    return WorkingCalendar.china(loaded=[notice_2027])


@pytest.fixture(scope="session")
def rules() -> dict[str, ClockRule]:
    """The packaged default clock rules, by key."""
    return dict(load_clock_rules())

"""The legal clocks: hand-worked deadlines across the 2026 National Day and the (hypothetical)
2027 Spring Festival, the counting convention's invariants, pauses, and the rules file.

Every expected deadline below is counted by hand in its docstring, day by day, from the
arrangement the State Council's notice gives (2026) or the hypothetical 2027 notice of
``conftest.hypothetical_notice_2027``: the start day is not counted; a calendar-day period
whose last day is a rest day ends on the next working day; a working-day period counts working
days only, make-up working days included; due = the end of the last day, 00:00 China time of
the next day.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta, timezone

import chinese_calendar
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from peakguard.cases.calendar import WorkingCalendar, YearNotice
from peakguard.cases.clocks import (
    RULE_KEYS,
    Basis,
    ClockRule,
    china_day,
    describe,
    due_at,
    load_clock_rules,
    resumed_due,
)
from peakguard.errors import CalendarYearMissingError, InvalidInputError
from peakguard.i18n import render


def china_time(text: str) -> datetime:
    """``2026-09-30 15:00`` China time."""
    return datetime.fromisoformat(f"{text}+08:00")


def midnight(day: str) -> datetime:
    """00:00 China time of ``day``: the end of the day before."""
    return china_time(f"{day} 00:00")


# -- 2026 National Day (1–7 Oct off; Sun 20 Sep and Sat 10 Oct worked; 25–27 Sep off) ------------


def test_register_across_national_day(china: WorkingCalendar, rules: dict[str, ClockRule]) -> None:
    """Appeal received Wed 30 Sep 2026 15:00, 2 working days: 1–7 Oct off, Thu 8 Oct (1),
    Fri 9 Oct (2) → due at the end of 9 Oct = 10 Oct 00:00."""
    due = due_at(rules["appeal.register"], china_time("2026-09-30 15:00"), china)
    assert due == midnight("2026-10-10")


def test_register_counts_the_make_up_saturday(
    china: WorkingCalendar, rules: dict[str, ClockRule]
) -> None:
    """Received Thu 8 Oct 2026: Fri 9 Oct (1), Sat 10 Oct, a make-up working day (2) → due
    11 Oct 00:00 (on weekends alone it would have been Mon 12 Oct)."""
    due = due_at(rules["appeal.register"], china_time("2026-10-08 09:00"), china)
    assert due == midnight("2026-10-11")


def test_mediation_counts_the_make_up_sunday(
    china: WorkingCalendar, rules: dict[str, ClockRule]
) -> None:
    """Opinion sent Fri 18 Sep 2026, 3 working days: Sat 19 off, Sun 20 Sep worked (1), Mon 21
    (2), Tue 22 (3) → due 23 Sep 00:00."""
    due = due_at(rules["appeal.mediation_answer"], china_time("2026-09-18 17:00"), china)
    assert due == midnight("2026-09-23")


def test_complaint_whose_seventh_day_is_in_the_holiday(
    china: WorkingCalendar, rules: dict[str, ClockRule]
) -> None:
    """Complaint received Sat 26 Sep 2026, 7 days: 27 Sep (1) … Sat 3 Oct (7), a holiday → moved
    to the first working day after it, Thu 8 Oct (民法典 art. 203) → due 9 Oct 00:00."""
    due = due_at(rules["complaint.answer"], china_time("2026-09-26 11:00"), china)
    assert due == midnight("2026-10-09")


def test_complaint_whose_seventh_day_is_worked(
    china: WorkingCalendar, rules: dict[str, ClockRule]
) -> None:
    """Received Mon 21 Sep 2026: the 7th day is Mon 28 Sep, a working day (the Mid-Autumn
    holiday 25–27 Sep lies inside the period and does not lengthen it) → due 29 Sep 00:00."""
    due = due_at(rules["complaint.answer"], china_time("2026-09-21 10:00"), china)
    assert due == midnight("2026-09-29")


def test_complaint_ending_on_the_make_up_saturday_is_not_moved(
    china: WorkingCalendar, rules: dict[str, ClockRule]
) -> None:
    """Received Sat 3 Oct 2026: the 7th day is Sat 10 Oct, a make-up working day, so it is not
    moved to Monday → due 11 Oct 00:00."""
    due = due_at(rules["complaint.answer"], china_time("2026-10-03 08:00"), china)
    assert due == midnight("2026-10-11")


def test_complaint_ending_on_an_ordinary_sunday(
    china: WorkingCalendar, rules: dict[str, ClockRule]
) -> None:
    """Received Sun 15 Nov 2026: the 7th day is Sun 22 Nov → Mon 23 Nov → due 24 Nov 00:00."""
    due = due_at(rules["complaint.answer"], china_time("2026-11-15 20:00"), china)
    assert due == midnight("2026-11-24")


def test_carrier_reply_ending_inside_national_day(
    china: WorkingCalendar, rules: dict[str, ClockRule]
) -> None:
    """Forwarded Tue 22 Sep 2026, 15 days: the 15th day is Wed 7 Oct, a holiday → Thu 8 Oct →
    due 9 Oct 00:00."""
    due = due_at(rules["appeal.carrier_reply"], china_time("2026-09-22 16:00"), china)
    assert due == midnight("2026-10-09")


def test_the_start_day_is_china_time(china: WorkingCalendar, rules: dict[str, ClockRule]) -> None:
    """Received 8 Oct 2026 16:30 UTC = Fri 9 Oct 00:30 China time: 9 Oct is not counted, Sat
    10 Oct (1), Sun 11 off, Mon 12 Oct (2) → due 13 Oct 00:00 (the UTC day would give 11 Oct)."""
    start = datetime(2026, 10, 8, 16, 30, tzinfo=UTC)
    assert due_at(rules["appeal.register"], start, china) == midnight("2026-10-13")


def test_hours_run_through_holidays(china: WorkingCalendar, rules: dict[str, ClockRule]) -> None:
    """An emergency answer (24 h) from 30 Sep 2026 22:30 China time is due 1 Oct 22:30, the
    holiday notwithstanding; the same instant given in UTC gives the same moment."""
    rule = rules["emergency.answer"]
    assert due_at(rule, china_time("2026-09-30 22:30"), china) == china_time("2026-10-01 22:30")
    in_utc = datetime(2026, 9, 30, 14, 30, tzinfo=UTC)
    assert due_at(rule, in_utc, china) == china_time("2026-10-01 22:30")


def test_a_naive_start_is_refused(china: WorkingCalendar, rules: dict[str, ClockRule]) -> None:
    """A start without a time zone is refused: the day it falls on would be a guess."""
    for key in ("appeal.register", "emergency.answer"):
        with pytest.raises(ValueError, match="time zone"):
            due_at(rules[key], datetime(2026, 9, 30, 15), china)


# -- windows not moved over rest days ------------------------------------------------------------


def test_retention_needs_no_calendar(china: WorkingCalendar, rules: dict[str, ClockRule]) -> None:
    """Records of an appeal closed 1 Oct 2026 are kept 1096 days: 2027 (365) + 2028 (366, a leap
    year) + 2029 (365) → the last day is 1 Oct 2029 exactly 3 years on, and no notice of 2029 is
    needed."""
    due = due_at(rules["appeal.retention"], china_time("2026-10-01 12:00"), china)
    assert due == midnight("2029-10-02")


def test_admissibility_window_is_a_year(
    china: WorkingCalendar, rules: dict[str, ClockRule]
) -> None:
    """A dispute of 1 Mar 2027: one year ends on the corresponding day, 1 Mar 2028 (366 days,
    across 29 Feb 2028), with no notice of 2027 or 2028 needed; a dispute of 1 Mar 2026 gets one
    day more than the corresponding day (2 Mar 2027), in the user's favour."""
    rule = rules["appeal.admissible_within"]
    assert due_at(rule, china_time("2027-03-01 09:00"), china) == midnight("2028-03-02")
    assert due_at(rule, china_time("2026-03-01 09:00"), china) == midnight("2027-03-03")


# -- 2027 Spring Festival (hypothetical: 5–12 Feb off; Sun 31 Jan and Sat 20 Feb worked) ---------


def test_register_across_spring_festival_2027(
    china_2027: WorkingCalendar, rules: dict[str, ClockRule]
) -> None:
    """Received Thu 4 Feb 2027: 5–12 Feb off, 13–14 weekend, Mon 15 (1), Tue 16 (2) → due
    17 Feb 00:00."""
    due = due_at(rules["appeal.register"], china_time("2027-02-04 10:00"), china_2027)
    assert due == midnight("2027-02-17")


def test_mediation_counts_the_make_up_sunday_2027(
    china_2027: WorkingCalendar, rules: dict[str, ClockRule]
) -> None:
    """Opinion sent Fri 29 Jan 2027: Sat 30 off, Sun 31 Jan worked (1), Mon 1 Feb (2), Tue 2
    (3) → due 3 Feb 00:00."""
    due = due_at(rules["appeal.mediation_answer"], china_time("2027-01-29 15:00"), china_2027)
    assert due == midnight("2027-02-03")


def test_complaint_ending_inside_spring_festival_2027(
    china_2027: WorkingCalendar, rules: dict[str, ClockRule]
) -> None:
    """Received Mon 1 Feb 2027: the 7th day is Mon 8 Feb, a holiday; 9–12 off, 13–14 weekend →
    Mon 15 Feb → due 16 Feb 00:00."""
    due = due_at(rules["complaint.answer"], china_time("2027-02-01 09:00"), china_2027)
    assert due == midnight("2027-02-16")


def test_answer_user_ending_on_the_weekend_after_spring_festival(
    china_2027: WorkingCalendar, rules: dict[str, ClockRule]
) -> None:
    """Received Thu 14 Jan 2027, 30 days: the 30th day is Sat 13 Feb (weekend) → Sun 14 off →
    Mon 15 Feb → due 16 Feb 00:00."""
    due = due_at(rules["appeal.answer_user"], china_time("2027-01-14 14:00"), china_2027)
    assert due == midnight("2027-02-16")


def test_register_counts_the_make_up_saturday_2027(
    china_2027: WorkingCalendar, rules: dict[str, ClockRule]
) -> None:
    """Received Thu 18 Feb 2027: Fri 19 (1), Sat 20 Feb worked (2) → due 21 Feb 00:00."""
    due = due_at(rules["appeal.register"], china_time("2027-02-18 10:00"), china_2027)
    assert due == midnight("2027-02-21")


def test_a_count_into_2027_needs_its_notice(
    china: WorkingCalendar, china_2027: WorkingCalendar, rules: dict[str, ClockRule]
) -> None:
    """A complaint received Mon 28 Dec 2026 ends on Mon 4 Jan 2027, which may be a rest day:
    refused without the 2027 notice, naming 2027 and the command; with it → due 5 Jan 00:00."""
    start = china_time("2026-12-28 10:00")
    with pytest.raises(CalendarYearMissingError) as raised:
        due_at(rules["complaint.answer"], start, china)
    assert raised.value.year == 2027
    assert "peakguard calendar load" in render(raised.value.message, "en")
    assert due_at(rules["complaint.answer"], start, china_2027) == midnight("2027-01-05")


# -- pauses --------------------------------------------------------------------------------------


def test_a_paused_hour_clock_moves_by_the_pause(
    china: WorkingCalendar, rules: dict[str, ClockRule]
) -> None:
    """Due 1 Oct 2026 22:30; paused 08:00–10:30 the same day → due 2 Oct 01:00."""
    due = resumed_due(
        rules["emergency.answer"],
        china_time("2026-10-01 22:30"),
        china_time("2026-10-01 08:00"),
        china_time("2026-10-01 10:30"),
        china,
    )
    assert due == china_time("2026-10-02 01:00")


def test_a_paused_working_day_clock(china: WorkingCalendar, rules: dict[str, ClockRule]) -> None:
    """Received Wed 30 Sep 2026, due 10 Oct 00:00 (last day Fri 9 Oct). Paused Thu 8 Oct, resumed
    Mon 12 Oct: 9, 10 (make-up) and 12 Oct lost = 3 working days → from Fri 9 Oct: Sat 10 (1),
    Mon 12 (2), Tue 13 (3) → due 14 Oct 00:00. (Check: 8 Oct was used, 1 day remains at the
    resumption, counted from the day after it: Tue 13 Oct.)"""
    due = resumed_due(
        rules["appeal.register"],
        midnight("2026-10-10"),
        china_time("2026-10-08 09:00"),
        china_time("2026-10-12 11:00"),
        china,
    )
    assert due == midnight("2026-10-14")


def test_a_paused_calendar_day_clock(china: WorkingCalendar, rules: dict[str, ClockRule]) -> None:
    """Received Mon 21 Sep 2026, due 29 Sep 00:00 (last day 28 Sep). Paused 23 Sep, resumed
    30 Sep: 7 days → 5 Oct, a holiday → Thu 8 Oct → due 9 Oct 00:00."""
    due = resumed_due(
        rules["complaint.answer"],
        midnight("2026-09-29"),
        china_time("2026-09-23 10:00"),
        china_time("2026-09-30 10:00"),
        china,
    )
    assert due == midnight("2026-10-09")


def test_a_pause_within_a_day_moves_no_day_count(
    china: WorkingCalendar, rules: dict[str, ClockRule]
) -> None:
    """Paused and resumed on the same day: a day count's deadline stays where it was."""
    for key in ("appeal.register", "complaint.answer"):
        due = midnight("2026-10-10")
        paused, resumed = china_time("2026-10-08 09:00"), china_time("2026-10-08 17:00")
        assert resumed_due(rules[key], due, paused, resumed, china) == due


def test_a_clock_cannot_resume_before_its_pause(
    china: WorkingCalendar, rules: dict[str, ClockRule]
) -> None:
    """Resuming before the pause is refused."""
    with pytest.raises(ValueError, match="resumes after"):
        resumed_due(
            rules["complaint.answer"],
            midnight("2026-10-10"),
            china_time("2026-10-08 09:00"),
            china_time("2026-10-07 09:00"),
            china,
        )


# -- what a clock shows ----------------------------------------------------------------------------


def test_every_clock_shows_its_basis_and_convention(rules: dict[str, ClockRule]) -> None:
    """Each rule's sentence names its limit and basis; day counts state the start day is not
    counted and the end-of-day deadline; a moved count says it moves to the next working day."""
    for rule in rules.values():
        text = render(describe(rule), "en")
        assert str(rule.limit) in text
        assert rule.basis.value.replace("_", " ") in text
        if rule.basis is not Basis.hours:
            assert "from the day after it starts" in text
            assert "end of the last" in text
        assert ("next working day" in text) == (
            rule.basis is Basis.calendar_days and rule.extends_over_rest_days
        )


def test_due_moments_are_exclusive_bounds(china: WorkingCalendar) -> None:
    """The deadline is the end of the last day: 23:59:59 of Fri 20 Nov 2026 is before it, and
    the bound is 00:00 of Sat 21 Nov, China time."""
    rule = ClockRule("appeal.register", 2, Basis.working_days, "test")
    due = due_at(rule, china_time("2026-11-18 10:00"), china)  # Wed → Thu (1), Fri (2)
    assert china_time("2026-11-20 23:59:59") < due == midnight("2026-11-21")


# -- invariants ----------------------------------------------------------------------------------

PACKAGE_DAYS = st.dates(date(2004, 1, 1), date(2026, 9, 30))
"""Start days whose counts (at most 30 working days) stay inside the package's years."""
ZONES = st.sampled_from([timezone(timedelta(hours=8)), UTC, timezone(timedelta(hours=-5))])


@st.composite
def moments(draw: st.DrawFn, days: st.SearchStrategy[date] = PACKAGE_DAYS) -> datetime:
    """A time-zone-aware moment on one of ``days`` (China time), given in some zone."""
    day = draw(days)
    seconds = draw(st.integers(0, 24 * 3600 - 1))
    moment = datetime.combine(day, datetime.min.time(), timezone(timedelta(hours=8)))
    return (moment + timedelta(seconds=seconds)).astimezone(draw(ZONES))


def rules_of(basis: Basis, most: int) -> st.SearchStrategy[ClockRule]:
    """Clock rules of ``basis`` with limits 1..``most``, moved over rest days or not."""
    return st.builds(
        ClockRule,
        key=st.just("test"),
        limit=st.integers(1, most),
        basis=st.just(basis),
        source=st.just("test"),
        extends_over_rest_days=st.booleans(),
    )


ANY_RULE = st.one_of(
    rules_of(Basis.calendar_days, 30), rules_of(Basis.working_days, 30), rules_of(Basis.hours, 720)
)


@settings(max_examples=200, deadline=None)
@given(rule=rules_of(Basis.working_days, 30), start=moments())
def test_a_working_day_deadline_is_a_working_day(
    china: WorkingCalendar, rule: ClockRule, start: datetime
) -> None:
    """A working-day deadline's last day is always a working day, and exactly ``limit`` working
    days lie after the start day up to it (checked day by day against chinesecalendar)."""
    last = china_day(due_at(rule, start, china)) - timedelta(days=1)
    assert chinese_calendar.is_workday(last)
    first = china_day(start)
    span = (last - first).days
    counted = sum(
        chinese_calendar.is_workday(first + timedelta(days=n)) for n in range(1, span + 1)
    )
    assert counted == rule.limit


@settings(max_examples=200, deadline=None)
@given(rule=rules_of(Basis.calendar_days, 30), start=moments())
def test_a_moved_calendar_day_deadline_ends_on_a_working_day(
    china: WorkingCalendar, rule: ClockRule, start: datetime
) -> None:
    """A calendar-day deadline is never earlier than start + limit days; when it moves over rest
    days it lands on the first working day on or after the limit's day, else exactly on it."""
    due = due_at(rule, start, china)
    assert due >= start + timedelta(days=rule.limit)
    nominal = china_day(start) + timedelta(days=rule.limit)
    last = china_day(due) - timedelta(days=1)
    if rule.extends_over_rest_days:
        assert chinese_calendar.is_workday(last)
        skipped = [nominal + timedelta(days=n) for n in range((last - nominal).days)]
        assert not any(chinese_calendar.is_workday(day) for day in skipped)
    else:
        assert last == nominal


@settings(max_examples=200, deadline=None)
@given(rule=ANY_RULE, start=moments())
def test_a_deadline_is_never_before_its_start(
    china: WorkingCalendar, rule: ClockRule, start: datetime
) -> None:
    """Whatever the rule, the due moment is later than the start."""
    assert due_at(rule, start, china) > start


@settings(max_examples=200, deadline=None)
@given(
    rule=ANY_RULE,
    start=moments(st.dates(date(2026, 1, 1), date(2027, 10, 31))),
    rest_day=st.dates(date(2026, 1, 1), date(2027, 12, 31)),
)
def test_adding_a_rest_day_never_moves_a_deadline_earlier(
    china_2027: WorkingCalendar,
    notice_2027: YearNotice,
    rule: ClockRule,
    start: datetime,
    rest_day: date,
) -> None:
    """Giving one more day off (a make-up working day taken back, or a new holiday) in a
    notice moves no deadline earlier."""
    notice = notice_2027 if rest_day.year == 2027 else china_2027.notice(2026)
    more_rest = replace(
        notice,
        rest_days=notice.rest_days | {rest_day},
        working_days=notice.working_days - {rest_day},
    )
    calendar = WorkingCalendar.china(loaded=[notice_2027, more_rest])
    assert due_at(rule, start, calendar) >= due_at(rule, start, china_2027)


@settings(max_examples=100, deadline=None)
@given(
    rule=ANY_RULE,
    start=moments(),
    pause=st.integers(0, 30 * 24 * 3600),
    length=st.integers(0, 30 * 24 * 3600),
)
def test_a_pause_never_moves_a_deadline_earlier(
    china: WorkingCalendar, rule: ClockRule, start: datetime, pause: int, length: int
) -> None:
    """A paused and resumed clock is due no earlier than it was."""
    due = due_at(rule, start, china)
    paused = start + timedelta(seconds=pause)
    resumed = paused + timedelta(seconds=length)
    assert resumed_due(rule, due, paused, resumed, china) >= due


# -- the rules file ------------------------------------------------------------------------------

DOMAIN_TABLE = {
    "complaint.answer": (7, Basis.calendar_days),
    "appeal.register": (2, Basis.working_days),
    "appeal.carrier_reply": (15, Basis.calendar_days),
    "appeal.mediation_answer": (3, Basis.working_days),
    "appeal.answer_user": (30, Basis.calendar_days),
    "emergency.answer": (24, Basis.hours),
    "emergency.call_back": (48, Basis.hours),
}
"""The limits of DOMAIN.md's "clocks, in one place" and the issue (transcribed by hand)."""


def test_the_packaged_defaults_are_the_published_limits(rules: dict[str, ClockRule]) -> None:
    """The packaged rules hold every clock the workflows run, with the published limit and basis,
    a cited source, and the noted disagreements (7 and 30 working days in some sources)."""
    assert set(rules) == set(RULE_KEYS)
    assert {key: (rules[key].limit, rules[key].basis) for key in DOMAIN_TABLE} == DOMAIN_TABLE
    assert rules["complaint.answer"].source == "快递暂行条例 第二十八条"
    assert all(rule.source and rule.start_event for rule in rules.values())
    assert "working days" in rules["complaint.answer"].note
    assert "working days" in rules["appeal.answer_user"].note
    assert not rules["appeal.retention"].extends_over_rest_days
    assert not rules["appeal.admissible_within"].extends_over_rest_days


def years_on(day: date, years: int) -> date:
    """The corresponding day ``years`` on (民法典 art. 201); 1 March for a 29 February."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return date(day.year + years, 3, 1)


@given(closed=st.dates(date(2004, 1, 1), date(2096, 12, 31)))
def test_retention_is_at_least_three_years(rules: dict[str, ClockRule], closed: date) -> None:
    """Records are kept at least 3 years from any closing day: the retention's last day is never
    before the corresponding day 3 years on."""
    last = closed + timedelta(days=rules["appeal.retention"].limit)
    assert last >= years_on(closed, 3)


@given(dispute=st.dates(date(2004, 1, 1), date(2096, 12, 31)))
def test_admissibility_is_never_shorter_than_a_year(
    rules: dict[str, ClockRule], dispute: date
) -> None:
    """An appeal is admissible at least up to the corresponding day a year after the dispute
    (民法典 art. 201), and at most one day past it."""
    last = dispute + timedelta(days=rules["appeal.admissible_within"].limit)
    assert timedelta(0) <= last - years_on(dispute, 1) <= timedelta(days=1)


BAD_RULES = """
["appeal.register"]
limit = 2
basis = "business_days"
source = "邮政业用户申诉处理办法"

["appeal.carrier_reply"]
limit = -15
basis = "calendar_days"

["complaint.answer"]
limit = true
basis = "calendar_days"
source = "快递暂行条例 第二十八条"
extends_over_rest_days = "yes"
remind_before_hours = 200
colour = "red"

["appeal.answer_users"]
limit = 30
basis = "calendar_days"
source = "x"
"""


def test_a_bad_rules_file_lists_every_mistake_located() -> None:
    """Unknown basis, negative limit, missing source, a flag not true/false, an unknown field
    and an unknown clock are all reported at once, each at its clock and field."""
    with pytest.raises(InvalidInputError) as raised:
        load_clock_rules(BAD_RULES, where="local.toml")
    located = {problem.location for problem in raised.value.problems}
    assert located == {
        "local.toml: appeal.register.basis",
        "local.toml: appeal.carrier_reply.limit",
        "local.toml: appeal.carrier_reply.source",
        "local.toml: complaint.answer.limit",
        "local.toml: complaint.answer.extends_over_rest_days",
        "local.toml: complaint.answer.colour",
        "local.toml: appeal.answer_users",
    }
    basis = next(p for p in raised.value.problems if p.location.endswith("basis"))
    assert "working_days" in render(basis.message, "en")


def test_a_reminder_before_the_clock_starts_is_refused() -> None:
    """A 48-hour clock with a reminder 48 hours before its deadline is refused."""
    text = '["emergency.call_back"]\nlimit = 48\nbasis = "hours"\nsource = "x"\n'
    with pytest.raises(InvalidInputError) as raised:
        load_clock_rules(text + "remind_before_hours = 48\n")
    assert [p.location for p in raised.value.problems] == [
        "clock_rules.toml: emergency.call_back.remind_before_hours"
    ]
    assert load_clock_rules(text + "remind_before_hours = 47\n")["emergency.call_back"].limit == 48


def test_a_rules_file_changes_only_the_clocks_it_names(rules: dict[str, ClockRule]) -> None:
    """A deployment that counts complaints in working days (the 2015 city page) names that clock
    only, in either TOML spelling; every other clock keeps the packaged default."""
    quoted = '["complaint.answer"]\nlimit = 7\nbasis = "working_days"\nsource = "a city rule"\n'
    nested = quoted.replace('["complaint.answer"]', "[complaint.answer]")
    for text in (quoted, nested):
        changed = load_clock_rules(text)
        assert changed["complaint.answer"].basis is Basis.working_days
        assert changed["complaint.answer"].source == "a city rule"
        assert {key: changed[key] for key in RULE_KEYS if key != "complaint.answer"} == {
            key: rules[key] for key in RULE_KEYS if key != "complaint.answer"
        }


def test_a_rules_file_syntax_error_is_located_by_line() -> None:
    """A TOML syntax error names the file, its line and column."""
    with pytest.raises(InvalidInputError) as raised:
        load_clock_rules('["appeal.register"]\nlimit = = 2\n', where="local.toml")
    assert raised.value.problems[0].location.startswith("local.toml:2:")

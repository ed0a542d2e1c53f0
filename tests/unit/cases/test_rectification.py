"""The rectification order's and the penalty case's steps against a hand-written table of
every state × step, and the order's deadline against hand-worked dates on China's calendar."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from peakguard.cases.calendar import WorkingCalendar
from peakguard.cases.clocks import load_clock_rules
from peakguard.cases.model import Side
from peakguard.cases.rectification import (
    DEADLINE_RULE,
    ORDER_TRANSITIONS,
    PENALTY_TRANSITIONS,
    DeadlineBasis,
    DeadlineSpec,
    OrderState,
    OrderStep,
    PenaltyState,
    PenaltyStep,
    allowed,
    deadline_of,
    parse_deadline,
    reminder_kind,
    reminders_due,
    transition,
)
from peakguard.errors import CalendarYearMissingError, IllegalTransitionError, InvalidInputError

CHINA = ZoneInfo("Asia/Shanghai")
C, R = Side.carrier, Side.regulator

EXPECTED_ORDER: dict[tuple[str, str], tuple[str, Side]] = {
    ("issued", "respond"): ("reported", C),
    ("issued", "request_extension"): ("extension_requested", C),
    ("issued", "escalate"): ("escalated", R),
    ("extension_requested", "respond"): ("reported", C),
    ("extension_requested", "grant_extension"): ("issued", R),
    ("extension_requested", "refuse_extension"): ("issued", R),
    ("extension_requested", "escalate"): ("escalated", R),
    ("reported", "recheck_pass"): ("closed", R),
    ("reported", "recheck_fail"): ("escalated", R),
}
"""Written by hand from the workflow an inspector expects; every other pair is illegal (a
closed or escalated order takes no step)."""

EXPECTED_PENALTY: dict[tuple[str, str], tuple[str, Side]] = {
    ("opened", "propose"): ("proposed", R),
    ("opened", "not_punish"): ("not_punished", R),
    ("proposed", "propose"): ("proposed", R),
    ("proposed", "decide"): ("decided", R),
    ("proposed", "not_punish"): ("not_punished", R),
}


@pytest.mark.parametrize("state", list(OrderState))
@pytest.mark.parametrize("step", list(OrderStep))
def test_every_order_state_and_step_follows_the_hand_written_table(
    state: OrderState, step: OrderStep
) -> None:
    """A legal pair moves to the expected state for its side only; the other side and every
    illegal pair raise IllegalTransitionError naming the steps allowed."""
    expected = EXPECTED_ORDER.get((state.value, step.value))
    if expected is None:
        with pytest.raises(IllegalTransitionError) as refused:
            transition(ORDER_TRANSITIONS, state, step, None)
        assert refused.value.allowed == allowed(ORDER_TRANSITIONS, state)
        return
    target, side = expected
    assert transition(ORDER_TRANSITIONS, state, step, side).target == target
    assert transition(ORDER_TRANSITIONS, state, step, None).target == target
    other = R if side is C else C
    with pytest.raises(IllegalTransitionError):
        transition(ORDER_TRANSITIONS, state, step, other)


@pytest.mark.parametrize("state", list(PenaltyState))
@pytest.mark.parametrize("step", list(PenaltyStep))
def test_every_penalty_state_and_step_follows_the_hand_written_table(
    state: PenaltyState, step: PenaltyStep
) -> None:
    """Only the administration takes a penalty case's steps; a decided case takes none."""
    expected = EXPECTED_PENALTY.get((state.value, step.value))
    if expected is None:
        with pytest.raises(IllegalTransitionError):
            transition(PENALTY_TRANSITIONS, state, step, R)
        return
    assert transition(PENALTY_TRANSITIONS, state, step, R).target == expected[0]
    with pytest.raises(IllegalTransitionError):
        transition(PENALTY_TRANSITIONS, state, step, C)


def test_the_tables_hold_exactly_the_hand_written_moves() -> None:
    """Nothing in the code's tables that the hand-written ones do not have."""
    order = {(m.source, m.step): (m.target, next(iter(m.sides))) for m in ORDER_TRANSITIONS}
    penalty = {(m.source, m.step): (m.target, next(iter(m.sides))) for m in PENALTY_TRANSITIONS}
    assert order == EXPECTED_ORDER
    assert penalty == EXPECTED_PENALTY


CALENDAR = WorkingCalendar.china()
THURSDAY = datetime(2026, 12, 3, 10, 0, tzinfo=CHINA)


def due(spec: DeadlineSpec, start: datetime = THURSDAY) -> datetime:
    return deadline_of(spec, start, CALENDAR, source="test").due_at


def test_calendar_days_end_on_a_working_day() -> None:
    """10 days from Thursday 3 December 2026: the 13th is a Sunday, so the last day is Monday
    the 14th, due at its end (00:00 China time on the 15th)."""
    spec = DeadlineSpec(DeadlineBasis.calendar_days, days=10)
    assert due(spec) == datetime(2026, 12, 15, tzinfo=CHINA)


def test_working_days_skip_the_weekend() -> None:
    """5 working days from Thursday 3 December: Fri 4, Mon 7, Tue 8, Wed 9, Thu 10."""
    spec = DeadlineSpec(DeadlineBasis.working_days, days=5)
    assert due(spec) == datetime(2026, 12, 11, tzinfo=CHINA)


def test_working_days_skip_national_day_and_count_the_make_up_day() -> None:
    """3 working days from Monday 29 September 2025: Tue 30, then 1–8 October off, Thu 9,
    Fri 10 (Saturday 11 is a make-up working day but the count is already done)."""
    start = datetime(2025, 9, 29, 16, 0, tzinfo=CHINA)
    spec = DeadlineSpec(DeadlineBasis.working_days, days=3)
    assert due(spec, start) == datetime(2025, 10, 11, tzinfo=CHINA)
    week = DeadlineSpec(DeadlineBasis.calendar_days, days=7)  # 6 October is a holiday → Thu 9
    assert due(week, start) == datetime(2025, 10, 10, tzinfo=CHINA)


def test_a_dated_deadline_is_the_end_of_that_day_and_must_be_later_than_the_issue() -> None:
    """2026-12-20 ends at 00:00 on the 21st; the day of issue itself, and a date more than a
    year away, are refused."""
    assert due(DeadlineSpec(DeadlineBasis.date, on=date(2026, 12, 20))) == datetime(
        2026, 12, 21, tzinfo=CHINA
    )
    with pytest.raises(InvalidInputError):
        due(DeadlineSpec(DeadlineBasis.date, on=date(2026, 12, 3)))
    with pytest.raises(InvalidInputError):  # more than a year: a typing mistake
        due(DeadlineSpec(DeadlineBasis.date, on=date(2099, 1, 1)))


def test_a_year_without_its_notice_is_refused_not_guessed() -> None:
    """Working days into 2030 (no notice loaded): refused."""
    with pytest.raises(CalendarYearMissingError):
        due(DeadlineSpec(DeadlineBasis.working_days, days=5), datetime(2030, 3, 1, tzinfo=CHINA))


@pytest.mark.parametrize(
    ("text", "spec"),
    [
        ("10d", DeadlineSpec(DeadlineBasis.calendar_days, days=10)),
        ("10", DeadlineSpec(DeadlineBasis.calendar_days, days=10)),
        ("5wd", DeadlineSpec(DeadlineBasis.working_days, days=5)),
        ("2026-12-20", DeadlineSpec(DeadlineBasis.date, on=date(2026, 12, 20))),
    ],
)
def test_deadlines_are_typed_as_a_date_or_a_count(text: str, spec: DeadlineSpec) -> None:
    """What the CLI and the forms accept."""
    assert parse_deadline(text) == spec


@pytest.mark.parametrize("text", ["0d", "400d", "tomorrow", "5w", "2026-13-01"])
def test_a_wrong_deadline_is_refused_at_its_field(text: str) -> None:
    """Zero days, more than a year, words and impossible dates are refused, located."""
    with pytest.raises(InvalidInputError) as refused:
        parse_deadline(text)
    assert refused.value.problems[0].location == "deadline"


def test_reminders_come_3_days_and_1_day_before_and_are_caught_up() -> None:
    """Due at 00:00 on the 15th: nothing on the 11th, the 3-day one at 00:00 on the 12th, both
    on the 14th; a sweep after the deadline finds both (caught up); a 2-day order gets only
    the 1-day reminder."""
    deadline = datetime(2026, 12, 15, tzinfo=CHINA)
    assert reminders_due(THURSDAY, deadline, datetime(2026, 12, 11, 23, tzinfo=CHINA)) == ()
    three, one = timedelta(days=3), timedelta(days=1)
    assert reminders_due(THURSDAY, deadline, datetime(2026, 12, 12, tzinfo=CHINA)) == (three,)
    assert reminders_due(THURSDAY, deadline, datetime(2026, 12, 14, 9, tzinfo=CHINA)) == (
        three,
        one,
    )
    assert reminders_due(THURSDAY, deadline, deadline + timedelta(days=9)) == (three, one)
    short = datetime(2026, 12, 5, tzinfo=CHINA)
    assert reminders_due(THURSDAY, short, short) == (one,)
    assert [reminder_kind(b) for b in (three, one)] == ["remind.72h", "remind.24h"]


def test_the_packaged_clock_rule_cites_the_order_itself() -> None:
    """The rule of an order's clock: set per order, its source the order."""
    rule = load_clock_rules()[DEADLINE_RULE]
    assert "责令整改通知书" in rule.source
    assert rule.remind_before == timedelta(days=3)

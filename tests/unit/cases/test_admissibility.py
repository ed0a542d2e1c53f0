"""An appeal is admitted exactly when it meets every condition of 邮政业用户申诉处理办法, and a
refusal names every condition it fails: hand-worked cases for each, and properties."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from peakguard.cases.admissibility import decide, decide_by_rules
from peakguard.cases.calendar import WorkingCalendar
from peakguard.cases.clocks import ClockRule
from peakguard.cases.model import AppealFacts, RejectionReason
from peakguard.errors import CalendarYearMissingError, InvalidInputError
from peakguard.i18n import render

DISPUTE = date(2025, 3, 1)
"""A Saturday; the carrier is complained to the same day in most cases below."""


@pytest.fixture
def silent_carrier() -> AppealFacts:
    """Complained to the carrier on 1 March 2025, no answer: its 7 days end on 8 March."""
    return AppealFacts(dispute_on=DISPUTE, complained_to_carrier_on=DISPUTE)


def test_silent_carrier_past_its_seven_days_is_admissible(silent_carrier: AppealFacts) -> None:
    """No answer by 8 March (1 March + 7 days): an appeal received on 9 March is admitted, and
    the explanation names the carrier's last day."""
    decision = decide(silent_carrier, received=date(2025, 3, 9))
    assert decision.admissible
    assert decision.reasons == ()
    assert "2025-03-08" in render(decision.explanation, "en")


def test_carrier_still_within_its_seven_days_is_refused(silent_carrier: AppealFacts) -> None:
    """On 8 March the carrier still has its last day: the appeal is refused as not asked of
    the carrier first, and the explanation says until when the carrier may answer."""
    decision = decide(silent_carrier, received=date(2025, 3, 8))
    assert not decision.admissible
    assert decision.reasons == (RejectionReason.carrier_not_asked_first,)
    assert "2025-03-08" in render(decision.explanation, "en")


def test_last_day_moved_over_a_holiday_is_respected() -> None:
    """Complained on 24 September 2025: day 7 is 1 October, inside the National Day holiday
    (1–8 October 2025, 国办发明电〔2024〕12号), so the carrier's last day is Thursday 9
    October; given that day, an appeal of 9 October is refused and one of 10 October admitted."""
    facts = AppealFacts(dispute_on=date(2025, 9, 20), complained_to_carrier_on=date(2025, 9, 24))
    last_day = date(2025, 10, 9)
    assert decide(facts, received=date(2025, 10, 2)).admissible  # counted without the holiday
    refused = decide(facts, received=date(2025, 10, 9), carrier_last_day_on=last_day)
    assert refused.reasons == (RejectionReason.carrier_not_asked_first,)
    assert decide(facts, received=date(2025, 10, 10), carrier_last_day_on=last_day).admissible


def test_by_the_rules_the_carriers_last_day_moves_over_national_day(
    rules: dict[str, ClockRule], china: WorkingCalendar
) -> None:
    """By the shipped rules on China's calendar, a complaint of 24 September 2025 gives the
    carrier until Thursday 9 October (day 7 is 1 October; the holiday runs 1–8 October,
    国办发明电〔2024〕12号): an appeal of 9 October is refused, one of 10 October admitted."""
    facts = AppealFacts(dispute_on=date(2025, 9, 20), complained_to_carrier_on=date(2025, 9, 24))
    refused = decide_by_rules(facts, received=date(2025, 10, 9), rules=rules, calendar=china)
    assert refused.reasons == (RejectionReason.carrier_not_asked_first,)
    assert "2025-10-09" in render(refused.explanation, "en")
    admitted = decide_by_rules(facts, received=date(2025, 10, 10), rules=rules, calendar=china)
    assert admitted.admissible


def test_by_the_rules_the_year_is_the_shipped_window(
    rules: dict[str, ClockRule], china: WorkingCalendar
) -> None:
    """The shipped window (366 days, not moved over rest days): a dispute of 10 March 2023 may
    be appealed on Sunday 10 March 2024 and not on Monday 11 March 2024."""
    facts = AppealFacts(dispute_on=date(2023, 3, 10), carrier_unreachable=True)
    assert decide_by_rules(
        facts, received=date(2024, 3, 10), rules=rules, calendar=china
    ).admissible
    late = decide_by_rules(facts, received=date(2024, 3, 11), rules=rules, calendar=china)
    assert late.reasons == (RejectionReason.out_of_time,)


def test_by_the_rules_an_unknown_year_is_refused_not_guessed(
    rules: dict[str, ClockRule], china: WorkingCalendar
) -> None:
    """A carrier's clock that runs into a year whose holiday notice is not loaded (2027 here)
    is refused with the year, not counted on weekends alone."""
    facts = AppealFacts(dispute_on=date(2026, 12, 26), complained_to_carrier_on=date(2026, 12, 28))
    with pytest.raises(CalendarYearMissingError) as missing:
        decide_by_rules(facts, received=date(2027, 1, 10), rules=rules, calendar=china)
    assert missing.value.year == 2027


def test_answer_days_is_the_rules_limit(silent_carrier: AppealFacts) -> None:
    """A 15-day answer clock (a local rule) moves the carrier's last day to 16 March."""
    assert not decide(silent_carrier, received=date(2025, 3, 16), answer_days=15).admissible
    assert decide(silent_carrier, received=date(2025, 3, 17), answer_days=15).admissible


def test_dissatisfied_with_the_answer_is_admissible() -> None:
    """The carrier answered on 3 March; the user, not satisfied, appeals on 4 March: admitted
    at once, without waiting for the 7 days to pass."""
    facts = AppealFacts(
        dispute_on=DISPUTE,
        complained_to_carrier_on=DISPUTE,
        carrier_answered_on=date(2025, 3, 3),
        dissatisfied=True,
    )
    decision = decide(facts, received=date(2025, 3, 4))
    assert decision.admissible
    assert "2025-03-03" in render(decision.explanation, "en")


def test_answered_in_time_and_not_dissatisfied_is_refused() -> None:
    """The carrier answered within its 7 days and the user is not recorded as dissatisfied:
    there is nothing to appeal against yet."""
    facts = AppealFacts(
        dispute_on=DISPUTE, complained_to_carrier_on=DISPUTE, carrier_answered_on=date(2025, 3, 5)
    )
    decision = decide(facts, received=date(2025, 3, 20))
    assert decision.reasons == (RejectionReason.carrier_not_asked_first,)
    assert "2025-03-05" in render(decision.explanation, "en")


def test_a_late_answer_still_leaves_the_silence_ground() -> None:
    """An answer on 10 March, after the last day of 8 March, is not an answer within 7 days:
    the appeal of 11 March stands on the carrier's silence even if the user does not say they
    are dissatisfied."""
    facts = AppealFacts(
        dispute_on=DISPUTE, complained_to_carrier_on=DISPUTE, carrier_answered_on=date(2025, 3, 10)
    )
    assert decide(facts, received=date(2025, 3, 11)).admissible


def test_an_answer_after_the_appeal_came_in_is_not_counted() -> None:
    """The appeal came in on 9 March, after 7 silent days; the carrier's answer of 12 March
    did not exist then and does not undo the ground. Nor can an appeal of 5 March, inside the
    7 days, stand on dissatisfaction with an answer given on 6 March."""
    facts = AppealFacts(
        dispute_on=DISPUTE, complained_to_carrier_on=DISPUTE, carrier_answered_on=date(2025, 3, 12)
    )
    assert decide(facts, received=date(2025, 3, 9)).admissible
    too_soon = AppealFacts(
        dispute_on=DISPUTE,
        complained_to_carrier_on=DISPUTE,
        carrier_answered_on=date(2025, 3, 6),
        dissatisfied=True,
    )
    refused = decide(too_soon, received=date(2025, 3, 5))
    assert refused.reasons == (RejectionReason.carrier_not_asked_first,)


def test_unreachable_channel_needs_no_complaint_first() -> None:
    """The carrier's complaint line could not be reached: the appeal is admitted though the
    user never got a complaint in."""
    facts = AppealFacts(dispute_on=DISPUTE, carrier_unreachable=True)
    assert decide(facts, received=date(2025, 3, 2)).admissible


def test_never_complained_to_the_carrier_is_refused() -> None:
    """A user who went to the administration first is told to complain to the carrier."""
    decision = decide(AppealFacts(dispute_on=DISPUTE), received=date(2025, 4, 1))
    assert decision.reasons == (RejectionReason.carrier_not_asked_first,)
    assert "7 days" in render(decision.explanation, "en")


@pytest.fixture
def dispute_2025() -> AppealFacts:
    """A dispute of 10 March 2025 the carrier left unanswered (the year to 2026 has no
    29 February: one year is exactly 365 days)."""
    return AppealFacts(dispute_on=date(2025, 3, 10), complained_to_carrier_on=date(2025, 3, 10))


def test_one_year_of_365_days_admits_day_365_and_refuses_day_366(
    dispute_2025: AppealFacts,
) -> None:
    """With a 365-day window: received 10 March 2026 (365 days after) is in time, 11 March
    2026 (366 days) is out of time."""
    assert decide(dispute_2025, received=date(2026, 3, 10), window_days=365).admissible
    late = decide(dispute_2025, received=date(2026, 3, 11), window_days=365)
    assert late.reasons == (RejectionReason.out_of_time,)
    english = render(late.explanation, "en")
    assert "366 days" in english
    assert "365 days" in english


def test_the_shipped_window_never_cuts_a_leap_year_short() -> None:
    """With the default window (366 days, rule appeal.admissible_within): a dispute of 10 March
    2023 may be appealed on 10 March 2024, the anniversary (366 days later, across 29 February
    2024, 民法典 art. 202), and not on 11 March 2024."""
    facts = AppealFacts(dispute_on=date(2023, 3, 10), carrier_unreachable=True)
    assert decide(facts, received=date(2024, 3, 10)).admissible
    assert decide(facts, received=date(2024, 3, 11)).reasons == (RejectionReason.out_of_time,)


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"before_other_authority": True}, RejectionReason.before_court_or_arbitration),
        ({"already_answered": True}, RejectionReason.already_answered),
        ({"within_scope": False}, RejectionReason.outside_scope),
        ({"identifiable": False}, RejectionReason.not_identifiable),
        ({"party": False}, RejectionReason.not_a_party),
    ],
)
def test_each_barrier_is_its_own_reason(
    silent_carrier: AppealFacts, change: dict[str, Any], reason: RejectionReason
) -> None:
    """An otherwise admissible appeal is refused for exactly the condition it fails: before a
    court or arbitration, already answered, outside the scope, unclear, not a party."""
    decision = decide(replace(silent_carrier, **change), received=date(2025, 3, 20))
    assert not decision.admissible
    assert decision.reasons == (reason,)


def test_new_facts_reopen_an_answered_matter(silent_carrier: AppealFacts) -> None:
    """The same matter already answered is admitted again when new respondents, reasons or
    content are raised."""
    facts = replace(silent_carrier, already_answered=True, new_facts=True)
    assert decide(facts, received=date(2025, 3, 20)).admissible


def test_every_failing_reason_is_returned_in_order() -> None:
    """An appeal failing every condition gets every reason, in the order of the conditions,
    and an explanation with a clause for each."""
    facts = AppealFacts(
        dispute_on=date(2023, 1, 1),
        before_other_authority=True,
        already_answered=True,
        within_scope=False,
        identifiable=False,
        party=False,
    )
    decision = decide(facts, received=date(2025, 1, 1))
    assert decision.reasons == tuple(RejectionReason)
    english = render(decision.explanation, "en")
    assert english.startswith("Not admissible: ")
    assert english.count("; ") == len(RejectionReason) - 1


@pytest.mark.parametrize(
    ("facts", "received", "location"),
    [
        (AppealFacts(dispute_on=DISPUTE), date(2025, 2, 28), "received"),
        (
            AppealFacts(dispute_on=DISPUTE, complained_to_carrier_on=date(2025, 3, 5)),
            date(2025, 3, 4),
            "complained_to_carrier_on",
        ),
    ],
)
def test_impossible_dates_are_located(facts: AppealFacts, received: date, location: str) -> None:
    """An appeal received before its dispute, or before the complaint it follows, is a mistake
    in the input, located at the field to correct."""
    with pytest.raises(InvalidInputError) as wrong:
        decide(facts, received=received)
    assert [problem.location for problem in wrong.value.problems] == [location]


@st.composite
def appeals(draw: st.DrawFn) -> tuple[AppealFacts, date]:
    """Any consistent appeal and the day it was received."""
    dispute = draw(st.dates(date(2020, 1, 1), date(2027, 12, 31)))
    complained = draw(st.none() | st.integers(0, 400).map(lambda n: dispute + timedelta(n)))
    answered = None
    if complained is not None:
        answered = draw(st.none() | st.integers(0, 30).map(lambda n: complained + timedelta(n)))
    facts = AppealFacts(
        dispute_on=dispute,
        complained_to_carrier_on=complained,
        carrier_answered_on=answered,
        dissatisfied=draw(st.booleans()),
        carrier_unreachable=draw(st.booleans()),
        before_other_authority=draw(st.booleans()),
        already_answered=draw(st.booleans()),
        new_facts=draw(st.booleans()),
        within_scope=draw(st.booleans()),
        identifiable=draw(st.booleans()),
        party=draw(st.booleans()),
    )
    received = max(dispute, complained or dispute) + timedelta(draw(st.integers(0, 800)))
    return facts, received


@given(appeals())
def test_admissible_exactly_when_no_reason_fails(case: tuple[AppealFacts, date]) -> None:
    """The decision's verdict and its reasons never disagree, and reasons never repeat."""
    facts, received = case
    decision = decide(facts, received=received)
    assert decision.admissible == (decision.reasons == ())
    assert len(set(decision.reasons)) == len(decision.reasons)


@given(appeals())
def test_out_of_time_is_the_day_count(case: tuple[AppealFacts, date]) -> None:
    """Out of time exactly when more than 366 days (the default window) separate the dispute
    and the receipt, whatever else is true."""
    facts, received = case
    late = (received - facts.dispute_on).days > 366
    assert (RejectionReason.out_of_time in decide(facts, received=received).reasons) == late


@given(appeals(), st.sampled_from(["carrier_unreachable", "dissatisfied", "new_facts"]))
def test_a_ground_never_makes_an_appeal_less_admissible(
    case: tuple[AppealFacts, date], ground: str
) -> None:
    """Adding a ground (an unreachable channel, dissatisfaction, new facts) never adds a reason
    to refuse."""
    facts, received = case
    before = set(decide(facts, received=received).reasons)
    change: dict[str, Any] = {ground: True}
    after = set(decide(replace(facts, **change), received=received).reasons)
    assert after <= before


@given(
    appeals(),
    st.sampled_from(
        [
            {"before_other_authority": True},
            {"already_answered": True, "new_facts": False},
            {"within_scope": False},
            {"identifiable": False},
            {"party": False},
        ]
    ),
)
def test_a_barrier_never_makes_an_appeal_more_admissible(
    case: tuple[AppealFacts, date], barrier: dict[str, Any]
) -> None:
    """Adding a barrier (a court has it, already answered, outside the scope …) never removes
    a reason to refuse, and the appeal is then refused."""
    facts, received = case
    before = set(decide(facts, received=received).reasons)
    after = decide(replace(facts, **barrier), received=received)
    assert before <= set(after.reasons)
    assert not after.admissible


@given(appeals(), st.integers(1, 400))
def test_waiting_longer_never_brings_an_appeal_back_in_time(
    case: tuple[AppealFacts, date], wait: int
) -> None:
    """An appeal out of time stays out of time when it is received later still."""
    facts, received = case
    if RejectionReason.out_of_time in decide(facts, received=received).reasons:
        later = decide(facts, received=received + timedelta(days=wait))
        assert RejectionReason.out_of_time in later.reasons

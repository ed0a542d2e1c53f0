"""Whether the postal administration admits an appeal (申诉受理), and every reason it does not.

The conditions (邮政业用户申诉处理办法, the conditions for accepting an appeal):

1. the user complained to the carrier first, and the carrier gave no answer within its answer
   clock (7 days, 快递暂行条例 art. 28), or the user is not satisfied with its answer, or the
   carrier's complaint channel could not be reached or no one took the complaint;
2. the appeal comes within one year of the service dispute (or of posting the item);
3. no court, arbitration body or other authority has the matter;
4. the administration has not answered an appeal on the same matter, unless this one raises a
   new respondent, reason or content;
5. it is a postal or express service matter; 6. it names a clear respondent, request and
   facts; 7. the appellant is the sender or the addressee, or acts for one.

The limits are the clock rules ``complaint.answer`` and ``appeal.admissible_within`` of
``cases/clock_rules.toml``: :func:`decide_by_rules` reads them and counts their last days as the
clocks do, on China's working calendar (the application calls this one). :func:`decide` takes
the limits as numbers (defaults: the shipped ones) and counts calendar days, the day of the
start event not counted (民法典 art. 201): the carrier's last day is ``complained +
answer_days``, not moved off a rest day (民法典 art. 203) unless the caller passes the moved day;
the window's last day is ``dispute + window_days``.

What must hold: an appeal is admissible exactly when no reason fails; every failing reason is
returned (not just the first), each with its explanation; a ground to appeal never makes an
appeal less admissible and a barrier never makes it more admissible.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from peakguard.cases.calendar import WorkingCalendar
from peakguard.cases.clocks import ClockRule, china_day, due_at
from peakguard.cases.model import AppealFacts, RejectionReason
from peakguard.domain.scans import CHINA_STANDARD_TIME
from peakguard.errors import InvalidInputError, Problem
from peakguard.i18n import Message, _

COMPLAINT_ANSWER_RULE = "complaint.answer"
WINDOW_RULE = "appeal.admissible_within"

ANSWER_DAYS = 7
"""The carrier's answer clock in calendar days (快递暂行条例 art. 28; rule ``complaint.answer``)."""

WINDOW_DAYS = 366
"""One year from the dispute, in days (rule ``appeal.admissible_within``): 366 so that a year
spanning 29 February is never cut short; in other years the user gains a day."""


@dataclass(frozen=True)
class Admissibility:
    """The decision: ``admissible`` exactly when ``reasons`` is empty; ``reasons`` in the
    order of :class:`RejectionReason`; ``explanation`` says why, in one sentence per reason
    (or the grounds the appeal stands on, when it is admissible)."""

    admissible: bool
    reasons: tuple[RejectionReason, ...]
    explanation: Message


def carrier_last_day(complained: date, answer_days: int = ANSWER_DAYS) -> date:
    """The last day the carrier may answer a complaint received on ``complained``, counting
    calendar days from the next day and not moving a last day that falls on a rest day (pass the
    moved day to :func:`decide` when the working calendar is at hand)."""
    return complained + timedelta(days=answer_days)


def window_last_day(dispute: date, window_days: int = WINDOW_DAYS) -> date:
    """The last day an appeal about a dispute of ``dispute`` may be received."""
    return dispute + timedelta(days=window_days)


def decide(
    facts: AppealFacts,
    *,
    received: date,
    answer_days: int = ANSWER_DAYS,
    window_days: int = WINDOW_DAYS,
    carrier_last_day_on: date | None = None,
    window_last_day_on: date | None = None,
) -> Admissibility:
    """Decide the admissibility of an appeal received on ``received`` (China's date).

    ``carrier_last_day_on`` is the carrier's last day to answer, when the caller computed it on
    China's working calendar; otherwise it is ``complained + answer_days``. Likewise
    ``window_last_day_on`` the last day of the year to appeal, otherwise ``dispute +
    window_days`` (:func:`decide_by_rules` computes both from the clock rules). A carrier's answer
    dated after ``received`` did not exist when the appeal came in and is not counted. Raises
    :class:`~peakguard.errors.InvalidInputError` when the appeal is received before the dispute
    or before the complaint to the carrier, or a limit is negative."""
    _check(facts, received, answer_days, window_days)
    failing: list[tuple[RejectionReason, Message]] = []
    grounds = _grounds(facts, received, answer_days, carrier_last_day_on)
    if not grounds:
        failing.append(
            (
                RejectionReason.carrier_not_asked_first,
                _carrier_first(facts, received, answer_days, carrier_last_day_on),
            )
        )
    elapsed = (received - facts.dispute_on).days
    last_day_to_appeal = (
        window_last_day_on
        if window_last_day_on is not None
        else window_last_day(facts.dispute_on, window_days)
    )
    if received > last_day_to_appeal:
        failing.append(
            (
                RejectionReason.out_of_time,
                _(
                    "it was received {days} days after the dispute of {dispute}, and an appeal "
                    "must come within {window} days",
                    days=elapsed,
                    dispute=facts.dispute_on.isoformat(),
                    window=window_days,
                ),
            )
        )
    failing.extend(_barriers(facts))
    if failing:
        order = list(RejectionReason)
        failing.sort(key=lambda pair: order.index(pair[0]))
        return Admissibility(
            admissible=False,
            reasons=tuple(reason for reason, _message in failing),
            explanation=_(
                "Not admissible: {reasons}.",
                reasons=_sentences([message for _reason, message in failing]),
            ),
        )
    return Admissibility(
        admissible=True,
        reasons=(),
        explanation=_(
            "Admissible: {grounds}; received {days} days after the dispute, within the "
            "{window} days allowed.",
            grounds=_sentences(grounds),
            days=elapsed,
            window=window_days,
        ),
    )


def decide_by_rules(
    facts: AppealFacts,
    *,
    received: date,
    rules: Mapping[str, ClockRule],
    calendar: WorkingCalendar,
) -> Admissibility:
    """:func:`decide` with the limits of the clock rules ``complaint.answer`` and
    ``appeal.admissible_within``, and their last days counted as the clocks count them
    (clocks.due_at: a carrier's last day on a rest day moves to the next working day). Raises
    :class:`~peakguard.errors.CalendarYearMissingError` when the carrier's count reaches a
    year whose holiday notice is not loaded."""
    answer, window = rules[COMPLAINT_ANSWER_RULE], rules[WINDOW_RULE]
    complained = facts.complained_to_carrier_on
    return decide(
        facts,
        received=received,
        answer_days=answer.limit,
        window_days=window.limit,
        carrier_last_day_on=(
            None if complained is None else _last_day_of(answer, complained, calendar)
        ),
        window_last_day_on=_last_day_of(window, facts.dispute_on, calendar),
    )


def _last_day_of(rule: ClockRule, start: date, calendar: WorkingCalendar) -> date:
    """The last day (China time) of a clock of ``rule`` started on ``start``; the hour of the
    start does not matter to a day count (the start day is not counted)."""
    due = due_at(rule, datetime.combine(start, time(12), CHINA_STANDARD_TIME), calendar)
    return china_day(due - timedelta(microseconds=1))


def _barriers(facts: AppealFacts) -> list[tuple[RejectionReason, Message]]:
    """The conditions 3–7 the appeal fails, each with its explanation."""
    found: list[tuple[RejectionReason, Message]] = []
    if facts.before_other_authority:
        found.append(
            (
                RejectionReason.before_court_or_arbitration,
                _("a court, an arbitration body or another authority has the matter"),
            )
        )
    if facts.already_answered and not facts.new_facts:
        found.append(
            (
                RejectionReason.already_answered,
                _(
                    "an appeal on the same matter was already answered, and this one raises "
                    "no new respondent, reason or content"
                ),
            )
        )
    if not facts.within_scope:
        found.append(
            (RejectionReason.outside_scope, _("it is not a postal or express service matter"))
        )
    if not facts.identifiable:
        found.append(
            (
                RejectionReason.not_identifiable,
                _("it names no clear respondent, request or facts"),
            )
        )
    if not facts.party:
        found.append(
            (
                RejectionReason.not_a_party,
                _("the appellant is neither the sender nor the addressee, nor acts for one"),
            )
        )
    return found


def _check(facts: AppealFacts, received: date, answer_days: int, window_days: int) -> None:
    problems: list[Problem] = []
    if received < facts.dispute_on:
        problems.append(
            Problem(
                "received",
                _(
                    "The appeal ({received}) cannot be received before the dispute ({dispute}).",
                    received=received.isoformat(),
                    dispute=facts.dispute_on.isoformat(),
                ),
            )
        )
    complained = facts.complained_to_carrier_on
    if complained is not None and received < complained:
        problems.append(
            Problem(
                "complained_to_carrier_on",
                _(
                    "The complaint to the carrier ({complained}) comes after the appeal was "
                    "received ({received}).",
                    complained=complained.isoformat(),
                    received=received.isoformat(),
                ),
            )
        )
    for name, value in (("answer_days", answer_days), ("window_days", window_days)):
        if value < 0:
            problems.append(Problem(name, _("A limit in days cannot be negative.")))
    if problems:
        raise InvalidInputError(_("The appeal's facts do not fit together."), problems)


def _answer_known_at(facts: AppealFacts, received: date) -> date | None:
    answered = facts.carrier_answered_on
    return answered if answered is not None and answered <= received else None


def _grounds(
    facts: AppealFacts, received: date, answer_days: int, last_day_given: date | None
) -> list[Message]:
    """The grounds (condition 1) the appeal stands on; empty when it stands on none."""
    grounds: list[Message] = []
    complained = facts.complained_to_carrier_on
    answered = _answer_known_at(facts, received)
    if complained is not None:
        last_day = (
            last_day_given
            if last_day_given is not None
            else carrier_last_day(complained, answer_days)
        )
        answered_in_time = answered is not None and answered <= last_day
        if received > last_day and not answered_in_time:
            grounds.append(
                _(
                    "the carrier, complained to on {complained}, gave no answer by {last_day}, "
                    "the last day of its answer clock",
                    complained=complained.isoformat(),
                    last_day=last_day.isoformat(),
                )
            )
    if answered is not None and facts.dissatisfied:
        grounds.append(
            _(
                "the user is not satisfied with the carrier's answer of {answered}",
                answered=answered.isoformat(),
            )
        )
    if facts.carrier_unreachable:
        grounds.append(
            _("the carrier's complaint channel could not be reached, or no one took the complaint")
        )
    return grounds


def _carrier_first(
    facts: AppealFacts, received: date, answer_days: int, last_day_given: date | None
) -> Message:
    """Why condition 1 fails, in the words that tell the user what to do."""
    complained = facts.complained_to_carrier_on
    if complained is None:
        return _(
            "the user has not complained to the carrier first (the carrier answers within "
            "{days} days: appeal when it does not, or when its answer does not satisfy)",
            days=answer_days,
        )
    answered = _answer_known_at(facts, received)
    if answered is None:
        last_day = (
            last_day_given
            if last_day_given is not None
            else carrier_last_day(complained, answer_days)
        )
        return _(
            "the carrier was complained to on {complained} and has until the end of "
            "{last_day} to answer",
            complained=complained.isoformat(),
            last_day=last_day.isoformat(),
        )
    return _(
        "the carrier answered on {answered} and the user is not recorded as dissatisfied "
        "with the answer",
        answered=answered.isoformat(),
    )


def _sentences(parts: Sequence[Message]) -> Message:
    """Clauses joined into one message (the translation picks the separator: 甲；乙)."""
    result = parts[-1]
    for part in reversed(parts[:-1]):
        result = _("{first}; {rest}", first=part, rest=result)
    return result

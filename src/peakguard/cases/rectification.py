"""Rectification orders (责令整改) and the administrative penalty cases (行政处罚) they escalate
to: the two state machines, as tables, and the order's deadline.

An order is **issued** by a postal administration to a carrier company, from an inspection's
finding or on the spot (当场责令改正), citing the rules breached (``security_rules.toml``), what
to rectify and by when. The carrier's security officer **responds** with what it changed
(reported); the administration **re-checks**: passed closes the order, failed escalates it. An
order whose deadline passes with no report is **ignored**: the sweep escalates it. Before the
deadline the carrier may ask once for an **extension**, which the administration grants (a new
deadline) or refuses.

An escalated order opens a **penalty case** (opened): the administration proposes the fine
inside the rule's legal range (proposed), then decides it (decided) or decides not to punish,
with its reason (not_punished).

The deadline is set per order: a date, or N calendar days or N working days from the day the
order is issued, counted as every clock is (``cases/clocks.py``: the day of issue is not
counted; a calendar-day count ending on a rest day moves to the next working day; the deadline
is the end of its last day, China time; a step at ``t <= due`` is in time).

What must hold (tests/unit/cases/test_rectification.py): a step is taken only from the table,
by the side the table names; every other state × step is an IllegalTransitionError naming the
steps allowed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Final

from peakguard.cases.calendar import WorkingCalendar
from peakguard.cases.clocks import Basis, ClockRule, china_day, due_at, end_of
from peakguard.cases.model import Side
from peakguard.errors import IllegalTransitionError, InvalidInputError, Problem
from peakguard.i18n import Message, _

DEADLINE_RULE: Final = "rectification.deadline"
"""The clock rule (``clock_rules.toml``) of an order's deadline: its default and source."""
REFERENCE_PREFIX: Final = "ZG"
"""整改: ``ZG2026-000001``; penalty cases ``CF2026-000001`` (处罚)."""
PENALTY_PREFIX: Final = "CF"
REMIND_BEFORE: Final = (timedelta(days=3), timedelta(days=1))
"""When the carrier is reminded before its deadline (a reminder is skipped when the order was
issued inside it: a 2-day order gets the 1-day reminder only)."""
MAX_DAYS: Final = 366
"""No rectification runs more than a year; a larger count is a typing mistake."""


class OrderState(StrEnum):
    issued = "issued"
    """The clock runs: the carrier's report is awaited."""
    extension_requested = "extension_requested"
    """The carrier asked for more time; the clock still runs until the administration answers."""
    reported = "reported"
    """The carrier reported what it changed; the re-check is awaited."""
    closed = "closed"
    """The re-check passed."""
    escalated = "escalated"
    """The re-check failed, or the order was ignored: a penalty case is open."""


class OrderStep(StrEnum):
    respond = "respond"
    request_extension = "request_extension"
    grant_extension = "grant_extension"
    refuse_extension = "refuse_extension"
    recheck_pass = "recheck_pass"
    recheck_fail = "recheck_fail"
    escalate = "escalate"
    """By the sweep (the deadline passed with no report) or by the administration after it."""


class PenaltyState(StrEnum):
    opened = "opened"
    proposed = "proposed"
    decided = "decided"
    not_punished = "not_punished"


class PenaltyStep(StrEnum):
    propose = "propose"
    decide = "decide"
    not_punish = "not_punish"


@dataclass(frozen=True)
class Transition:
    """One legal step: from ``source`` by ``step`` to ``target``, by ``sides``."""

    step: str
    source: str
    target: str
    sides: frozenset[Side]


_O, _P = OrderState, OrderStep
_CARRIER = frozenset({Side.carrier})
_REGULATOR = frozenset({Side.regulator})

ORDER_TRANSITIONS: Final = (
    Transition(_P.respond, _O.issued, _O.reported, _CARRIER),
    Transition(_P.respond, _O.extension_requested, _O.reported, _CARRIER),
    Transition(_P.request_extension, _O.issued, _O.extension_requested, _CARRIER),
    Transition(_P.grant_extension, _O.extension_requested, _O.issued, _REGULATOR),
    Transition(_P.refuse_extension, _O.extension_requested, _O.issued, _REGULATOR),
    Transition(_P.recheck_pass, _O.reported, _O.closed, _REGULATOR),
    Transition(_P.recheck_fail, _O.reported, _O.escalated, _REGULATOR),
    Transition(_P.escalate, _O.issued, _O.escalated, _REGULATOR),
    Transition(_P.escalate, _O.extension_requested, _O.escalated, _REGULATOR),
)
"""Every step an order can take after it is issued."""

_S, _T = PenaltyState, PenaltyStep
PENALTY_TRANSITIONS: Final = (
    Transition(_T.propose, _S.opened, _S.proposed, _REGULATOR),
    Transition(_T.propose, _S.proposed, _S.proposed, _REGULATOR),
    Transition(_T.decide, _S.proposed, _S.decided, _REGULATOR),
    Transition(_T.not_punish, _S.opened, _S.not_punished, _REGULATOR),
    Transition(_T.not_punish, _S.proposed, _S.not_punished, _REGULATOR),
)
"""Every step a penalty case can take after it is opened (a new proposal replaces the last)."""

OPEN_STATES: Final = frozenset({_O.issued, _O.extension_requested, _O.reported})
CLOCK_STATES: Final = frozenset({_O.issued, _O.extension_requested})
"""The states in which the order's clock runs (the carrier has not reported)."""


def allowed(table: tuple[Transition, ...], state: str) -> tuple[str, ...]:
    """The steps a record in ``state`` may take, in the table's order."""
    return tuple(dict.fromkeys(move.step for move in table if move.source == state))


def transition(
    table: tuple[Transition, ...], state: str, step: str, side: Side | None
) -> Transition:
    """The table's move for ``step`` from ``state`` by ``side`` (None: the system, any side).
    IllegalTransitionError naming the steps allowed when there is none."""
    for move in table:
        if move.source == state and move.step == step:
            if side is None or side in move.sides:
                return move
            raise IllegalTransitionError(
                _(
                    "The step {step} is not yours to take: it is the {side}'s.",
                    step=_move_label(table, step),
                    side=side_name(next(iter(move.sides))),
                ),
                allowed(table, state),
            )
    steps = allowed(table, state)
    raise IllegalTransitionError(
        _(
            "A record in state {state} cannot take the step {step}; it can take: {steps}.",
            state=state_label(state),
            step=_move_label(table, step),
            steps=tuple(_move_label(table, each) for each in steps) or "—",
        ),
        steps,
    )


def _move_label(table: tuple[Transition, ...], step: str) -> Message:
    """A step of ``table`` in the reader's words (a penalty case's steps are kept in its
    history as ``penalty.<step>``)."""
    return step_label(f"penalty.{step}" if table is PENALTY_TRANSITIONS else step)


def side_name(side: Side) -> Message:
    return _("postal administration") if side is Side.regulator else _("carrier")


# -- the deadline ------------------------------------------------------------------------------


class DeadlineBasis(StrEnum):
    date = "date"
    calendar_days = "calendar_days"
    working_days = "working_days"


@dataclass(frozen=True)
class DeadlineSpec:
    """How an order's deadline is set: a date (``on``) or ``days`` of the basis."""

    basis: DeadlineBasis
    days: int | None = None
    on: date | None = None


def parse_deadline(text: str, *, where: str = "deadline") -> DeadlineSpec:
    """``2026-12-20`` (a date), ``10d`` / ``10`` (calendar days), ``5wd`` (working days)."""
    value = text.strip().lower()
    try:
        if value.endswith("wd"):
            return checked(DeadlineSpec(DeadlineBasis.working_days, int(value[:-2])), where)
        if value.endswith("d") or value.isdigit():
            return checked(DeadlineSpec(DeadlineBasis.calendar_days, int(value.rstrip("d"))), where)
        return checked(DeadlineSpec(DeadlineBasis.date, on=date.fromisoformat(value)), where)
    except ValueError:
        message = _(
            "write a date (2026-12-20), calendar days (10d) or working days (5wd), not {value!r}",
            value=text,
        )
        raise InvalidInputError(
            _("The deadline is not understood."), [Problem(where, message)]
        ) from None


def checked(spec: DeadlineSpec, where: str = "deadline") -> DeadlineSpec:
    """``spec`` if well formed; InvalidInputError otherwise."""
    if spec.basis is DeadlineBasis.date:
        if spec.on is None or spec.days is not None:
            raise _bad(where, _("a dated deadline gives the date and no count of days"))
    elif spec.on is not None or spec.days is None or not 1 <= spec.days <= MAX_DAYS:
        raise _bad(where, _("a count of days runs from 1 to {most}", most=MAX_DAYS))
    return spec


def _bad(where: str, message: Message) -> InvalidInputError:
    return InvalidInputError(_("The deadline has mistakes."), [Problem(where, message)])


@dataclass(frozen=True)
class Deadline:
    """An order's deadline as stored on its clock: when, how it was counted and from what."""

    due_at: datetime
    basis: DeadlineBasis
    limit: int | None
    """The count of days (None for a date)."""
    source: str


def deadline_of(
    spec: DeadlineSpec,
    issued_at: datetime,
    calendar: WorkingCalendar,
    *,
    source: str,
    where: str = "deadline",
) -> Deadline:
    """The deadline of an order issued at ``issued_at`` (the clocks' convention). A date must
    come after the day of issue. CalendarYearMissingError when a working-day count reaches a
    year whose holiday notice is not loaded."""
    checked(spec, where)
    if spec.basis is DeadlineBasis.date:
        assert spec.on is not None
        if spec.on <= china_day(issued_at):
            raise _bad(where, _("the date must come after the day the order is issued"))
        if (spec.on - china_day(issued_at)).days > MAX_DAYS:
            raise _bad(where, _("a rectification runs at most {most} days", most=MAX_DAYS))
        return Deadline(end_of(spec.on), spec.basis, None, source)
    assert spec.days is not None
    basis = Basis.working_days if spec.basis is DeadlineBasis.working_days else Basis.calendar_days
    rule = ClockRule(key=DEADLINE_RULE, limit=spec.days, basis=basis, source=source)
    return Deadline(due_at(rule, issued_at, calendar), spec.basis, spec.days, source)


def deadline_source(rule: ClockRule, citations: list[str]) -> str:
    """The clock's source: the order itself, and the articles it enforces."""
    return f"{rule.source}; {'; '.join(citations)}" if citations else rule.source


def reminders_due(issued_at: datetime, due: datetime, now: datetime) -> tuple[timedelta, ...]:
    """The reminders (by how long before the deadline) whose moment has come at ``now`` and
    that fall after the issue; a sweep after downtime finds the missed ones too (each is
    recorded once). The deadline itself is the sweep's escalation."""
    return tuple(before for before in REMIND_BEFORE if issued_at < due - before <= now)


EXTENDED: Final = "+ext"
"""The suffix of a reminder before the deadline an extension granted (an order is extended
once, so each reminder fires at most once for each of its two deadlines)."""


def reminder_kind(before: timedelta, *, extended: bool = False) -> str:
    """``remind.72h`` (``remind.72h+ext`` before an extended deadline): the firing's kind,
    unique per order."""
    kind = f"remind.{int(before.total_seconds() // 3600)}h"
    return kind + EXTENDED if extended else kind


def state_label(state: str) -> Message:
    """An order's or a penalty case's state in the reader's words."""
    labels: dict[str, Message] = {
        OrderState.issued: _("issued, awaiting the carrier's report"),
        OrderState.extension_requested: _("extension asked"),
        OrderState.reported: _("reported, awaiting the re-check"),
        OrderState.closed: _("closed (re-check passed)"),
        OrderState.escalated: _("escalated to a penalty case"),
        PenaltyState.opened: _("penalty case opened"),
        PenaltyState.proposed: _("fine proposed"),
        PenaltyState.decided: _("decided"),
        PenaltyState.not_punished: _("not punished"),
    }
    return labels.get(state, _("unknown state {state}", state=state))


def step_label(step: str) -> Message:
    """A step of an order's history in the reader's words."""
    labels: dict[str, Message] = {
        "issue": _("order issued"),
        "respond": _("carrier's report"),
        "request_extension": _("extension asked"),
        "grant_extension": _("extension granted"),
        "refuse_extension": _("extension refused"),
        "recheck_pass": _("re-check passed"),
        "recheck_fail": _("re-check failed"),
        "escalate": _("escalated: deadline passed without a report"),
        "remind.72h": _("reminder: 3 days left"),
        "remind.24h": _("reminder: 1 day left"),
        "penalty.open": _("penalty case opened"),
        "penalty.propose": _("fine proposed"),
        "penalty.decide": _("penalty decided"),
        "penalty.not_punish": _("decided not to punish"),
    }
    return labels.get(step.removesuffix(EXTENDED), _("step {step}", step=step))


def clock_outcome_label(outcome: str) -> Message:
    """How a stopped order clock ended, in words."""
    labels: dict[str, Message] = {
        "met": _("reported in time"),
        "late": _("reported late"),
        "breached": _("deadline passed without a report"),
    }
    return labels.get(outcome, _("stopped"))


def basis_label(basis: str) -> Message:
    """How an order's deadline was set, in words."""
    labels: dict[str, Message] = {
        DeadlineBasis.date: _("a date set by the order"),
        DeadlineBasis.calendar_days: _("calendar days"),
        DeadlineBasis.working_days: _("working days"),
    }
    return labels.get(basis, _("unknown basis {basis}", basis=basis))

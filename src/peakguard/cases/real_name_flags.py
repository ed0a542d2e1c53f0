"""Suspicious real-name registrations (虚假实名) flagged for review, and the review's states.

Kinds of flag, each with the reason a reviewer reads:

- ``volume_day`` / ``volume_window``: one individual's ID on implausibly many parcels of one
  carrier in a China day, or in a sliding window of days. A sender's own small shop is common
  (an online seller registering the parcels it sends with its owner's ID), so the thresholds are
  set where such a shop would normally hold a business contract (协议客户) and register with its
  credit code instead: 30 parcels a day, 150 in 7 days by default. Organisations (a credit
  code) are not counted: a company sends thousands. The reason states the count, the number of
  outlets and of accepting employees, which is what tells a shop (one outlet, one courier) from
  an outlet using one ID for strangers (many outlets, or one outlet and every employee).
- ``spread_day``: one individual's ID accepted at several outlets in one day (3 by default):
  a person does not walk to three outlets of one carrier in a day; an ID passed around does.
- ``employee_id``: the ID of one of the carrier's own employees (registered by the carrier,
  kept as a keyed hash only) on parcels the employee accepted, or on more parcels in a day than
  an employee sends for themselves (3 by default): the outlet registering customers' parcels
  under its staff's IDs.
- ``invalid_id``: an ID failing its check (wrong length, check character or birth date) that a
  carrier's records say was accepted. At the counter such an ID is refused (拒绝收寄); a record
  of it having been accepted is the evidence of the lapse, so it is kept and flagged.

A flag is ``open`` until a regulator or the carrier's security officer decides it:
``confirmed`` (a lapse, to be followed by an inspection or an order) or ``dismissed`` (with the
reason: e.g. the employee's own parcel). Both decisions are final; a change decided on an old
version is refused (409).

Must hold (tests/unit/cases/test_real_name_flags.py): the reviews follow the hand-written
table; a count at the threshold is flagged, one below is not.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Final

from peakguard.errors import IllegalTransitionError, InvalidInputError, Problem
from peakguard.i18n import Message, _


class FlagKind(StrEnum):
    volume_day = "volume_day"
    volume_window = "volume_window"
    spread_day = "spread_day"
    employee_id = "employee_id"
    invalid_id = "invalid_id"


class FlagState(StrEnum):
    open = "open"
    confirmed = "confirmed"
    dismissed = "dismissed"


class ReviewDecision(StrEnum):
    confirm = "confirm"
    dismiss = "dismiss"


REVIEWS: Final[dict[tuple[FlagState, ReviewDecision], FlagState]] = {
    (FlagState.open, ReviewDecision.confirm): FlagState.confirmed,
    (FlagState.open, ReviewDecision.dismiss): FlagState.dismissed,
}
"""(state, decision) → the new state; nothing else is a legal review."""


def kind_label(kind: FlagKind | str) -> Message:
    labels = {
        FlagKind.volume_day: _("one ID on many parcels in a day"),
        FlagKind.volume_window: _("one ID on many parcels over several days"),
        FlagKind.spread_day: _("one ID at several outlets in a day"),
        FlagKind.employee_id: _("an employee's own ID on parcels"),
        FlagKind.invalid_id: _("an ID failing its check was accepted"),
    }
    return labels[FlagKind(kind)]


def state_label(state: FlagState | str) -> Message:
    labels = {
        FlagState.open: _("open"),
        FlagState.confirmed: _("confirmed"),
        FlagState.dismissed: _("dismissed (explained)"),
    }
    return labels[FlagState(state)]


@dataclass(frozen=True)
class PatternThresholds:
    """When a count becomes a flag (each "at least")."""

    per_day: int = 30
    per_window: int = 150
    window_days: int = 7
    outlets_per_day: int = 3
    employee_parcels_per_day: int = 3

    def __post_init__(self) -> None:
        for name in (
            "per_day",
            "per_window",
            "window_days",
            "outlets_per_day",
            "employee_parcels_per_day",
        ):
            value = getattr(self, name)
            if not 1 <= value <= 100_000:
                message = _("must be a whole number from 1 to 100,000")
                raise InvalidInputError(message, [Problem(name, message)])


DEFAULT_THRESHOLDS: Final = PatternThresholds()


def review(state: FlagState | str, decision: ReviewDecision | str) -> FlagState:
    """The state after ``decision``, or IllegalTransitionError naming what is allowed."""
    current, chosen = FlagState(state), ReviewDecision(decision)
    after = REVIEWS.get((current, chosen))
    if after is None:
        allowed = tuple(d.value for (s, d) in REVIEWS if s is current)
        raise IllegalTransitionError(
            _(
                "A flag that is {state} cannot be decided again: a review is final.",
                state=state_label(current),
            ),
            allowed,
        )
    return after


@dataclass(frozen=True)
class Counts:
    """What the register holds for one ID of one carrier on one day (and the window)."""

    day_parcels: int
    window_parcels: int
    outlets: int
    employees: int
    self_accepted: int = 0
    """Parcels accepted by the employee whose ID it is (employees' IDs only)."""


def volume_kinds(counts: Counts, thresholds: PatternThresholds) -> list[FlagKind]:
    """The volume flags an individual's counts call for."""
    kinds: list[FlagKind] = []
    if counts.day_parcels >= thresholds.per_day:
        kinds.append(FlagKind.volume_day)
    if counts.window_parcels >= thresholds.per_window:
        kinds.append(FlagKind.volume_window)
    if counts.outlets >= thresholds.outlets_per_day:
        kinds.append(FlagKind.spread_day)
    return kinds


def employee_flagged(counts: Counts, thresholds: PatternThresholds) -> bool:
    """Whether an employee's own ID on the day's parcels calls for a flag."""
    return counts.self_accepted > 0 or counts.day_parcels >= thresholds.employee_parcels_per_day


def reason(kind: FlagKind | str, counts: Counts, thresholds: PatternThresholds) -> Message:
    """The sentence a reviewer reads: the figures and the threshold they reached."""
    kind = FlagKind(kind)
    if kind is FlagKind.volume_day:
        return _(
            "{parcels} parcels in one day (flagged from {limit}) at {outlets} outlet(s), "
            "accepted by {employees} employee(s)",
            parcels=counts.day_parcels,
            limit=thresholds.per_day,
            outlets=counts.outlets,
            employees=counts.employees,
        )
    if kind is FlagKind.volume_window:
        return _(
            "{parcels} parcels in {days} days (flagged from {limit})",
            parcels=counts.window_parcels,
            days=thresholds.window_days,
            limit=thresholds.per_window,
        )
    if kind is FlagKind.spread_day:
        return _(
            "accepted at {outlets} outlets in one day (flagged from {limit}), {parcels} parcels",
            outlets=counts.outlets,
            limit=thresholds.outlets_per_day,
            parcels=counts.day_parcels,
        )
    if kind is FlagKind.employee_id:
        return _(
            "an employee's own ID on {parcels} parcel(s) in one day, {own} of them accepted by "
            "that employee (flagged when the employee accepts one, or from {limit} parcels)",
            parcels=counts.day_parcels,
            own=counts.self_accepted,
            limit=thresholds.employee_parcels_per_day,
        )
    return _("the ID failed its check but the parcel was accepted")

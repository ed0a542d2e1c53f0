"""Incidents (突发事件信息报告): what happened, the reports that follow it, and the blockage clock.

An incident is opened either by the carrier's **first report** (首报) or by a regulator's duty
officer who learns of it first (``record``, 登记); the carrier's first report then follows.
**Follow-ups** (续报) come in order; the **final report** (终报) closes it. A **correction**
(更正) appends a report that names the one it corrects: nothing is overwritten.

A blockage of the service network (服务网络阻断) starts the **24-hour** clock of
快递市场管理办法 art. 39 (``incident.blockage_report`` in ``clock_rules.toml``) at the moment the
network was blocked; the carrier's first report stops it. A blockage that comes later is
declared by a follow-up (its moment given); the carrier's next report then stops its clock. A
report at the deadline itself is in time (the clocks' convention: a step at ``t <= due``).

What must hold (tests/unit/cases/test_incidents.py): a report is taken only from the table; a
closed incident takes only corrections; the clock is due exactly ``limit`` hours after the
blockage; a first report at or before the deadline meets it, one after it is late.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Final

from peakguard.cases.calendar import WorkingCalendar
from peakguard.cases.clocks import Basis, ClockRule, china_day, due_at
from peakguard.cases.model import Side
from peakguard.domain.scans import CHINA_STANDARD_TIME
from peakguard.errors import IllegalTransitionError, InvalidInputError, Problem
from peakguard.i18n import Message, _

BLOCKAGE_REPORT: Final = "incident.blockage_report"
"""The rule key of the blockage clock."""
REFERENCE_PREFIX: Final = "SJ"
"""突发事件: ``SJ2026-000001``."""


class IncidentType(StrEnum):
    """What happened."""

    road_cut = "road_cut"
    weather = "weather"
    epidemic_control = "epidemic_control"
    fire = "fire"
    accident = "accident"
    staff_shortage = "staff_shortage"
    outlet_stop = "outlet_stop"
    other = "other"


class IncidentState(StrEnum):
    """Where an incident's reporting stands."""

    recorded = "recorded"
    """Recorded by a regulator; the carrier's first report is awaited."""
    reported = "reported"
    """The carrier's first report is in; follow-ups may come."""
    closed = "closed"
    """The final report is in."""


class ReportKind(StrEnum):
    """The kinds of report an incident carries, in the order they usually come."""

    record = "record"
    first = "first"
    follow_up = "follow_up"
    final = "final"
    correction = "correction"


FIGURES: Final = (
    "parcels_held",
    "outlets_affected",
    "hubs_affected",
    "vehicles_stranded",
    "staff_affected",
)
"""The figures a report may give (each a whole number, 0 or more)."""
MAX_FIGURE: Final = 10**9


@dataclass(frozen=True)
class Transition:
    """One legal report: from ``source`` by ``kind`` to ``target``, by ``sides``."""

    kind: ReportKind
    source: IncidentState
    target: IncidentState
    sides: frozenset[Side]


_S = IncidentState
_K = ReportKind
_BOTH = frozenset({Side.carrier, Side.regulator})
_CARRIER = frozenset({Side.carrier})

TRANSITIONS: Final = (
    Transition(_K.first, _S.recorded, _S.reported, _CARRIER),
    Transition(_K.follow_up, _S.reported, _S.reported, _BOTH),
    Transition(_K.final, _S.reported, _S.closed, _CARRIER),
    Transition(_K.correction, _S.reported, _S.reported, _BOTH),
    Transition(_K.correction, _S.closed, _S.closed, _BOTH),
)
"""Every report an incident can take after it is opened (opening: :func:`opening`)."""


def opening(side: Side) -> tuple[ReportKind, IncidentState]:
    """The report that opens an incident and the state it opens in: the carrier's first
    report (reported), or a regulator's record (recorded, awaiting the first report)."""
    if side is Side.carrier:
        return ReportKind.first, IncidentState.reported
    return ReportKind.record, IncidentState.recorded


def stops_blockage_clock(kind: str, side: Side | None) -> bool:
    """Whether a ``kind`` report by ``side`` meets a running blockage clock: any report of the
    carrier (None: the system) but a correction — its first report, or the follow-up in which
    it reports a blockage declared after the incident was opened."""
    return side is not Side.regulator and kind in {
        ReportKind.first,
        ReportKind.follow_up,
        ReportKind.final,
    }


def declares_blockage(kind: str) -> bool:
    """Whether a ``kind`` report may declare that the service network became blocked after
    the incident was opened (a first report or a follow-up; not the final report)."""
    return kind in {ReportKind.first, ReportKind.follow_up}


def allowed(state: str) -> tuple[str, ...]:
    """The kinds of report an incident in ``state`` may take."""
    return tuple(step.kind.value for step in TRANSITIONS if step.source.value == state)


def transition(state: str, kind: str, side: Side | None) -> Transition:
    """The transition of a ``kind`` report from ``state`` by ``side`` (None: the system,
    which plays every side). Raises IllegalTransitionError naming the allowed reports."""
    for step in TRANSITIONS:
        if step.source.value == state and step.kind.value == kind:
            if side is None or side in step.sides:
                return step
            raise IllegalTransitionError(
                _(
                    "The {kind} report is the carrier's to make, not the postal administration's.",
                    kind=kind,
                ),
                allowed(state),
            )
    choices = allowed(state)
    raise IllegalTransitionError(
        _(
            "An incident that is {state} cannot take a {kind} report; it can take: {allowed}.",
            state=state,
            kind=kind,
            allowed=", ".join(choices) or "-",
        ),
        choices,
    )


# -- the blockage clock ------------------------------------------------------------------------


class ClockOutcome(StrEnum):
    running = "running"
    met = "met"
    breached = "breached"


def blockage_due(
    rule: ClockRule, blocked_at: datetime, calendar: WorkingCalendar | None = None
) -> datetime:
    """When the first report of a blockage at ``blocked_at`` is due: ``limit`` hours later for
    the packaged rule (rest days included); a day-counted rule (a deployment's own) is counted
    on ``calendar`` as every clock is."""
    if rule.basis is Basis.hours:
        china_day(blocked_at)  # refuses a naive moment
        return blocked_at.astimezone(CHINA_STANDARD_TIME) + timedelta(hours=rule.limit)
    if calendar is None:
        raise ValueError("a day-counted blockage clock needs the working calendar")
    return due_at(rule, blocked_at, calendar)


def clock_outcome(due: datetime, reported_at: datetime | None, now: datetime) -> ClockOutcome:
    """The clock's state at ``now``: met by a first report at or before ``due``, breached by a
    later one or by none once ``now`` is past ``due``, running otherwise."""
    if reported_at is not None:
        return ClockOutcome.met if reported_at <= due else ClockOutcome.breached
    return ClockOutcome.breached if now > due else ClockOutcome.running


def time_left(due: datetime, now: datetime) -> timedelta:
    """What is left before ``due`` (negative: overdue by that much)."""
    return due - now


# -- checks ------------------------------------------------------------------------------------


def check_figures(figures: Mapping[str, object], where: str = "figures") -> dict[str, int]:
    """The report's figures, each a whole number from 0; InvalidInputError locating each
    mistake as ``figures.parcels_held``."""
    problems: list[Problem] = []
    kept: dict[str, int] = {}
    for name, value in figures.items():
        located = f"{where}.{name}"
        if name not in FIGURES:
            message = _(
                "is not a figure of a report; the figures are {names}", names=", ".join(FIGURES)
            )
            problems.append(Problem(located, message))
        elif isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_FIGURE:
            problems.append(
                Problem(located, _("must be a whole number from 0 to {most}", most=MAX_FIGURE))
            )
        else:
            kept[name] = value
    if problems:
        raise InvalidInputError(_("The report's figures have mistakes."), problems)
    return kept


def type_label(kind: str) -> Message:
    """The incident type in words."""
    labels = {
        IncidentType.road_cut: _("road cut"),
        IncidentType.weather: _("severe weather"),
        IncidentType.epidemic_control: _("epidemic control"),
        IncidentType.fire: _("fire"),
        IncidentType.accident: _("safety accident"),
        IncidentType.staff_shortage: _("staff shortage"),
        IncidentType.outlet_stop: _("outlets stopping pickup or delivery"),
        IncidentType.other: _("other"),
    }
    return labels.get(IncidentType(kind), _("other")) if kind in set(IncidentType) else _("other")


def report_label(kind: str) -> Message:
    """The report kind in words."""
    labels = {
        ReportKind.record: _("recorded by the administration"),
        ReportKind.first: _("first report"),
        ReportKind.follow_up: _("follow-up report"),
        ReportKind.final: _("final report"),
        ReportKind.correction: _("correction"),
    }
    return labels[ReportKind(kind)] if kind in set(ReportKind) else _("other")

"""The legal clocks of complaints and appeals: rules kept as data, and their due moments.

A clock rule (``clock_rules.toml``, docs/reference/clocks.md) gives a limit, its basis (calendar
days, working days or hours), its source and where public sources disagree. A due moment is
counted as 民法典 arts. 201–203 count a period:

- the day of the start event is not counted, the period begins the next day (China time);
- a period in calendar days whose last day is a rest day (a weekend not worked or a statutory
  holiday) ends on the first working day after it — unless the rule is a window no one has to
  act within (``extends_over_rest_days = false``: admissibility, retention);
- a period in working days counts only working days, make-up working days (调休) included;
- the deadline is the end of the last day, China time, returned as 00:00 China time of the next
  day: an exclusive bound, so a step taken at ``t <= due`` is in time;
- a period in hours ends exactly that many hours after the start, rest days included.

A count that reaches a year whose holiday notice is not loaded raises
:class:`~peakguard.errors.CalendarYearMissingError`; nothing is guessed.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from functools import cache
from importlib import resources
from types import MappingProxyType
from typing import Any, Final, TypeGuard

from peakguard.cases.calendar import ONE_DAY, WorkingCalendar
from peakguard.domain.scans import CHINA_STANDARD_TIME
from peakguard.errors import InvalidInputError, Problem
from peakguard.i18n import Message, _
from peakguard.parameters import settings_document

RULE_KEYS: Final = (
    "complaint.answer",
    "appeal.register",
    "appeal.carrier_reply",
    "appeal.mediation_answer",
    "appeal.answer_user",
    "appeal.admissible_within",
    "appeal.retention",
    "emergency.answer",
    "emergency.call_back",
    "incident.blockage_report",
    "rectification.deadline",
    "supply.quotation",
    "supply.confirmation",
)
"""The clocks the workflows run; a rules file names only these."""

MAX_LIMIT: Final = 36_600
"""No legal clock runs a century; a larger limit is a typing mistake."""


class Basis(StrEnum):
    """What a clock's limit counts."""

    calendar_days = "calendar_days"
    working_days = "working_days"
    hours = "hours"


@dataclass(frozen=True)
class ClockRule:
    """One legal clock: its limit, what the limit counts, and where the rule comes from."""

    key: str
    limit: int
    basis: Basis
    source: str
    """The citation: ``快递暂行条例 第二十八条``."""
    note: str = ""
    """Where public sources disagree, or why the default is what it is."""
    extends_over_rest_days: bool = True
    """A day count whose last day is a rest day ends on the next working day (民法典 art. 203);
    False for windows no one has to act within (admissibility, retention)."""
    remind_before: timedelta = timedelta(days=1)
    """When the responsible organisation is reminded, before the deadline (0: at it only)."""
    start_event: str = ""
    """What starts the clock, in words (documentation and the clock's page)."""


FIELDS: Final = (
    "limit",
    "basis",
    "source",
    "note",
    "start_event",
    "extends_over_rest_days",
    "remind_before_hours",
)
REQUIRED: Final = ("limit", "basis", "source")


# -- due moments -------------------------------------------------------------------------------


def china_day(moment: datetime) -> date:
    """The calendar day, China time, of a time-zone-aware moment."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("a clock's moments carry a time zone")
    return moment.astimezone(CHINA_STANDARD_TIME).date()


def end_of(day: date) -> datetime:
    """The end of ``day`` China time, as 00:00 China time of the next day."""
    return datetime.combine(day + ONE_DAY, datetime.min.time(), CHINA_STANDARD_TIME)


def due_at(rule: ClockRule, start: datetime, calendar: WorkingCalendar) -> datetime:
    """When a clock of ``rule`` started at ``start`` falls due (the module's convention).

    Must hold: never before ``start``; a working-day deadline's last day is a working day; a
    calendar-day deadline is never earlier than ``start`` plus the limit in days. Raises
    CalendarYearMissingError when the count reaches a year the calendar does not know."""
    if rule.basis is Basis.hours:
        china_day(start)  # refuses a naive moment
        return start.astimezone(CHINA_STANDARD_TIME) + timedelta(hours=rule.limit)
    return end_of(_last_day(rule, china_day(start), rule.limit, calendar))


def _last_day(rule: ClockRule, after: date, count: int, calendar: WorkingCalendar) -> date:
    """The last day of a day count of ``count`` begun the day after ``after``."""
    if rule.basis is Basis.working_days:
        return calendar.add_working_days(after, count)
    last = after + timedelta(days=count)
    return calendar.first_working_day_from(last) if rule.extends_over_rest_days else last


def resumed_due(
    rule: ClockRule,
    due: datetime,
    paused_at: datetime,
    resumed_at: datetime,
    calendar: WorkingCalendar,
) -> datetime:
    """The due moment of a clock paused at ``paused_at`` and resumed at ``resumed_at``: later
    than ``due`` by the pause, counted in the rule's basis.

    - hours: by the pause's exact length;
    - calendar days: by the days from the pause's day to the resumption's day, the last day
      then moved over rest days as any day count's is;
    - working days: by the working days after the pause's day up to the resumption's day.

    The day of the pause counts as used and the day of the resumption does not, as the start
    day of a period does not (民法典 art. 201). Must hold: never earlier than ``due``."""
    if resumed_at < paused_at:
        raise ValueError("a clock resumes after it was paused")
    if rule.basis is Basis.hours:
        return due.astimezone(CHINA_STANDARD_TIME) + (resumed_at - paused_at)
    paused, resumed = china_day(paused_at), china_day(resumed_at)
    last = china_day(due - timedelta(microseconds=1))
    if rule.basis is Basis.working_days:
        lost = calendar.working_days_between(paused, resumed)
        return end_of(calendar.add_working_days(last, lost))
    return end_of(_last_day(rule, last, (resumed - paused).days, calendar))


def describe(rule: ClockRule) -> Message:
    """The rule's limit and counting convention in one sentence, shown on every clock."""
    if rule.basis is Basis.hours:
        return _("{limit} hours from the moment it starts, rest days included", limit=rule.limit)
    if rule.basis is Basis.working_days:
        return _(
            "{limit} working days on China's calendar (weekends and statutory holidays off, "
            "make-up working days worked), counted from the day after it starts; due at the end "
            "of the last working day, China time (民法典 arts. 201–203)",
            limit=rule.limit,
        )
    if rule.extends_over_rest_days:
        return _(
            "{limit} calendar days, counted from the day after it starts; a last day that is a "
            "rest day moves to the next working day; due at the end of the last day, China "
            "time (民法典 arts. 201–203)",
            limit=rule.limit,
        )
    return _(
        "{limit} calendar days, counted from the day after it starts, rest days included; "
        "due at the end of the last day, China time (民法典 art. 201)",
        limit=rule.limit,
    )


def basis_name(basis: Basis) -> Message:
    """The basis in words, for a clock's basis column."""
    names = {
        Basis.calendar_days: _("calendar days"),
        Basis.working_days: _("working days"),
        Basis.hours: _("hours"),
    }
    return names[basis]


# -- the rules file ----------------------------------------------------------------------------


def load_clock_rules(
    text: str | None = None, *, where: str = "clock_rules.toml"
) -> Mapping[str, ClockRule]:
    """Every clock rule by key: the packaged defaults (``text`` None), or the rules of a TOML
    rules file with the packaged defaults for the clocks it leaves out.

    A clock in the file is given whole (limit, basis and source at least). Raises
    InvalidInputError listing every mistake of the file, each located as
    ``clock_rules.toml: appeal.register.basis``."""
    defaults = _packaged_rules()
    if text is None:
        return defaults
    return MappingProxyType({**defaults, **_parse_rules(text, where)})


@cache
def _packaged_rules() -> Mapping[str, ClockRule]:
    packaged = resources.files("peakguard.cases").joinpath("clock_rules.toml")
    return MappingProxyType(_parse_rules(packaged.read_text(encoding="utf-8"), "clock_rules.toml"))


def _parse_rules(text: str, where: str) -> dict[str, ClockRule]:
    document, _name = settings_document(text, source=where)
    rules: dict[str, ClockRule] = {}
    problems: list[Problem] = []
    for key, table in _rule_tables(document, ""):
        located = f"{where}: {key}"
        if key not in RULE_KEYS:
            message = _(
                "is not a clock the workflows run; the clocks are {keys}", keys=", ".join(RULE_KEYS)
            )
            problems.append(Problem(located, message))
            continue
        if not isinstance(table, dict):
            problems.append(Problem(located, _("must be a table of the clock's fields")))
            continue
        found = [Problem(f"{located}.{field}", message) for field, message in _mistakes(table)]
        if found:
            problems += found
        else:
            rules[key] = _rule(key, table)
    if problems:
        raise InvalidInputError(
            _("the clock rules in {source} have mistakes", source=where), problems
        )
    return rules


def _rule_tables(document: Mapping[str, Any], prefix: str) -> Iterator[tuple[str, object]]:
    """(key, table) of every clock; ``[appeal.register]`` (nested tables) and
    ``["appeal.register"]`` (a quoted key) name the same clock."""
    for name, value in document.items():
        key = f"{prefix}{name}"
        nested = (
            isinstance(value, dict) and value and all(isinstance(v, dict) for v in value.values())
        )
        if nested and key not in RULE_KEYS:
            yield from _rule_tables(value, f"{key}.")
        else:
            yield key, value


def _mistakes(table: Mapping[str, Any]) -> Iterator[tuple[str, Message]]:
    """(field, what is wrong) for every mistake of one clock's table."""
    fields = ", ".join(FIELDS)
    for field in table:
        if field not in FIELDS:
            yield field, _("is not a field of a clock; the fields are {fields}", fields=fields)
    for field in REQUIRED:
        if field not in table:
            yield field, _("is required")
    yield from _count_mistakes(table)
    for field in ("source", "note", "start_event"):
        if field in table and not isinstance(table[field], str):
            yield field, _("must be text")
    if isinstance(table.get("source"), str) and not table["source"].strip():
        yield "source", _("must cite the rule's source (a regulation and its article)")
    extends = table.get("extends_over_rest_days", True)
    if not isinstance(extends, bool):
        yield "extends_over_rest_days", _("must be true or false, not {value!r}", value=extends)


def _count_mistakes(table: Mapping[str, Any]) -> Iterator[tuple[str, Message]]:
    """The mistakes of the limit, the basis and the reminder."""
    limit, basis = table.get("limit"), table.get("basis")
    limit_fits = _whole(limit) and 1 <= limit <= MAX_LIMIT
    if "limit" in table and not limit_fits:
        message = _(
            "must be a whole number from 1 to {most}, not {value}",
            most=MAX_LIMIT,
            value=repr(limit),
        )
        yield "limit", message
    basis_fits = basis in tuple(Basis)
    if "basis" in table and not basis_fits:
        yield "basis", _("must be one of {choices}", choices=", ".join(Basis))
    remind = table.get("remind_before_hours", 24)
    if not _whole(remind) or remind < 0:
        yield "remind_before_hours", _("must be a whole number of hours, 0 or more")
    elif _whole(limit) and limit_fits and basis_fits:
        hours = limit if basis == Basis.hours else 24 * limit
        if remind >= hours:
            message = _(
                "must be less than the clock's limit ({hours} hours): the reminder would come "
                "before the clock starts",
                hours=hours,
            )
            yield "remind_before_hours", message


def _whole(value: object) -> TypeGuard[int]:
    """A whole number (TOML's ``true`` is not 1)."""
    return isinstance(value, int) and not isinstance(value, bool)


def _rule(key: str, table: Mapping[str, Any]) -> ClockRule:
    basis = Basis(table["basis"])
    return ClockRule(
        key=key,
        limit=table["limit"],
        basis=basis,
        source=table["source"].strip(),
        note=table.get("note", "").strip(),
        extends_over_rest_days=table.get("extends_over_rest_days", basis != Basis.hours),
        remind_before=timedelta(hours=table.get("remind_before_hours", 24)),
        start_event=table.get("start_event", "").strip(),
    )

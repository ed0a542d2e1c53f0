"""The 24-hour duty's rules (值班值守), pure: an office's shifts, who is on duty at a moment,
the escalation chain of an alert, and how far an unacknowledged alert has escalated.

Shifts are in China time (UTC+8) and may cross midnight: the night shift 20:00–08:00 of
1 December runs until 08:00 on the 2nd, and belongs to the 1st's roster. A moment no roster
covers has nobody on duty (``None``): the office's board says so loudly.

Escalation (local policy, docs/reference/duty.md): an alert goes to the first duty officer of
the shift on duty when it is raised; each ``limit`` (15 minutes by default) it stays
unacknowledged it moves one step down the chain — the second officer, the next officers, the
leader on duty (带班领导), then the office's directors — and stays with the last.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Final

from peakguard.domain.scans import CHINA_STANDARD_TIME
from peakguard.errors import InvalidInputError, Problem
from peakguard.i18n import _

DEFAULT_ACKNOWLEDGE_MINUTES: Final = 15
"""How long an alert may stay unacknowledged before it escalates (local policy)."""


@dataclass(frozen=True)
class Shift:
    """A shift of every day, from ``start`` to ``end`` China time (``end <= start``: it ends
    the next day)."""

    name: str
    start: time
    end: time

    @property
    def crosses_midnight(self) -> bool:
        return self.end <= self.start

    @property
    def length(self) -> timedelta:
        start = timedelta(hours=self.start.hour, minutes=self.start.minute)
        end = timedelta(hours=self.end.hour, minutes=self.end.minute)
        return end - start + (timedelta(days=1) if self.crosses_midnight else timedelta())

    def starts_at(self, day: date) -> datetime:
        return datetime.combine(day, self.start, tzinfo=CHINA_STANDARD_TIME)

    def ends_at(self, day: date) -> datetime:
        return self.starts_at(day) + self.length


DEFAULT_SHIFTS: Final = (
    Shift("day", time(8), time(20)),
    Shift("night", time(20), time(8)),
)
"""Day 08:00–20:00 and night 20:00–08:00 China time (an office may set its own)."""


@dataclass(frozen=True)
class Watch:
    """Who keeps one shift of one day: the leader on duty and the officers in order (user
    ids)."""

    day: date
    shift: str
    leader: int | None
    officers: tuple[int, ...]


def shift_at(shifts: Sequence[Shift], moment: datetime) -> tuple[date, Shift] | None:
    """The roster day and shift that ``moment`` falls in (an overnight shift belongs to the
    day it starts); None when no shift covers it."""
    local = moment.astimezone(CHINA_STANDARD_TIME)
    for shift in shifts:
        for day in (local.date(), local.date() - timedelta(days=1)):
            if shift.starts_at(day) <= local < shift.ends_at(day):
                return day, shift
    return None


def on_duty(
    shifts: Sequence[Shift], roster: Mapping[tuple[date, str], Watch], moment: datetime
) -> Watch | None:
    """Who is on duty at ``moment``: the watch of its day and shift, or None (no shift
    covers it, or the roster leaves it empty)."""
    found = shift_at(shifts, moment)
    if found is None:
        return None
    day, shift = found
    watch = roster.get((day, shift.name))
    if watch is None or (watch.leader is None and not watch.officers):
        return None
    return watch


def next_shift(shifts: Sequence[Shift], moment: datetime) -> tuple[date, Shift] | None:
    """The day and shift that starts next after ``moment``."""
    local = moment.astimezone(CHINA_STANDARD_TIME)
    starts = [
        (shift.starts_at(day), day, shift)
        for shift in shifts
        for day in (local.date(), local.date() + timedelta(days=1))
        if shift.starts_at(day) > local
    ]
    if not starts:
        return None
    _at, day, shift = min(starts, key=lambda item: item[0])
    return day, shift


def escalation_chain(watch: Watch | None, directors: Iterable[int] = ()) -> tuple[int, ...]:
    """The people an alert goes to, in order: the officers (first, second, …), the leader on
    duty, then the office's directors; each person once."""
    people: list[int] = []
    candidates = [*(watch.officers if watch else ()), *([watch.leader] if watch else [])]
    for person in [*candidates, *directors]:
        if person is not None and person not in people:
            people.append(person)
    return tuple(people)


def escalation_step(raised_at: datetime, limit: timedelta, now: datetime, chain_length: int) -> int:
    """How far down its chain an alert raised at ``raised_at`` and still unacknowledged at
    ``now`` should be: step k is due at ``raised_at + k × limit`` and taken once ``now`` is
    past it (acknowledging at the due moment exactly is in time); never past the chain's
    last person. A sweep after a long downtime gets the step it should be at directly."""
    if chain_length <= 1 or now <= raised_at:
        return 0
    elapsed = now - raised_at
    passed = -(-elapsed // limit) - 1  # the number of k ≥ 1 with raised_at + k·limit < now
    return max(0, min(passed, chain_length - 1))


def step_due_at(raised_at: datetime, limit: timedelta, step: int) -> datetime:
    """When step ``step`` of an alert raised at ``raised_at`` falls due."""
    return raised_at + step * limit


def parse_shifts(spans: Sequence[Sequence[str]], where: str = "shifts") -> tuple[Shift, ...]:
    """Shifts from ``[[name, "HH:MM", "HH:MM"], …]``; they must cover the day exactly once
    (each ends where another starts). Every mistake is located."""
    problems: list[Problem] = []
    shifts: list[Shift] = []
    for index, span in enumerate(spans):
        location = f"{where}[{index}]"
        if len(span) != 3 or not str(span[0]).strip():
            problems.append(Problem(location, _("a shift is [name, start HH:MM, end HH:MM]")))
            continue
        try:
            start, end = time.fromisoformat(str(span[1])), time.fromisoformat(str(span[2]))
        except ValueError:
            problems.append(Problem(location, _("a shift's times are HH:MM")))
            continue
        shifts.append(Shift(str(span[0]).strip(), start.replace(second=0), end.replace(second=0)))
    if not problems:
        problems.extend(_coverage_problems(shifts, where))
    if problems:
        raise InvalidInputError(_("the shifts are not valid"), problems)
    return tuple(shifts)


def _coverage_problems(shifts: Sequence[Shift], where: str) -> list[Problem]:
    names = [shift.name for shift in shifts]
    if len(set(names)) != len(names):
        return [Problem(where, _("two shifts have the same name"))]
    total = sum((shift.length for shift in shifts), timedelta())
    starts = {shift.start for shift in shifts}
    if not shifts or total != timedelta(days=1) or any(s.end not in starts for s in shifts):
        return [Problem(where, _("the shifts must cover the 24 hours of a day exactly once"))]
    return []


def shift_spans(shifts: Sequence[Shift]) -> list[list[str]]:
    """The stored form of ``shifts`` (what :func:`parse_shifts` reads)."""
    return [[s.name, s.start.strftime("%H:%M"), s.end.strftime("%H:%M")] for s in shifts]

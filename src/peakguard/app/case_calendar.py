"""China's working-day calendar as a deployment knows it, and the clock rules it runs.

The calendar is the package's years (chinesecalendar) and the notices an administrator loaded
into the database for years the package does not know yet (``peakguard calendar load``). A
loaded notice replaces the package's year and reschedules every clock that waited for it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy.orm import Session

from peakguard.app.access import require
from peakguard.app.audit import record_in
from peakguard.cases.calendar import WorkingCalendar, YearNotice
from peakguard.cases.clocks import ClockRule, due_at, load_clock_rules
from peakguard.errors import CalendarYearMissingError
from peakguard.identity.model import Permission, Principal
from peakguard.store.case_clocks import (
    load_notices,
    save_notice,
    schedule_clock,
    unscheduled_clocks,
)
from peakguard.store.database import Store, transaction


def clock_rules() -> Mapping[str, ClockRule]:
    """The clock rules in force: the packaged defaults (``cases/clock_rules.toml``)."""
    return _RULES


_RULES = load_clock_rules()


def calendar_in(session: Session) -> WorkingCalendar:
    """The working calendar: the package's years and the notices loaded into the database."""
    notices = [
        YearNotice(
            year=year,
            rest_days=frozenset(rest),
            working_days=frozenset(working),
            source=source,
        )
        for year, rest, working, source in load_notices(session)
    ]
    return WorkingCalendar.china(loaded=notices)


def working_calendar(store: Store) -> WorkingCalendar:
    """The deployment's working calendar (see :func:`calendar_in`)."""
    with transaction(store.sessions) as session:
        return calendar_in(session)


@dataclass(frozen=True)
class NoticeLoaded:
    """What loading a year's notice did: the year, its source, and the clocks that waited for
    it and now have a deadline."""

    year: int
    source: str
    rescheduled: int


def load_year_notice(
    store: Store, notice: YearNotice, *, actor: Principal, now: datetime | None = None
) -> NoticeLoaded:
    """Keep ``notice`` as the calendar of its year and give every clock that was waiting for
    that year its deadline; audited."""
    require(actor, Permission.calendar_manage)
    moment = now or datetime.now(UTC)
    rules = clock_rules()
    with transaction(store.sessions) as session:
        save_notice(
            session,
            notice.year,
            sorted(notice.rest_days),
            sorted(notice.working_days),
            notice.source,
            actor.label(),
            moment,
        )
        calendar = calendar_in(session)
        rescheduled = 0
        for clock in unscheduled_clocks(session, notice.year):
            rule = rules.get(clock.rule_key)
            if rule is None:
                continue
            try:
                due = due_at(rule, clock.started_at, calendar)
            except CalendarYearMissingError:
                continue  # it also reaches a later year nobody loaded yet
            stopped = clock.stopped_at
            outcome = "running" if stopped is None else "met" if stopped <= due else "breached"
            schedule_clock(session, clock.id, due_at=due, outcome=outcome)
            rescheduled += 1
        record_in(
            session,
            store,
            actor,
            "calendar.load",
            "calendar",
            str(notice.year),
            detail={
                "source": notice.source,
                "rest_days": len(notice.rest_days),
                "working_days": len(notice.working_days),
                "rescheduled_clocks": rescheduled,
            },
            at=moment,
        )
    return NoticeLoaded(notice.year, notice.source, rescheduled)

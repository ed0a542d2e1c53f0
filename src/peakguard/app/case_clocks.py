"""Starting and stopping a case's legal clocks inside the transaction of the step that moves
them, so a clock and the step that started or stopped it are kept together or not at all."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy.orm import Session

from peakguard.app.case_calendar import calendar_in, clock_rules
from peakguard.cases.calendar import WorkingCalendar
from peakguard.cases.clocks import due_at
from peakguard.errors import CalendarYearMissingError, ConfigurationError
from peakguard.i18n import _
from peakguard.store.case_clocks import case_clocks, start_clock, stop_clock

RUNNING = "running"
UNSCHEDULED = "unscheduled"


def start_clocks(
    session: Session,
    case_id: int,
    keys: Iterable[str],
    started_at: datetime,
    calendar: WorkingCalendar | None = None,
) -> None:
    """Start the clocks ``keys`` at ``started_at``. A clock whose deadline reaches a year
    whose holiday notice is not loaded is kept *unscheduled*, with the year as its reason, and
    gets its deadline when an administrator loads the notice — never a guessed one."""
    rules = clock_rules()
    known = calendar or calendar_in(session)
    for key in keys:
        rule = rules.get(key)
        if rule is None:
            raise ConfigurationError(_("No clock rule named {key} is configured.", key=key))
        try:
            due: datetime | None = due_at(rule, started_at, known)
            outcome, reason = RUNNING, None
        except CalendarYearMissingError as error:
            due, outcome = None, UNSCHEDULED
            reason = f"calendar year {error.year} not loaded"
        start_clock(
            session,
            case_id,
            rule_key=rule.key,
            basis=rule.basis.value,
            limit_value=rule.limit,
            source=rule.source,
            started_at=started_at,
            due_at=due,
            outcome=outcome,
            reason=reason,
        )


def stop_clocks(
    session: Session,
    case_id: int,
    keys: Iterable[str],
    at: datetime,
    *,
    cancels: Iterable[str] = (),
    cancel_rest: bool,
) -> None:
    """Stop the running clocks ``keys``: *met* when stopped by their deadline, *breached*
    after it; those in ``cancels`` ended without their obligation (a withdrawn appeal) are
    *cancelled*. With ``cancel_rest`` (the case ended), every other running clock is
    cancelled too."""
    cancelled = set(cancels)
    wanted = set(keys) - cancelled
    for clock in case_clocks(session, case_id):
        if clock.outcome not in (RUNNING, UNSCHEDULED, "paused") or clock.stopped_at is not None:
            continue
        if clock.rule_key in wanted:
            if clock.due_at is None:
                stop_clock(session, clock.id, outcome=UNSCHEDULED, stopped_at=at)
            else:
                outcome = "met" if at <= clock.due_at else "breached"
                stop_clock(session, clock.id, outcome=outcome, stopped_at=at)
        elif clock.rule_key in cancelled or cancel_rest:
            stop_clock(session, clock.id, outcome="cancelled", stopped_at=at, reason="case ended")

"""The legal clocks of cases, the reminders the overdue sweep raises, the sweep's lock, and the
holiday notices loaded for years the calendar package does not know.

Every function works inside the caller's session (its transaction: see
:func:`peakguard.store.database.transaction`). What the sweep does to a clock is made to happen
once however many processes run it at once, by the database rather than by the callers'
timing: a reminder is one ``INSERT … ON CONFLICT DO NOTHING`` against the unique
``(clock_id, kind)``, and a breach one ``UPDATE … WHERE breached_at IS NULL``; on PostgreSQL
the sweep also takes a transaction-scoped advisory lock, so that the other workers skip the
round instead of waiting for it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import delete, select, text, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from peakguard.domain.scans import CHINA_STANDARD_TIME
from peakguard.store.case_tables import (
    CalendarNoticeRow,
    CaseClockRow,
    CaseReminderRow,
    CaseRow,
)

RUNNING = "running"
PAUSED = "paused"
UNSCHEDULED = "unscheduled"
OUTCOMES = frozenset({RUNNING, "met", "breached", PAUSED, "cancelled", UNSCHEDULED})
"""What a clock's ``outcome`` may be."""
REMINDER_KINDS = frozenset({"before", "due", "breach"})

SWEEP_LOCK = 0x7065616B63617365
"""PostgreSQL advisory-lock key ("peakcase" in ASCII) of the overdue sweep (the migration's
lock is "peakguar"): held for the sweeping transaction only."""


def dialect_insert(session: Session, table: Any) -> postgresql.Insert | sqlite.Insert:
    """An ``INSERT`` into ``table`` that can say ``ON CONFLICT``, in the session's dialect."""
    if session.get_bind().dialect.name == "postgresql":
        return postgresql.insert(table)
    return sqlite.insert(table)


@dataclass(frozen=True)
class ClockRecord:
    id: int
    case_id: int
    rule_key: str
    basis: str
    limit_value: int
    source: str
    started_at: datetime
    due_at: datetime | None
    """None while unscheduled (the deadline reaches a year whose calendar is not loaded)."""
    outcome: str
    stopped_at: datetime | None
    paused_at: datetime | None
    reason: str | None
    breached_at: datetime | None


def _clock(row: CaseClockRow) -> ClockRecord:
    return ClockRecord(
        id=row.id,
        case_id=row.case_id,
        rule_key=row.rule_key,
        basis=row.basis,
        limit_value=row.limit_value,
        source=row.source,
        started_at=row.started_at,
        due_at=row.due_at,
        outcome=row.outcome,
        stopped_at=row.stopped_at,
        paused_at=row.paused_at,
        reason=row.reason,
        breached_at=row.breached_at,
    )


def _clocks(session: Session, *conditions: Any) -> list[ClockRecord]:
    rows = session.scalars(
        select(CaseClockRow)
        .where(*conditions)
        .order_by(CaseClockRow.id)
        .execution_options(populate_existing=True)
    )
    return [_clock(row) for row in rows]


def start_clock(
    session: Session,
    case_id: int,
    *,
    rule_key: str,
    basis: str,
    limit_value: int,
    source: str,
    started_at: datetime,
    due_at: datetime | None,
    outcome: str = RUNNING,
    reason: str | None = None,
) -> int:
    """Keep a new clock of case ``case_id``; its id. ``due_at`` None needs the outcome
    ``unscheduled``, a deadline any other."""
    if outcome not in OUTCOMES:
        raise ValueError(f"unknown clock outcome {outcome!r}")
    if (due_at is None) != (outcome == UNSCHEDULED):
        raise ValueError("a clock is unscheduled exactly when it has no deadline")
    row = CaseClockRow(
        case_id=case_id,
        rule_key=rule_key,
        basis=basis,
        limit_value=limit_value,
        source=source,
        started_at=started_at,
        due_at=due_at,
        outcome=outcome,
        reason=reason,
    )
    session.add(row)
    session.flush()
    return row.id


def _changed(session: Session, clock_id: int, conditions: tuple[Any, ...], **values: Any) -> bool:
    statement = (
        update(CaseClockRow)
        .where(CaseClockRow.id == clock_id, *conditions)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    return session.execute(statement).rowcount == 1  # type: ignore[attr-defined, no-any-return]


def stop_clock(
    session: Session,
    clock_id: int,
    *,
    outcome: str,
    stopped_at: datetime,
    reason: str | None = None,
) -> bool:
    """Stop a clock that has not stopped yet with ``outcome`` (met, breached, cancelled, or
    unscheduled for one that never had a deadline); False when it had already stopped."""
    if outcome not in OUTCOMES - {RUNNING, PAUSED}:
        raise ValueError(f"a clock cannot stop as {outcome!r}")
    values: dict[str, Any] = {"outcome": outcome, "stopped_at": stopped_at}
    if reason is not None:
        values["reason"] = reason
    return _changed(session, clock_id, (CaseClockRow.stopped_at.is_(None),), **values)


def pause_clock(session: Session, clock_id: int, *, paused_at: datetime, reason: str) -> bool:
    """Pause a running clock (the case waits on the user, say) with its reason; False when
    it was not running."""
    return _changed(
        session,
        clock_id,
        (CaseClockRow.outcome == RUNNING, CaseClockRow.stopped_at.is_(None)),
        outcome=PAUSED,
        paused_at=paused_at,
        reason=reason,
    )


def resume_clock(session: Session, clock_id: int, *, due_at: datetime) -> bool:
    """Run a paused clock again towards ``due_at`` (its deadline moved by the pause); False
    when it was not paused. ``paused_at`` is kept: when it last paused."""
    return _changed(
        session, clock_id, (CaseClockRow.outcome == PAUSED,), outcome=RUNNING, due_at=due_at
    )


def schedule_clock(
    session: Session, clock_id: int, *, due_at: datetime, outcome: str = RUNNING
) -> bool:
    """Give an unscheduled clock its deadline once its year's calendar is known, with the
    ``outcome`` that follows (running, or met / breached for one stopped meanwhile); False
    when it was not unscheduled."""
    if outcome not in OUTCOMES - {PAUSED, UNSCHEDULED}:
        raise ValueError(f"a scheduled clock cannot be {outcome!r}")
    return _changed(
        session,
        clock_id,
        (CaseClockRow.outcome == UNSCHEDULED,),
        outcome=outcome,
        due_at=due_at,
    )


def case_clocks(session: Session, case_id: int) -> list[ClockRecord]:
    """Every clock of the case, in the order started."""
    return _clocks(session, CaseClockRow.case_id == case_id)


def running_clock(session: Session, case_id: int, rule_key: str) -> ClockRecord | None:
    """The case's running (or paused) clock of ``rule_key``, the newest if several."""
    found = _clocks(
        session,
        CaseClockRow.case_id == case_id,
        CaseClockRow.rule_key == rule_key,
        CaseClockRow.outcome.in_([RUNNING, PAUSED]),
    )
    return found[-1] if found else None


def clocks_due(session: Session, *, before: datetime) -> list[ClockRecord]:
    """Running clocks whose deadline is earlier than ``before``: with ``before`` now, the
    overdue ones (a clock stopped at its deadline exactly is met); with now plus a notice
    period, those to remind of."""
    return _clocks(
        session,
        CaseClockRow.outcome == RUNNING,
        CaseClockRow.due_at.is_not(None),
        CaseClockRow.due_at < before,
    )


def unscheduled_clocks(session: Session, year: int | None = None) -> list[ClockRecord]:
    """Clocks without a deadline (their count reaches a year whose calendar is not loaded),
    stopped or not; with ``year``, only those a notice of that year may schedule: started
    before it ended (China time)."""
    conditions: list[Any] = [CaseClockRow.outcome == UNSCHEDULED]
    if year is not None:
        end = datetime(year + 1, 1, 1, tzinfo=CHINA_STANDARD_TIME)
        conditions.append(CaseClockRow.started_at < end)
    return _clocks(session, *conditions)


def insert_reminder_once(
    session: Session, clock_id: int, kind: str, organisation_id: int | None, at: datetime
) -> bool:
    """Raise the ``kind`` reminder of a clock for ``organisation_id``: True only for the
    call that created it. A second call, or a concurrent one in another transaction, finds
    the unique ``(clock_id, kind)`` taken and writes nothing (on PostgreSQL it waits for the
    first transaction: False if that one commits, True if it rolls back)."""
    if kind not in REMINDER_KINDS:
        raise ValueError(f"unknown reminder kind {kind!r}")
    statement = (
        dialect_insert(session, CaseReminderRow)
        .values(clock_id=clock_id, kind=kind, organisation_id=organisation_id, created_at=at)
        .on_conflict_do_nothing(index_elements=["clock_id", "kind"])
        .returning(CaseReminderRow.id)
    )
    return session.execute(statement).scalar_one_or_none() is not None


def mark_breached_once(session: Session, clock_id: int, at: datetime) -> bool:
    """Record that a running clock was found past its deadline at ``at``: True for the call
    that recorded it, False when it was recorded already, stopped, or not due yet."""
    return _changed(
        session,
        clock_id,
        (
            CaseClockRow.breached_at.is_(None),
            CaseClockRow.outcome == RUNNING,
            CaseClockRow.due_at < at,
        ),
        breached_at=at,
    )


def sweep_lock(session: Session) -> bool:
    """Whether this transaction may run the overdue sweep now. PostgreSQL: the advisory lock
    :data:`SWEEP_LOCK`, tried without waiting and released when the transaction ends, so one
    worker sweeps and the others skip the round. SQLite: True (its writer lock serialises
    the sweeps, and the sweep's writes are idempotent)."""
    if session.get_bind().dialect.name != "postgresql":
        return True
    taken = session.execute(
        text("SELECT pg_try_advisory_xact_lock(:key)"), {"key": SWEEP_LOCK}
    ).scalar_one()
    return bool(taken)


@dataclass(frozen=True)
class ReminderRecord:
    """A reminder with what its reader needs: the case and the clock it is about."""

    id: int
    clock_id: int
    kind: str
    organisation_id: int | None
    created_at: datetime
    acknowledged_at: datetime | None
    acknowledged_by: str | None
    case_id: int
    reference: str
    rule_key: str
    due_at: datetime | None


def reminders(
    session: Session,
    organisation_id: int | None,
    *,
    unacknowledged_only: bool = True,
    limit: int = 100,
) -> list[ReminderRecord]:
    """The reminders raised for ``organisation_id`` (None: every organisation's), newest
    first."""
    statement = (
        select(CaseReminderRow, CaseClockRow.case_id, CaseRow.reference, CaseClockRow.rule_key)
        .add_columns(CaseClockRow.due_at)
        .join(CaseClockRow, CaseClockRow.id == CaseReminderRow.clock_id)
        .join(CaseRow, CaseRow.id == CaseClockRow.case_id)
        .order_by(CaseReminderRow.created_at.desc(), CaseReminderRow.id.desc())
        .limit(limit)
    )
    if organisation_id is not None:
        statement = statement.where(CaseReminderRow.organisation_id == organisation_id)
    if unacknowledged_only:
        statement = statement.where(CaseReminderRow.acknowledged_at.is_(None))
    return [
        ReminderRecord(
            id=row.id,
            clock_id=row.clock_id,
            kind=row.kind,
            organisation_id=row.organisation_id,
            created_at=row.created_at,
            acknowledged_at=row.acknowledged_at,
            acknowledged_by=row.acknowledged_by,
            case_id=case_id,
            reference=reference,
            rule_key=rule_key,
            due_at=due,
        )
        for row, case_id, reference, rule_key, due in session.execute(statement)
    ]


def acknowledge_reminder(session: Session, reminder_id: int, *, by: str, at: datetime) -> bool:
    """Mark a reminder read by ``by``; False when it was acknowledged already (or is not)."""
    statement = (
        update(CaseReminderRow)
        .where(CaseReminderRow.id == reminder_id, CaseReminderRow.acknowledged_at.is_(None))
        .values(acknowledged_at=at, acknowledged_by=by)
        .execution_options(synchronize_session=False)
    )
    return session.execute(statement).rowcount == 1  # type: ignore[attr-defined, no-any-return]


def save_notice(
    session: Session,
    year: int,
    rest_days: list[date],
    working_days: list[date],
    source: str,
    loaded_by: str,
    at: datetime,
) -> None:
    """Keep ``year``'s notice, replacing one loaded before."""
    session.execute(delete(CalendarNoticeRow).where(CalendarNoticeRow.year == year))
    session.add(
        CalendarNoticeRow(
            year=year,
            rest_days=json.dumps(sorted(day.isoformat() for day in rest_days)),
            working_days=json.dumps(sorted(day.isoformat() for day in working_days)),
            source=source,
            loaded_by=loaded_by,
            loaded_at=at,
        )
    )
    session.flush()


def load_notices(session: Session) -> list[tuple[int, list[date], list[date], str]]:
    """Every loaded notice as (year, rest days, make-up working days, source), by year."""
    rows = session.scalars(select(CalendarNoticeRow).order_by(CalendarNoticeRow.year))
    return [
        (
            row.year,
            [date.fromisoformat(day) for day in json.loads(row.rest_days)],
            [date.fromisoformat(day) for day in json.loads(row.working_days)],
            row.source,
        )
        for row in rows
    ]


def delete_notice(session: Session, year: int) -> bool:
    """Forget ``year``'s loaded notice (the package's calendar, if any, applies again)."""
    statement = delete(CalendarNoticeRow).where(CalendarNoticeRow.year == year)
    return session.execute(statement).rowcount == 1  # type: ignore[attr-defined, no-any-return]

"""The duty's records (值班值守): office settings and rosters, the duty log, handovers, alerts
and escalations.

Every function works inside the caller's session (its transaction). What a sweep does happens
once however many run: an escalation is one ``INSERT … ON CONFLICT DO NOTHING`` against the
unique ``(alert_id, step)``, and moving an alert one ``UPDATE … WHERE step < new AND
acknowledged_at IS NULL``; raising with a ``dedupe_key`` is an insert against its unique key.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select, text, update
from sqlalchemy.orm import Session

from peakguard.cases.duty import (
    DEFAULT_ACKNOWLEDGE_MINUTES,
    DEFAULT_SHIFTS,
    Shift,
    Watch,
    parse_shifts,
    shift_spans,
)
from peakguard.store.access_tables import UserRoleRow, UserRow
from peakguard.store.case_clocks import dialect_insert
from peakguard.store.duty_tables import (
    DutyAlertRow,
    DutyAssignmentRow,
    DutyEscalationRow,
    DutyHandoverRow,
    DutyLogRow,
    DutyOfficeRow,
)

DIRECTOR_ROLE = "director"
"""The role whose holders close an office's escalation chain."""


@dataclass(frozen=True)
class OfficeSettings:
    organisation_id: int
    shifts: tuple[Shift, ...]
    acknowledge_minutes: int
    version: int
    """0 for an office that never saved settings or a roster."""


def office_settings(session: Session, organisation_id: int) -> OfficeSettings:
    """The office's shifts and acknowledgement limit (the defaults if it set none)."""
    row = session.get(DutyOfficeRow, organisation_id, populate_existing=True)
    if row is None:
        return OfficeSettings(organisation_id, DEFAULT_SHIFTS, DEFAULT_ACKNOWLEDGE_MINUTES, 0)
    return OfficeSettings(
        organisation_id,
        parse_shifts(json.loads(row.shifts)),
        row.acknowledge_minutes,
        row.version,
    )


def bump_office(
    session: Session,
    organisation_id: int,
    *,
    expected_version: int,
    shifts: Sequence[Shift],
    acknowledge_minutes: int,
    at: datetime,
) -> bool:
    """Save the office's settings and raise its version, if it still is ``expected_version``
    (one conditional statement); False when someone else changed it first."""
    spans = json.dumps(shift_spans(shifts))
    if expected_version == 0:
        statement = (
            dialect_insert(session, DutyOfficeRow)
            .values(
                organisation_id=organisation_id,
                shifts=spans,
                acknowledge_minutes=acknowledge_minutes,
                version=1,
                updated_at=at,
            )
            .on_conflict_do_nothing(index_elements=["organisation_id"])
            .returning(DutyOfficeRow.organisation_id)
        )
        return session.execute(statement).scalar_one_or_none() is not None
    changed = session.execute(
        update(DutyOfficeRow)
        .where(
            DutyOfficeRow.organisation_id == organisation_id,
            DutyOfficeRow.version == expected_version,
        )
        .values(
            shifts=spans,
            acknowledge_minutes=acknowledge_minutes,
            version=expected_version + 1,
            updated_at=at,
        )
        .execution_options(synchronize_session=False)
    )
    return changed.rowcount == 1  # type: ignore[attr-defined, no-any-return]


def roster(
    session: Session, organisation_id: int, first: date, last: date
) -> dict[tuple[date, str], Watch]:
    """The office's watches of days ``first`` to ``last`` (inclusive), by (day, shift)."""
    rows = session.scalars(
        select(DutyAssignmentRow)
        .where(
            DutyAssignmentRow.organisation_id == organisation_id,
            DutyAssignmentRow.day >= first,
            DutyAssignmentRow.day <= last,
        )
        .order_by(DutyAssignmentRow.day, DutyAssignmentRow.shift, DutyAssignmentRow.position)
    )
    people: dict[tuple[date, str], list[tuple[int, int]]] = {}
    for row in rows:
        people.setdefault((row.day, row.shift), []).append((row.position, row.user_id))
    return {
        key: Watch(
            day=key[0],
            shift=key[1],
            leader=next((user for position, user in found if position == 0), None),
            officers=tuple(user for position, user in found if position > 0),
        )
        for key, found in people.items()
    }


def replace_roster(
    session: Session, organisation_id: int, first: date, last: date, watches: Sequence[Watch]
) -> None:
    """Replace the office's roster of days ``first`` to ``last`` with ``watches``."""
    session.query(DutyAssignmentRow).filter(
        DutyAssignmentRow.organisation_id == organisation_id,
        DutyAssignmentRow.day >= first,
        DutyAssignmentRow.day <= last,
    ).delete(synchronize_session=False)
    for watch in watches:
        positions = [(0, watch.leader)] if watch.leader is not None else []
        positions += [(index + 1, user) for index, user in enumerate(watch.officers)]
        for position, user in positions:
            session.add(
                DutyAssignmentRow(
                    organisation_id=organisation_id,
                    day=watch.day,
                    shift=watch.shift,
                    position=position,
                    user_id=user,
                )
            )
    session.flush()


def directors(session: Session, organisation_id: int) -> list[int]:
    """The office's enabled users holding the director role, by id."""
    statement = (
        select(UserRow.id)
        .join(UserRoleRow, UserRoleRow.user_id == UserRow.id)
        .where(
            UserRow.organisation_id == organisation_id,
            UserRow.disabled.is_(False),
            UserRoleRow.role == DIRECTOR_ROLE,
        )
        .order_by(UserRow.id)
    )
    return list(session.scalars(statement))


def usernames(session: Session, user_ids: Sequence[int]) -> dict[int, tuple[str, str]]:
    """user id → (username, display name)."""
    if not user_ids:
        return {}
    rows = session.execute(
        select(UserRow.id, UserRow.username, UserRow.display_name).where(
            UserRow.id.in_(list(user_ids))
        )
    )
    return {row.id: (row.username, row.display_name) for row in rows}


@dataclass(frozen=True)
class AlertRecord:
    id: int
    organisation_id: int
    kind: str
    subject: str
    msgid: str
    params: dict[str, Any]
    raised_at: datetime
    dedupe_key: str | None
    acknowledge_minutes: int
    step: int
    delivered_to: int | None
    acknowledged_at: datetime | None
    acknowledged_by: str | None
    acknowledged_note: str | None


def _alert(row: DutyAlertRow) -> AlertRecord:
    return AlertRecord(
        id=row.id,
        organisation_id=row.organisation_id,
        kind=row.kind,
        subject=row.subject,
        msgid=row.msgid,
        params=json.loads(row.params),
        raised_at=row.raised_at,
        dedupe_key=row.dedupe_key,
        acknowledge_minutes=row.acknowledge_minutes,
        step=row.step,
        delivered_to=row.delivered_to,
        acknowledged_at=row.acknowledged_at,
        acknowledged_by=row.acknowledged_by,
        acknowledged_note=row.acknowledged_note,
    )


def insert_alert(session: Session, **values: Any) -> tuple[int, bool]:
    """Keep a new alert (``values`` are its columns, ``params`` already JSON); (its id, True),
    or (the id of the alert holding the same ``dedupe_key``, False)."""
    statement = (
        dialect_insert(session, DutyAlertRow)
        .values(**values)
        .on_conflict_do_nothing(index_elements=["dedupe_key"])
        .returning(DutyAlertRow.id)
    )
    created = session.execute(statement).scalar_one_or_none()
    if created is not None:
        return created, True
    existing = session.scalar(
        select(DutyAlertRow.id).where(DutyAlertRow.dedupe_key == values["dedupe_key"])
    )
    assert existing is not None  # the conflict was on the dedupe key
    return existing, False


def load_alert(session: Session, alert_id: int) -> AlertRecord | None:
    row = session.get(DutyAlertRow, alert_id, populate_existing=True)
    return _alert(row) if row is not None else None


def alerts(
    session: Session,
    organisation_ids: Sequence[int] | None,
    *,
    open_only: bool = False,
    delivered_to: int | None = None,
    limit: int = 200,
) -> list[AlertRecord]:
    """Alerts of the offices (None: all), open ones first, newest first within each."""
    statement = select(DutyAlertRow).execution_options(populate_existing=True)
    if organisation_ids is not None:
        statement = statement.where(DutyAlertRow.organisation_id.in_(list(organisation_ids)))
    if open_only:
        statement = statement.where(DutyAlertRow.acknowledged_at.is_(None))
    if delivered_to is not None:
        statement = statement.where(DutyAlertRow.delivered_to == delivered_to)
    acknowledged = DutyAlertRow.acknowledged_at.is_not(None)
    statement = statement.order_by(
        acknowledged, DutyAlertRow.raised_at.desc(), DutyAlertRow.id.desc()
    ).limit(limit)
    return [_alert(row) for row in session.scalars(statement)]


def open_alerts_before(session: Session, before: datetime) -> list[AlertRecord]:
    """Unacknowledged alerts raised before ``before`` (what a sweep examines)."""
    rows = session.scalars(
        select(DutyAlertRow)
        .where(DutyAlertRow.acknowledged_at.is_(None), DutyAlertRow.raised_at < before)
        .order_by(DutyAlertRow.id)
        .execution_options(populate_existing=True)
    )
    return [_alert(row) for row in rows]


def escalate_once(
    session: Session,
    alert_id: int,
    step: int,
    to_user: int | None,
    *,
    due_at: datetime,
    at: datetime,
) -> bool:
    """Move an open alert to ``step`` and record the escalation: True only for the call that
    moved it. The move is one ``UPDATE … WHERE step < :step AND acknowledged_at IS NULL``
    (a concurrent sweep, or an acknowledgement, makes it touch nothing), and the record is
    unique by ``(alert_id, step)``."""
    moved = session.execute(
        update(DutyAlertRow)
        .where(
            DutyAlertRow.id == alert_id,
            DutyAlertRow.step < step,
            DutyAlertRow.acknowledged_at.is_(None),
        )
        .values(step=step, delivered_to=to_user)
        .execution_options(synchronize_session=False)
    )
    if moved.rowcount != 1:  # type: ignore[attr-defined]
        return False
    statement = (
        dialect_insert(session, DutyEscalationRow)
        .values(alert_id=alert_id, step=step, to_user=to_user, due_at=due_at, escalated_at=at)
        .on_conflict_do_nothing(index_elements=["alert_id", "step"])
        .returning(DutyEscalationRow.id)
    )
    return session.execute(statement).scalar_one_or_none() is not None


@dataclass(frozen=True)
class EscalationRecord:
    alert_id: int
    step: int
    to_user: int | None
    due_at: datetime
    escalated_at: datetime


def escalations(session: Session, alert_id: int) -> list[EscalationRecord]:
    rows = session.scalars(
        select(DutyEscalationRow)
        .where(DutyEscalationRow.alert_id == alert_id)
        .order_by(DutyEscalationRow.step)
    )
    return [
        EscalationRecord(row.alert_id, row.step, row.to_user, row.due_at, row.escalated_at)
        for row in rows
    ]


def acknowledge_alert(
    session: Session, alert_id: int, *, by: str, at: datetime, note: str | None
) -> bool:
    """Acknowledge an open alert; False when it was acknowledged already."""
    statement = (
        update(DutyAlertRow)
        .where(DutyAlertRow.id == alert_id, DutyAlertRow.acknowledged_at.is_(None))
        .values(acknowledged_at=at, acknowledged_by=by, acknowledged_note=note)
        .execution_options(synchronize_session=False)
    )
    return session.execute(statement).rowcount == 1  # type: ignore[attr-defined, no-any-return]


def alerted_keys(session: Session, prefix: str) -> set[str]:
    """The dedupe keys starting with ``prefix`` already raised."""
    statement = select(DutyAlertRow.dedupe_key).where(DutyAlertRow.dedupe_key.like(prefix + "%"))
    return {key for key in session.scalars(statement) if key is not None}


def count_open(session: Session, organisation_id: int) -> int:
    statement = select(func.count(DutyAlertRow.id)).where(
        DutyAlertRow.organisation_id == organisation_id, DutyAlertRow.acknowledged_at.is_(None)
    )
    return int(session.scalar(statement) or 0)


DUTY_SWEEP_LOCK = 0x7065616B64757479
"""PostgreSQL advisory-lock key ("peakduty" in ASCII) of the alert sweep, held for the
sweeping transaction only (apart from the case sweep's, so the two never skip each other)."""


def duty_sweep_lock(session: Session) -> bool:
    """Whether this transaction may sweep the alerts now: the advisory lock on PostgreSQL,
    tried without waiting (the other workers skip the round); True on SQLite, whose single
    writer serialises the sweeps (and the sweep's writes are idempotent)."""
    if session.get_bind().dialect.name != "postgresql":
        return True
    taken = session.execute(
        text("SELECT pg_try_advisory_xact_lock(:key)"), {"key": DUTY_SWEEP_LOCK}
    ).scalar_one()
    return bool(taken)


@dataclass(frozen=True)
class LogEntry:
    id: int
    at: datetime
    author: str
    text: str
    subject: str | None


def append_log(
    session: Session,
    organisation_id: int,
    *,
    at: datetime,
    author: str,
    text: str,
    subject: str | None,
) -> int:
    """Append an entry to the office's duty log; its id."""
    row = DutyLogRow(
        organisation_id=organisation_id, at=at, author=author, text=text, subject=subject
    )
    session.add(row)
    session.flush()
    return row.id


def log_entries(session: Session, organisation_id: int, *, limit: int = 200) -> list[LogEntry]:
    """The office's duty log, newest first."""
    rows = session.scalars(
        select(DutyLogRow)
        .where(DutyLogRow.organisation_id == organisation_id)
        .order_by(DutyLogRow.at.desc(), DutyLogRow.id.desc())
        .limit(limit)
    )
    return [LogEntry(row.id, row.at, row.author, row.text, row.subject) for row in rows]


@dataclass(frozen=True)
class HandoverRecord:
    id: int
    organisation_id: int
    from_user: str
    to_user: str
    note: str
    open_alerts: tuple[int, ...]
    handed_at: datetime
    accepted_at: datetime | None
    accepted_note: str | None


def _handover(row: DutyHandoverRow) -> HandoverRecord:
    return HandoverRecord(
        id=row.id,
        organisation_id=row.organisation_id,
        from_user=row.from_user,
        to_user=row.to_user,
        note=row.note,
        open_alerts=tuple(json.loads(row.open_alerts)),
        handed_at=row.handed_at,
        accepted_at=row.accepted_at,
        accepted_note=row.accepted_note,
    )


def add_handover(
    session: Session,
    organisation_id: int,
    *,
    from_user: str,
    to_user: str,
    note: str,
    open_alerts: Sequence[int],
    at: datetime,
) -> int:
    row = DutyHandoverRow(
        organisation_id=organisation_id,
        from_user=from_user,
        to_user=to_user,
        note=note,
        open_alerts=json.dumps(list(open_alerts)),
        handed_at=at,
    )
    session.add(row)
    session.flush()
    return row.id


def load_handover(session: Session, handover_id: int) -> HandoverRecord | None:
    row = session.get(DutyHandoverRow, handover_id, populate_existing=True)
    return _handover(row) if row is not None else None


def handovers(session: Session, organisation_id: int, *, limit: int = 50) -> list[HandoverRecord]:
    """The office's handovers, newest first."""
    rows = session.scalars(
        select(DutyHandoverRow)
        .where(DutyHandoverRow.organisation_id == organisation_id)
        .order_by(DutyHandoverRow.handed_at.desc(), DutyHandoverRow.id.desc())
        .limit(limit)
        .execution_options(populate_existing=True)
    )
    return [_handover(row) for row in rows]


def accept_handover_once(
    session: Session, handover_id: int, *, at: datetime, note: str | None
) -> bool:
    """Record that the incoming officer took over; False when it was accepted already."""
    statement = (
        update(DutyHandoverRow)
        .where(DutyHandoverRow.id == handover_id, DutyHandoverRow.accepted_at.is_(None))
        .values(accepted_at=at, accepted_note=note)
        .execution_options(synchronize_session=False)
    )
    return session.execute(statement).rowcount == 1  # type: ignore[attr-defined, no-any-return]


def office_users(session: Session, organisation_id: int) -> dict[str, int]:
    """username → id of the office's enabled users."""
    rows = session.execute(
        select(UserRow.username, UserRow.id).where(
            UserRow.organisation_id == organisation_id, UserRow.disabled.is_(False)
        )
    )
    return {row.username: row.id for row in rows}

"""Complaints and appeals as rows: references, cases, their steps, evidence and retention.

Every function works inside the caller's session and transaction
(:func:`peakguard.store.database.transaction`), so that a step, its clocks and its audit entry
are kept together or not at all. A change of a case is one conditional ``UPDATE`` naming the
version the caller read: of two handlers who read one version, the second finds the version
moved on and gets :class:`~peakguard.errors.StaleRecordError`, with nothing of its change
written (on PostgreSQL the second ``UPDATE`` waits for the first transaction and then finds no
row of its version). Personal fields stay sealed bytes here (:mod:`peakguard.store.personal`).

The clocks, reminders, the sweep's lock and the calendar notices are in
:mod:`peakguard.store.case_clocks`, the evidence files in :mod:`peakguard.store.case_evidence`;
both are importable from here too.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import fields
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import ColumnElement, exists, false, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from peakguard.domain.scans import CHINA_STANDARD_TIME
from peakguard.errors import (
    ConflictError,
    InvalidInputError,
    NotFoundError,
    Problem,
    StaleRecordError,
)
from peakguard.i18n import _
from peakguard.store.case_clocks import (
    OUTCOMES,
    REMINDER_KINDS,
    SWEEP_LOCK,
    ClockRecord,
    ReminderRecord,
    acknowledge_reminder,
    case_clocks,
    clocks_due,
    delete_notice,
    dialect_insert,
    insert_reminder_once,
    load_notices,
    mark_breached_once,
    pause_clock,
    reminders,
    resume_clock,
    running_clock,
    save_notice,
    schedule_clock,
    start_clock,
    stop_clock,
    sweep_lock,
    unscheduled_clocks,
)
from peakguard.store.case_evidence import (
    AttachmentRecord,
    add_attachment,
    attachment_content,
    case_attachments,
)
from peakguard.store.case_records import (
    PERSONAL,
    UPDATABLE,
    CaseRecord,
    NewCase,
    StepRecord,
    record_of,
)
from peakguard.store.case_tables import (
    CaseClockRow,
    CaseCounterRow,
    CaseRow,
    CaseStepRow,
)
from peakguard.store.versioned import update_if_unchanged

REFERENCE_PREFIXES = {"complaint": "TS", "appeal": "SS"}
"""The letters a reference starts with: 投诉 (TouSu) for a complaint, 申诉 (ShenSu) for an
appeal, as the 12305 system numbers them."""


def next_reference(session: Session, kind: str, year: int) -> str:
    """The next reference of ``kind`` in ``year``: ``TS2026-000001`` for the year's first
    complaint. One atomic upsert of the year's counter, so two openings at once never get
    one number (the second waits for the first's transaction on PostgreSQL, for its write
    lock on SQLite); a rolled-back opening leaves a gap, never a repeat."""
    prefix = REFERENCE_PREFIXES.get(kind)
    if prefix is None:
        raise ValueError(f"no reference prefix for a case of kind {kind!r}")
    statement = (
        dialect_insert(session, CaseCounterRow)
        .values(kind=kind, year=year, last=1)
        .on_conflict_do_update(
            index_elements=["kind", "year"], set_={"last": CaseCounterRow.last + 1}
        )
        .returning(CaseCounterRow.last)
    )
    number = session.execute(statement).scalar_one()
    return f"{prefix}{year:04d}-{number:06d}"


def case_by_source(session: Session, channel: str, source_reference: str) -> CaseRecord | None:
    """The case imported from ``channel`` under ``source_reference``, if any."""
    row = session.scalars(
        select(CaseRow)
        .where(CaseRow.channel == channel, CaseRow.source_reference == source_reference)
        .execution_options(populate_existing=True)
    ).first()
    return None if row is None else record_of(row)


def _duplicate_source(case: NewCase) -> ConflictError:
    return ConflictError(
        _(
            "The case {source} of channel {channel} is already kept; an import does not "
            "store it twice.",
            source=case.source_reference,
            channel=case.channel,
        )
    )


def insert_case(session: Session, case: NewCase, *, now: datetime) -> CaseRecord:
    """Keep ``case`` at version 1. A case already imported from the same channel and source
    reference is refused with ConflictError."""
    if case.source_reference is not None and case_by_source(
        session, case.channel, case.source_reference
    ):
        raise _duplicate_source(case)
    values = {field.name: getattr(case, field.name) for field in fields(NewCase)}
    row = CaseRow(**values, version=1, created_at=now, updated_at=now)
    session.add(row)
    try:
        session.flush()
    except IntegrityError as error:
        if case.source_reference is not None and "source_reference" in str(error.orig):
            raise _duplicate_source(case) from None
        raise
    return record_of(row)


def load_case(session: Session, reference: str, *, for_update: bool = False) -> CaseRecord | None:
    """The case ``reference``; with ``for_update``, its row locked until the transaction
    ends (PostgreSQL; SQLite's writer lock serialises writers anyway)."""
    statement = select(CaseRow).where(CaseRow.reference == reference)
    if for_update:
        statement = statement.with_for_update()
    row = session.scalars(statement.execution_options(populate_existing=True)).first()
    return None if row is None else record_of(row)


def load_case_by_id(session: Session, case_id: int) -> CaseRecord | None:
    row = session.get(CaseRow, case_id, populate_existing=True)
    return None if row is None else record_of(row)


def update_case(
    session: Session,
    case_id: int,
    expected_version: int,
    changes: Mapping[str, Any],
    *,
    now: datetime,
) -> int:
    """Apply ``changes`` (column → value) to the case if it is still at ``expected_version``;
    the new version. Raises StaleRecordError, having written nothing, when someone else
    changed the case since that version was read; NotFoundError when there is no such case."""
    unknown = set(changes) - UPDATABLE
    if unknown:
        raise ValueError(f"a case's {sorted(unknown)} cannot be changed")
    version = update_if_unchanged(session, CaseRow, case_id, expected_version, changes, now=now)
    if version is not None:
        return version
    current = session.execute(
        select(CaseRow.reference, CaseRow.version).where(CaseRow.id == case_id)
    ).one_or_none()
    if current is None:
        raise NotFoundError(_("No case has the id {id}.", id=case_id))
    raise StaleRecordError(
        _(
            "Someone else changed case {reference} after you read it (you read version "
            "{expected}, it is now at {current}); nothing of your change was saved. Reload "
            "the case and redo your change if it still applies.",
            reference=current.reference,
            expected=expected_version,
            current=current.version,
        )
    )


def add_step(
    session: Session,
    case_id: int,
    *,
    action: str,
    source_state: str,
    target_state: str,
    actor: str,
    organisation: str,
    at: datetime,
    note: str | None = None,
) -> int:
    """Append a step to the case's history; its number (1 for the first). Two steps of one
    case in concurrent transactions cannot share a number (``UNIQUE(case_id, seq)``); the
    version check of :func:`update_case` refuses the second before it gets here."""
    last = session.scalar(
        select(func.coalesce(func.max(CaseStepRow.seq), 0)).where(CaseStepRow.case_id == case_id)
    )
    seq = int(last or 0) + 1
    session.add(
        CaseStepRow(
            case_id=case_id,
            seq=seq,
            action=action,
            source_state=source_state,
            target_state=target_state,
            actor=actor,
            organisation=organisation,
            at=at,
            note=note,
        )
    )
    session.flush()
    return seq


def case_steps(session: Session, case_id: int) -> list[StepRecord]:
    """The case's history, first step first."""
    rows = session.scalars(
        select(CaseStepRow).where(CaseStepRow.case_id == case_id).order_by(CaseStepRow.seq)
    )
    return [
        StepRecord(
            seq=row.seq,
            action=row.action,
            source_state=row.source_state,
            target_state=row.target_state,
            actor=row.actor,
            organisation=row.organisation,
            at=row.at,
            note=row.note,
        )
        for row in rows
    ]


NEXT_DEADLINE = (
    select(func.min(CaseClockRow.due_at))
    .where(CaseClockRow.case_id == CaseRow.id, CaseClockRow.outcome == "running")
    .correlate(CaseRow)
    .scalar_subquery()
)
"""The earliest deadline of a case's running clocks (NULL when none runs)."""

CASE_ORDERS: Mapping[str, tuple[Any, ...]] = {
    "deadline": (NEXT_DEADLINE.asc().nulls_last(), CaseRow.received_at, CaseRow.id),
    "-received_at": (CaseRow.received_at.desc(), CaseRow.id.desc()),
    "received_at": (CaseRow.received_at, CaseRow.id),
    "-updated_at": (CaseRow.updated_at.desc(), CaseRow.id.desc()),
    "updated_at": (CaseRow.updated_at, CaseRow.id),
    "reference": (CaseRow.reference,),
    "-reference": (CaseRow.reference.desc(),),
}
"""The orders a list of cases may take (``-`` for descending); newest received first by
default; ``deadline``: the most urgent running clock first (overdue ones first of all), cases
with no running clock last — how a desk with hundreds of open appeals works its queue."""


def _moment(value: date | datetime, *, end: bool) -> datetime:
    """A bound of ``received_at``: a moment as given; a day as its start (China time), or
    with ``end`` as the start of the next day, so that both bounds take whole days."""
    if isinstance(value, datetime):
        return value
    day = value + timedelta(days=1) if end else value
    return datetime.combine(day, time(0), tzinfo=CHINA_STANDARD_TIME)


def _reach(
    *,
    region_prefix: str | None,
    brand: str | None,
    forwarded_appeals_only: bool,
    handled_by: int | None,
) -> list[ColumnElement[bool]]:
    """The conditions that keep a reader inside its territory and brand."""
    found: list[ColumnElement[bool]] = []
    if region_prefix and "\x00" in region_prefix:
        found.append(false())  # a scope that reaches nothing (PostgreSQL's text has no NUL)
    elif region_prefix:
        found.append(CaseRow.region.startswith(region_prefix, autoescape=True))
    if brand is not None:
        found.append(CaseRow.carrier == brand)
    if forwarded_appeals_only:
        found.append(or_(CaseRow.kind != "appeal", CaseRow.carrier_organisation_id.is_not(None)))
    if handled_by is not None:
        found.append(CaseRow.handling_organisation_id == handled_by)
    return found


def _filters(
    *,
    kinds: Collection[str],
    states: Collection[str],
    carriers: Collection[str],
    overdue_before: datetime | None,
    search: str | None,
    phone_hashes: Collection[str],
    received_from: date | datetime | None,
    received_to: date | datetime | None,
) -> list[ColumnElement[bool]]:
    """The conditions of the desk's own filters."""
    found: list[ColumnElement[bool]] = []
    if kinds:
        found.append(CaseRow.kind.in_(list(kinds)))
    if states:
        found.append(CaseRow.state.in_(list(states)))
    if carriers:
        found.append(CaseRow.carrier.in_(list(carriers)))
    if overdue_before is not None:
        found.append(
            exists().where(
                CaseClockRow.case_id == CaseRow.id,
                CaseClockRow.outcome == "running",
                CaseClockRow.due_at < overdue_before,
            )
        )
    if search and search.strip():
        needle = search.strip()
        found.append(
            or_(
                CaseRow.reference.icontains(needle, autoescape=True),
                CaseRow.waybill.icontains(needle, autoescape=True),
                CaseRow.summary.icontains(needle, autoescape=True),
            )
        )
    if phone_hashes:
        found.append(CaseRow.complainant_phone_hash.in_(list(phone_hashes)))
    if received_from is not None:
        found.append(CaseRow.received_at >= _moment(received_from, end=False))
    if received_to is not None:
        found.append(CaseRow.received_at < _moment(received_to, end=True))
    return found


def query_cases(
    session: Session,
    *,
    kinds: Collection[str] = (),
    states: Collection[str] = (),
    carriers: Collection[str] = (),
    region_prefix: str | None = None,
    brand: str | None = None,
    forwarded_appeals_only: bool = False,
    handled_by: int | None = None,
    overdue_before: datetime | None = None,
    search: str | None = None,
    phone_hashes: Collection[str] = (),
    received_from: date | datetime | None = None,
    received_to: date | datetime | None = None,
    offset: int = 0,
    limit: int | None = 50,
    order: str = "-received_at",
) -> tuple[list[CaseRecord], int]:
    """The cases matching every filter given (an empty one filters nothing), a page of them
    in ``order``, and how many match in all.

    ``region_prefix`` and ``brand`` are how a reader's territory and brand are enforced:
    ``5101`` keeps the regions ``5101xx`` only (no pattern characters: ``%`` and ``_`` match
    themselves), ``brand`` one carrier code exactly. ``forwarded_appeals_only`` (a carrier's
    view) drops the appeals not yet forwarded to a carrier organisation. ``overdue_before``
    keeps cases with a running clock due before that moment; ``search`` finds text in the
    reference, waybill or summary (case-insensitive); ``phone_hashes`` finds a complainant
    by the digests of a phone. A day bound of ``received_*`` is a whole China day, both ends
    included; a moment bound is from-inclusive, to-exclusive."""
    ordering = CASE_ORDERS.get(order)
    if ordering is None:
        message = _("use one of {orders}", orders=", ".join(CASE_ORDERS))
        raise InvalidInputError(
            _("Cases cannot be listed in the order {order}.", order=order),
            [Problem("order", message)],
        )
    conditions = _reach(
        region_prefix=region_prefix,
        brand=brand,
        forwarded_appeals_only=forwarded_appeals_only,
        handled_by=handled_by,
    ) + _filters(
        kinds=kinds,
        states=states,
        carriers=carriers,
        overdue_before=overdue_before,
        search=search,
        phone_hashes=phone_hashes,
        received_from=received_from,
        received_to=received_to,
    )
    total = session.scalar(select(func.count()).select_from(CaseRow).where(*conditions)) or 0
    statement = select(CaseRow).where(*conditions).order_by(*ordering).offset(max(offset, 0))
    if limit is not None:
        statement = statement.limit(max(limit, 0))
    rows = session.scalars(statement.execution_options(populate_existing=True))
    return [record_of(row) for row in rows], int(total)


def cases_past_retention(
    session: Session, now: datetime, *, limit: int | None = None
) -> list[CaseRecord]:
    """Cases whose retention ended by ``now`` and that still hold personal data, oldest
    retention first."""
    statement = (
        select(CaseRow)
        .where(
            CaseRow.retention_until.is_not(None),
            CaseRow.retention_until <= now,
            CaseRow.personal_data_removed_at.is_(None),
        )
        .order_by(CaseRow.retention_until, CaseRow.id)
        .execution_options(populate_existing=True)
    )
    if limit is not None:
        statement = statement.limit(limit)
    return [record_of(row) for row in session.scalars(statement)]


def remove_personal_data(session: Session, case_id: int, now: datetime) -> bool:
    """Erase the complainant's name, phone, address and phone digest of the case, noting
    when (the case keeps its facts, steps and clocks; its version rises); False when they
    were removed already."""
    statement = (
        update(CaseRow)
        .where(CaseRow.id == case_id, CaseRow.personal_data_removed_at.is_(None))
        .values(
            **dict.fromkeys(PERSONAL),
            personal_data_removed_at=now,
            updated_at=now,
            version=CaseRow.version + 1,
        )
        .execution_options(synchronize_session=False)
    )
    return session.execute(statement).rowcount == 1  # type: ignore[attr-defined, no-any-return]


__all__ = [
    "CASE_ORDERS",
    "OUTCOMES",
    "REFERENCE_PREFIXES",
    "REMINDER_KINDS",
    "SWEEP_LOCK",
    "AttachmentRecord",
    "CaseRecord",
    "ClockRecord",
    "NewCase",
    "ReminderRecord",
    "StepRecord",
    "acknowledge_reminder",
    "add_attachment",
    "add_step",
    "attachment_content",
    "case_attachments",
    "case_by_source",
    "case_clocks",
    "case_steps",
    "cases_past_retention",
    "clocks_due",
    "delete_notice",
    "insert_case",
    "insert_reminder_once",
    "load_case",
    "load_case_by_id",
    "load_notices",
    "mark_breached_once",
    "next_reference",
    "pause_clock",
    "query_cases",
    "reminders",
    "remove_personal_data",
    "resume_clock",
    "running_clock",
    "save_notice",
    "schedule_clock",
    "start_clock",
    "stop_clock",
    "sweep_lock",
    "unscheduled_clocks",
    "update_case",
]

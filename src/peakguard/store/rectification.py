"""Rectification orders and penalty cases: rows to records and back, inside the caller's
session and transaction. A change names the version it read (optimistic locking); the sweep's
firings are unique rows, so a timer fires once however many sweeps run."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from peakguard.errors import NotFoundError, StaleRecordError
from peakguard.i18n import _
from peakguard.store.access_tables import OrganisationRow
from peakguard.store.case_clocks import dialect_insert
from peakguard.store.rectification_tables import (
    PenaltyCaseRow,
    RectificationClockRow,
    RectificationCounterRow,
    RectificationFiringRow,
    RectificationOrderRow,
    RectificationStepRow,
)
from peakguard.store.versioned import update_if_unchanged


@dataclass(frozen=True)
class NewOrder:
    office_id: int
    company_id: int
    carrier: str
    region: str
    finding_id: int | None
    node_id: str | None
    place: str
    facts: str
    rule_keys: tuple[str, ...]
    requirement: str
    issued_by: str
    issued_at: datetime


@dataclass(frozen=True)
class OrderRecord:
    id: int
    reference: str
    state: str
    office_id: int
    company_id: int
    carrier: str
    region: str
    finding_id: int | None
    node_id: str | None
    place: str
    facts: str
    rule_keys: tuple[str, ...]
    requirement: str
    extension_used: bool
    escalation: str | None
    version: int
    issued_by: str
    issued_at: datetime
    updated_at: datetime
    closed_at: datetime | None


@dataclass(frozen=True)
class OrderClockRecord:
    id: int
    order_id: int
    rule_key: str
    basis: str
    limit_value: int | None
    source: str
    started_at: datetime
    due_at: datetime
    first_due_at: datetime
    outcome: str
    stopped_at: datetime | None


@dataclass(frozen=True)
class StepRecord:
    seq: int
    step: str
    state: str
    actor: str
    organisation: str
    at: datetime
    text: str
    detail: dict[str, Any]


@dataclass(frozen=True)
class PenaltyRecord:
    id: int
    reference: str
    order_id: int
    state: str
    rule_key: str
    penalty_law: str
    company_fine_min: int
    company_fine_max: int
    severe_fine_max: int | None
    person_fine_min: int | None
    person_fine_max: int | None
    serious: bool
    company_fine: int | None
    person_fine: int | None
    reason: str
    version: int
    opened_at: datetime
    updated_at: datetime
    decided_at: datetime | None
    decided_by: str | None


def _order(row: RectificationOrderRow) -> OrderRecord:
    return OrderRecord(
        id=row.id,
        reference=row.reference,
        state=row.state,
        office_id=row.office_id,
        company_id=row.company_id,
        carrier=row.carrier,
        region=row.region,
        finding_id=row.finding_id,
        node_id=row.node_id,
        place=row.place,
        facts=row.facts,
        rule_keys=tuple(json.loads(row.rule_keys)),
        requirement=row.requirement,
        extension_used=row.extension_used,
        escalation=row.escalation,
        version=row.version,
        issued_by=row.issued_by,
        issued_at=row.issued_at,
        updated_at=row.updated_at,
        closed_at=row.closed_at,
    )


def _clock(row: RectificationClockRow) -> OrderClockRecord:
    return OrderClockRecord(
        id=row.id,
        order_id=row.order_id,
        rule_key=row.rule_key,
        basis=row.basis,
        limit_value=row.limit_value,
        source=row.source,
        started_at=row.started_at,
        due_at=row.due_at,
        first_due_at=row.first_due_at,
        outcome=row.outcome,
        stopped_at=row.stopped_at,
    )


def _penalty(row: PenaltyCaseRow) -> PenaltyRecord:
    return PenaltyRecord(
        **{column: getattr(row, column) for column in PenaltyRecord.__dataclass_fields__}
    )


def next_reference(session: Session, prefix: str, year: int) -> str:
    """``ZG2026-000001``: one atomic upsert of the year's counter of ``prefix``."""
    statement = (
        dialect_insert(session, RectificationCounterRow)
        .values(prefix=prefix, year=year, last=1)
        .on_conflict_do_update(
            index_elements=["prefix", "year"], set_={"last": RectificationCounterRow.last + 1}
        )
        .returning(RectificationCounterRow.last)
    )
    number = session.execute(statement).scalar_one()
    return f"{prefix}{year:04d}-{number:06d}"


# -- orders ------------------------------------------------------------------------------------


def insert_order(session: Session, new: NewOrder, reference: str, state: str) -> OrderRecord:
    row = RectificationOrderRow(
        reference=reference,
        state=state,
        office_id=new.office_id,
        company_id=new.company_id,
        carrier=new.carrier,
        region=new.region,
        finding_id=new.finding_id,
        node_id=new.node_id,
        place=new.place,
        facts=new.facts,
        rule_keys=json.dumps(list(new.rule_keys)),
        requirement=new.requirement,
        extension_used=False,
        escalation=None,
        version=1,
        issued_by=new.issued_by,
        issued_at=new.issued_at,
        updated_at=new.issued_at,
    )
    session.add(row)
    session.flush()
    return _order(row)


def load_order(session: Session, reference: str) -> OrderRecord | None:
    row = session.scalars(
        select(RectificationOrderRow)
        .where(RectificationOrderRow.reference == reference)
        .execution_options(populate_existing=True)
    ).first()
    return None if row is None else _order(row)


def load_order_by_id(session: Session, order_id: int) -> OrderRecord | None:
    row = session.get(RectificationOrderRow, order_id, populate_existing=True)
    return None if row is None else _order(row)


UPDATABLE = frozenset({"state", "extension_used", "escalation", "closed_at"})


def update_order(
    session: Session,
    order: OrderRecord,
    expected_version: int,
    changes: Mapping[str, Any],
    *,
    now: datetime,
) -> int:
    """Apply ``changes`` if the order is still at ``expected_version``; the new version.
    StaleRecordError, having written nothing, when someone changed it since."""
    unknown = set(changes) - UPDATABLE
    if unknown:
        raise ValueError(f"an order's {sorted(unknown)} cannot be changed")
    version = update_if_unchanged(
        session, RectificationOrderRow, order.id, expected_version, changes, now=now
    )
    if version is not None:
        return version
    current = session.scalar(
        select(RectificationOrderRow.version).where(RectificationOrderRow.id == order.id)
    )
    raise stale(order.reference, expected_version, current or 0)


def escalate_if_ignored(
    session: Session, order_id: int, states: Sequence[str], *, target: str, now: datetime
) -> bool:
    """Escalate the order as ignored when it is still in one of ``states``: True only for the
    call that changed it (a conditional update)."""
    statement = (
        update(RectificationOrderRow)
        .where(RectificationOrderRow.id == order_id, RectificationOrderRow.state.in_(states))
        .values(
            state=target,
            escalation="ignored",
            version=RectificationOrderRow.version + 1,
            updated_at=now,
        )
        .execution_options(synchronize_session=False)
    )
    return session.execute(statement).rowcount == 1  # type: ignore[attr-defined, no-any-return]


def stale(reference: str, expected: int, current: int) -> StaleRecordError:
    return StaleRecordError(
        _(
            "Someone else changed {reference} after you read it (you read version {expected}, "
            "it is now at {current}); nothing of your change was saved. Reload it and redo your "
            "change if it still applies.",
            reference=reference,
            expected=expected,
            current=current,
        )
    )


def query_orders(
    session: Session,
    *,
    region_prefix: str = "",
    carrier: str | None = None,
    states: Sequence[str] | None = None,
    limit: int = 500,
) -> list[tuple[OrderRecord, OrderClockRecord | None]]:
    """Orders inside the reach with their clocks, the most urgent deadline first (closed and
    escalated ones after the open ones, newest first)."""
    statement = (
        select(RectificationOrderRow, RectificationClockRow)
        .outerjoin(
            RectificationClockRow, RectificationClockRow.order_id == RectificationOrderRow.id
        )
        .where(RectificationOrderRow.region.startswith(region_prefix))
    )
    if carrier is not None:
        statement = statement.where(RectificationOrderRow.carrier == carrier)
    if states is not None:
        statement = statement.where(RectificationOrderRow.state.in_(list(states)))
    finished = RectificationOrderRow.state.in_(["closed", "escalated"])
    statement = statement.order_by(
        finished.asc(), RectificationClockRow.due_at.asc(), RectificationOrderRow.id.desc()
    )
    return [
        (_order(order), None if clock is None else _clock(clock))
        for order, clock in session.execute(statement.limit(limit))
    ]


# -- clock, steps, firings ---------------------------------------------------------------------


def start_clock(
    session: Session,
    order_id: int,
    *,
    rule_key: str,
    basis: str,
    limit_value: int | None,
    source: str,
    started_at: datetime,
    due_at: datetime,
) -> None:
    session.add(
        RectificationClockRow(
            order_id=order_id,
            rule_key=rule_key,
            basis=basis,
            limit_value=limit_value,
            source=source,
            started_at=started_at,
            due_at=due_at,
            first_due_at=due_at,
            outcome="running",
        )
    )
    session.flush()


def order_clock(session: Session, order_id: int) -> OrderClockRecord | None:
    row = session.scalars(
        select(RectificationClockRow)
        .where(RectificationClockRow.order_id == order_id)
        .execution_options(populate_existing=True)
    ).first()
    return None if row is None else _clock(row)


def set_clock(session: Session, order_id: int, **values: Any) -> None:
    """Change the running clock's deadline (an extension) or stop it (outcome, stopped_at)."""
    session.execute(
        update(RectificationClockRow)
        .where(RectificationClockRow.order_id == order_id)
        .values(**values)
        .execution_options(synchronize_session=False)
    )


def add_step(
    session: Session,
    order_id: int,
    *,
    step: str,
    state: str,
    actor: str,
    organisation: str,
    at: datetime,
    text: str = "",
    detail: Mapping[str, Any] | None = None,
) -> int:
    """Append a step; its number."""
    last = session.scalar(
        select(func.max(RectificationStepRow.seq)).where(RectificationStepRow.order_id == order_id)
    )
    seq = (last or 0) + 1
    session.add(
        RectificationStepRow(
            order_id=order_id,
            seq=seq,
            step=step,
            state=state,
            actor=actor,
            organisation=organisation,
            at=at,
            text=text,
            detail=json.dumps(dict(detail or {}), ensure_ascii=False, default=str),
        )
    )
    session.flush()
    return seq


def order_steps(session: Session, order_id: int) -> list[StepRecord]:
    rows = session.scalars(
        select(RectificationStepRow)
        .where(RectificationStepRow.order_id == order_id)
        .order_by(RectificationStepRow.seq)
    )
    return [
        StepRecord(
            row.seq,
            row.step,
            row.state,
            row.actor,
            row.organisation,
            row.at,
            row.text,
            json.loads(row.detail),
        )
        for row in rows
    ]


def clocks_to_sweep(
    session: Session, *, now: datetime, states: Sequence[str], horizon: Any
) -> list[tuple[OrderRecord, OrderClockRecord]]:
    """The running clocks of orders in ``states`` whose deadline is within ``horizon`` of
    ``now`` or past it."""
    statement = (
        select(RectificationOrderRow, RectificationClockRow)
        .join(RectificationClockRow, RectificationClockRow.order_id == RectificationOrderRow.id)
        .where(
            RectificationClockRow.outcome == "running",
            RectificationClockRow.due_at <= now + horizon,
            RectificationOrderRow.state.in_(list(states)),
        )
        .order_by(RectificationClockRow.due_at, RectificationOrderRow.id)
    )
    return [(_order(order), _clock(clock)) for order, clock in session.execute(statement)]


def record_firing(
    session: Session, order_id: int, kind: str, *, scheduled_at: datetime, fired_at: datetime
) -> bool:
    """Record that the order's timer ``kind`` fired: True only for the call that recorded it."""
    statement = (
        dialect_insert(session, RectificationFiringRow)
        .values(order_id=order_id, kind=kind, scheduled_at=scheduled_at, fired_at=fired_at)
        .on_conflict_do_nothing(index_elements=["order_id", "kind"])
        .returning(RectificationFiringRow.id)
    )
    return session.execute(statement).scalar_one_or_none() is not None


def firings(session: Session, order_id: int) -> list[tuple[str, datetime, datetime]]:
    rows = session.execute(
        select(
            RectificationFiringRow.kind,
            RectificationFiringRow.scheduled_at,
            RectificationFiringRow.fired_at,
        )
        .where(RectificationFiringRow.order_id == order_id)
        .order_by(RectificationFiringRow.scheduled_at, RectificationFiringRow.id)
    )
    return [(row.kind, row.scheduled_at, row.fired_at) for row in rows]


# -- penalty cases -----------------------------------------------------------------------------


def insert_penalty(session: Session, values: Mapping[str, Any]) -> PenaltyRecord:
    row = PenaltyCaseRow(
        **values, version=1, serious=False, reason="", updated_at=values["opened_at"]
    )
    session.add(row)
    session.flush()
    return _penalty(row)


def load_penalty(session: Session, reference: str) -> PenaltyRecord | None:
    row = session.scalars(
        select(PenaltyCaseRow)
        .where(PenaltyCaseRow.reference == reference)
        .execution_options(populate_existing=True)
    ).first()
    return None if row is None else _penalty(row)


def penalty_of(session: Session, order_id: int) -> PenaltyRecord | None:
    row = session.scalars(
        select(PenaltyCaseRow)
        .where(PenaltyCaseRow.order_id == order_id)
        .execution_options(populate_existing=True)
    ).first()
    return None if row is None else _penalty(row)


PENALTY_UPDATABLE = frozenset(
    {"state", "serious", "company_fine", "person_fine", "reason", "decided_at", "decided_by"}
)


def update_penalty(
    session: Session,
    penalty: PenaltyRecord,
    expected_version: int,
    changes: Mapping[str, Any],
    *,
    now: datetime,
) -> int:
    unknown = set(changes) - PENALTY_UPDATABLE
    if unknown:
        raise ValueError(f"a penalty case's {sorted(unknown)} cannot be changed")
    version = update_if_unchanged(
        session, PenaltyCaseRow, penalty.id, expected_version, changes, now=now
    )
    if version is not None:
        return version
    current = session.scalar(select(PenaltyCaseRow.version).where(PenaltyCaseRow.id == penalty.id))
    raise stale(penalty.reference, expected_version, current or 0)


def query_penalties(
    session: Session, *, region_prefix: str = "", carrier: str | None = None, limit: int = 500
) -> list[tuple[PenaltyRecord, OrderRecord]]:
    statement = (
        select(PenaltyCaseRow, RectificationOrderRow)
        .join(RectificationOrderRow, RectificationOrderRow.id == PenaltyCaseRow.order_id)
        .where(RectificationOrderRow.region.startswith(region_prefix))
    )
    if carrier is not None:
        statement = statement.where(RectificationOrderRow.carrier == carrier)
    statement = statement.order_by(PenaltyCaseRow.id.desc()).limit(limit)
    return [(_penalty(p), _order(o)) for p, o in session.execute(statement)]


# -- organisations -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Company:
    id: int
    code: str
    name: str
    carrier: str
    region: str | None


def carrier_companies(session: Session, carrier: str) -> list[Company]:
    """The enabled organisations of brand ``carrier``: its provincial companies and its
    headquarters (region None)."""
    rows = session.execute(
        select(
            OrganisationRow.id, OrganisationRow.code, OrganisationRow.name, OrganisationRow.region
        ).where(
            OrganisationRow.kind == "carrier",
            OrganisationRow.carrier == carrier,
            OrganisationRow.disabled.is_(False),
        )
    )
    return [Company(row.id, row.code, row.name, carrier, row.region) for row in rows]


def organisation_code(session: Session, organisation_id: int) -> str | None:
    return session.scalar(select(OrganisationRow.code).where(OrganisationRow.id == organisation_id))


def missing(reference: str) -> NotFoundError:
    return NotFoundError(
        _("No order or penalty case {reference} is within your reach.", reference=reference)
    )

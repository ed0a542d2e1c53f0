"""Supply orders: rows to records and back, inside the caller's session and transaction. A
change names the version it read (optimistic locking); the sweep's firings are unique rows, so
a reminder or a breach fires once however many sweeps run."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from peakguard.errors import NotFoundError, StaleRecordError
from peakguard.i18n import _
from peakguard.store.access_tables import OrganisationRow
from peakguard.store.case_clocks import dialect_insert
from peakguard.store.supply_order_tables import (
    SupplyClockRow,
    SupplyDeliveryRow,
    SupplyFiringRow,
    SupplyOrderCounterRow,
    SupplyOrderLineRow,
    SupplyOrderRow,
    SupplyStepRow,
)
from peakguard.store.versioned import update_if_unchanged
from peakguard.supply.model import DeliveryKind, DeliveryPoint, OrderLine, Place
from peakguard.supply.orders import ClockStart


@dataclass(frozen=True)
class NewSupplyOrder:
    kind: str
    carrier: str
    company_id: int
    supplier_id: int
    region: str
    title: str
    customer: str
    needed_by: datetime
    note: str
    lines: tuple[OrderLine, ...]
    deliveries: tuple[DeliveryPoint, ...]
    leaders: tuple[str, ...]
    """The group leader of each delivery point ('' for none), in the deliveries' order."""
    created_by: str
    created_at: datetime


@dataclass(frozen=True)
class SupplyOrderRecord:
    id: int
    reference: str
    kind: str
    state: str
    carrier: str
    company_id: int
    supplier_id: int
    region: str
    title: str
    customer: str
    needed_by: datetime
    note: str
    cancel_reason: str | None
    version: int
    created_by: str
    created_at: datetime
    updated_at: datetime
    closed_at: datetime | None


@dataclass(frozen=True)
class SupplyClockRecord:
    id: int
    order_id: int
    seq: int
    rule_key: str
    basis: str
    limit_value: int
    source: str
    started_at: datetime
    due_at: datetime
    remind_at: datetime | None
    state: str
    stopped_at: datetime | None
    breached_at: datetime | None


@dataclass(frozen=True)
class SupplyStepRecord:
    seq: int
    step: str
    state: str
    side: str
    actor: str
    organisation: str
    at: datetime
    text: str
    detail: dict[str, Any]


@dataclass(frozen=True)
class FiringRecord:
    clock_id: int
    kind: str
    scheduled_at: datetime
    fired_at: datetime


@dataclass(frozen=True)
class OrganisationRef:
    id: int
    code: str
    name: str
    kind: str
    carrier: str | None
    region: str | None


def _order(row: SupplyOrderRow) -> SupplyOrderRecord:
    return SupplyOrderRecord(
        **{column: getattr(row, column) for column in SupplyOrderRecord.__dataclass_fields__}
    )


def _clock(row: SupplyClockRow) -> SupplyClockRecord:
    return SupplyClockRecord(
        **{column: getattr(row, column) for column in SupplyClockRecord.__dataclass_fields__}
    )


def next_reference(session: Session, prefix: str, year: int) -> str:
    """``BG2026-000001``: one atomic upsert of the year's counter."""
    statement = (
        dialect_insert(session, SupplyOrderCounterRow)
        .values(year=year, last=1)
        .on_conflict_do_update(
            index_elements=["year"], set_={"last": SupplyOrderCounterRow.last + 1}
        )
        .returning(SupplyOrderCounterRow.last)
    )
    number = session.execute(statement).scalar_one()
    return f"{prefix}{year:04d}-{number:06d}"


# -- orders ------------------------------------------------------------------------------------


def insert_order(
    session: Session, new: NewSupplyOrder, reference: str, state: str
) -> SupplyOrderRecord:
    """The order with its lines and delivery points, numbered from 1."""
    row = SupplyOrderRow(
        reference=reference, kind=new.kind, state=state, carrier=new.carrier,
        company_id=new.company_id, supplier_id=new.supplier_id, region=new.region,
        title=new.title, customer=new.customer, needed_by=new.needed_by, note=new.note,
        cancel_reason=None, version=1, created_by=new.created_by, created_at=new.created_at,
        updated_at=new.created_at, closed_at=None,
    )  # fmt: skip
    session.add(row)
    session.flush()
    for seq, line in enumerate(new.lines, start=1):
        session.add(SupplyOrderLineRow(order_id=row.id, seq=seq, bundle=line.bundle,
                                       quantity=line.quantity, source=line.source))  # fmt: skip
    for seq, (point, leader) in enumerate(zip(new.deliveries, new.leaders, strict=True), 1):
        place = point.place
        session.add(
            SupplyDeliveryRow(
                order_id=row.id,
                seq=seq,
                code=place.code,
                name=place.name,
                region=place.region,
                latitude=place.latitude,
                longitude=place.longitude,
                kind=point.kind.value,
                quantity=point.quantity,
                opens=point.opens.strftime("%H:%M"),
                closes=point.closes.strftime("%H:%M"),
                leader=leader,
            )
        )
    session.flush()
    return _order(row)


def load_order(session: Session, reference: str) -> SupplyOrderRecord | None:
    row = session.scalars(
        select(SupplyOrderRow)
        .where(SupplyOrderRow.reference == reference)
        .execution_options(populate_existing=True)
    ).first()
    return None if row is None else _order(row)


def load_order_by_id(session: Session, order_id: int) -> SupplyOrderRecord | None:
    row = session.get(SupplyOrderRow, order_id, populate_existing=True)
    return None if row is None else _order(row)


UPDATABLE = frozenset({"state", "cancel_reason", "closed_at"})


def update_order(
    session: Session,
    order: SupplyOrderRecord,
    expected_version: int,
    changes: Mapping[str, Any],
    *,
    now: datetime,
) -> int:
    """Apply ``changes`` if the order is still at ``expected_version``; the new version.
    StaleRecordError, having written nothing, when someone changed it since."""
    unknown = set(changes) - UPDATABLE
    if unknown:
        raise ValueError(f"a supply order's {sorted(unknown)} cannot be changed")
    version = update_if_unchanged(
        session, SupplyOrderRow, order.id, expected_version, changes, now=now
    )
    if version is not None:
        return version
    current = session.scalar(select(SupplyOrderRow.version).where(SupplyOrderRow.id == order.id))
    raise stale(order.reference, expected_version, current or 0)


def stale(reference: str, expected: int, current: int) -> StaleRecordError:
    return StaleRecordError(
        _(
            "Someone else changed supply order {reference} after you read it (you read version "
            "{expected}, it is now at {current}); nothing of your step was saved. Reload it and "
            "take the step again if it still applies.",
            reference=reference,
            expected=expected,
            current=current,
        )
    )


def order_lines(session: Session, order_id: int) -> list[OrderLine]:
    rows = session.scalars(
        select(SupplyOrderLineRow)
        .where(SupplyOrderLineRow.order_id == order_id)
        .order_by(SupplyOrderLineRow.seq)
    )
    return [OrderLine(row.bundle, row.quantity, row.source) for row in rows]


def order_deliveries(session: Session, order_id: int) -> list[tuple[DeliveryPoint, str]]:
    """The delivery points with their group leaders ('' for none)."""
    rows = session.scalars(
        select(SupplyDeliveryRow)
        .where(SupplyDeliveryRow.order_id == order_id)
        .order_by(SupplyDeliveryRow.seq)
    )
    return [
        (
            DeliveryPoint(
                Place(row.code, row.name, row.region, row.latitude, row.longitude),
                DeliveryKind(row.kind),
                row.quantity,
                time.fromisoformat(row.opens),
                time.fromisoformat(row.closes),
            ),
            row.leader,
        )
        for row in rows
    ]


def query_orders(
    session: Session,
    *,
    region_prefix: str = "",
    carrier: str | None = None,
    supplier_id: int | None = None,
    states: Sequence[str] | None = None,
    limit: int = 500,
) -> list[SupplyOrderRecord]:
    """Orders inside the reach, newest first."""
    statement = select(SupplyOrderRow).where(SupplyOrderRow.region.startswith(region_prefix))
    if carrier is not None:
        statement = statement.where(SupplyOrderRow.carrier == carrier)
    if supplier_id is not None:
        statement = statement.where(SupplyOrderRow.supplier_id == supplier_id)
    if states is not None:
        statement = statement.where(SupplyOrderRow.state.in_(list(states)))
    statement = statement.order_by(SupplyOrderRow.id.desc()).limit(limit)
    return [_order(row) for row in session.scalars(statement)]


# -- steps -------------------------------------------------------------------------------------


def add_step(
    session: Session,
    order_id: int,
    *,
    step: str,
    state: str,
    side: str,
    actor: str,
    organisation: str,
    at: datetime,
    text: str = "",
    detail: Mapping[str, Any] | None = None,
) -> int:
    """Append a step; its number."""
    last = session.scalar(
        select(func.max(SupplyStepRow.seq)).where(SupplyStepRow.order_id == order_id)
    )
    seq = (last or 0) + 1
    session.add(
        SupplyStepRow(
            order_id=order_id,
            seq=seq,
            step=step,
            state=state,
            side=side,
            actor=actor,
            organisation=organisation,
            at=at,
            text=text,
            detail=json.dumps(dict(detail or {}), ensure_ascii=False, default=str),
        )
    )
    session.flush()
    return seq


def order_steps(session: Session, order_id: int) -> list[SupplyStepRecord]:
    rows = session.scalars(
        select(SupplyStepRow).where(SupplyStepRow.order_id == order_id).order_by(SupplyStepRow.seq)
    )
    return [
        SupplyStepRecord(
            row.seq,
            row.step,
            row.state,
            row.side,
            row.actor,
            row.organisation,
            row.at,
            row.text,
            json.loads(row.detail),
        )
        for row in rows
    ]


# -- clocks and firings ------------------------------------------------------------------------


def start_clock(session: Session, order_id: int, clock: ClockStart) -> SupplyClockRecord:
    last = session.scalar(
        select(func.max(SupplyClockRow.seq)).where(SupplyClockRow.order_id == order_id)
    )
    row = SupplyClockRow(
        order_id=order_id, seq=(last or 0) + 1, rule_key=clock.rule_key, basis=clock.basis,
        limit_value=clock.limit, source=clock.source, started_at=clock.started_at,
        due_at=clock.due_at, remind_at=clock.remind_at, state="running",
    )  # fmt: skip
    session.add(row)
    session.flush()
    return _clock(row)


def running_clock(session: Session, order_id: int) -> SupplyClockRecord | None:
    row = session.scalars(
        select(SupplyClockRow)
        .where(SupplyClockRow.order_id == order_id, SupplyClockRow.state == "running")
        .order_by(SupplyClockRow.seq.desc())
        .execution_options(populate_existing=True)
    ).first()
    return None if row is None else _clock(row)


def order_clocks(session: Session, order_id: int) -> list[SupplyClockRecord]:
    rows = session.scalars(
        select(SupplyClockRow)
        .where(SupplyClockRow.order_id == order_id)
        .order_by(SupplyClockRow.seq)
        .execution_options(populate_existing=True)
    )
    return [_clock(row) for row in rows]


def clocks_of(session: Session, order_ids: Sequence[int]) -> dict[int, list[SupplyClockRecord]]:
    """The clocks of many orders at once, by order, each in order."""
    found: dict[int, list[SupplyClockRecord]] = {order_id: [] for order_id in order_ids}
    if not order_ids:
        return found
    rows = session.scalars(
        select(SupplyClockRow)
        .where(SupplyClockRow.order_id.in_(list(order_ids)))
        .order_by(SupplyClockRow.order_id, SupplyClockRow.seq)
    )
    for row in rows:
        found[row.order_id].append(_clock(row))
    return found


def stop_clock(session: Session, clock_id: int, *, state: str, at: datetime) -> None:
    session.execute(
        update(SupplyClockRow)
        .where(SupplyClockRow.id == clock_id, SupplyClockRow.state == "running")
        .values(state=state, stopped_at=at)
        .execution_options(synchronize_session=False)
    )


def mark_breached(session: Session, clock_id: int, *, at: datetime) -> None:
    session.execute(
        update(SupplyClockRow)
        .where(SupplyClockRow.id == clock_id, SupplyClockRow.breached_at.is_(None))
        .values(breached_at=at)
        .execution_options(synchronize_session=False)
    )


def clocks_to_sweep(
    session: Session, *, now: datetime, horizon: timedelta
) -> list[tuple[SupplyOrderRecord, SupplyClockRecord]]:
    """The running clocks whose due moment is within ``horizon`` of ``now`` or past it."""
    statement = (
        select(SupplyOrderRow, SupplyClockRow)
        .join(SupplyClockRow, SupplyClockRow.order_id == SupplyOrderRow.id)
        .where(SupplyClockRow.state == "running", SupplyClockRow.due_at <= now + horizon)
        .order_by(SupplyClockRow.due_at, SupplyClockRow.id)
    )
    return [(_order(order), _clock(clock)) for order, clock in session.execute(statement)]


def record_firing(
    session: Session, clock_id: int, kind: str, *, scheduled_at: datetime, fired_at: datetime
) -> bool:
    """Record that the clock's timer ``kind`` fired: True only for the call that recorded it."""
    statement = (
        dialect_insert(session, SupplyFiringRow)
        .values(clock_id=clock_id, kind=kind, scheduled_at=scheduled_at, fired_at=fired_at)
        .on_conflict_do_nothing(index_elements=["clock_id", "kind"])
        .returning(SupplyFiringRow.id)
    )
    return session.execute(statement).scalar_one_or_none() is not None


def firings(session: Session, order_id: int) -> list[FiringRecord]:
    rows = session.execute(
        select(SupplyFiringRow)
        .join(SupplyClockRow, SupplyClockRow.id == SupplyFiringRow.clock_id)
        .where(SupplyClockRow.order_id == order_id)
        .order_by(SupplyFiringRow.scheduled_at, SupplyFiringRow.id)
    ).scalars()
    return [FiringRecord(row.clock_id, row.kind, row.scheduled_at, row.fired_at) for row in rows]


# -- organisations -----------------------------------------------------------------------------


def organisation(
    session: Session, *, code: str | None = None, organisation_id: int | None = None
) -> OrganisationRef | None:
    """An enabled organisation by code or id."""
    statement = select(OrganisationRow).where(OrganisationRow.disabled.is_(False))
    if code is not None:
        statement = statement.where(OrganisationRow.code == code)
    if organisation_id is not None:
        statement = statement.where(OrganisationRow.id == organisation_id)
    row = session.scalars(statement).first()
    if row is None:
        return None
    return OrganisationRef(row.id, row.code, row.name, row.kind, row.carrier, row.region)


def missing(reference: str) -> NotFoundError:
    return NotFoundError(
        _("No supply order {reference} is within your reach.", reference=reference)
    )

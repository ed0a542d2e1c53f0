"""Warnings from observation in the database: the open one per node, raising, ending and
acknowledging them, and the lists the desk reads.

Every change is one conditional UPDATE on the state it expects (and, for an acknowledgement,
the version read): a change whose condition no longer holds touches no row and says so, so
two evaluations or two duty officers never both win.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import case, func, select, text, update
from sqlalchemy.orm import Session

from peakguard.store.warning_tables import ObservedWarningRow

WATCH_LOCK = 0x7065616B77617463
"""PostgreSQL advisory-lock key ("peakwatc" in ASCII) of an evaluation of the warnings."""
OPEN = ("raised", "acknowledged")


@dataclass(frozen=True)
class WarningRecord:
    id: int
    network_name: str
    node_id: str
    node_name: str
    carrier: str
    region: str
    level: int
    state: str
    source: str
    reason_kind: str
    figures: dict[str, float]
    backlog_source: str
    raised_at: datetime
    gone_since: datetime | None
    acknowledged_at: datetime | None
    acknowledged_by: str | None
    ended_at: datetime | None
    supersedes_id: int | None
    version: int


@dataclass(frozen=True)
class NewWarning:
    network_name: str
    node_id: str
    node_name: str
    carrier: str
    region: str
    level: int
    source: str
    reason_kind: str
    figures: Mapping[str, float]
    backlog_source: str
    supersedes_id: int | None = None


@dataclass(frozen=True)
class WarningFilter:
    """Which warnings a reader asks for, inside what it may see (``everything`` or the
    rows of ``carrier`` whose region starts with ``region_prefix``)."""

    everything: bool = True
    region_prefix: str = ""
    carrier: str | None = None
    network_name: str | None = None
    states: tuple[str, ...] = ()
    level: int | None = None
    source: str | None = None
    node_id: str | None = None


def _record(row: ObservedWarningRow) -> WarningRecord:
    return WarningRecord(
        id=row.id,
        network_name=row.network_name,
        node_id=row.node_id,
        node_name=row.node_name,
        carrier=row.carrier,
        region=row.region,
        level=row.level,
        state=row.state,
        source=row.source,
        reason_kind=row.reason_kind,
        figures={key: float(value) for key, value in json.loads(row.figures).items()},
        backlog_source=row.backlog_source,
        raised_at=row.raised_at,
        gone_since=row.gone_since,
        acknowledged_at=row.acknowledged_at,
        acknowledged_by=row.acknowledged_by,
        ended_at=row.ended_at,
        supersedes_id=row.supersedes_id,
        version=row.version,
    )


def watch_lock(session: Session) -> bool:
    """Whether this transaction may evaluate the warnings now. PostgreSQL: the advisory lock
    :data:`WATCH_LOCK`, tried without waiting and released at the transaction's end; SQLite:
    True (its writer lock serialises evaluations). The open-slot constraint backs both."""
    if session.get_bind().dialect.name != "postgresql":
        return True
    taken = session.execute(
        text("SELECT pg_try_advisory_xact_lock(:key)"), {"key": WATCH_LOCK}
    ).scalar_one()
    return bool(taken)


def open_warnings(session: Session, network_name: str) -> dict[str, WarningRecord]:
    """The warning open on each node of ``network_name`` (raised or acknowledged)."""
    rows = session.scalars(
        select(ObservedWarningRow).where(
            ObservedWarningRow.network_name == network_name,
            ObservedWarningRow.open_slot.is_not(None),
        )
    )
    return {row.node_id: _record(row) for row in rows}


def insert_warning(session: Session, new: NewWarning, *, at: datetime) -> int:
    """Raise a warning (the node must have none open: the unique open slot refuses a second)."""
    row = ObservedWarningRow(
        network_name=new.network_name,
        node_id=new.node_id,
        node_name=new.node_name,
        carrier=new.carrier,
        region=new.region,
        level=new.level,
        state="raised",
        open_slot=1,
        source=new.source,
        reason_kind=new.reason_kind,
        figures=json.dumps(dict(new.figures), sort_keys=True),
        backlog_source=new.backlog_source,
        raised_at=at,
        supersedes_id=new.supersedes_id,
        version=1,
    )
    session.add(row)
    session.flush()
    return row.id


def _change(session: Session, warning_id: int, conditions: Sequence[Any], **values: Any) -> bool:
    statement = (
        update(ObservedWarningRow)
        .where(ObservedWarningRow.id == warning_id, *conditions)
        .values(version=ObservedWarningRow.version + 1, **values)
        .execution_options(synchronize_session=False)
    )
    return session.execute(statement).rowcount == 1  # type: ignore[attr-defined, no-any-return]


def end_warning(session: Session, warning_id: int, state: str, *, at: datetime) -> bool:
    """End an open warning as ``superseded`` or ``cleared``; False if it was not open."""
    is_open = ObservedWarningRow.state.in_(OPEN)
    return _change(session, warning_id, [is_open], state=state, open_slot=None, ended_at=at)


def mark_gone(session: Session, warning_id: int, since: datetime | None) -> bool:
    """Start (a moment) or stop (None) the count of hours its condition has been gone."""
    is_open = ObservedWarningRow.state.in_(OPEN)
    return _change(session, warning_id, [is_open], gone_since=since)


def acknowledge_warning(
    session: Session, warning_id: int, *, version: int | None, by: str, at: datetime
) -> bool:
    """Acknowledge a raised warning (of ``version`` when given); False if it changed."""
    conditions: list[Any] = [ObservedWarningRow.state == "raised"]
    if version is not None:
        conditions.append(ObservedWarningRow.version == version)
    return _change(
        session,
        warning_id,
        conditions,
        state="acknowledged",
        acknowledged_at=at,
        acknowledged_by=by,
    )


def get_warning(session: Session, warning_id: int) -> WarningRecord | None:
    row = session.get(ObservedWarningRow, warning_id)
    return None if row is None else _record(row)


def list_warnings(
    session: Session, chosen: WarningFilter, *, limit: int = 100, offset: int = 0
) -> tuple[list[WarningRecord], int]:
    """The warnings ``chosen`` names, open first, then the most severe, then the latest; and
    how many there are in all."""
    table = ObservedWarningRow
    conditions: list[Any] = []
    if not chosen.everything:
        conditions.append(table.region.startswith(chosen.region_prefix, autoescape=True))
        if chosen.carrier is not None:
            conditions.append(table.carrier == chosen.carrier)
    if chosen.network_name is not None:
        conditions.append(table.network_name == chosen.network_name)
    if chosen.states:
        conditions.append(table.state.in_(chosen.states))
    if chosen.level is not None:
        conditions.append(table.level == chosen.level)
    if chosen.source is not None:
        conditions.append(table.source == chosen.source)
    if chosen.node_id is not None:
        conditions.append(table.node_id == chosen.node_id)
    counted = session.execute(select(func.count()).select_from(table).where(*conditions))
    opened_first = case((table.open_slot.is_not(None), 0), else_=1)
    rows = session.scalars(
        select(table)
        .where(*conditions)
        .order_by(opened_first, table.level, table.raised_at.desc(), table.id.desc())
        .limit(limit)
        .offset(offset)
    )
    return [_record(row) for row in rows], int(counted.scalar_one())

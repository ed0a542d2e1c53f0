"""Queries of the real-name register: entries in and out (their personal fields stay sealed
tokens here; :mod:`peakguard.app.real_name` opens them), the counts the patterns need, the
flags (a review is one conditional ``UPDATE`` naming the version read), the employees' hashes,
the key rotation and the retention."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, delete, false, func, or_, select, true, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from peakguard.errors import NotFoundError, StaleRecordError
from peakguard.i18n import _
from peakguard.identity.territory import Reach
from peakguard.store.real_name_tables import (
    RealNameEmployeeRow,
    RealNameEntryRow,
    RealNameFlagRow,
)

CHUNK = 500
"""Hashes per ``IN (…)`` list, and rows per step of a rotation."""


@dataclass(frozen=True)
class EntryRecord:
    id: int
    carrier: str
    waybill: str
    sender_kind: str
    id_type: str
    sender_name: bytes
    id_number: bytes
    id_hash: str
    id_problem: str | None
    outlet: str
    region: str
    accepted_at: datetime
    accepted_day: date
    accepted_by: str
    source: str
    batch: str | None
    recorded_by: str
    recorded_at: datetime


@dataclass(frozen=True)
class FlagRecord:
    id: int
    kind: str
    carrier: str
    region: str
    id_hash: str
    entry_id: int | None
    day: date | None
    employee_code: str | None
    figures: dict[str, int]
    state: str
    version: int
    raised_at: datetime
    decided_by: str | None
    decided_at: datetime | None
    decision_reason: str | None


@dataclass(frozen=True)
class EmployeeRecord:
    carrier: str
    organisation: str
    employee_code: str
    key_mark: str
    registered_by: str
    registered_at: datetime


@dataclass(frozen=True)
class DayCount:
    """One ID of one carrier on one day: its parcels, outlets, accepting employees, and its
    first entry of that day."""

    carrier: str
    id_hash: str
    day: date
    parcels: int
    outlets: int
    employees: int
    first_entry: int


def _entry(row: RealNameEntryRow) -> EntryRecord:
    return EntryRecord(
        id=row.id,
        carrier=row.carrier,
        waybill=row.waybill,
        sender_kind=row.sender_kind,
        id_type=row.id_type,
        sender_name=bytes(row.sender_name),
        id_number=bytes(row.id_number),
        id_hash=row.id_hash,
        id_problem=row.id_problem,
        outlet=row.outlet,
        region=row.region,
        accepted_at=row.accepted_at,
        accepted_day=row.accepted_day,
        accepted_by=row.accepted_by,
        source=row.source,
        batch=row.batch,
        recorded_by=row.recorded_by,
        recorded_at=row.recorded_at,
    )


def _flag(row: RealNameFlagRow) -> FlagRecord:
    return FlagRecord(
        id=row.id,
        kind=row.kind,
        carrier=row.carrier,
        region=row.region,
        id_hash=row.id_hash,
        entry_id=row.entry_id,
        day=row.day,
        employee_code=row.employee_code,
        figures={key: int(value) for key, value in json.loads(row.figures).items()},
        state=row.state,
        version=row.version,
        raised_at=row.raised_at,
        decided_by=row.decided_by,
        decided_at=row.decided_at,
        decision_reason=row.decision_reason,
    )


def within(reach: Reach, carrier: Any, region: Any) -> ColumnElement[bool]:
    """The SQL condition of ``reach`` over a table's carrier and region columns."""
    if reach.everything:
        return true()
    if reach.nothing:
        return false()
    conditions: list[ColumnElement[bool]] = []
    if reach.carrier is not None:
        conditions.append(carrier == reach.carrier)
    if reach.prefix:
        conditions.append(region.like(f"{reach.prefix}%"))
    return and_(true(), *conditions)


# -- entries ---------------------------------------------------------------------------------


def known_waybills(session: Session, carrier: str, waybills: Sequence[str]) -> set[str]:
    """Those of ``waybills`` the register already holds for ``carrier``."""
    found: set[str] = set()
    for start in range(0, len(waybills), CHUNK):
        part = list(waybills[start : start + CHUNK])
        found.update(
            session.scalars(
                select(RealNameEntryRow.waybill).where(
                    RealNameEntryRow.carrier == carrier, RealNameEntryRow.waybill.in_(part)
                )
            )
        )
    return found


def insert_entries(session: Session, values: Sequence[Mapping[str, Any]]) -> list[int]:
    """Add the entries (column → value each); their ids in order."""
    rows = [RealNameEntryRow(**dict(value)) for value in values]
    session.add_all(rows)
    session.flush()
    return [row.id for row in rows]


def entry_by_id(session: Session, entry_id: int) -> EntryRecord | None:
    row = session.get(RealNameEntryRow, entry_id)
    return None if row is None else _entry(row)


def entry_by_waybill(session: Session, carrier: str, waybill: str) -> EntryRecord | None:
    row = session.scalars(
        select(RealNameEntryRow).where(
            RealNameEntryRow.carrier == carrier, RealNameEntryRow.waybill == waybill
        )
    ).first()
    return None if row is None else _entry(row)


def query_entries(
    session: Session,
    reach: Reach,
    *,
    hashes: Sequence[str] = (),
    carrier: str | None = None,
    waybill: str | None = None,
    outlet: str | None = None,
    day_from: date | None = None,
    day_to: date | None = None,
    offset: int = 0,
    limit: int = 100,
) -> tuple[int, list[EntryRecord]]:
    """The entries within ``reach`` matching every filter given, newest first, and how many."""
    table = RealNameEntryRow
    conditions = [within(reach, table.carrier, table.region)]
    if hashes:
        conditions.append(table.id_hash.in_(list(hashes)))
    if carrier:
        conditions.append(table.carrier == carrier)
    if waybill:
        conditions.append(table.waybill == waybill)
    if outlet:
        conditions.append(table.outlet == outlet)
    if day_from:
        conditions.append(table.accepted_day >= day_from)
    if day_to:
        conditions.append(table.accepted_day <= day_to)
    where = and_(*conditions)
    total = session.scalar(select(func.count()).select_from(table).where(where)) or 0
    rows = session.scalars(
        select(table)
        .where(where)
        .order_by(table.accepted_at.desc(), table.id.desc())
        .offset(offset)
        .limit(limit)
    )
    return int(total), [_entry(row) for row in rows]


def day_counts(
    session: Session, keys: Iterable[tuple[str, str]], day_from: date, day_to: date
) -> list[DayCount]:
    """Per (carrier, ID hash) of ``keys`` and per day from ``day_from`` to ``day_to``: the
    individual senders' parcels, outlets and accepting employees."""
    table = RealNameEntryRow
    by_carrier: dict[str, list[str]] = {}
    for carrier, digest in set(keys):
        by_carrier.setdefault(carrier, []).append(digest)
    counts: list[DayCount] = []
    for carrier, digests in by_carrier.items():
        for start in range(0, len(digests), CHUNK):
            statement = (
                select(
                    table.id_hash,
                    table.accepted_day,
                    func.count(),
                    func.count(func.distinct(table.outlet)),
                    func.count(func.distinct(table.accepted_by)),
                    func.min(table.id),
                )
                .where(
                    table.carrier == carrier,
                    table.id_hash.in_(sorted(digests)[start : start + CHUNK]),
                    table.accepted_day >= day_from,
                    table.accepted_day <= day_to,
                )
                .group_by(table.id_hash, table.accepted_day)
            )
            counts.extend(
                DayCount(carrier, h, d, int(n), int(o), int(e), int(first))
                for h, d, n, o, e, first in session.execute(statement)
            )
    return counts


def accepted_by_count(
    session: Session, carrier: str, id_hash: str, day: date, employee_code: str
) -> int:
    table = RealNameEntryRow
    return int(
        session.scalar(
            select(func.count())
            .select_from(table)
            .where(
                table.carrier == carrier,
                table.id_hash == id_hash,
                table.accepted_day == day,
                table.accepted_by == employee_code,
            )
        )
        or 0
    )


def entry_regions(session: Session, entry_ids: Sequence[int]) -> dict[int, str]:
    found: dict[int, str] = {}
    for start in range(0, len(entry_ids), CHUNK):
        part = list(entry_ids[start : start + CHUNK])
        statement = select(RealNameEntryRow.id, RealNameEntryRow.region).where(
            RealNameEntryRow.id.in_(part)
        )
        found.update({int(i): str(r) for i, r in session.execute(statement)})
    return found


def remove_before(session: Session, moment: datetime) -> int:
    """Remove the entries accepted before ``moment`` (flags keep their hash, lose the entry)."""
    table = RealNameEntryRow
    session.execute(
        update(RealNameFlagRow)
        .where(RealNameFlagRow.entry_id.in_(select(table.id).where(table.accepted_at < moment)))
        .values(entry_id=None)
        .execution_options(synchronize_session=False)
    )
    result = session.execute(
        delete(table).where(table.accepted_at < moment).execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)


def reseal_entries(
    session: Session,
    after_id: int,
    reseal: Callable[[bytes], bytes],
    rehash: Callable[[bytes], str],
) -> tuple[int, int, dict[str, str]]:
    """Re-seal the next :data:`CHUNK` entries after ``after_id`` (their name and number under
    the newest key, the hash under the newest digest key): the last id done, how many (0 when
    none was left), and each old hash → its new one."""
    rows = list(
        session.scalars(
            select(RealNameEntryRow)
            .where(RealNameEntryRow.id > after_id)
            .order_by(RealNameEntryRow.id)
            .limit(CHUNK)
        )
    )
    changed: dict[str, str] = {}
    for row in rows:
        new_hash = rehash(bytes(row.id_number))
        if new_hash != row.id_hash:
            changed[row.id_hash] = new_hash
        row.sender_name = reseal(bytes(row.sender_name))
        row.id_number = reseal(bytes(row.id_number))
        row.id_hash = new_hash
    session.flush()
    return (rows[-1].id if rows else after_id), len(rows), changed


def rehash_flags(session: Session, changed: Mapping[str, str]) -> int:
    """Give the flags of each old hash its new one (their keys too)."""
    done = 0
    for old, new in changed.items():
        for row in session.scalars(select(RealNameFlagRow).where(RealNameFlagRow.id_hash == old)):
            row.id_hash = new
            row.flag_key = row.flag_key.replace(old, new)
            done += 1
    session.flush()
    return done


# -- flags -----------------------------------------------------------------------------------


def insert_flag_once(session: Session, values: Mapping[str, Any]) -> int | None:
    """Add the flag unless one of its ``flag_key`` exists (two intakes at once raise it once);
    its id, or None when it existed."""
    data = dict(values)
    data["figures"] = json.dumps(data["figures"], sort_keys=True)
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = (
        insert(RealNameFlagRow)
        .values(**data)
        .on_conflict_do_nothing(index_elements=["flag_key"])
        .returning(RealNameFlagRow.id)
    )
    found = session.execute(statement).scalar_one_or_none()
    return None if found is None else int(found)


def flag_keys(session: Session, keys: Sequence[str]) -> set[str]:
    found: set[str] = set()
    for start in range(0, len(keys), CHUNK):
        part = list(keys[start : start + CHUNK])
        found.update(
            session.scalars(
                select(RealNameFlagRow.flag_key).where(RealNameFlagRow.flag_key.in_(part))
            )
        )
    return found


def recent_window_flag(
    session: Session, carrier: str, id_hash: str, since: date, until: date
) -> bool:
    """Whether a window flag of this ID was raised for a day from ``since`` to ``until``."""
    table = RealNameFlagRow
    found = session.scalar(
        select(func.count())
        .select_from(table)
        .where(
            table.kind == "volume_window",
            table.carrier == carrier,
            table.id_hash == id_hash,
            table.day >= since,
            table.day <= until,
        )
    )
    return bool(found)


def flag_by_id(session: Session, flag_id: int) -> FlagRecord | None:
    row = session.get(RealNameFlagRow, flag_id, populate_existing=True)
    return None if row is None else _flag(row)


def query_flags(
    session: Session,
    reach: Reach,
    *,
    state: str | None = None,
    kind: str | None = None,
    hashes: Sequence[str] = (),
    offset: int = 0,
    limit: int = 100,
) -> tuple[int, list[FlagRecord]]:
    """The flags within ``reach``, open first, newest first, and how many."""
    table = RealNameFlagRow
    conditions = [within(reach, table.carrier, table.region)]
    if state:
        conditions.append(table.state == state)
    if kind:
        conditions.append(table.kind == kind)
    if hashes:
        conditions.append(table.id_hash.in_(list(hashes)))
    where = and_(*conditions)
    total = session.scalar(select(func.count()).select_from(table).where(where)) or 0
    is_open = or_(table.state == "open", false())
    rows = session.scalars(
        select(table)
        .where(where)
        .order_by(is_open.desc(), table.raised_at.desc(), table.id.desc())
        .offset(offset)
        .limit(limit)
    )
    return int(total), [_flag(row) for row in rows]


def decide_flag(
    session: Session,
    flag_id: int,
    expected_version: int,
    *,
    state: str,
    by: str,
    reason: str,
    now: datetime,
) -> int:
    """Record the review if the flag is still at ``expected_version``; the new version.
    StaleRecordError, having written nothing, when someone changed it since."""
    statement = (
        update(RealNameFlagRow)
        .where(RealNameFlagRow.id == flag_id, RealNameFlagRow.version == expected_version)
        .values(
            state=state,
            decided_by=by,
            decided_at=now,
            decision_reason=reason,
            version=RealNameFlagRow.version + 1,
        )
        .returning(RealNameFlagRow.version)
        .execution_options(synchronize_session=False)
    )
    version = session.execute(statement).scalar_one_or_none()
    if version is not None:
        return int(version)
    current = session.scalar(select(RealNameFlagRow.version).where(RealNameFlagRow.id == flag_id))
    if current is None:
        raise NotFoundError(_("No flag has the id {id}.", id=flag_id))
    raise stale_flag(flag_id, expected_version, int(current))


def stale_flag(flag_id: int, expected_version: int, current: int) -> StaleRecordError:
    """The refusal of a review decided on an old version of the flag."""
    return StaleRecordError(
        _(
            "Someone else reviewed flag {id} after you read it (you read version {expected}, "
            "it is now at {current}); nothing of your review was saved. Reload the flag.",
            id=flag_id,
            expected=expected_version,
            current=current,
        )
    )


# -- employees -------------------------------------------------------------------------------


def put_employee(session: Session, values: Mapping[str, Any]) -> bool:
    """Add the employee, or replace the hash of one the carrier registered before; whether it
    was new."""
    row = session.scalars(
        select(RealNameEmployeeRow).where(
            RealNameEmployeeRow.carrier == values["carrier"],
            RealNameEmployeeRow.employee_code == values["employee_code"],
        )
    ).first()
    if row is None:
        session.add(RealNameEmployeeRow(**dict(values)))
        session.flush()
        return True
    for key, value in values.items():
        setattr(row, key, value)
    session.flush()
    return False


def employee_codes(session: Session, carrier: str, hashes: Sequence[str]) -> dict[str, list[str]]:
    """ID hash → the codes of ``carrier``'s employees registered with it."""
    found: dict[str, list[str]] = {}
    for start in range(0, len(hashes), CHUNK):
        part = list(hashes[start : start + CHUNK])
        statement = select(RealNameEmployeeRow.id_hash, RealNameEmployeeRow.employee_code).where(
            RealNameEmployeeRow.carrier == carrier, RealNameEmployeeRow.id_hash.in_(part)
        )
        for digest, code in session.execute(statement):
            found.setdefault(str(digest), []).append(str(code))
    return found


def employees_of(session: Session, carrier: str | None) -> list[EmployeeRecord]:
    statement = select(RealNameEmployeeRow).order_by(
        RealNameEmployeeRow.carrier, RealNameEmployeeRow.employee_code
    )
    if carrier is not None:
        statement = statement.where(RealNameEmployeeRow.carrier == carrier)
    return [
        EmployeeRecord(
            row.carrier,
            row.organisation,
            row.employee_code,
            row.key_mark,
            row.registered_by,
            row.registered_at,
        )
        for row in session.scalars(statement)
    ]


def stale_employees(session: Session, key_mark: str) -> int:
    """Employees whose hash was made under another key than the one marked ``key_mark``."""
    return int(
        session.scalar(
            select(func.count())
            .select_from(RealNameEmployeeRow)
            .where(RealNameEmployeeRow.key_mark != key_mark)
        )
        or 0
    )

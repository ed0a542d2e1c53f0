"""Consolidation points and their schedules in the database (see :mod:`consolidation_tables`).

A point's resources and rates are kept as JSON documents and read back into the core's
:class:`PointResources` and :class:`PointRates`; a schedule keeps the orders it was given and
the answer it gave, as JSON, so a later change of the point does not rewrite an old schedule.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from peakguard.errors import NotFoundError, StaleRecordError
from peakguard.i18n import _
from peakguard.store.consolidation_tables import ConsolidationPointRow, ConsolidationScheduleRow
from peakguard.store.versioned import update_if_unchanged
from peakguard.supply.consolidation import PointRates, PointResources, Task


@dataclass(frozen=True)
class PointRecord:
    id: int
    code: str
    name: str
    carrier: str
    region: str
    serves_region: str | None
    latitude: float
    longitude: float
    resources: PointResources
    rates: PointRates
    version: int
    created_by: str
    created_at: datetime
    updated_by: str
    updated_at: datetime


@dataclass(frozen=True)
class ScheduleRecord:
    id: int
    point_code: str
    point_version: int
    start: datetime
    orders: list[dict[str, Any]]
    result: dict[str, Any]
    bottleneck: str
    made_by: str
    made_at: datetime


def resources_document(resources: PointResources) -> dict[str, Any]:
    return dataclasses.asdict(resources)


def rates_document(rates: PointRates) -> dict[str, Any]:
    document = dataclasses.asdict(rates)
    document["tasks"] = {str(task): value for task, value in rates.tasks.items()}
    return document


def resources_from(document: Mapping[str, Any]) -> PointResources:
    return PointResources(**document)


def rates_from(document: Mapping[str, Any]) -> PointRates:
    values = dict(document)
    values["tasks"] = {Task(key): float(value) for key, value in values.get("tasks", {}).items()}
    return PointRates(**values)


def _point(row: ConsolidationPointRow) -> PointRecord:
    return PointRecord(
        id=row.id,
        code=row.code,
        name=row.name,
        carrier=row.carrier,
        region=row.region,
        serves_region=row.serves_region,
        latitude=row.latitude,
        longitude=row.longitude,
        resources=resources_from(json.loads(row.resources)),
        rates=rates_from(json.loads(row.rates)),
        version=row.version,
        created_by=row.created_by,
        created_at=row.created_at,
        updated_by=row.updated_by,
        updated_at=row.updated_at,
    )


def missing(code: str) -> NotFoundError:
    return NotFoundError(
        _(
            "There is no consolidation point {code} that you may see. List the points with "
            "'peakguard supply point list' or on /app/supply/points.",
            code=code,
        )
    )


def stale(code: str, expected: int, current: int) -> StaleRecordError:
    return StaleRecordError(
        _(
            "Someone else changed the consolidation point {code} after you read it (you read "
            "version {expected}, it is now at {current}); nothing of your change was saved. "
            "Reload it and redo your change if it still applies.",
            code=code,
            expected=expected,
            current=current,
        )
    )


def _values(resources: PointResources, rates: PointRates) -> dict[str, str]:
    return {
        "resources": json.dumps(resources_document(resources), ensure_ascii=False),
        "rates": json.dumps(rates_document(rates), ensure_ascii=False),
    }


def insert_point(
    session: Session,
    *,
    code: str,
    name: str,
    carrier: str,
    region: str,
    serves_region: str | None,
    latitude: float,
    longitude: float,
    resources: PointResources,
    rates: PointRates,
    by: str,
    at: datetime,
) -> PointRecord:
    row = ConsolidationPointRow(
        code=code,
        name=name,
        carrier=carrier,
        region=region,
        serves_region=serves_region,
        latitude=latitude,
        longitude=longitude,
        **_values(resources, rates),
        version=1,
        created_by=by,
        created_at=at,
        updated_by=by,
        updated_at=at,
    )
    session.add(row)
    session.flush()
    return _point(row)


def load_point(session: Session, code: str) -> PointRecord | None:
    row = session.scalars(
        select(ConsolidationPointRow).where(ConsolidationPointRow.code == code)
    ).one_or_none()
    return None if row is None else _point(row)


def query_points(session: Session) -> list[PointRecord]:
    rows = session.scalars(select(ConsolidationPointRow).order_by(ConsolidationPointRow.code))
    return [_point(row) for row in rows]


def update_point(
    session: Session,
    point: PointRecord,
    expected_version: int,
    *,
    name: str,
    serves_region: str | None,
    resources: PointResources,
    rates: PointRates,
    by: str,
    now: datetime,
) -> PointRecord:
    """Change the point if it is still at ``expected_version``; StaleRecordError otherwise."""
    values: dict[str, Any] = {
        "name": name,
        "serves_region": serves_region,
        "updated_by": by,
        **_values(resources, rates),
    }
    version = update_if_unchanged(
        session, ConsolidationPointRow, point.id, expected_version, values, now=now
    )
    if version is None:
        raise stale(point.code, expected_version, point.version)
    session.expire_all()
    found = load_point(session, point.code)
    assert found is not None
    return found


def _schedule(row: ConsolidationScheduleRow, code: str) -> ScheduleRecord:
    return ScheduleRecord(
        id=row.id,
        point_code=code,
        point_version=row.point_version,
        start=row.start,
        orders=json.loads(row.orders),
        result=json.loads(row.result),
        bottleneck=row.bottleneck,
        made_by=row.made_by,
        made_at=row.made_at,
    )


def insert_schedule(
    session: Session,
    point: PointRecord,
    *,
    start: datetime,
    orders: list[dict[str, Any]],
    result: dict[str, Any],
    bottleneck: str,
    by: str,
    at: datetime,
) -> ScheduleRecord:
    row = ConsolidationScheduleRow(
        point_id=point.id,
        point_version=point.version,
        start=start,
        orders=json.dumps(orders, ensure_ascii=False),
        result=json.dumps(result, ensure_ascii=False),
        bottleneck=bottleneck,
        made_by=by,
        made_at=at,
    )
    session.add(row)
    session.flush()
    return _schedule(row, point.code)


def schedules_of(session: Session, point: PointRecord, *, limit: int = 20) -> list[ScheduleRecord]:
    """The point's schedules, newest first."""
    rows = session.scalars(
        select(ConsolidationScheduleRow)
        .where(ConsolidationScheduleRow.point_id == point.id)
        .order_by(ConsolidationScheduleRow.id.desc())
        .limit(limit)
    )
    return [_schedule(row, point.code) for row in rows]


def load_schedule(session: Session, point: PointRecord, schedule_id: int) -> ScheduleRecord | None:
    row = session.get(ConsolidationScheduleRow, schedule_id)
    if row is None or row.point_id != point.id:
        return None
    return _schedule(row, point.code)

"""The appeals a complaint rate counts: each appeal received in a span of China-time days,
with its carrier, the day received and whether it was found valid."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import pyarrow as pa
from sqlalchemy import select
from sqlalchemy.orm import Session

from peakguard.domain.scans import CHINA_STANDARD_TIME as CHINA
from peakguard.store.case_tables import CaseRow


def appeal_table(
    session: Session,
    first_day: date,
    last_day: date,
    *,
    carrier: str | None = None,
    region_prefix: str = "",
) -> pa.Table:
    """``carrier``, ``day`` (China time, received), ``valid`` (the finding; null while none)
    and ``category`` (what the user complained of) of the appeals received ``first_day`` …
    ``last_day`` whose region starts with ``region_prefix`` (and of ``carrier`` when given)."""
    start = datetime.combine(first_day, time(), CHINA)
    end = datetime.combine(last_day + timedelta(days=1), time(), CHINA)
    query = select(
        CaseRow.carrier, CaseRow.received_at, CaseRow.finding_valid, CaseRow.category
    ).where(CaseRow.kind == "appeal", CaseRow.received_at >= start, CaseRow.received_at < end)
    if carrier is not None:
        query = query.where(CaseRow.carrier == carrier)
    if region_prefix:
        query = query.where(CaseRow.region.startswith(region_prefix, autoescape=True))
    rows = session.execute(query.order_by(CaseRow.id)).all()
    return pa.table(
        {
            "carrier": pa.array([row.carrier for row in rows], pa.string()),
            "day": pa.array(
                [row.received_at.astimezone(CHINA).date() for row in rows], pa.date32()
            ),
            "valid": pa.array([row.finding_valid for row in rows], pa.bool_()),
            "category": pa.array([row.category for row in rows], pa.string()),
        }
    )


def any_appeal(session: Session) -> bool:
    """Whether any appeal is recorded at all."""
    return (
        session.execute(select(CaseRow.id).where(CaseRow.kind == "appeal").limit(1)).first()
        is not None
    )

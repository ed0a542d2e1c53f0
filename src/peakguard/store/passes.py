"""The pass registers' rows (车辆通行证, 人员白名单, 场地作业许可): recording, revoking, reading."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from peakguard.cases.controlled import code_prefix
from peakguard.store.shuttle_tables import SupplyPassRow
from peakguard.supply.passes import Pass, PassKind


@dataclass(frozen=True)
class PassRecord:
    """A stored pass: the register's entry, its carrier, who recorded it, whether revoked."""

    id: int
    carrier: str
    entry: Pass
    recorded_by: str
    recorded_at: datetime
    revoked_by: str | None
    revoked_at: datetime | None
    revoke_reason: str | None

    @property
    def revoked(self) -> bool:
        return self.revoked_at is not None


def _record(row: SupplyPassRow) -> PassRecord:
    entry = Pass(
        PassKind(row.kind),
        row.holder,
        row.region,
        row.valid_from,
        row.valid_until,
        row.issuer,
        row.masked_id,
    )
    return PassRecord(
        row.id,
        row.carrier,
        entry,
        row.recorded_by,
        row.recorded_at,
        row.revoked_by,
        row.revoked_at,
        row.revoke_reason,
    )


def insert_pass(
    session: Session, carrier: str, entry: Pass, *, by: str, at: datetime
) -> PassRecord:
    row = SupplyPassRow(
        carrier=carrier,
        kind=entry.kind.value,
        holder=entry.holder,
        region=entry.region,
        valid_from=entry.valid_from,
        valid_until=entry.valid_until,
        issuer=entry.issuer,
        masked_id=entry.masked_id,
        recorded_by=by,
        recorded_at=at,
    )
    session.add(row)
    session.flush()
    return _record(row)


def load_pass(session: Session, pass_id: int) -> PassRecord | None:
    row = session.get(SupplyPassRow, pass_id)
    return None if row is None else _record(row)


def revoke_pass(session: Session, pass_id: int, *, by: str, at: datetime, reason: str) -> None:
    row = session.get(SupplyPassRow, pass_id)
    assert row is not None
    row.revoked_by, row.revoked_at, row.revoke_reason = by, at, reason


def query_passes(
    session: Session,
    *,
    carrier: str | None,
    region_prefix: str = "",
    kind: PassKind | None = None,
    on: date | None = None,
    include_revoked: bool = False,
    limit: int = 1000,
) -> list[PassRecord]:
    """Passes of ``carrier`` (None: every carrier's) whose region starts with
    ``region_prefix`` or contains it (a city pass shows in a district's list), of ``kind``,
    valid on ``on`` if given."""
    query = select(SupplyPassRow).order_by(SupplyPassRow.valid_until, SupplyPassRow.id)
    if carrier is not None:
        query = query.where(SupplyPassRow.carrier == carrier)
    if kind is not None:
        query = query.where(SupplyPassRow.kind == kind.value)
    if on is not None:
        query = query.where(SupplyPassRow.valid_from <= on, SupplyPassRow.valid_until >= on)
    if not include_revoked:
        query = query.where(SupplyPassRow.revoked_at.is_(None))
    rows = session.scalars(query).all()
    found = [
        _record(row)
        for row in rows
        if row.region.startswith(region_prefix) or _contains(row.region, region_prefix)
    ]
    return found[:limit]


def _contains(region: str, prefix: str) -> bool:
    """Whether a pass for ``region`` covers the codes starting ``prefix``."""
    return bool(prefix) and prefix.startswith(code_prefix(region))

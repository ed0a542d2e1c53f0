"""Stop-sort holds in the database: a hold with its waybills, the reports upward, the release
(one conditional ``UPDATE`` naming the version read), the violations (each kept once: ``INSERT
… ON CONFLICT DO NOTHING`` on its natural key, however many detectors run at once), and the
lake batches the sweep has examined.

Every function works inside the caller's session (its transaction).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from peakguard.errors import NotFoundError, StaleRecordError
from peakguard.i18n import _
from peakguard.store.access_tables import OrganisationRow
from peakguard.store.case_clocks import dialect_insert
from peakguard.store.hold_tables import (
    HoldReportRow,
    HoldRow,
    HoldSweptBatchRow,
    HoldViolationRow,
    HoldWaybillRow,
)
from peakguard.store.versioned import update_if_unchanged

INSERT_CHUNK = 500


@dataclass(frozen=True)
class HoldRecord:
    id: int
    scope: str
    state: str
    carrier: str
    region: str
    node_id: str
    bag_code: str | None
    outlet: str | None
    window_start: datetime | None
    window_end: datetime | None
    category: str
    held_from: datetime
    evidence: str
    placed_by: str
    placing_organisation_id: int | None
    placing_organisation: str
    released_at: datetime | None
    released_by: str | None
    release_outcome: str | None
    release_reason: str | None
    version: int
    created_at: datetime
    updated_at: datetime

    @property
    def reference(self) -> str:
        return f"HOLD-{self.id}"


@dataclass(frozen=True)
class ReportRecord:
    organisation_id: int
    organisation: str
    reason: str
    alert_id: int | None
    reported_at: datetime


@dataclass(frozen=True)
class ViolationRecord:
    id: int
    hold_id: int
    carrier: str
    waybill: str
    event: str
    node_id: str
    scanned_at: datetime
    detected_at: datetime
    detected_by: str


@dataclass(frozen=True)
class HeldWaybill:
    """A waybill under a hold, with the hold's window (for the detectors)."""

    hold_id: int
    carrier: str
    waybill: str
    region: str
    held_from: datetime
    released_at: datetime | None


@dataclass(frozen=True)
class Scan:
    """A scan event as the detectors see it."""

    carrier: str
    waybill: str
    event: str
    node_id: str
    scanned_at: datetime


_COLUMNS = [column.name for column in HoldRow.__table__.columns]


def _record(row: HoldRow) -> HoldRecord:
    return HoldRecord(**{name: getattr(row, name) for name in _COLUMNS})


def insert_hold(session: Session, values: dict[str, Any], waybills: Sequence[str]) -> HoldRecord:
    """Keep a new hold (version 1) and its waybills (each once)."""
    row = HoldRow(**values, version=1)
    session.add(row)
    session.flush()
    unique = list(dict.fromkeys(waybills))
    for start in range(0, len(unique), INSERT_CHUNK):
        session.execute(
            dialect_insert(session, HoldWaybillRow)
            .values(
                [
                    {"hold_id": row.id, "carrier": row.carrier, "waybill": waybill}
                    for waybill in unique[start : start + INSERT_CHUNK]
                ]
            )
            .on_conflict_do_nothing(index_elements=["hold_id", "carrier", "waybill"])
        )
    return _record(row)


def load_hold(session: Session, hold_id: int) -> HoldRecord | None:
    row = session.get(HoldRow, hold_id, populate_existing=True)
    return None if row is None else _record(row)


def release_hold(
    session: Session, hold_id: int, expected_version: int, changes: dict[str, Any], *, now: datetime
) -> int:
    """Record the release if the hold is still at ``expected_version``; the new version.
    StaleRecordError, having written nothing, when someone changed it since."""
    version = update_if_unchanged(session, HoldRow, hold_id, expected_version, changes, now=now)
    if version is not None:
        return version
    current = session.scalar(select(HoldRow.version).where(HoldRow.id == hold_id))
    if current is None:
        raise NotFoundError(_("no hold {id}", id=hold_id))
    raise stale(hold_id, expected_version, current)


def stale(hold_id: int, expected_version: int, current: int) -> StaleRecordError:
    """The refusal of a change decided on version ``expected_version`` of a hold now at
    ``current``."""
    return StaleRecordError(
        _(
            "Someone else changed hold {id} after you read it (you read version {expected}, it "
            "is now at {current}); nothing of your change was saved. Reload the hold and redo "
            "your change if it still applies.",
            id=hold_id,
            expected=expected_version,
            current=current,
        )
    )


def hold_waybills(session: Session, hold_id: int) -> list[str]:
    return list(
        session.scalars(
            select(HoldWaybillRow.waybill)
            .where(HoldWaybillRow.hold_id == hold_id)
            .order_by(HoldWaybillRow.waybill)
        )
    )


def query_holds(
    session: Session,
    *,
    region_prefix: str,
    carrier: str | None,
    state: str | None = None,
    limit: int = 200,
) -> list[HoldRecord]:
    """Holds in the territory (region prefix) of the brand (None: every brand), open ones
    first, newest first."""
    statement = select(HoldRow).execution_options(populate_existing=True)
    if region_prefix:
        statement = statement.where(HoldRow.region.startswith(region_prefix))
    if carrier is not None:
        statement = statement.where(HoldRow.carrier == carrier)
    if state is not None:
        statement = statement.where(HoldRow.state == state)
    statement = statement.order_by(
        HoldRow.state == "released", HoldRow.held_from.desc(), HoldRow.id.desc()
    ).limit(limit)
    return [_record(row) for row in session.scalars(statement)]


def counts_of(session: Session, hold_ids: Sequence[int]) -> dict[int, tuple[int, int]]:
    """hold id → (its waybills, its violations)."""
    if not hold_ids:
        return {}
    waybills = dict(
        session.execute(
            select(HoldWaybillRow.hold_id, func.count())
            .where(HoldWaybillRow.hold_id.in_(list(hold_ids)))
            .group_by(HoldWaybillRow.hold_id)
        ).all()
    )
    violations = dict(
        session.execute(
            select(HoldViolationRow.hold_id, func.count())
            .where(HoldViolationRow.hold_id.in_(list(hold_ids)))
            .group_by(HoldViolationRow.hold_id)
        ).all()
    )
    return {key: (int(waybills.get(key, 0)), int(violations.get(key, 0))) for key in hold_ids}


def held_waybills(session: Session, *, released_since: datetime) -> list[HeldWaybill]:
    """The waybills of every hold in force, and of those released since ``released_since``
    (a scan made while they were held may reach the lake late)."""
    rows = session.execute(
        select(
            HoldWaybillRow.hold_id,
            HoldWaybillRow.carrier,
            HoldWaybillRow.waybill,
            HoldRow.region,
            HoldRow.held_from,
            HoldRow.released_at,
        )
        .join(HoldRow, HoldRow.id == HoldWaybillRow.hold_id)
        .where(or_(HoldRow.released_at.is_(None), HoldRow.released_at >= released_since))
    )
    return [HeldWaybill(*row) for row in rows]


def add_report(
    session: Session,
    hold_id: int,
    *,
    organisation_id: int,
    organisation: str,
    reason: str,
    alert_id: int | None,
    at: datetime,
) -> None:
    session.execute(
        dialect_insert(session, HoldReportRow)
        .values(
            hold_id=hold_id,
            organisation_id=organisation_id,
            organisation=organisation,
            reason=reason,
            alert_id=alert_id,
            reported_at=at,
        )
        .on_conflict_do_nothing(index_elements=["hold_id", "organisation_id"])
    )


def hold_reports(session: Session, hold_id: int) -> list[ReportRecord]:
    rows = session.scalars(
        select(HoldReportRow).where(HoldReportRow.hold_id == hold_id).order_by(HoldReportRow.id)
    )
    return [
        ReportRecord(row.organisation_id, row.organisation, row.reason, row.alert_id,
                     row.reported_at)
        for row in rows
    ]  # fmt: skip


def insert_violation_once(
    session: Session, hold_id: int, scan: Scan, *, at: datetime, by: str
) -> int | None:
    """Keep the violation unless it is kept already; its id when this call kept it."""
    statement = (
        dialect_insert(session, HoldViolationRow)
        .values(
            hold_id=hold_id,
            carrier=scan.carrier,
            waybill=scan.waybill,
            event=scan.event,
            node_id=scan.node_id,
            scanned_at=scan.scanned_at,
            detected_at=at,
            detected_by=by,
        )
        .on_conflict_do_nothing(
            index_elements=["hold_id", "carrier", "waybill", "event", "node_id", "scanned_at"]
        )
        .returning(HoldViolationRow.id)
    )
    created = session.execute(statement).scalar_one_or_none()
    return None if created is None else int(created)


def hold_violations(
    session: Session, hold_ids: Sequence[int] | None, *, limit: int = 1000
) -> list[ViolationRecord]:
    statement = select(HoldViolationRow)
    if hold_ids is not None:
        statement = statement.where(HoldViolationRow.hold_id.in_(list(hold_ids)))
    statement = statement.order_by(HoldViolationRow.scanned_at, HoldViolationRow.id).limit(limit)
    return [
        ViolationRecord(
            row.id, row.hold_id, row.carrier, row.waybill, row.event, row.node_id,
            row.scanned_at, row.detected_at, row.detected_by,
        )
        for row in session.scalars(statement)
    ]  # fmt: skip


def swept_batches(session: Session) -> set[str]:
    return set(session.scalars(select(HoldSweptBatchRow.batch)))


def mark_swept(session: Session, batches: Iterable[str], *, at: datetime) -> None:
    pending = sorted(set(batches))
    for start in range(0, len(pending), INSERT_CHUNK):
        session.execute(
            dialect_insert(session, HoldSweptBatchRow)
            .values([{"batch": batch, "swept_at": at} for batch in pending[start : start + 500]])
            .on_conflict_do_nothing(index_elements=["batch"])
        )


def carrier_companies(session: Session, carrier: str) -> list[tuple[int, str, str | None]]:
    """The enabled organisations of brand ``carrier`` as (id, code, region)."""
    rows = session.execute(
        select(OrganisationRow.id, OrganisationRow.code, OrganisationRow.region).where(
            OrganisationRow.kind == "carrier",
            OrganisationRow.carrier == carrier,
            OrganisationRow.disabled.is_(False),
        )
    )
    return [(row.id, row.code, row.region) for row in rows]


def organisation_code(session: Session, organisation_id: int) -> str:
    return (
        session.scalar(select(OrganisationRow.code).where(OrganisationRow.id == organisation_id))
        or ""
    )

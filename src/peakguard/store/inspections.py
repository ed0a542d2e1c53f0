"""Inspections (检查, 明察暗访) and their findings: rows to records and back, inside the
caller's session and transaction. A change names the version it read (optimistic locking)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from peakguard.store.inspection_tables import (
    FindingRow,
    InspectionRow,
)


@dataclass(frozen=True)
class FindingRecord:
    id: int
    inspection_id: int
    carrier: str
    """Brand code, e.g. "ZTO"."""
    company_id: int
    """organisations.id of the carrier company (its province's)."""
    node_id: str | None
    """The outlet / hub inspected, if any."""
    region: str
    """6-digit region code of the place."""
    item_key: str
    """Checklist item key."""
    rule_key: str | None
    """A key of security_rules.toml."""
    description: str
    found_at: datetime


def _finding(row: FindingRow) -> FindingRecord:
    return FindingRecord(
        id=row.id,
        inspection_id=row.inspection_id,
        carrier=row.carrier,
        company_id=row.company_id,
        node_id=row.node_id,
        region=row.region,
        item_key=row.item_key,
        rule_key=row.rule_key,
        description=row.description,
        found_at=row.found_at,
    )


def finding_by_id(session: Session, finding_id: int) -> FindingRecord | None:
    """The finding ``finding_id`` (None if there is none). The caller checks that its reader
    may see the finding's inspection (:func:`inspection_by_id`)."""
    row = session.get(FindingRow, finding_id)
    return None if row is None else _finding(row)


def findings_of(session: Session, inspection_id: int) -> list[FindingRecord]:
    rows = session.scalars(
        select(FindingRow).where(FindingRow.inspection_id == inspection_id).order_by(FindingRow.id)
    )
    return [_finding(row) for row in rows]


@dataclass(frozen=True)
class Inspector:
    user_id: int
    username: str
    display_name: str


@dataclass(frozen=True)
class AnswerRecord:
    item_key: str
    answer: str
    note: str
    answered_by: str
    answered_at: datetime


@dataclass(frozen=True)
class InspectionRecord:
    id: int
    kind: str
    conducted_by: str
    organisation_id: int
    partner_body: str | None
    partner_officers: tuple[str, ...]
    carrier: str
    company_id: int
    network: str | None
    node_id: str | None
    address: str | None
    region: str
    scheduled_at: datetime
    checklist: str
    state: str
    note: str
    version: int
    created_by: str
    created_at: datetime
    updated_at: datetime
    started_at: datetime | None
    completed_at: datetime | None
    cancelled_at: datetime | None


def _inspection(row: InspectionRow) -> InspectionRecord:
    return InspectionRecord(
        id=row.id,
        kind=row.kind,
        conducted_by=row.conducted_by,
        organisation_id=row.organisation_id,
        partner_body=row.partner_body,
        partner_officers=tuple(json.loads(row.partner_officers or "[]")),
        carrier=row.carrier,
        company_id=row.company_id,
        network=row.network,
        node_id=row.node_id,
        address=row.address,
        region=row.region,
        scheduled_at=row.scheduled_at,
        checklist=row.checklist,
        state=row.state,
        note=row.note,
        version=row.version,
        created_by=row.created_by,
        created_at=row.created_at,
        updated_at=row.updated_at,
        started_at=row.started_at,
        completed_at=row.completed_at,
        cancelled_at=row.cancelled_at,
    )


def inspection_by_id(session: Session, inspection_id: int) -> InspectionRecord | None:
    row = session.get(InspectionRow, inspection_id)
    return None if row is None else _inspection(row)

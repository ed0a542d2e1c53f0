"""Inspections (检查, 明察暗访) and their findings: rows to records and back, inside the
caller's session and transaction. A change names the version it read (optimistic locking)."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from peakguard.errors import NotFoundError, StaleRecordError
from peakguard.i18n import _
from peakguard.store.access_tables import UserRow
from peakguard.store.inspection_tables import (
    FindingRow,
    InspectionAnswerRow,
    InspectionRow,
    InspectorRow,
)
from peakguard.store.versioned import update_if_unchanged


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


def findings_of_inspections(session: Session, ids: Sequence[int]) -> list[FindingRecord]:
    """The findings of the inspections ``ids``, by inspection then item order."""
    if not ids:
        return []
    rows = session.scalars(
        select(FindingRow)
        .where(FindingRow.inspection_id.in_(list(ids)))
        .order_by(FindingRow.inspection_id, FindingRow.id)
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
    checklist_items: tuple[tuple[str, str, str, str, str | None], ...]
    """The checklist as used: (key, section, zh, en, rule) per item."""
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
        checklist_items=tuple(tuple(item) for item in json.loads(row.checklist_items)),
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


UPDATABLE = frozenset({"state", "started_at", "completed_at", "cancelled_at", "note"})


def add_inspection(session: Session, values: Mapping[str, Any], inspectors: Sequence[int]) -> int:
    """Store a planned inspection (``values``: the row's columns) and its inspectors; its id."""
    row = InspectionRow(**values)
    session.add(row)
    session.flush()
    for user_id in sorted(set(inspectors)):
        session.add(InspectorRow(inspection_id=row.id, user_id=user_id))
    session.flush()
    return row.id


def update_inspection(
    session: Session,
    inspection_id: int,
    expected_version: int,
    changes: Mapping[str, Any],
    *,
    now: datetime,
) -> int:
    """Apply ``changes`` if the inspection is still at ``expected_version``; the new version.
    StaleRecordError, having written nothing, when someone changed it since."""
    unknown = set(changes) - UPDATABLE
    if unknown:
        raise ValueError(f"an inspection's {sorted(unknown)} cannot be changed")
    version = update_if_unchanged(
        session, InspectionRow, inspection_id, expected_version, changes, now=now
    )
    if version is not None:
        return version
    current = session.scalar(select(InspectionRow.version).where(InspectionRow.id == inspection_id))
    if current is None:
        raise NotFoundError(_("No inspection has the id {id}.", id=inspection_id))
    raise stale(inspection_id, expected_version, current)


def stale(inspection_id: int, expected: int, current: int) -> StaleRecordError:
    """The refusal of a change decided on version ``expected`` of an inspection now at
    ``current``."""
    return StaleRecordError(
        _(
            "Someone else changed inspection {id} after you read it (you read version "
            "{expected}, it is now at {current}); nothing of your change was saved. Reload "
            "the inspection and redo your change if it still applies.",
            id=inspection_id,
            expected=expected,
            current=current,
        )
    )


def inspectors_of(session: Session, inspection_id: int) -> list[Inspector]:
    rows = session.execute(
        select(UserRow.id, UserRow.username, UserRow.display_name)
        .join(InspectorRow, InspectorRow.user_id == UserRow.id)
        .where(InspectorRow.inspection_id == inspection_id)
        .order_by(UserRow.username)
    )
    return [Inspector(row.id, row.username, row.display_name) for row in rows]


def answers_of(session: Session, inspection_id: int) -> list[AnswerRecord]:
    rows = session.scalars(
        select(InspectionAnswerRow)
        .where(InspectionAnswerRow.inspection_id == inspection_id)
        .order_by(InspectionAnswerRow.id)
    )
    return [
        AnswerRecord(row.item_key, row.answer, row.note, row.answered_by, row.answered_at)
        for row in rows
    ]


def put_answer(
    session: Session,
    inspection_id: int,
    item_key: str,
    answer: str,
    note: str,
    by: str,
    at: datetime,
) -> None:
    """Record (or replace) the answer to one item."""
    row = session.scalars(
        select(InspectionAnswerRow).where(
            InspectionAnswerRow.inspection_id == inspection_id,
            InspectionAnswerRow.item_key == item_key,
        )
    ).one_or_none()
    if row is None:
        session.add(
            InspectionAnswerRow(
                inspection_id=inspection_id,
                item_key=item_key,
                answer=answer,
                note=note,
                answered_by=by,
                answered_at=at,
            )
        )
    else:
        row.answer, row.note, row.answered_by, row.answered_at = answer, note, by, at
    session.flush()


def put_finding(session: Session, inspection: InspectionRecord, values: Mapping[str, Any]) -> int:
    """Record (or update the description of) the finding on ``values["item_key"]``; its id."""
    row = session.scalars(
        select(FindingRow).where(
            FindingRow.inspection_id == inspection.id, FindingRow.item_key == values["item_key"]
        )
    ).one_or_none()
    if row is None:
        row = FindingRow(
            inspection_id=inspection.id,
            carrier=inspection.carrier,
            company_id=inspection.company_id,
            node_id=inspection.node_id,
            region=inspection.region,
            **values,
        )
        session.add(row)
    else:
        row.description, row.found_at = values["description"], values["found_at"]
        row.recorded_by = values["recorded_by"]
    session.flush()
    return row.id


def drop_finding(session: Session, inspection_id: int, item_key: str) -> int | None:
    """Withdraw the finding on ``item_key`` (its item answered otherwise); its id, if any."""
    finding_id = session.scalar(
        select(FindingRow.id).where(
            FindingRow.inspection_id == inspection_id, FindingRow.item_key == item_key
        )
    )
    if finding_id is not None:
        session.execute(delete(FindingRow).where(FindingRow.id == finding_id))
    return finding_id


def inspection_records(
    session: Session,
    *,
    carrier: str | None = None,
    prefix: str = "",
    state: str | None = None,
    hide_unannounced: bool = False,
    limit: int = 500,
) -> list[InspectionRecord]:
    """Inspections, newest scheduled first, of ``carrier`` (any if None) in regions starting
    with ``prefix``; ``hide_unannounced`` leaves out a regulator's unannounced inspections not
    completed (what a carrier may not see)."""
    statement = select(InspectionRow).order_by(
        InspectionRow.scheduled_at.desc(), InspectionRow.id.desc()
    )
    if carrier is not None:
        statement = statement.where(InspectionRow.carrier == carrier)
    if prefix:
        statement = statement.where(InspectionRow.region.startswith(prefix))
    if state is not None:
        statement = statement.where(InspectionRow.state == state)
    if hide_unannounced:
        statement = statement.where(
            (InspectionRow.kind != "unannounced")
            | (InspectionRow.conducted_by == "self")
            | (InspectionRow.state == "completed")
        )
    return [_inspection(row) for row in session.scalars(statement.limit(limit))]

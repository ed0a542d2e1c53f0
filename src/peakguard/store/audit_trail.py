"""The audit trail: append-only, hash-chained entries.

Each entry's hash (HMAC-SHA-256 under a key kept outside the database, so that someone who
can write the database cannot re-chain it) covers its fields and the previous entry's hash,
so altering or removing an entry breaks the chain from there on; the head row holds the newest
sequence and hash, so removing the newest entries is caught too. Appending locks the head row
first (an ``UPDATE``), so concurrent writers — several API workers, the CLI — chain in one
order on SQLite and PostgreSQL alike. Retention removes the oldest entries and moves the
chain's anchor (``pruned_through``, ``pruned_hash``) in the same transaction.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from peakguard.store.access_tables import AuditEntryRow, AuditHeadRow


@dataclass(frozen=True)
class AuditEntry:
    sequence: int
    at: datetime
    actor: str
    organisation: str
    action: str
    record_kind: str
    record_id: str
    outcome: str
    address: str | None
    detail: Mapping[str, Any]
    previous_hash: str
    entry_hash: str


def utc_text(moment: datetime) -> str:
    """The moment in UTC to the microsecond; a naive moment (SQLite gives them back) is UTC."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return moment.isoformat(timespec="microseconds")


def canonical_detail(detail: Mapping[str, Any]) -> str:
    return json.dumps(detail, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def entry_hash(
    key: bytes,
    *,
    sequence: int,
    at: datetime,
    actor: str,
    organisation: str,
    action: str,
    record_kind: str,
    record_id: str,
    outcome: str,
    address: str | None,
    detail: str,
    previous_hash: str,
) -> str:
    fields = [
        sequence,
        utc_text(at),
        actor,
        organisation,
        action,
        record_kind,
        record_id,
        outcome,
        address,
        detail,
        previous_hash,
    ]
    text = json.dumps(fields, ensure_ascii=False, separators=(",", ":"))
    return hmac.new(key, text.encode(), hashlib.sha256).hexdigest()


def append_entry(
    session: Session,
    key: bytes,
    *,
    at: datetime,
    actor: str,
    organisation: str,
    action: str,
    record_kind: str,
    record_id: str,
    outcome: str,
    address: str | None,
    detail: Mapping[str, Any],
) -> int:
    """Chain one entry after the newest; returns its sequence number."""
    locked = session.execute(
        update(AuditHeadRow)
        .where(AuditHeadRow.id == 1)
        .values(last_sequence=AuditHeadRow.last_sequence + 1)
        .returning(AuditHeadRow.last_sequence, AuditHeadRow.last_hash)
    ).one()
    sequence, previous = int(locked[0]), str(locked[1])
    at = at.astimezone(UTC)
    text = canonical_detail(detail)
    digest = entry_hash(
        key,
        sequence=sequence,
        at=at,
        actor=actor,
        organisation=organisation,
        action=action,
        record_kind=record_kind,
        record_id=record_id,
        outcome=outcome,
        address=address,
        detail=text,
        previous_hash=previous,
    )
    session.add(
        AuditEntryRow(
            sequence=sequence,
            at=at,
            actor=actor,
            organisation=organisation,
            action=action,
            record_kind=record_kind,
            record_id=record_id,
            outcome=outcome,
            address=address,
            detail=text,
            previous_hash=previous,
            entry_hash=digest,
        )
    )
    session.execute(update(AuditHeadRow).where(AuditHeadRow.id == 1).values(last_hash=digest))
    return sequence


def entry_of(row: AuditEntryRow) -> AuditEntry:
    return AuditEntry(
        sequence=row.sequence,
        at=row.at if row.at.tzinfo else row.at.replace(tzinfo=UTC),
        actor=row.actor,
        organisation=row.organisation,
        action=row.action,
        record_kind=row.record_kind,
        record_id=row.record_id,
        outcome=row.outcome,
        address=row.address,
        detail=json.loads(row.detail),
        previous_hash=row.previous_hash,
        entry_hash=row.entry_hash,
    )


def recomputed_hash(row: AuditEntryRow, key: bytes) -> str:
    return entry_hash(
        key,
        sequence=row.sequence,
        at=row.at,
        actor=row.actor,
        organisation=row.organisation,
        action=row.action,
        record_kind=row.record_kind,
        record_id=row.record_id,
        outcome=row.outcome,
        address=row.address,
        detail=row.detail,
        previous_hash=row.previous_hash,
    )


def head(session: Session) -> AuditHeadRow:
    row = session.get(AuditHeadRow, 1)
    assert row is not None, "migration 0002 creates the audit head"
    return row


def entry_rows(session: Session, batch: int = 5000) -> Iterator[AuditEntryRow]:
    """Every entry in sequence order, read in batches."""
    after = 0
    while True:
        rows = session.scalars(
            select(AuditEntryRow)
            .where(AuditEntryRow.sequence > after)
            .order_by(AuditEntryRow.sequence)
            .limit(batch)
        ).all()
        if not rows:
            return
        yield from rows
        after = rows[-1].sequence


def query_entries(
    session: Session,
    *,
    actor: str | None = None,
    record_id: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: int = 500,
    offset: int = 0,
) -> tuple[int, list[AuditEntry]]:
    """``(how many match, the page of them)``, newest first."""
    conditions = []
    if actor is not None:
        conditions.append(AuditEntryRow.actor.startswith(actor))
    if record_id is not None:
        conditions.append(AuditEntryRow.record_id == record_id)
    if since is not None:
        conditions.append(AuditEntryRow.at >= since.astimezone(UTC))
    if until is not None:
        conditions.append(AuditEntryRow.at < until.astimezone(UTC))
    total = session.scalar(select(func.count()).select_from(AuditEntryRow).where(*conditions))
    rows = session.scalars(
        select(AuditEntryRow)
        .where(*conditions)
        .order_by(AuditEntryRow.sequence.desc())
        .limit(limit)
        .offset(offset)
    ).all()
    return int(total or 0), [entry_of(row) for row in rows]


def prune_before(session: Session, before: datetime) -> int:
    """Remove the entries older than ``before`` (the oldest first, without gaps) and move the
    chain's anchor past them; returns how many were removed."""
    last = session.scalar(
        select(func.max(AuditEntryRow.sequence)).where(AuditEntryRow.at < before.astimezone(UTC))
    )
    if last is None:
        return 0
    last_row = session.get(AuditEntryRow, last)
    assert last_row is not None
    anchor = last_row.entry_hash
    removed = session.execute(delete(AuditEntryRow).where(AuditEntryRow.sequence <= last))
    session.execute(
        update(AuditHeadRow)
        .where(AuditHeadRow.id == 1)
        .values(pruned_through=last, pruned_hash=anchor)
    )
    return int(getattr(removed, "rowcount", 0) or 0)

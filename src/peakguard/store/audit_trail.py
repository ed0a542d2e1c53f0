"""The audit trail: append-only, hash-chained entries.

Each entry's hash (HMAC-SHA-256 under a key kept outside the database, so that someone who
can write the database cannot re-chain it) covers its fields and the previous entry's hash,
so altering or removing an entry breaks the chain from there on; the head row holds the newest
sequence and hash, so removing the newest entries is caught too. Appending locks the head row
first (an ``UPDATE``), so concurrent writers — several API workers, the CLI — chain in one
order on SQLite and PostgreSQL alike. Retention removes the oldest entries and moves the
chain's anchor (``pruned_through``, ``pruned_hash``) in the same transaction.

The head row itself is not enough against someone who deletes the newest entries and sets the
head back to the entry before them: each committed entry's sequence and hash are therefore also
appended to a **witness** file outside the database (next to the key), and verification
requires every witnessed entry to be in the trail, unchanged.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import delete, event, func, select, update
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
    witness: Path | None = None,
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
    row = AuditEntryRow(
        sequence=sequence,
        at=at.astimezone(UTC),
        actor=actor,
        organisation=organisation,
        action=action,
        record_kind=record_kind,
        record_id=record_id,
        outcome=outcome,
        address=address,
        detail=canonical_detail(detail),
        previous_hash=previous,
        entry_hash="",
    )
    digest = row.entry_hash = recomputed_hash(row, key)
    session.add(row)
    session.execute(update(AuditHeadRow).where(AuditHeadRow.id == 1).values(last_hash=digest))
    if witness is not None:
        _witness_on_commit(session, witness, f"{sequence} {digest}\n")
    return sequence


def _witness_on_commit(session: Session, witness: Path, line: str) -> None:
    """Append ``line`` to the witness file once the transaction commits (not if it rolls
    back: the witness must never name an entry the trail does not have)."""
    pending: list[str] | None = session.info.get("audit_witness")
    if pending is None:
        pending = session.info["audit_witness"] = []

        def write(_session: Session) -> None:
            lines = session.info.pop("audit_witness", [])
            if lines:
                append_witness(witness, "".join(lines))

        def forget(_session: Session) -> None:
            session.info.pop("audit_witness", None)

        event.listen(session, "after_commit", write, once=True)
        event.listen(session, "after_soft_rollback", forget, once=True)
    pending.append(line)


def append_witness(witness: Path, text: str) -> None:
    """One ``write`` in append mode: lines of concurrent processes do not interleave."""
    witness.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(witness, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    try:
        os.write(descriptor, text.encode())
    finally:
        os.close(descriptor)


def compact_witness(witness: Path | None, through: int) -> None:
    """Drop the witness lines of pruned entries (a line appended meanwhile may be lost, which
    only weakens the witness for that entry; it never makes a sound trail fail)."""
    if witness is None or not witness.exists():
        return
    kept = "".join(
        f"{sequence} {digest}\n"
        for sequence, digest in sorted(witnessed(witness).items())
        if sequence > through
    )
    draft = witness.with_name(f".{witness.name}.{os.getpid()}")
    descriptor = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="ascii") as handle:
        handle.write(kept)
    draft.replace(witness)


def witnessed(witness: Path | None) -> dict[int, str]:
    """Sequence → hash of every entry the witness file names (a torn last line is skipped)."""
    if witness is None or not witness.exists():
        return {}
    found: dict[int, str] = {}
    for line in witness.read_text(encoding="ascii", errors="replace").splitlines():
        parts = line.split()
        if len(parts) == 2 and parts[0].isdigit() and len(parts[1]) == 64:
            found[int(parts[0])] = parts[1]
    return found


def entry_of(row: AuditEntryRow) -> AuditEntry:
    return AuditEntry(
        sequence=row.sequence,
        at=row.at,
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
        # ``name@organisation`` exactly, or a bare user name in any organisation
        # (``token:7`` for a token); never a prefix of another name.
        conditions.append(
            AuditEntryRow.actor == actor
            if "@" in actor
            else AuditEntryRow.actor.startswith(f"{actor}@", autoescape=True)
        )
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
    """Remove the entries older than ``before`` — the oldest first, up to the first entry that
    is not older (an entry written with an earlier time later on does not take newer ones with
    it) — and move the chain's anchor past them; returns how many were removed."""
    cutoff = before.astimezone(UTC)
    first_kept = session.scalar(
        select(func.min(AuditEntryRow.sequence)).where(AuditEntryRow.at >= cutoff)
    )
    older = select(func.max(AuditEntryRow.sequence)).where(AuditEntryRow.at < cutoff)
    if first_kept is not None:
        older = older.where(AuditEntryRow.sequence < first_kept)
    last = session.scalar(older)
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

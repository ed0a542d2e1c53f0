"""The audit trail: who did what to which record, when, from where — and the check that
nothing in it was altered or removed (``peakguard audit verify``)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from peakguard.app.access import require
from peakguard.i18n import Message, _
from peakguard.identity.model import Permission, Principal
from peakguard.store.access_tables import AuditEntryRow
from peakguard.store.audit_trail import (
    AuditEntry,
    append_entry,
    compact_witness,
    entry_rows,
    head,
    prune_before,
    query_entries,
    recomputed_hash,
    witnessed,
)
from peakguard.store.database import Store, transaction


def record_in(
    session: Session,
    store: Store,
    actor: Principal,
    action: str,
    record_kind: str,
    record_id: str,
    *,
    outcome: str = "ok",
    detail: Mapping[str, Any] | None = None,
    at: datetime | None = None,
) -> int:
    """Chain an entry inside ``session``'s transaction: it is kept if and only if the change
    it records is. ``detail`` must hold no secret and no personal data."""
    return append_entry(
        session,
        store.audit_key,
        witness=store.audit_witness,
        at=at or datetime.now(UTC),
        actor=actor.label(),
        organisation=actor.organisation.code,
        action=action,
        record_kind=record_kind,
        record_id=record_id,
        outcome=outcome,
        address=actor.address,
        detail=dict(detail or {}),
    )


def record(
    store: Store,
    actor: Principal,
    action: str,
    record_kind: str,
    record_id: str,
    *,
    outcome: str = "ok",
    detail: Mapping[str, Any] | None = None,
    at: datetime | None = None,
) -> int:
    """Chain an entry in a transaction of its own (a denial, a login, a change made outside
    the database such as stored scan events)."""
    with transaction(store.sessions) as session:
        return record_in(
            session,
            store,
            actor,
            action,
            record_kind,
            record_id,
            outcome=outcome,
            detail=detail,
            at=at,
        )


@dataclass(frozen=True)
class Break:
    sequence: int
    message: Message


@dataclass(frozen=True)
class Verification:
    """What ``audit verify`` found: how many entries it checked and every break in the chain."""

    entries: int
    first: int
    last: int
    breaks: list[Break] = field(default_factory=list)

    @property
    def intact(self) -> bool:
        return not self.breaks


def verify_audit(store: Store) -> Verification:
    """Walk the chain from its anchor: every entry must follow the one before it, hash to
    what it says, and the newest must be the head."""
    breaks: list[Break] = []
    with transaction(store.sessions) as session:
        anchor = head(session)
        expected_sequence = anchor.pruned_through + 1
        expected_previous = anchor.pruned_hash
        count = 0
        for row in entry_rows(session):
            count += 1
            if row.sequence != expected_sequence:
                breaks.append(
                    Break(
                        expected_sequence,
                        _(
                            "entries {first} to {last} are missing",
                            first=expected_sequence,
                            last=row.sequence - 1,
                        ),
                    )
                )
            elif row.previous_hash != expected_previous:
                breaks.append(Break(row.sequence, _("does not follow the entry before it")))
            if recomputed_hash(row, store.audit_key) != row.entry_hash:
                breaks.append(Break(row.sequence, _("was altered after it was written")))
            expected_sequence = row.sequence + 1
            expected_previous = row.entry_hash
        seen = {item.sequence for item in breaks}
        breaks += [
            item
            for item in _unwitnessed(session, store, anchor.pruned_through)
            if item.sequence not in seen
        ]
        if anchor.last_sequence != expected_sequence - 1 or anchor.last_hash != expected_previous:
            breaks.append(
                Break(
                    expected_sequence,
                    _(
                        "the newest entries are missing: the trail ends at {found}, "
                        "its head says {head}",
                        found=expected_sequence - 1,
                        head=anchor.last_sequence,
                    ),
                )
            )
        return Verification(count, anchor.pruned_through + 1, expected_sequence - 1, breaks)


def _unwitnessed(session: Session, store: Store, pruned_through: int) -> list[Break]:
    """The entries the witness file names that the trail lacks or holds changed."""
    breaks: list[Break] = []
    for sequence, digest in sorted(witnessed(store.audit_witness).items()):
        if sequence <= pruned_through:
            continue
        row = session.get(AuditEntryRow, sequence)
        if row is None:
            breaks.append(
                Break(sequence, _("is witnessed outside the database but missing from the trail"))
            )
        elif row.entry_hash != digest:
            breaks.append(
                Break(sequence, _("differs from the hash witnessed outside the database"))
            )
    return breaks


def audit_entries(
    store: Store,
    actor: Principal,
    *,
    user: str | None = None,
    record_id: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: int = 500,
    offset: int = 0,
) -> tuple[int, list[AuditEntry]]:
    """The entries by ``user`` (a user name, or ``name@organisation``), about ``record_id``,
    between ``since`` and ``until``, newest first. Administrators only."""
    require(actor, Permission.audit_read)
    with transaction(store.sessions) as session:
        return query_entries(
            session,
            actor=user,
            record_id=record_id,
            since=since,
            until=until,
            limit=limit,
            offset=offset,
        )


def prune_audit(
    store: Store, actor: Principal, retention_days: int, now: datetime | None = None
) -> int:
    """Remove the entries older than the retention period (the removal is itself an entry)."""
    require(actor, Permission.admin_manage)
    moment = now or datetime.now(UTC)
    before = moment - timedelta(days=retention_days)
    with transaction(store.sessions) as session:
        removed = prune_before(session, before)
        record_in(
            session,
            store,
            actor,
            "audit.prune",
            "audit",
            "trail",
            detail={"removed": removed, "before": before.isoformat()},
            at=moment,
        )
        through = head(session).pruned_through
    compact_witness(store.audit_witness, through)
    return removed

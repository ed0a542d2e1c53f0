"""The real-name register (实名收寄): search, entries shown masked, the audited reveal, and the
flags' review. Intake: :mod:`peakguard.app.real_name_intake`; employees, key rotation,
retention and the waybill check: :mod:`peakguard.app.real_name_admin`.

What must hold (tests/integration/test_real_name.py):

- every entry and flag is shown masked: the ID by its last four characters
  (``**************002X``), the name by its first (``张**``); a search by ID takes the full
  number and matches it by its keyed hash, and never shows it back;
- the sender in clear is a separate call, needs ``realname.reveal``, a stated reason, and is an
  audit entry (who, when, which entry, why); a search by ID is an audit entry too (no ID in it);
- a regulator reaches the entries and flags of its territory (the outlet's region), a carrier
  its own brand; anything outside is "not found";
- a flag is decided once (confirmed or dismissed, with a reason) by a regulator or the carrier
  naming the version it read: of two reviews at once one wins, the other gets 409.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Final

from sqlalchemy.orm import Session

from peakguard.app.access import reach, require
from peakguard.app.audit import record_in
from peakguard.app.real_name_vault import register_vault
from peakguard.cases.real_name import mask_id, normalise
from peakguard.cases.real_name_flags import (
    Counts,
    FlagKind,
    PatternThresholds,
    ReviewDecision,
    reason,
    review,
)
from peakguard.errors import ForbiddenError, InvalidInputError, NotFoundError, Problem
from peakguard.i18n import Message, _
from peakguard.identity.model import OrganisationKind, Permission, Principal
from peakguard.store.database import Store, transaction
from peakguard.store.personal import PersonalVault, mask_name
from peakguard.store.real_name import (
    EntryRecord,
    FlagRecord,
    decide_flag,
    entry_by_id,
    flag_by_id,
    query_entries,
    query_flags,
    stale_flag,
)

MAX_PAGE: Final = 500
REASON_LIMIT: Final = 1000


@dataclass(frozen=True)
class EntryView:
    """An entry as every reader sees it: name and ID masked."""

    id: int
    carrier: str
    waybill: str
    sender_kind: str
    id_type: str
    sender_name: str
    id_number: str
    id_valid: bool
    id_problem: str | None
    outlet: str
    region: str
    accepted_at: datetime
    accepted_by: str
    source: str
    batch: str | None
    recorded_by: str
    recorded_at: datetime


@dataclass(frozen=True)
class RegisterPage:
    total: int
    entries: tuple[EntryView, ...]
    offset: int
    limit: int


@dataclass(frozen=True)
class RevealedSender:
    """The sender in clear (a reveal's answer only)."""

    entry_id: int
    waybill: str
    id_type: str
    sender_name: str
    id_number: str


@dataclass(frozen=True)
class FlagView:
    id: int
    kind: str
    carrier: str
    region: str
    id_number: str
    """Masked (from the flag's first entry; ``—`` once the entry is past retention)."""
    entry_id: int | None
    waybill: str | None
    day: date | None
    employee_code: str | None
    figures: dict[str, int]
    reason: Message
    state: str
    version: int
    raised_at: datetime
    decided_by: str | None
    decided_at: datetime | None
    decision_reason: str | None


@dataclass(frozen=True)
class FlagPage:
    total: int
    flags: tuple[FlagView, ...]


def entry_view(vault: PersonalVault, entry: EntryRecord) -> EntryView:
    name = vault.open(entry.sender_name) or ""
    number = vault.open(entry.id_number) or ""
    return EntryView(
        id=entry.id,
        carrier=entry.carrier,
        waybill=entry.waybill,
        sender_kind=entry.sender_kind,
        id_type=entry.id_type,
        sender_name=mask_name(name),
        id_number=mask_id(number),
        id_valid=entry.id_problem is None,
        id_problem=entry.id_problem,
        outlet=entry.outlet,
        region=entry.region,
        accepted_at=entry.accepted_at,
        accepted_by=entry.accepted_by,
        source=entry.source,
        batch=entry.batch,
        recorded_by=entry.recorded_by,
        recorded_at=entry.recorded_at,
    )


def _hashes(vault: PersonalVault, id_number: str | None) -> tuple[str, ...]:
    if id_number is None or not normalise(id_number):
        return ()
    return vault.digests(normalise(id_number))


def search_register(
    store: Store,
    actor: Principal,
    *,
    id_number: str | None = None,
    waybill: str | None = None,
    carrier: str | None = None,
    outlet: str | None = None,
    day_from: date | None = None,
    day_to: date | None = None,
    offset: int = 0,
    limit: int = 100,
    now: datetime | None = None,
) -> RegisterPage:
    """The entries within the caller's reach matching the filters (an ID by its hash), newest
    first. A search by ID is audited (its count, never the ID)."""
    require(actor, Permission.realname_read)
    limit = max(1, min(limit, MAX_PAGE))
    vault = register_vault(store)
    hashes = _hashes(vault, id_number)
    with transaction(store.sessions) as session:
        total, records = query_entries(
            session,
            reach(actor),
            hashes=hashes,
            carrier=carrier,
            waybill=waybill,
            outlet=outlet,
            day_from=day_from,
            day_to=day_to,
            offset=max(offset, 0),
            limit=limit,
        )
        if hashes:
            record_in(
                session,
                store,
                actor,
                "realname.search",
                "realname_register",
                "by_id",
                detail={"found": total},
                at=now or datetime.now(UTC),
            )
        views = tuple(entry_view(vault, record) for record in records)
    return RegisterPage(total, views, max(offset, 0), limit)


def _reachable(session: Session, actor: Principal, entry_id: int) -> EntryRecord:
    entry = entry_by_id(session, entry_id)
    if entry is None or not reach(actor).covers(entry.carrier, entry.region):
        raise NotFoundError(_("No register entry has the id {id}.", id=entry_id))
    return entry


def get_entry(store: Store, actor: Principal, entry_id: int) -> EntryView:
    """One entry, masked."""
    require(actor, Permission.realname_read)
    vault = register_vault(store)
    with transaction(store.sessions) as session:
        return entry_view(vault, _reachable(session, actor, entry_id))


def reveal_entry(
    store: Store,
    actor: Principal,
    entry_id: int,
    *,
    reason: str,
    now: datetime | None = None,
) -> RevealedSender:
    """The sender's name and ID in clear: ``realname.reveal``, a stated reason, audited."""
    require(actor, Permission.realname_reveal)
    stated = _reason(reason, "reason")
    vault = register_vault(store)
    moment = now or datetime.now(UTC)
    with transaction(store.sessions) as session:
        entry = _reachable(session, actor, entry_id)
        revealed = RevealedSender(
            entry_id=entry.id,
            waybill=entry.waybill,
            id_type=entry.id_type,
            sender_name=vault.open(entry.sender_name) or "",
            id_number=vault.open(entry.id_number) or "",
        )
        record_in(
            session,
            store,
            actor,
            "realname.reveal",
            "realname_entry",
            str(entry.id),
            detail={
                "carrier": entry.carrier,
                "waybill": entry.waybill,
                "fields": ["sender_name", "id_number"],
                "reason": stated,
            },
            at=moment,
        )
    return revealed


def _reason(text: str, field: str) -> str:
    stated = " ".join(text.split())
    if len(stated) < 2 or len(stated) > REASON_LIMIT:
        message = _(
            "state why (2 to {limit} characters): the reason is kept in the audit trail",
            limit=REASON_LIMIT,
        )
        raise InvalidInputError(message, [Problem(field, message)])
    return stated


# -- flags -----------------------------------------------------------------------------------


def _flag_view(session: Session, vault: PersonalVault, flag: FlagRecord) -> FlagView:
    entry = entry_by_id(session, flag.entry_id) if flag.entry_id is not None else None
    figures = flag.figures
    counts = Counts(
        figures.get("day_parcels", 0),
        figures.get("window_parcels", 0),
        figures.get("outlets", 0),
        figures.get("employees", 0),
        figures.get("self_accepted", 0),
    )
    thresholds = (
        PatternThresholds(
            per_day=figures["per_day"],
            per_window=figures["per_window"],
            window_days=figures["window_days"],
            outlets_per_day=figures["outlets_per_day"],
            employee_parcels_per_day=figures["employee_parcels_per_day"],
        )
        if "per_day" in figures
        else PatternThresholds()
    )
    return FlagView(
        id=flag.id,
        kind=flag.kind,
        carrier=flag.carrier,
        region=flag.region,
        id_number=mask_id(vault.open(entry.id_number) or "") if entry else "—",
        entry_id=flag.entry_id,
        waybill=entry.waybill if entry else None,
        day=flag.day,
        employee_code=flag.employee_code,
        figures=figures,
        reason=reason(FlagKind(flag.kind), counts, thresholds),
        state=flag.state,
        version=flag.version,
        raised_at=flag.raised_at,
        decided_by=flag.decided_by,
        decided_at=flag.decided_at,
        decision_reason=flag.decision_reason,
    )


def list_flags(
    store: Store,
    actor: Principal,
    *,
    state: str | None = None,
    kind: str | None = None,
    id_number: str | None = None,
    offset: int = 0,
    limit: int = 100,
) -> FlagPage:
    """The flags within the caller's reach, open first."""
    require(actor, Permission.realname_read)
    vault = register_vault(store)
    with transaction(store.sessions) as session:
        total, flags = query_flags(
            session,
            reach(actor),
            state=state,
            kind=kind,
            hashes=_hashes(vault, id_number),
            offset=max(offset, 0),
            limit=max(1, min(limit, MAX_PAGE)),
        )
        return FlagPage(total, tuple(_flag_view(session, vault, flag) for flag in flags))


def get_flag(store: Store, actor: Principal, flag_id: int) -> FlagView:
    require(actor, Permission.realname_read)
    vault = register_vault(store)
    with transaction(store.sessions) as session:
        flag = flag_by_id(session, flag_id)
        if flag is None or not reach(actor).covers(flag.carrier, flag.region):
            raise NotFoundError(_("No flag has the id {id}.", id=flag_id))
        return _flag_view(session, vault, flag)


def review_flag(
    store: Store,
    actor: Principal,
    flag_id: int,
    *,
    decision: ReviewDecision | str,
    expected_version: int,
    reason: str,
    now: datetime | None = None,
) -> FlagView:
    """Confirm or dismiss a flag, with the reason; by a regulator of the territory or the
    carrier itself. 409 when someone reviewed it since ``expected_version``."""
    require(actor, Permission.realname_read)
    if actor.organisation.kind not in (
        OrganisationKind.regulator,
        OrganisationKind.carrier,
        OrganisationKind.system,
    ):
        raise ForbiddenError(_("Only a regulator or the carrier reviews a flag."))
    stated = _reason(reason, "reason")
    chosen = ReviewDecision(decision)
    moment = now or datetime.now(UTC)
    vault = register_vault(store)
    with transaction(store.sessions) as session:
        flag = flag_by_id(session, flag_id)
        if flag is None or not reach(actor).covers(flag.carrier, flag.region):
            raise NotFoundError(_("No flag has the id {id}.", id=flag_id))
        if flag.version != expected_version:
            raise stale_flag(flag_id, expected_version, flag.version)
        after = review(flag.state, chosen)
        version = decide_flag(
            session,
            flag_id,
            expected_version,
            state=after.value,
            by=actor.label(),
            reason=stated,
            now=moment,
        )
        record_in(
            session,
            store,
            actor,
            f"realname.flag.{chosen.value}",
            "realname_flag",
            str(flag_id),
            detail={"from": flag.state, "to": after.value, "version": version, "reason": stated},
            at=moment,
        )
        changed = flag_by_id(session, flag_id)
        assert changed is not None
        return _flag_view(session, vault, changed)

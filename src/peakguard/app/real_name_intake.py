"""Entries into the real-name register: a batch through the API, a carrier's file, and the
patterns (虚假实名) each intake may reveal.

What must hold (tests/integration/test_real_name.py):

- a batch or a file is stored whole or not at all; every mistake is located (``entries[3].
  id_number``, ``register.csv row 7, column id_number``) and no message repeats an ID number;
- the sender's name and ID are sealed with the deployment's personal key, the ID's keyed hash
  kept beside them; a waybill the register already holds is skipped (a file sent twice adds
  nothing);
- an ID failing its check is kept and flagged ``invalid_id`` (a carrier's record that an outlet
  accepted it is the evidence of the lapse), unless the caller asks for the counter's rule
  (``refuse_invalid``: 拒绝收寄), when it is a located mistake;
- a carrier records only its own brand inside its reach.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy.orm import Session

from peakguard.app.access import reach, require
from peakguard.app.audit import record_in
from peakguard.app.real_name_patterns import detect_in
from peakguard.app.real_name_vault import register_vault
from peakguard.cases.real_name import (
    IdType,
    check_id,
    mask_id,
    problem_label,
    sender_kind,
    type_label,
)
from peakguard.cases.real_name_flags import DEFAULT_THRESHOLDS, PatternThresholds
from peakguard.domain.scans import CHINA_STANDARD_TIME
from peakguard.errors import InvalidInputError, Problem
from peakguard.formats.limits import DEFAULT_LIMITS, InputLimits
from peakguard.formats.real_name_file import RegisterRow, parse_register, read_register_table
from peakguard.i18n import Message, _
from peakguard.identity.model import Permission, Principal
from peakguard.store.database import Store, transaction
from peakguard.store.personal import PersonalVault
from peakguard.store.real_name import insert_entries, known_waybills

MAX_BATCH = 5_000
MAX_LISTED = 100


@dataclass(frozen=True)
class EntryDraft:
    """One parcel's registration as a carrier sends it."""

    waybill: str
    carrier: str
    sender_name: str
    id_type: IdType
    id_number: str
    outlet: str
    region: str
    accepted_at: datetime
    accepted_by: str


@dataclass(frozen=True)
class IntakeReport:
    """What an intake did: entries added, waybills already held (skipped), IDs that failed
    their check (kept, flagged), flags raised."""

    created: int
    skipped_existing: int
    invalid_ids: int
    flags_raised: int


def record_entries(
    store: Store,
    actor: Principal,
    drafts: Sequence[EntryDraft],
    *,
    refuse_invalid: bool = False,
    now: datetime | None = None,
    thresholds: PatternThresholds = DEFAULT_THRESHOLDS,
) -> IntakeReport:
    """Record a batch (the API's): all of it or, at one mistake, none."""
    require(actor, Permission.realname_write)
    moment = now or datetime.now(UTC)
    if not drafts:
        message = _("the batch holds no entries")
        raise InvalidInputError(message, [Problem("entries", message)])
    if len(drafts) > MAX_BATCH:
        message = _("at most {limit} entries a batch: split it", limit=MAX_BATCH)
        raise InvalidInputError(message, [Problem("entries", message)])
    places = [f"entries[{index}]" for index in range(len(drafts))]
    return _record(
        store,
        actor,
        drafts,
        places,
        source="api",
        batch=None,
        refuse_invalid=refuse_invalid,
        now=moment,
        thresholds=thresholds,
    )


def import_register_file(
    store: Store,
    actor: Principal,
    source: Path | bytes,
    file_name: str | None = None,
    *,
    now: datetime | None = None,
    limits: InputLimits = DEFAULT_LIMITS,
    thresholds: PatternThresholds = DEFAULT_THRESHOLDS,
) -> IntakeReport:
    """Record a carrier's register file (CSV or Excel): all of it or, at one bad cell, none."""
    require(actor, Permission.realname_write)
    moment = now or datetime.now(UTC)
    name, table = read_register_table(source, file_name, limits=limits)
    latest = moment + timedelta(hours=limits.future_tolerance_hours)
    parsed = parse_register(table, name, latest=latest, limits=limits)
    if parsed.problems:
        _refuse(name, list(parsed.problems))
    drafts = [_draft(row) for row in parsed.rows]
    places = [parsed.place(row.row, "{column}") for row in parsed.rows]
    return _record(
        store,
        actor,
        drafts,
        places,
        source="file",
        batch=name,
        refuse_invalid=False,
        now=moment,
        thresholds=thresholds,
    )


def _draft(row: RegisterRow) -> EntryDraft:
    return EntryDraft(
        waybill=row.waybill,
        carrier=row.carrier,
        sender_name=row.sender_name,
        id_type=row.id_type,
        id_number=row.id_number,
        outlet=row.outlet,
        region=row.region,
        accepted_at=row.accepted_at,
        accepted_by=row.accepted_by,
    )


def _place(place: str, column: str) -> str:
    """``entries[3].id_number`` for a batch, ``register.csv row 7, column id_number`` for a
    file (whose place is written with a ``{column}`` slot)."""
    return place.replace("{column}", column) if "{column}" in place else f"{place}.{column}"


def _refuse(name: str, problems: list[Problem]) -> None:
    raise InvalidInputError(
        _(
            "{name}: {count} mistake(s); nothing was recorded. Correct them and send it again.",
            name=name,
            count=len(problems),
        ),
        problems[:MAX_LISTED],
        total=len(problems),
    )


def _checked(
    actor: Principal,
    drafts: Sequence[EntryDraft],
    places: Sequence[str],
    refuse_invalid: bool,
    moment: datetime,
) -> tuple[list[Problem], list[str | None]]:
    """Every mistake of the drafts, located, and each draft's ID problem (None: valid)."""
    scope = reach(actor)
    today = moment.astimezone(CHINA_STANDARD_TIME).date()
    problems: list[Problem] = []
    id_problems: list[str | None] = []
    seen: dict[tuple[str, str], int] = {}
    for index, (draft, place) in enumerate(zip(drafts, places, strict=True)):
        if not scope.covers(draft.carrier, draft.region):
            problems.append(Problem(_place(place, "carrier"), _outside(actor)))
        key = (draft.carrier, draft.waybill)
        if key in seen:
            other = _place(places[seen[key]], "waybill")
            message = _("the waybill is also at {other}: each parcel once", other=other)
            problems.append(Problem(_place(place, "waybill"), message))
        seen.setdefault(key, index)
        found = check_id(draft.id_type, draft.id_number, today=today)
        id_problems.append(None if found.valid else str(found.problem))
        if found.problem is not None and refuse_invalid:
            problems.append(
                Problem(_place(place, "id_number"), _invalid(draft, found.problem.value))
            )
        if draft.accepted_at.tzinfo is None:
            problems.append(Problem(_place(place, "accepted_at"), _("needs its time zone")))
    return problems, id_problems


def _invalid(draft: EntryDraft, problem: str) -> Message:
    return _(
        "{number} is not a valid {kind}: {reason}. Refuse the parcel (拒绝收寄) until the "
        "sender shows a valid ID.",
        number=mask_id(draft.id_number),
        kind=type_label(draft.id_type),
        reason=problem_label(problem),
    )


def _outside(actor: Principal) -> Message:
    return _(
        "{who} may record only its own carrier's parcels accepted inside its territory",
        who=actor.label(),
    )


def _record(
    store: Store,
    actor: Principal,
    drafts: Sequence[EntryDraft],
    places: Sequence[str],
    *,
    source: str,
    batch: str | None,
    refuse_invalid: bool,
    now: datetime,
    thresholds: PatternThresholds,
) -> IntakeReport:
    problems, id_problems = _checked(actor, drafts, places, refuse_invalid, now)
    if problems:
        _refuse(batch or "entries", problems)
    vault = register_vault(store)
    with transaction(store.sessions) as session:
        fresh = _fresh(session, drafts)
        values = [
            _values(vault, drafts[i], id_problems[i], actor, source, batch, now) for i in fresh
        ]
        ids = insert_entries(session, values)
        added = [(entry_id, values[n]) for n, entry_id in enumerate(ids)]
        raised = detect_in(session, store, actor, added, thresholds=thresholds, now=now)
        invalid = sum(1 for i in fresh if id_problems[i] is not None)
        report = IntakeReport(len(ids), len(drafts) - len(fresh), invalid, raised)
        record_in(
            session,
            store,
            actor,
            "realname.record",
            "realname_batch",
            batch or f"api:{now.isoformat()}",
            detail={
                "source": source,
                "created": report.created,
                "skipped_existing": report.skipped_existing,
                "invalid_ids": report.invalid_ids,
                "flags_raised": report.flags_raised,
            },
            at=now,
        )
        return report


def _fresh(session: Session, drafts: Sequence[EntryDraft]) -> list[int]:
    """The indexes of the drafts whose waybill the register does not hold yet."""
    by_carrier: dict[str, list[str]] = {}
    for draft in drafts:
        by_carrier.setdefault(draft.carrier, []).append(draft.waybill)
    held = {
        (carrier, waybill)
        for carrier, waybills in by_carrier.items()
        for waybill in known_waybills(session, carrier, waybills)
    }
    return [i for i, d in enumerate(drafts) if (d.carrier, d.waybill) not in held]


def _values(
    vault: PersonalVault,
    draft: EntryDraft,
    id_problem: str | None,
    actor: Principal,
    source: str,
    batch: str | None,
    now: datetime,
) -> dict[str, object]:
    found = check_id(draft.id_type, draft.id_number)
    accepted = draft.accepted_at.astimezone(UTC)
    day: date = accepted.astimezone(CHINA_STANDARD_TIME).date()
    return {
        "carrier": draft.carrier,
        "waybill": draft.waybill,
        "sender_kind": sender_kind(draft.id_type).value,
        "id_type": draft.id_type.value,
        "sender_name": vault.seal(draft.sender_name.strip()),
        "id_number": vault.seal(found.number),
        "id_hash": vault.digest(found.number),
        "id_problem": id_problem,
        "outlet": draft.outlet,
        "region": draft.region,
        "accepted_at": accepted,
        "accepted_day": day,
        "accepted_by": draft.accepted_by,
        "source": source,
        "batch": batch,
        "recorded_by": actor.label(),
        "recorded_at": now,
    }

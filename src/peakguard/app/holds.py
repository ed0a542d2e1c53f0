"""Stop-sort holds (停止分拣、运输、投递; docs/reference/stop-sort-holds.md): placing one on a
waybill, a bag or a batch, reporting it upward, reading and listing them, and releasing one.

Who may do what: ``hold.place`` lets a carrier's security officer hold its own brand's parcels
(a provincial company inside its province) and a regulator's inspector or duty officer those of
its territory; ``hold.release`` is a regulator's (its inspector or director, in its territory):
a carrier never releases a hold, whatever its roles. ``security.read`` reads the holds within
the reader's reach; outside it a hold is "not found". Every step is audited in its own
transaction; a release names the version it was decided on (two at once: one 409).

The violations (scans of a held waybill after the hold) are found in :mod:`.hold_scans`;
:func:`sweep_holds` is re-exported here for the server's sweeps.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy.orm import Session

from peakguard.app.access import reach, require
from peakguard.app.alerts import raise_alert
from peakguard.app.audit import record, record_in
from peakguard.app.hold_drafts import HoldDraft, checked_draft
from peakguard.app.hold_scans import scan_lake_for_hold, sweep_holds
from peakguard.app.incidents import regional_office
from peakguard.app.security_evidence import (
    EvidenceRef,
    attach_evidence,
    evidence_for,
    read_evidence,
)
from peakguard.cases.holds import HoldState, HoldStep, hold_rules, transition
from peakguard.errors import ForbiddenError, InvalidInputError, NotFoundError, Problem
from peakguard.i18n import _, bilingual
from peakguard.identity.model import (
    Channel,
    OrganisationKind,
    Permission,
    Principal,
    RegulatorLevel,
)
from peakguard.store import holds as stored
from peakguard.store.database import Store, transaction
from peakguard.store.holds import HoldRecord, ReportRecord, ViolationRecord
from peakguard.store.incidents import regulator_offices

__all__ = [
    "HoldDraft",
    "HoldLine",
    "HoldView",
    "add_hold_evidence",
    "get_hold",
    "list_holds",
    "list_violations",
    "open_holds",
    "place_hold",
    "read_hold_evidence",
    "release_hold",
    "sweep_holds",
]

REASON_LIMIT = 4000
EVIDENCE_SUBJECT = "hold"


@dataclass(frozen=True)
class HoldView:
    """A hold as its reader sees it: its waybills, reports upward, violations and evidence."""

    hold: HoldRecord
    waybills: list[str]
    reports: list[ReportRecord]
    violations: list[ViolationRecord]
    evidence: list[EvidenceRef] = field(default_factory=list)

    @property
    def version(self) -> int:
        return self.hold.version


@dataclass(frozen=True)
class HoldLine:
    """One line of a hold list."""

    hold: HoldRecord
    waybills: int
    violations: int


# -- access ------------------------------------------------------------------------------------


def _may_place(actor: Principal, carrier: str, region: str) -> None:
    require(actor, Permission.hold_place)
    kind = actor.organisation.kind
    kinds = (OrganisationKind.regulator, OrganisationKind.carrier, OrganisationKind.system)
    if kind in kinds and reach(actor).covers(carrier, region):
        return
    raise ForbiddenError(
        _(
            "{who} may not hold {carrier} parcels in {region}: a carrier holds its own brand's "
            "parcels, a postal administration those of its territory.",
            who=actor.label(),
            carrier=carrier,
            region=region,
        )
    )


def _visible(session: Session, actor: Principal, hold_id: int) -> HoldRecord:
    hold = stored.load_hold(session, hold_id)
    if hold is None or not reach(actor).covers(hold.carrier, hold.region):
        raise NotFoundError(_("No hold HOLD-{id} is within your reach.", id=hold_id))
    return hold


# -- placing -----------------------------------------------------------------------------------


def place_hold(
    store: Store,
    actor: Principal,
    draft: HoldDraft,
    *,
    lake: Path | None = None,
    files: Sequence[tuple[str, bytes]] = (),
    now: datetime | None = None,
) -> HoldView:
    """Place a hold: its waybills stored at once, the hold reported to the regulator office of
    the place's territory (and the provincial office for a serious category), the evidence
    files attached, and the scans already in ``lake`` after its moment recorded as violations.
    A batch given by outlet and window takes its waybills from ``lake``'s accept events.
    InvalidInputError locates every mistake, nothing written."""
    moment = now or datetime.now(UTC)
    _may_place(actor, draft.carrier.strip().upper(), draft.region)
    checked = checked_draft(draft, lake=lake, files=files, now=moment)
    with transaction(store.sessions) as session:
        hold = stored.insert_hold(session, checked.values(actor, moment), checked.waybills)
        record_in(
            session,
            store,
            actor,
            "hold.place",
            "hold",
            str(hold.id),
            detail={
                "scope": hold.scope,
                "carrier": hold.carrier,
                "region": hold.region,
                "node": hold.node_id,
                "category": hold.category,
                "waybills": len(checked.waybills),
                "held_from": hold.held_from.isoformat(),
            },
            at=moment,
        )
        _report(session, store, actor, hold, len(checked.waybills), checked.file_names, moment)
    for name, content in files:
        attach_evidence(
            store, actor, subject=EVIDENCE_SUBJECT, subject_id=hold.id, name=name,
            content=content, region=hold.region, carrier=hold.carrier, now=moment,
        )  # fmt: skip
    if lake is not None:
        scan_lake_for_hold(store, lake, hold.id, now=moment)
    return get_hold(store, actor, hold.id)


def _offices(session: Session, hold: HoldRecord) -> list[tuple[int, str]]:
    """(office, reason): the office of the place's territory, and its province's office when
    the category is serious (once, if they are the same office)."""
    offices: list[tuple[int, str]] = []
    territory = regional_office(session, hold.region)
    if territory is not None:
        offices.append((territory, "territory"))
    category = hold_rules().categories.get(hold.category)
    if category is not None and category.serious:
        for office_id, level, region in regulator_offices(session):
            provincial = level == RegulatorLevel.provincial.value
            if provincial and region is not None and region[:2] == hold.region[:2]:
                if office_id != territory:
                    offices.append((office_id, "serious"))
                break
    return offices


def _report(
    session: Session,
    store: Store,
    actor: Principal,
    hold: HoldRecord,
    count: int,
    file_names: Sequence[str],
    moment: datetime,
) -> None:
    category = hold_rules().categories[hold.category]
    for office_id, reason in _offices(session, hold):
        alert_id = raise_alert(
            session,
            organisation_id=office_id,
            kind="hold.placed",
            subject=f"hold:{hold.id}",
            summary=_(
                "Stop-sort hold HOLD-{hold} reported by {who}: {count} {carrier} waybill(s) "
                "stopped at {node} ({region}) from {held_from}, suspected {category}. "
                "Evidence: {evidence} Files: {files}",
                hold=hold.id,
                who=actor.label(),
                count=count,
                carrier=hold.carrier,
                node=hold.node_id,
                region=hold.region,
                held_from=hold.held_from,
                category=bilingual(category.zh, category.en),
                evidence=hold.evidence[:300],
                files=", ".join(file_names) or "-",
            ),
            raised_at=moment,
            dedupe_key=f"hold.placed:{hold.id}:{office_id}",
        )
        code = stored.organisation_code(session, office_id)
        stored.add_report(
            session, hold.id, organisation_id=office_id, organisation=code, reason=reason,
            alert_id=alert_id, at=moment,
        )  # fmt: skip
        record_in(
            session, store, actor, "hold.report", "hold", str(hold.id),
            detail={"office": code, "reason": reason, "alert": alert_id}, at=moment,
        )  # fmt: skip


# -- releasing ---------------------------------------------------------------------------------


def release_hold(
    store: Store,
    actor: Principal,
    hold_id: int,
    *,
    expected_version: int,
    outcome: str,
    reason: str,
    now: datetime | None = None,
) -> HoldView:
    """Release a hold with its recorded outcome and reason (a regulator of the territory);
    after it, scans of its waybills are no longer violations."""
    moment = now or datetime.now(UTC)
    regulator = actor.organisation.kind in (OrganisationKind.regulator, OrganisationKind.system)
    if not (actor.may(Permission.hold_release) and regulator):
        if actor.channel is not Channel.anonymous:  # a refused release is on the record
            record(store, actor, "hold.release", "hold", str(hold_id), outcome="denied", at=moment)
        require(actor, Permission.hold_release)
        raise ForbiddenError(
            _(
                "{who} may not release a stop-sort hold: only the postal administration of the "
                "territory releases one.",
                who=actor.label(),
            )
        )
    problems: list[Problem] = []
    if outcome not in hold_rules().outcomes:
        choices = ", ".join(hold_rules().outcomes)
        problems.append(Problem("outcome", _("must be one of {choices}", choices=choices)))
    text = reason.strip()
    if not text:
        problems.append(Problem("reason", _("is required: say why the hold is released")))
    elif len(text) > REASON_LIMIT:
        problems.append(Problem("reason", _("at most {limit} characters", limit=REASON_LIMIT)))
    if problems:
        raise InvalidInputError(_("The release has mistakes."), problems)
    with transaction(store.sessions) as session:
        hold = _visible(session, actor, hold_id)
        if hold.version != expected_version:  # refused before the release is judged
            raise stored.stale(hold_id, expected_version, hold.version)
        target = transition(hold.state, HoldStep.release)
        changes = {
            "state": target.value,
            "released_at": moment,
            "released_by": actor.label(),
            "release_outcome": outcome,
            "release_reason": text,
        }
        stored.release_hold(session, hold_id, expected_version, changes, now=moment)
        record_in(
            session, store, actor, "hold.release", "hold", str(hold_id),
            detail={"outcome": outcome, "version": expected_version + 1}, at=moment,
        )  # fmt: skip
    return get_hold(store, actor, hold_id)


# -- reading -----------------------------------------------------------------------------------


def get_hold(store: Store, actor: Principal, hold_id: int) -> HoldView:
    """The hold with its waybills, reports, violations and evidence files."""
    require(actor, Permission.security_read)
    with transaction(store.sessions) as session:
        hold = _visible(session, actor, hold_id)
        waybills = stored.hold_waybills(session, hold_id)
        reports = stored.hold_reports(session, hold_id)
        violations = stored.hold_violations(session, [hold_id])
    evidence = evidence_for(store, actor, subject=EVIDENCE_SUBJECT, subject_id=hold_id)
    return HoldView(hold, waybills, reports, violations, evidence)


def list_holds(
    store: Store, actor: Principal, *, state: str | None = None, limit: int = 200
) -> list[HoldLine]:
    """The holds within ``actor``'s reach, those in force first, newest first."""
    require(actor, Permission.security_read)
    scope = reach(actor)
    if scope.nothing:
        return []
    if state is not None and state not in set(HoldState):
        choices = ", ".join(HoldState)
        problem = Problem("state", _("must be one of {choices}", choices=choices))
        raise InvalidInputError(_("The hold list's filter has mistakes."), [problem])
    with transaction(store.sessions) as session:
        found = stored.query_holds(
            session,
            region_prefix="" if scope.everything else scope.prefix,
            carrier=None if scope.everything else scope.carrier,
            state=state,
            limit=limit,
        )
        counts = stored.counts_of(session, [hold.id for hold in found])
    return [HoldLine(hold, *counts.get(hold.id, (0, 0))) for hold in found]


def open_holds(store: Store, principal: Principal) -> list[HoldLine]:
    """The holds in force the principal may see (its territory or brand), newest first."""
    return list_holds(store, principal, state=HoldState.held.value)


def list_violations(
    store: Store, actor: Principal, *, hold_id: int | None = None, limit: int = 1000
) -> list[ViolationRecord]:
    """The violations of one hold, or of every hold within ``actor``'s reach."""
    require(actor, Permission.security_read)
    if hold_id is not None:
        return get_hold(store, actor, hold_id).violations[:limit]
    holds = [line.hold.id for line in list_holds(store, actor, limit=1000)]
    with transaction(store.sessions) as session:
        return stored.hold_violations(session, holds, limit=limit)


def add_hold_evidence(
    store: Store,
    actor: Principal,
    hold_id: int,
    name: str,
    content: bytes,
    *,
    now: datetime | None = None,
) -> EvidenceRef:
    """Attach an evidence file (an X-ray image, a photo, a statement) to a hold within the
    actor's reach (``hold.place`` or ``hold.release``); audited by the evidence store."""
    if not (actor.may(Permission.hold_place) or actor.may(Permission.hold_release)):
        require(actor, Permission.hold_place)
    with transaction(store.sessions) as session:
        hold = _visible(session, actor, hold_id)
    return attach_evidence(
        store, actor, subject=EVIDENCE_SUBJECT, subject_id=hold_id, name=name, content=content,
        region=hold.region, carrier=hold.carrier, now=now,
    )  # fmt: skip


def read_hold_evidence(
    store: Store, actor: Principal, hold_id: int, sha256: str
) -> tuple[EvidenceRef, bytes]:
    """An evidence file of the hold, its bytes (the read is audited)."""
    digest = sha256.strip().lower()
    if not any(item.sha256 == digest for item in get_hold(store, actor, hold_id).evidence):
        raise NotFoundError(_("Hold HOLD-{id} has no such evidence file.", id=hold_id))
    return read_evidence(store, actor, digest)

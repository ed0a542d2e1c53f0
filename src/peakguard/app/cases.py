"""Complaints (投诉) and appeals (申诉): opening a case, taking a step, reading one, listing
the desk's cases.

Every operation takes the acting principal: who may see which case is decided in
:mod:`peakguard.app.case_access`; the legal clocks start and stop inside the step's own
transaction (:mod:`peakguard.app.case_clocks`); every change is audited in that transaction,
and so is every read of a complainant's personal data in clear. Two handlers changing one case
at once: the second gets :class:`~peakguard.errors.StaleRecordError` (the version it read is no
longer the case's), and nothing of its step is written.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy.orm import Session

from peakguard.app.access import require
from peakguard.app.audit import record_in
from peakguard.app.case_access import (
    acts_for,
    case_scope,
    may_reveal,
    require_side,
    visible_case,
)
from peakguard.app.case_calendar import clock_rules
from peakguard.app.case_clocks import start_clocks, stop_clocks
from peakguard.app.case_drafts import (
    SUMMARY_LIMIT,
    CaseDraft,
    CasePage,
    CaseQuery,
    StepInput,
    check_draft,
    clean_text,
    refuse,
)
from peakguard.app.case_views import (
    CaseView,
    ComplainantView,
    clock_view,
    evidence_view,
    step_view,
)
from peakguard.app.controlled_areas import controlled_areas_in
from peakguard.cases.controlled import code_prefix, controlling
from peakguard.cases.machines import Step, allowed, is_final, opening_clocks, step
from peakguard.cases.model import CaseKind
from peakguard.errors import (
    ConfigurationError,
    ForbiddenError,
    InvalidInputError,
    NotFoundError,
    Problem,
    StaleRecordError,
)
from peakguard.i18n import _
from peakguard.identity.model import OrganisationKind, Permission, Principal
from peakguard.store.access_tables import OrganisationRow
from peakguard.store.case_clocks import case_clocks
from peakguard.store.cases import (
    CaseRecord,
    NewCase,
    add_step,
    case_attachments,
    case_steps,
    insert_case,
    load_case,
    load_case_by_id,
    next_reference,
    query_cases,
    update_case,
)
from peakguard.store.database import Store, transaction
from peakguard.store.personal import PersonalVault, mask_address, mask_name, mask_phone


def _vault(store: Store) -> PersonalVault:
    """The vault of the deployment's personal-data key (refuses to work without one)."""
    if not store.personal_key:
        raise ConfigurationError(
            _(
                "No key for personal data is configured: set PEAKGUARD_PERSONAL_KEY or let "
                "peakguard make <home>/personal.key."
            )
        )
    return PersonalVault(keys=[store.personal_key])


def check_opening(actor: Principal, draft: CaseDraft) -> None:
    """A complaint is recorded by the carrier it is made to; an appeal by a postal
    administration whose territory covers it (the system may record either)."""
    require(actor, Permission.case_handle)
    kind = actor.organisation.kind
    if kind is OrganisationKind.system:
        return
    scope = case_scope(actor)
    inside = draft.region.startswith(scope.region_prefix)
    if draft.kind is CaseKind.complaint:
        fits = kind is OrganisationKind.carrier and scope.brand == draft.carrier and inside
    else:
        fits = kind is OrganisationKind.regulator and inside
    if not fits:
        raise ForbiddenError(
            _(
                "{who} may not record this case: a complaint is recorded by the carrier it is "
                "made to, an appeal by the postal administration of its territory.",
                who=actor.label(),
            )
        )


def open_case(
    store: Store, draft: CaseDraft, *, actor: Principal, now: datetime | None = None
) -> CaseView:
    """Record a new complaint or appeal with its opening clocks. An appeal that names the
    complaint it follows escalates that complaint in the same transaction."""
    moment = now or datetime.now(UTC)
    refuse(check_draft(draft, now=moment))
    check_opening(actor, draft)
    with transaction(store.sessions) as session:
        record = open_in(session, store, draft, actor=actor, now=moment)
        return _view(session, store, actor, record, reveal=False, now=moment)


def open_in(
    session: Session, store: Store, draft: CaseDraft, *, actor: Principal, now: datetime
) -> CaseRecord:
    """Record ``draft`` inside ``session``'s transaction (an import records many in one);
    the caller has checked it with :func:`check_draft` and :func:`check_opening`."""
    vault = _vault(store)
    person = draft.complainant
    emergency = draft.emergency
    if draft.kind is CaseKind.complaint and not emergency:
        # a parcel bound for a controlled area: an emergency work order (seed 004)
        emergency = (
            controlling(controlled_areas_in(session), draft.region, draft.received_at) is not None
        )
    linked_id = None
    if draft.linked_reference:
        linked = visible_case(
            actor, load_case(session, draft.linked_reference), draft.linked_reference
        )
        linked_id = linked.id
        if draft.kind is CaseKind.appeal and linked.kind == CaseKind.complaint.value:
            _escalate(session, store, linked, actor, now)
    record = insert_case(
        session,
        NewCase(
            reference=next_reference(session, draft.kind.value, draft.received_at.year),
            kind=draft.kind.value,
            state="received",
            emergency=emergency,
            waybill=draft.waybill,
            carrier=draft.carrier,
            region=draft.region,
            channel=draft.channel.value,
            category=draft.category.value,
            summary=draft.summary.strip(),
            complainant_name=vault.seal(person.name if person and person.name else None),
            complainant_phone=vault.seal(person.phone if person and person.phone else None),
            complainant_address=vault.seal(person.address if person and person.address else None),
            complainant_phone_hash=vault.digest(person.phone) if person and person.phone else None,
            received_at=draft.received_at,
            dispute_on=draft.dispute_on,
            linked_case_id=linked_id,
            handling_organisation_id=actor.organisation.id,
            carrier_organisation_id=actor.organisation.id
            if actor.organisation.kind is OrganisationKind.carrier
            else None,
            source_reference=draft.source_reference,
        ),
        now=now,
    )
    start_clocks(
        session, record.id, opening_clocks(draft.kind, emergency=emergency), draft.received_at
    )
    add_step(
        session,
        record.id,
        action="open",
        source_state="",
        target_state="received",
        actor=actor.label(),
        organisation=actor.organisation.code,
        at=now,
        note=None,
    )
    record_in(
        session,
        store,
        actor,
        f"{draft.kind.value}.open",
        "case",
        record.reference,
        detail={
            "carrier": draft.carrier,
            "region": draft.region,
            "channel": draft.channel.value,
            "emergency": emergency,
        },
        at=now,
    )
    return record


def _escalate(
    session: Session, store: Store, complaint: CaseRecord, actor: Principal, at: datetime
) -> None:
    kind = CaseKind.complaint
    if is_final(kind, complaint.state):
        return
    move = step(kind, complaint.state, "escalate", emergency=complaint.emergency)
    update_case(session, complaint.id, complaint.version, {"state": move.target}, now=at)
    stop_clocks(
        session,
        complaint.id,
        move.stops,
        at,
        cancels=move.cancels,
        cancel_rest=is_final(kind, move.target),
    )
    add_step(
        session,
        complaint.id,
        action=move.action,
        source_state=complaint.state,
        target_state=move.target,
        actor=actor.label(),
        organisation=actor.organisation.code,
        at=at,
        note=None,
    )
    record_in(session, store, actor, "complaint.escalate", "case", complaint.reference, at=at)


def _needed(move: Step, given: StepInput) -> list[Problem]:
    values = {
        "answer": given.answer,
        "reason": given.reason,
        "finding": given.finding_valid,
        "call_back": given.call_back,
        "carrier_organisation": given.carrier_organisation,
        "note": given.note,
    }
    problems = [
        Problem(name, _("the step {action} needs this field", action=move.action))
        for name in move.needs
        if values.get(name) in (None, "")
    ]
    if "finding" in move.needs and given.finding_valid and given.finding_category is None:
        problems.append(
            Problem(
                "finding_category",
                _("a valid appeal names the category of the carrier's responsibility"),
            )
        )
    return problems


def take_step(
    store: Store,
    reference: str,
    action: str,
    *,
    expected_version: int,
    given: StepInput | None = None,
    actor: Principal,
    now: datetime | None = None,
) -> CaseView:
    """Move case ``reference`` by ``action``, if its transition table allows it from the state
    the case is in, the actor plays the step's side, and nobody changed the case since the
    actor read version ``expected_version``."""
    moment = now or datetime.now(UTC)
    fields = given or StepInput()
    problems: list[Problem] = []
    answer = clean_text(fields.answer, "answer", problems, SUMMARY_LIMIT)
    call_back = clean_text(fields.call_back, "call_back", problems, SUMMARY_LIMIT)
    note = clean_text(fields.note, "note", problems, SUMMARY_LIMIT)
    refuse(problems)
    with transaction(store.sessions) as session:
        case = visible_case(actor, load_case(session, reference), reference)
        if case.version != expected_version:
            raise StaleRecordError(
                _(
                    "Case {reference} changed since you read it (version {read}, now "
                    "{current}): read it again and redo your step if it still applies.",
                    reference=reference,
                    read=expected_version,
                    current=case.version,
                )
            )
        kind = CaseKind(case.kind)
        move = step(kind, case.state, action, emergency=case.emergency)
        require_side(actor, move.side, case, action)
        refuse(_needed(move, fields))
        changes = _changes(session, case, move, fields, answer=answer, call_back=call_back)
        final = is_final(kind, move.target)
        if final:
            changes["closed_at"] = moment
            retention = clock_rules().get("appeal.retention")
            days = retention.limit if retention is not None else 3 * 365 + 1
            changes["retention_until"] = moment + timedelta(days=days)
        version = update_case(session, case.id, expected_version, changes, now=moment)
        stop_clocks(session, case.id, move.stops, moment, cancels=move.cancels, cancel_rest=final)
        start_clocks(session, case.id, move.starts, moment)
        add_step(
            session,
            case.id,
            action=move.action,
            source_state=case.state,
            target_state=move.target,
            actor=actor.label(),
            organisation=actor.organisation.code,
            at=moment,
            note=note,
        )
        record_in(
            session,
            store,
            actor,
            f"{case.kind}.{move.action}",
            "case",
            case.reference,
            detail={"from": case.state, "to": move.target, "version": version},
            at=moment,
        )
        updated = load_case_by_id(session, case.id)
        assert updated is not None
        return _view(session, store, actor, updated, reveal=False, now=moment)


def _changes(
    session: Session,
    case: CaseRecord,
    move: Step,
    fields: StepInput,
    *,
    answer: str | None,
    call_back: str | None,
) -> dict[str, object]:
    """The columns a step writes: its new state and the fields it needs."""
    changes: dict[str, object] = {"state": move.target}
    if answer is not None and "answer" in move.needs:
        changes["answer"] = answer
    if "reason" in move.needs and fields.reason is not None:
        changes["rejection_reason"] = fields.reason.value
    if "finding" in move.needs:
        changes["finding_valid"] = fields.finding_valid
        changes["finding_category"] = (
            fields.finding_category.value if fields.finding_category else None
        )
    if "call_back" in move.needs:
        changes["call_back_result"] = call_back
    if "carrier_organisation" in move.needs:
        changes["carrier_organisation_id"] = _carrier_organisation(
            session, fields.carrier_organisation or "", case
        )
    return changes


def _carrier_organisation(session: Session, code: str, case: CaseRecord) -> int:
    """The carrier organisation an appeal is forwarded to: of the case's brand."""
    row = session.query(OrganisationRow).filter_by(code=code).one_or_none()
    if row is None or row.kind != OrganisationKind.carrier.value or row.carrier != case.carrier:
        raise InvalidInputError(
            _("Forward to an organisation of the carrier {carrier}.", carrier=case.carrier),
            [
                Problem(
                    "carrier_organisation",
                    _(
                        "{code} is not an organisation of the carrier {carrier}",
                        code=code,
                        carrier=case.carrier,
                    ),
                )
            ],
        )
    return int(row.id)


def get_case(
    store: Store,
    reference: str,
    *,
    actor: Principal,
    reveal: bool = False,
    now: datetime | None = None,
) -> CaseView:
    """Case ``reference`` as ``actor`` may see it. With ``reveal``, the complainant's name,
    phone and address in clear — only for a handling role of a side that works the case, and
    recorded in the audit trail."""
    moment = now or datetime.now(UTC)
    with transaction(store.sessions) as session:
        case = visible_case(actor, load_case(session, reference), reference)
        if reveal:
            if not may_reveal(actor, case):
                raise ForbiddenError(
                    _(
                        "{who} may not see the complainant's personal data in clear: it needs "
                        "the permission case.personal_read and a side that works the case.",
                        who=actor.label(),
                    )
                )
            record_in(
                session,
                store,
                actor,
                "case.personal_read",
                "case",
                case.reference,
                detail={"fields": ["name", "phone", "address"]},
                at=moment,
            )
        return _view(session, store, actor, case, reveal=reveal, now=moment)


def list_cases(
    store: Store, query: CaseQuery, *, actor: Principal, now: datetime | None = None
) -> CasePage:
    """The cases ``actor`` may see that match ``query``, newest first, masked."""
    scope = case_scope(actor)
    moment = now or datetime.now(UTC)
    prefix = scope.region_prefix
    wanted = code_prefix(query.region) if query.region else None
    if wanted is not None and query.region:
        if not wanted.startswith(prefix) and not scope.everything:
            raise NotFoundError(_("Region {code} is outside your territory.", code=query.region))
        prefix = wanted if len(wanted) > len(prefix) else prefix
    with transaction(store.sessions) as session:
        records, total = query_cases(
            session,
            kinds=[kind.value for kind in query.kinds],
            states=list(query.states),
            carriers=list(query.carriers),
            region_prefix=None if scope.everything and not query.region else prefix,
            brand=scope.brand,
            forwarded_appeals_only=scope.forwarded_appeals_only,
            overdue_before=moment if query.overdue else None,
            search=query.search,
            received_from=query.received_from,
            received_to=query.received_to,
            offset=query.offset,
            limit=query.limit,
            order=query.order,
        )
        views = tuple(
            _view(session, store, actor, record, reveal=False, now=moment, brief=True)
            for record in records
        )
    return CasePage(views, total, query)


def _complainant(store: Store, case: CaseRecord, reveal: bool) -> ComplainantView:
    vault = _vault(store)
    name = vault.open(case.complainant_name)
    phone = vault.open(case.complainant_phone)
    address = vault.open(case.complainant_address)
    if reveal:
        return ComplainantView(name, phone, address, in_clear=True)
    return ComplainantView(
        mask_name(name) if name else None,
        mask_phone(phone) if phone else None,
        mask_address(address) if address else None,
        in_clear=False,
    )


def _view(
    session: Session,
    store: Store,
    actor: Principal,
    case: CaseRecord,
    *,
    reveal: bool,
    now: datetime,
    brief: bool = False,
) -> CaseView:
    kind = CaseKind(case.kind)
    rules = clock_rules()
    moves = tuple(
        move
        for move in allowed(kind, case.state, emergency=case.emergency)
        if actor.may(Permission.case_handle) and acts_for(actor, move.side, case)
    )
    linked = load_case_by_id(session, case.linked_case_id) if case.linked_case_id else None
    carrier_org = (
        session.get(OrganisationRow, case.carrier_organisation_id)
        if case.carrier_organisation_id
        else None
    )
    return CaseView(
        reference=case.reference,
        kind=case.kind,
        state=case.state,
        emergency=case.emergency,
        waybill=case.waybill,
        carrier=case.carrier,
        region=case.region,
        channel=case.channel,
        category=case.category,
        summary=case.summary,
        complainant=_complainant(store, case, reveal),
        received_at=case.received_at,
        dispute_on=case.dispute_on,
        answer=case.answer,
        finding_valid=case.finding_valid,
        finding_category=case.finding_category,
        rejection_reason=case.rejection_reason,
        call_back_result=case.call_back_result,
        linked_reference=linked.reference if linked else None,
        carrier_organisation=carrier_org.code if carrier_org else None,
        version=case.version,
        closed_at=case.closed_at,
        retention_until=case.retention_until,
        personal_data_removed=case.personal_data_removed_at is not None,
        clocks=tuple(
            clock_view(clock, rules.get(clock.rule_key)) for clock in case_clocks(session, case.id)
        ),
        steps=() if brief else tuple(step_view(item) for item in case_steps(session, case.id)),
        evidence=()
        if brief
        else tuple(evidence_view(item) for item in case_attachments(session, case.id)),
        allowed=moves,
    )


__all__ = [
    "CaseDraft",
    "CasePage",
    "CaseQuery",
    "StepInput",
    "check_draft",
    "check_opening",
    "get_case",
    "list_cases",
    "open_case",
    "open_in",
    "take_step",
]

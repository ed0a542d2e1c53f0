"""Inspections (检查, 明察暗访): planning one, starting it on site, answering its checklist item
by item (a "not compliant" answer is a finding, citing the item's rule), attaching evidence to a
finding, completing it (the findings locked) or cancelling a planned one; reading and listing.

Who may do what: ``inspection.conduct`` lets a regulator office's inspector plan and conduct
inspections inside its territory (alone, or jointly with public security) and a carrier
company's security officer self-inspect its own brand; only the conducting organisation changes
an inspection. ``security.read`` reads: a regulator its territory, a carrier its brand — except
a regulator's unannounced inspection (暗访), hidden from the carrier until it is completed.
Outside a reader's reach an inspection is "not found". Every change is audited, and names the
version it read (a concurrent change is refused, 409).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy.orm import Session

from peakguard.app.access import reach, require
from peakguard.app.audit import record_in
from peakguard.app.case_drafts import clean_text
from peakguard.app.inspection_access import hidden_from, may_see
from peakguard.app.inspection_plans import InspectionPlan, checked_plan
from peakguard.app.security_evidence import EvidenceRef, attach_evidence, evidence_for
from peakguard.cases.inspections import (
    Answer,
    Checklist,
    InspectionAction,
    InspectionState,
    allowed_actions,
    load_checklist,
    next_state,
)
from peakguard.config import Settings
from peakguard.errors import (
    ConflictError,
    ForbiddenError,
    InvalidInputError,
    NotFoundError,
    Problem,
)
from peakguard.i18n import _
from peakguard.identity.model import OrganisationKind, Permission, Principal
from peakguard.store import inspections as stored
from peakguard.store.access_tables import OrganisationRow
from peakguard.store.accounts import organisation_of
from peakguard.store.database import Store, transaction
from peakguard.store.inspections import (
    AnswerRecord,
    FindingRecord,
    InspectionRecord,
    Inspector,
    finding_by_id,
)
from peakguard.store.security_evidence import drop_evidence_of

NOTE_LIMIT = 2000


def checklist_of(settings: Settings) -> Checklist:
    """The checklist the deployment uses: the national one, extended by the local office's file
    (setting ``inspection_checklist``, when the deployment has it)."""
    extension: Path | None = settings.inspection_checklist
    return load_checklist(extension)


@dataclass(frozen=True)
class ItemAnswer:
    item_key: str
    answer: str
    note: str = ""


@dataclass(frozen=True)
class FindingView:
    finding: FindingRecord
    evidence: tuple[EvidenceRef, ...]


@dataclass(frozen=True)
class InspectionView:
    """An inspection as its reader sees it."""

    inspection: InspectionRecord
    organisation: str
    """The conducting organisation's code."""
    company: str
    company_name: str
    inspectors: tuple[Inspector, ...]
    answers: tuple[AnswerRecord, ...]
    findings: tuple[FindingView, ...]
    actions: tuple[str, ...]
    """The steps the reader may take now (empty when it may not conduct it)."""

    @property
    def id(self) -> int:
        return self.inspection.id

    @property
    def version(self) -> int:
        return self.inspection.version

    @property
    def state(self) -> str:
        return self.inspection.state


def _not_found(inspection_id: int) -> NotFoundError:
    return NotFoundError(_("There is no inspection {id} within your reach.", id=inspection_id))


def _visible(actor: Principal, session: Session, inspection_id: int) -> InspectionRecord:
    inspection = stored.inspection_by_id(session, inspection_id)
    if inspection is None or not may_see(actor, inspection):
        raise _not_found(inspection_id)
    return inspection


def _conducts(actor: Principal, inspection: InspectionRecord) -> bool:
    return actor.may(Permission.inspection_conduct) and (
        actor.organisation.kind is OrganisationKind.system
        or actor.organisation.id == inspection.organisation_id
    )


def _conducted(
    actor: Principal, session: Session, inspection_id: int, expected_version: int | None = None
) -> InspectionRecord:
    """The inspection, if ``actor`` may change it (its conducting organisation, or the system)
    and it is still at ``expected_version`` (when given)."""
    require(actor, Permission.inspection_conduct)
    inspection = _visible(actor, session, inspection_id)
    if expected_version is not None and inspection.version != expected_version:
        raise stored.stale(inspection_id, expected_version, inspection.version)
    if not _conducts(actor, inspection):
        raise ForbiddenError(
            _(
                "{who} may not change inspection {id}: only the organisation conducting it does.",
                who=actor.label(),
                id=inspection_id,
            )
        )
    return inspection


def _organisation_code(session: Session, organisation_id: int) -> tuple[str, str]:
    row = session.get(OrganisationRow, organisation_id)
    if row is None:  # pragma: no cover - a foreign key keeps it
        return "", ""
    organisation = organisation_of(row)
    return organisation.code, organisation.name


def _view(
    store: Store, actor: Principal, session: Session, inspection: InspectionRecord
) -> InspectionView:
    findings = tuple(
        FindingView(
            finding,
            tuple(evidence_for(store, actor, subject="finding", subject_id=finding.id)),
        )
        for finding in stored.findings_of(session, inspection.id)
    )
    company, company_name = _organisation_code(session, inspection.company_id)
    actions = (
        tuple(action.value for action in allowed_actions(InspectionState(inspection.state)))
        if _conducts(actor, inspection)
        else ()
    )
    return InspectionView(
        inspection=inspection,
        organisation=_organisation_code(session, inspection.organisation_id)[0],
        company=company,
        company_name=company_name,
        inspectors=tuple(stored.inspectors_of(session, inspection.id)),
        answers=tuple(stored.answers_of(session, inspection.id)),
        findings=findings,
        actions=actions,
    )


def plan_inspection(
    store: Store,
    actor: Principal,
    plan: InspectionPlan,
    *,
    checklist: Checklist | None = None,
    now: datetime | None = None,
) -> InspectionView:
    """Record a planned inspection (state ``planned``) with the checklist it will use."""
    require(actor, Permission.inspection_conduct)
    moment = now or datetime.now(UTC)
    used = checklist or load_checklist()
    with transaction(store.sessions) as session:
        values, inspectors = checked_plan(actor, session, plan, used, moment)
        inspection_id = stored.add_inspection(session, values, inspectors)
        record_in(
            session,
            store,
            actor,
            "inspection.plan",
            "inspection",
            str(inspection_id),
            detail={
                "kind": plan.kind,
                "conducted_by": plan.conducted_by,
                "carrier": values["carrier"],
                "region": values["region"],
                "checklist": used.name,
                "inspectors": len(inspectors),
            },
            at=moment,
        )
    return get_inspection(store, actor, inspection_id)


def _step(
    store: Store,
    actor: Principal,
    inspection_id: int,
    action: InspectionAction,
    *,
    expected_version: int,
    now: datetime | None,
    reason: str | None = None,
) -> InspectionView:
    moment = now or datetime.now(UTC)
    with transaction(store.sessions) as session:
        inspection = _conducted(actor, session, inspection_id, expected_version)
        target = next_state(InspectionState(inspection.state), action)
        if action is InspectionAction.complete:
            _check_complete(session, inspection)
        stamp = {
            InspectionAction.start: "started_at",
            InspectionAction.complete: "completed_at",
            InspectionAction.cancel: "cancelled_at",
        }[action]
        changes: dict[str, object] = {"state": target.value, stamp: moment}
        if reason:
            changes["note"] = (inspection.note + "\n" + reason).strip()
        version = stored.update_inspection(
            session, inspection_id, expected_version, changes, now=moment
        )
        record_in(
            session,
            store,
            actor,
            f"inspection.{action.value}",
            "inspection",
            str(inspection_id),
            detail={"from": inspection.state, "to": target.value, "version": version},
            at=moment,
        )
    return get_inspection(store, actor, inspection_id)


def _check_complete(session: Session, inspection: InspectionRecord) -> None:
    answered = {answer.item_key for answer in stored.answers_of(session, inspection.id)}
    missing = [item[0] for item in inspection.checklist_items if item[0] not in answered]
    if missing:
        raise InvalidInputError(
            _(
                "Every checklist item needs an answer before the inspection is completed "
                "({count} have none); answer not_applicable where an item does not apply.",
                count=len(missing),
            ),
            [Problem(f"answers.{key}", _("no answer")) for key in missing],
        )


def start_inspection(
    store: Store,
    actor: Principal,
    inspection_id: int,
    *,
    expected_version: int,
    now: datetime | None = None,
) -> InspectionView:
    """Start a planned inspection on site (state ``in_progress``)."""
    return _step(
        store,
        actor,
        inspection_id,
        InspectionAction.start,
        expected_version=expected_version,
        now=now,
    )


def complete_inspection(
    store: Store,
    actor: Principal,
    inspection_id: int,
    *,
    expected_version: int,
    now: datetime | None = None,
) -> InspectionView:
    """Complete an inspection whose every item is answered: its findings are locked (and an
    unannounced inspection becomes visible to the carrier)."""
    return _step(
        store,
        actor,
        inspection_id,
        InspectionAction.complete,
        expected_version=expected_version,
        now=now,
    )


def cancel_inspection(
    store: Store,
    actor: Principal,
    inspection_id: int,
    *,
    expected_version: int,
    reason: str,
    now: datetime | None = None,
) -> InspectionView:
    """Cancel a planned inspection, with the reason (kept in its note and the audit trail)."""
    problems: list[Problem] = []
    text = clean_text(reason, "reason", problems, NOTE_LIMIT)
    if not text:
        problems.append(Problem("reason", _("say why the inspection is cancelled")))
    if problems:
        raise InvalidInputError(_("The cancellation has mistakes."), problems)
    return _step(
        store,
        actor,
        inspection_id,
        InspectionAction.cancel,
        expected_version=expected_version,
        now=now,
        reason=text,
    )


def _checked_answers(
    inspection: InspectionRecord, answers: Sequence[ItemAnswer]
) -> list[ItemAnswer]:
    items = {item[0] for item in inspection.checklist_items}
    problems: list[Problem] = []
    cleaned = []
    for number, answer in enumerate(answers):
        where = f"answers[{number}]"
        if answer.item_key not in items:
            problems.append(
                Problem(f"{where}.item", _("not an item of this inspection's checklist"))
            )
        if answer.answer not in {choice.value for choice in Answer}:
            problems.append(
                Problem(f"{where}.answer", _("give compliant, not_compliant or not_applicable"))
            )
        note = clean_text(answer.note, f"{where}.note", problems, NOTE_LIMIT) or ""
        if answer.answer == Answer.not_compliant and not note:
            problems.append(Problem(f"{where}.note", _("describe what was found not compliant")))
        cleaned.append(ItemAnswer(answer.item_key, answer.answer, note))
    if not answers:
        problems.append(Problem("answers", _("give at least one answer")))
    if problems:
        raise InvalidInputError(_("The answers have mistakes; none was saved."), problems)
    return cleaned


def answer_items(
    store: Store,
    actor: Principal,
    inspection_id: int,
    answers: Sequence[ItemAnswer],
    *,
    expected_version: int,
    now: datetime | None = None,
) -> InspectionView:
    """Record answers to checklist items of an inspection in progress, all or none. A "not
    compliant" answer records (or updates) the item's finding, with the item's rule; another
    answer withdraws the item's finding and its evidence references."""
    moment = now or datetime.now(UTC)
    with transaction(store.sessions) as session:
        inspection = _conducted(actor, session, inspection_id, expected_version)
        if inspection.state != InspectionState.in_progress:
            raise ConflictError(
                _(
                    "Answers are recorded only while the inspection is in progress (start it "
                    "first; a completed inspection's findings are locked)."
                )
            )
        cleaned = _checked_answers(inspection, answers)
        # The version first: a concurrent change waits on the row and is then refused whole.
        version = stored.update_inspection(session, inspection.id, expected_version, {}, now=moment)
        rules = {item[0]: item[4] for item in inspection.checklist_items}
        found, withdrawn = 0, 0
        for answer in cleaned:
            stored.put_answer(
                session,
                inspection.id,
                answer.item_key,
                answer.answer,
                answer.note,
                actor.label(),
                moment,
            )
            if answer.answer == Answer.not_compliant:
                stored.put_finding(
                    session,
                    inspection,
                    {
                        "item_key": answer.item_key,
                        "rule_key": rules[answer.item_key],
                        "description": answer.note,
                        "found_at": moment,
                        "recorded_by": actor.label(),
                    },
                )
                found += 1
            else:
                dropped = stored.drop_finding(session, inspection.id, answer.item_key)
                if dropped is not None:
                    drop_evidence_of(session, "finding", dropped)
                    withdrawn += 1
        record_in(
            session,
            store,
            actor,
            "inspection.answer",
            "inspection",
            str(inspection.id),
            detail={
                "items": [answer.item_key for answer in cleaned],
                "not_compliant": found,
                "withdrawn": withdrawn,
                "version": version,
            },
            at=moment,
        )
    return get_inspection(store, actor, inspection_id)


def attach_finding_evidence(
    store: Store,
    actor: Principal,
    finding_id: int,
    *,
    name: str,
    content: bytes,
    now: datetime | None = None,
) -> EvidenceRef:
    """Attach an evidence file to a finding of an inspection in progress (its conductor's)."""
    with transaction(store.sessions) as session:
        finding = finding_by_id(session, finding_id)
        if finding is None:
            raise NotFoundError(_("There is no finding {id} within your reach.", id=finding_id))
        inspection = _conducted(actor, session, finding.inspection_id)
        if inspection.state != InspectionState.in_progress:
            raise ConflictError(_("The inspection is not in progress: its findings are locked."))
    return attach_evidence(
        store,
        actor,
        subject="finding",
        subject_id=finding.id,
        name=name,
        content=content,
        region=finding.region,
        carrier=finding.carrier,
        now=now,
    )


def get_inspection(store: Store, actor: Principal, inspection_id: int) -> InspectionView:
    """One inspection with its answers, findings and their evidence files."""
    require(actor, Permission.security_read)
    with store.sessions() as session:
        return _view(store, actor, session, _visible(actor, session, inspection_id))


def list_inspections(
    store: Store,
    actor: Principal,
    *,
    state: str | None = None,
    carrier: str | None = None,
    limit: int = 200,
) -> list[InspectionRecord]:
    """The inspections the reader may see, newest scheduled first."""
    require(actor, Permission.security_read)
    scope = reach(actor)
    if scope.nothing:
        return []
    if state is not None and state not in {item.value for item in InspectionState}:
        raise InvalidInputError(
            _("Unknown state."),
            [Problem("state", _("give one of: {choices}", choices=", ".join(InspectionState)))],
        )
    chosen = scope.carrier or carrier
    if scope.carrier is not None and carrier not in (None, scope.carrier):
        return []
    with store.sessions() as session:
        return stored.inspection_records(
            session,
            carrier=chosen,
            prefix=scope.prefix,
            state=state,
            hide_unannounced=_hides(actor),
            limit=max(1, min(limit, 1000)),
        )


def _hides(actor: Principal) -> bool:
    return actor.organisation.kind not in (OrganisationKind.regulator, OrganisationKind.system)


def recent_inspections(
    store: Store, principal: Principal, *, limit: int = 10
) -> list[InspectionRecord]:
    """The most recent inspections the principal may see (for the security overview)."""
    return list_inspections(store, principal, limit=limit)


__all__ = [
    "InspectionPlan",
    "InspectionView",
    "ItemAnswer",
    "answer_items",
    "attach_finding_evidence",
    "cancel_inspection",
    "checklist_of",
    "complete_inspection",
    "get_inspection",
    "hidden_from",
    "list_inspections",
    "plan_inspection",
    "recent_inspections",
    "start_inspection",
]

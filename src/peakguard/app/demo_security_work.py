"""The demo's security steps, each done through the areas' operations as the user the script
names (see :mod:`peakguard.app.demo_security`). A step whose user the database lacks is left
out, as a carrier with no company is."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import partial
from pathlib import Path

from peakguard.app import holds, inspections, penalties, rectification
from peakguard.app.abnormal_outlets import AbnormalOutletEntry, add_abnormal_outlet
from peakguard.app.accounts import list_organisations, list_roles, list_users
from peakguard.app.commitments import (
    CommitmentDraft,
    attach_commitment_letter,
    record_commitment,
)
from peakguard.app.inspection_plans import InspectionPlan as PlanDraft
from peakguard.app.inspections import ItemAnswer
from peakguard.app.real_name_admin import EmployeeDraft, register_employees
from peakguard.app.real_name_intake import MAX_BATCH, EntryDraft, record_entries
from peakguard.app.rectification_issue import OrderDraft, issue_order
from peakguard.cases.inspections import Answer
from peakguard.cases.real_name import IdType
from peakguard.config import Settings
from peakguard.demo.security_files import evidence_pdf, evidence_png
from peakguard.demo.security_inspections import (
    PARTNER_BODY,
    PARTNER_OFFICERS,
    AbnormalScript,
    CommitmentScript,
    FindingScript,
    HoldScript,
    InspectionPlan,
    InspectionScript,
    OrderScript,
)
from peakguard.demo.security_season import RegisterScript
from peakguard.domain.network import Network
from peakguard.domain.scans import CHINA_STANDARD_TIME
from peakguard.identity.model import Channel, Organisation, OrganisationKind, Permission, Principal
from peakguard.store.database import Store

At = Callable[[datetime, Callable[[], None]], None]
HOLD_CATEGORY = "controlled_knives"
HOLD_OUTCOME = "false_alarm"
PROVINCE = "510000"


class People:
    """The demo's users as the principals they act as, by user name and by organisation."""

    def __init__(self, store: Store, actor: Principal) -> None:
        self.organisations = {o.code: o for o in list_organisations(store, actor)}
        roles = {role.name: role.permissions for role in list_roles(store)}
        self.by_name: dict[str, Principal] = {}
        self.by_organisation: dict[str, list[Principal]] = {}
        for user in list_users(store, actor):
            organisation = self.organisations.get(user.organisation)
            if organisation is None or user.disabled:
                continue
            permissions = frozenset().union(*(roles.get(r, frozenset()) for r in user.roles))
            principal = Principal(
                user.username, organisation, permissions, Channel.local, user.roles
            )
            self.by_name[user.username] = principal
            self.by_organisation.setdefault(organisation.code, []).append(principal)

    def user(self, name: str) -> Principal | None:
        return self.by_name.get(name)

    def company(self, brand: str) -> Organisation | None:
        """The brand's company in Sichuan."""
        return next(
            (
                o
                for o in self.organisations.values()
                if o.kind is OrganisationKind.carrier
                and o.carrier == brand
                and o.region == PROVINCE
            ),
            None,
        )

    def holding(self, code: str, permission: Permission, prefer: str = "") -> Principal | None:
        """A user of ``code`` allowed ``permission``, one of role ``prefer`` first."""
        found = [p for p in self.by_organisation.get(code, []) if p.may(permission)]
        found.sort(key=lambda p: (prefer not in p.roles, p.name))
        return found[0] if found else None


def evidence_bytes(name: str, seed: int) -> bytes:
    """The generated file for an evidence name: a PNG for ``.png``, else a PDF."""
    if name.endswith(".png"):
        return evidence_png(seed)
    return evidence_pdf(f"peakguard demo evidence {seed}", ("synthetic record (demo)",))


@dataclass
class _Order:
    reference: str
    version: int


class SecurityWork:
    """The steps, with what earlier steps made (inspection ids, order references)."""

    def __init__(
        self,
        store: Store,
        actor: Principal,
        lake: Path,
        network: Network,
        people: People,
        settings: Settings,
    ) -> None:
        self.store, self.actor, self.lake, self.network = store, actor, lake, network
        self.people, self.settings = people, settings
        self.inspections: dict[str, tuple[int, int]] = {}
        self.findings: dict[tuple[str, str], int] = {}
        self.orders: dict[tuple[str, str], _Order] = {}
        self.hold: tuple[int, int] | None = None

    # -- idempotency ---------------------------------------------------------------------------

    def recorded(self, plan: InspectionPlan) -> bool:
        """Whether the script's first inspection is stored (same place, carrier, moment)."""
        first = min(plan.inspections, key=lambda i: i.started_at, default=None)
        if first is None:
            return False
        for record in inspections.list_inspections(self.store, self.actor, limit=1000):
            if record.node_id == first.node and record.carrier == first.carrier:
                scheduled = record.scheduled_at
                if scheduled == first.started_at - _lead(first):
                    return True
        return False

    # -- the register --------------------------------------------------------------------------

    def _writer(self, brand: str) -> Principal | None:
        company = self.people.company(brand)
        if company is None:
            return None
        return self.people.holding(company.code, Permission.realname_write, "data_reporter")

    def employees(self, register: RegisterScript, moment: datetime) -> None:
        for brand in sorted({e.carrier for e in register.employees}):
            company = self.people.company(brand)
            officer = (
                self.people.holding(company.code, Permission.realname_write, "security_officer")
                if company
                else None
            )
            if officer is None:
                continue
            drafts = [
                EmployeeDraft(e.code, IdType.resident_id, e.number)
                for e in register.employees
                if e.carrier == brand
            ]
            register_employees(self.store, officer, drafts, now=moment)

    def register(self, register: RegisterScript, day: date, moment: datetime) -> None:
        """Each company's entries of parcels accepted on ``day``, sent that evening."""
        by_brand: dict[str, list[EntryDraft]] = {}
        regions = {node.id: node.region for node in self.network.nodes}
        for entry in register.registrations:
            if entry.accepted_at.astimezone(CHINA_STANDARD_TIME).date() != day:
                continue
            kind = (
                IdType.credit_code if entry.sender.id_kind == "credit_code" else IdType.resident_id
            )
            by_brand.setdefault(entry.carrier, []).append(
                EntryDraft(
                    waybill=entry.waybill,
                    carrier=entry.carrier,
                    sender_name=entry.sender.name,
                    id_type=kind,
                    id_number=entry.sender.number,
                    outlet=entry.outlet,
                    region=regions[entry.outlet],
                    accepted_at=entry.accepted_at,
                    accepted_by=entry.accepted_by,
                )
            )
        for brand, drafts in sorted(by_brand.items()):
            writer = self._writer(brand)
            if writer is None:
                continue
            for start in range(0, len(drafts), MAX_BATCH):
                record_entries(self.store, writer, drafts[start : start + MAX_BATCH], now=moment)

    # -- inspections and orders ----------------------------------------------------------------

    def inspection_steps(self, script: InspectionScript, at: At) -> None:
        conductor = self.people.user(script.inspector)
        company = self.people.company(script.carrier)
        if conductor is None or company is None:
            return
        planned_at = script.started_at - _lead(script)
        at(planned_at, partial(self._plan, script, conductor, company.code, planned_at))
        at(script.started_at, partial(self._conduct, script, conductor))
        for finding in script.findings:
            if finding.order is not None:
                self._order_steps(script, finding, finding.order, at)

    def _plan(
        self, script: InspectionScript, conductor: Principal, company: str, moment: datetime
    ) -> None:
        draft = PlanDraft(
            kind=script.kind,
            conducted_by=script.conducted_by,
            company=company,
            scheduled_at=script.started_at - _lead(script),
            inspectors=(conductor.name,),
            network=self.network.name,
            node_id=script.node,
            partner_body=PARTNER_BODY if script.conducted_by == "joint" else None,
            partner_officers=PARTNER_OFFICERS if script.conducted_by == "joint" else (),
            note=script.note,
        )
        view = inspections.plan_inspection(self.store, conductor, draft, now=moment)
        self.inspections[script.key] = (view.id, view.version)

    def _conduct(self, script: InspectionScript, conductor: Principal) -> None:
        if script.key not in self.inspections:
            return
        inspection_id, version = self.inspections[script.key]
        moment = script.started_at
        view = inspections.start_inspection(
            self.store, conductor, inspection_id, expected_version=version, now=moment
        )
        found = {f.item_key: f for f in script.findings}
        items = _items(view)
        answers = [
            ItemAnswer(key, Answer.not_compliant, found[key].description)
            if key in found
            else ItemAnswer(key, Answer.compliant)
            for key in items
        ]
        moment += timedelta(minutes=45)
        view = inspections.answer_items(
            self.store, conductor, inspection_id, answers, expected_version=view.version,
            now=moment,
        )  # fmt: skip
        for number, finding in enumerate(view.findings):
            record = finding.finding
            self.findings[(script.key, record.item_key)] = record.id
            script_finding = found.get(record.item_key)
            if script_finding is not None and script_finding.evidence:
                inspections.attach_finding_evidence(
                    self.store, conductor, record.id, name=script_finding.evidence,
                    content=evidence_bytes(script_finding.evidence, record.id * 10 + number),
                    now=moment,
                )  # fmt: skip
        view = inspections.get_inspection(self.store, conductor, inspection_id)
        inspections.complete_inspection(
            self.store, conductor, inspection_id, expected_version=view.version,
            now=script.started_at + timedelta(minutes=90),
        )  # fmt: skip

    def _order_steps(
        self, script: InspectionScript, finding: FindingScript, order: OrderScript, at: At
    ) -> None:
        key = (script.key, finding.item_key)
        issuer = self.people.user(script.inspector)
        company = self.people.company(script.carrier)
        responder = self.people.holding(company.code, Permission.order_respond) if company else None
        if issuer is None or responder is None or not issuer.may(Permission.order_issue):
            return

        def issue() -> None:
            finding_id = self.findings.get(key)
            if finding_id is None:
                return
            draft = OrderDraft(order.requirement, f"{order.days}d", finding_id=finding_id)
            view = issue_order(self.store, draft, actor=issuer, now=order.issued_at)
            self.orders[key] = _Order(view.reference, view.version)

        at(order.issued_at, issue)
        if order.extension is not None:
            extension = order.extension
            at(extension.asked_at, partial(self._extend, key, responder, order))
            if extension.answered_at is not None:
                at(extension.answered_at, partial(self._answer, key, issuer, order))
        if order.reported_at is not None and order.report:
            at(order.reported_at, partial(self._respond, key, responder, order))
        if order.rechecked_at is not None:
            at(order.rechecked_at, partial(self._recheck, key, issuer, order))
        if order.penalty is not None:
            at(order.penalty.proposed_at, partial(self._propose, key, issuer, order))

    def _extend(self, key: tuple[str, str], actor: Principal, order: OrderScript) -> None:
        known = self.orders.get(key)
        if known is None or order.extension is None:
            return
        view = rectification.request_extension(
            self.store, known.reference, expected_version=known.version,
            reason=order.extension.reason, deadline=f"{order.extension.days}d", actor=actor,
            now=order.extension.asked_at,
        )  # fmt: skip
        known.version = view.version

    def _answer(self, key: tuple[str, str], actor: Principal, order: OrderScript) -> None:
        known = self.orders.get(key)
        if known is None or order.extension is None or order.extension.answered_at is None:
            return
        view = rectification.answer_extension(
            self.store, known.reference, expected_version=known.version,
            grant=order.extension.granted, reason="同意延期。", actor=actor,
            now=order.extension.answered_at,
        )  # fmt: skip
        known.version = view.version

    def _respond(self, key: tuple[str, str], actor: Principal, order: OrderScript) -> None:
        known = self.orders.get(key)
        if known is None or order.reported_at is None:
            return
        files = [rectification.EvidenceFile("整改报告.pdf", evidence_bytes("整改报告.pdf", 7))]
        view = rectification.respond_to_order(
            self.store, known.reference, expected_version=known.version,
            text=order.report or "", files=files, actor=actor, now=order.reported_at,
        )  # fmt: skip
        known.version = view.version

    def _recheck(self, key: tuple[str, str], actor: Principal, order: OrderScript) -> None:
        known = self.orders.get(key)
        if known is None or order.rechecked_at is None:
            return
        view = rectification.recheck_order(
            self.store, known.reference, expected_version=known.version,
            passed=bool(order.recheck_passed), text=order.recheck_note or "", actor=actor,
            now=order.rechecked_at,
        )  # fmt: skip
        known.version = view.version

    def _propose(self, key: tuple[str, str], actor: Principal, order: OrderScript) -> None:
        known = self.orders.get(key)
        if known is None or order.penalty is None:
            return
        view = rectification.get_order(self.store, known.reference, actor=actor)
        if view.penalty is None:
            return
        penalties.propose_penalty(
            self.store, view.penalty.reference, expected_version=view.penalty.version,
            company_fine=order.penalty.company_fine, reason=order.penalty.reason, actor=actor,
            now=order.penalty.proposed_at,
        )  # fmt: skip

    def sweep(self, moment: datetime) -> None:
        rectification.sweep_orders(self.store, self.settings, now=moment)

    # -- lists, letters, the hold --------------------------------------------------------------

    def commitment(self, letter: CommitmentScript) -> None:
        recorder = self.people.user(letter.recorded_by)
        company = self.people.company(letter.carrier)
        if recorder is None or company is None:
            return
        draft = CommitmentDraft(
            company=company.code,
            season=letter.season,
            signed_on=letter.signed_on,
            signer_name=letter.signer_name,
            signer_title=letter.signer_title,
        )
        record = record_commitment(self.store, recorder, draft, now=letter.recorded_at)
        content = evidence_pdf("Safety assurance commitment letter (demo)", (letter.season,))
        attach_commitment_letter(
            self.store, recorder, record.id, name=letter.file_name, content=content,
            now=letter.recorded_at,
        )  # fmt: skip

    def abnormal(self, listing: AbnormalScript) -> None:
        recorder = self.people.user(listing.listed_by)
        if recorder is None:
            return
        entry = AbnormalOutletEntry(
            reason=listing.reason,
            listed_from=listing.listed_at.date(),
            network=self.network.name,
            node_id=listing.outlet,
        )
        add_abnormal_outlet(self.store, recorder, entry, now=listing.listed_at)

    def hold_steps(self, script: HoldScript, at: At) -> None:
        placer = self.people.user(script.placed_by)
        releaser = self.people.user(script.released_by)
        if placer is None or releaser is None:
            return

        def place() -> None:
            draft = holds.HoldDraft(
                scope="waybill",
                carrier=script.carrier,
                region=script.region,
                node_id=script.hub,
                category=HOLD_CATEGORY,
                held_from=script.placed_at,
                evidence=script.suspicion,
                waybills=(script.waybill,),
            )
            files = [(script.evidence, evidence_png(11))]
            view = holds.place_hold(
                self.store, placer, draft, lake=self.lake, files=files, now=script.placed_at
            )
            self.hold = (view.hold.id, view.version)

        def release() -> None:
            if self.hold is None:
                return
            hold_id, version = self.hold
            holds.release_hold(
                self.store, releaser, hold_id, expected_version=version, outcome=HOLD_OUTCOME,
                reason=script.reason, now=script.released_at,
            )  # fmt: skip

        at(script.placed_at, place)
        at(script.released_at, release)


def _lead(script: InspectionScript) -> timedelta:
    """How long before its start an inspection is planned (an unannounced one: an hour)."""
    return timedelta(hours=1) if script.kind == "unannounced" else timedelta(days=2)


def _items(view: inspections.InspectionView) -> list[str]:
    return [item[0] for item in view.inspection.checklist_items]

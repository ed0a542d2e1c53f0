"""The response bodies of the inspection routes, kept apart from the tables and the
application's views, with the small functions that map one to the other."""

from __future__ import annotations

from datetime import date, datetime

from peakguard.api.schemas import ResponseModel
from peakguard.app.commitments import CompanyCommitments
from peakguard.app.inspection_plans import conducted_label, kind_label
from peakguard.app.inspections import InspectionView
from peakguard.app.security_evidence import EvidenceRef
from peakguard.cases.inspections import InspectionState, state_label
from peakguard.i18n import render
from peakguard.store.inspections import InspectionRecord
from peakguard.store.security_lists import AbnormalOutletRecord


class EvidenceOut(ResponseModel):
    sha256: str
    file_name: str
    media_type: str
    size: int
    added_by: str
    added_at: datetime
    added: bool


class FindingOut(ResponseModel):
    id: int
    item: str
    rule: str | None
    description: str
    found_at: datetime
    evidence: list[EvidenceOut]


class AnswerOut(ResponseModel):
    item: str
    answer: str
    note: str
    answered_by: str
    answered_at: datetime


class ChecklistItemOut(ResponseModel):
    key: str
    section: str
    zh: str
    en: str
    rule: str | None


class InspectionLineOut(ResponseModel):
    id: int
    kind: str
    kind_label: str
    conducted_by: str
    carrier: str
    region: str
    network: str | None
    node_id: str | None
    scheduled_at: datetime
    state: str
    state_label: str
    version: int


class InspectionOut(InspectionLineOut):
    conducted_label: str
    organisation: str
    company: str
    company_name: str
    partner_body: str | None
    partner_officers: list[str]
    address: str | None
    checklist: str
    checklist_items: list[ChecklistItemOut]
    note: str
    inspectors: list[str]
    answers: list[AnswerOut]
    findings: list[FindingOut]
    actions: list[str]
    created_by: str
    started_at: datetime | None
    completed_at: datetime | None
    cancelled_at: datetime | None


class AbnormalOutletOut(ResponseModel):
    id: int
    carrier: str
    region: str
    network: str | None
    node_id: str | None
    outlet: str
    reason: str
    listed_from: date
    listed_until: date | None
    listed_by: str
    listed_at: datetime
    removed_by: str | None
    removed_at: datetime | None
    removal_reason: str | None
    version: int


class LetterOut(ResponseModel):
    id: int
    regulator: str
    signed_on: date
    signer_name: str
    signer_title: str
    files: list[EvidenceOut]


class CommitmentsOut(ResponseModel):
    company: str
    company_name: str
    carrier: str
    region: str
    missing: bool
    letters: list[LetterOut]


def evidence_out(ref: EvidenceRef) -> EvidenceOut:
    return EvidenceOut(
        sha256=ref.sha256,
        file_name=ref.file_name,
        media_type=ref.media_type,
        size=ref.size,
        added_by=ref.added_by,
        added_at=ref.added_at,
        added=ref.added,
    )


def _line_fields(item: InspectionRecord, language: str) -> dict[str, object]:
    return {
        "id": item.id,
        "kind": item.kind,
        "kind_label": render(kind_label(item.kind), language),
        "conducted_by": item.conducted_by,
        "carrier": item.carrier,
        "region": item.region,
        "network": item.network,
        "node_id": item.node_id,
        "scheduled_at": item.scheduled_at,
        "state": item.state,
        "state_label": render(state_label(InspectionState(item.state)), language),
        "version": item.version,
    }


def line_out(item: InspectionRecord, language: str) -> InspectionLineOut:
    return InspectionLineOut.model_validate(_line_fields(item, language))


def inspection_out(view: InspectionView, language: str) -> InspectionOut:
    item = view.inspection
    return InspectionOut.model_validate(
        {
            **_line_fields(item, language),
            "conducted_label": render(conducted_label(item.conducted_by), language),
            "organisation": view.organisation,
            "company": view.company,
            "company_name": view.company_name,
            "partner_body": item.partner_body,
            "partner_officers": list(item.partner_officers),
            "address": item.address,
            "checklist": item.checklist,
            "checklist_items": [
                ChecklistItemOut(key=key, section=section, zh=zh, en=en, rule=rule)
                for key, section, zh, en, rule in item.checklist_items
            ],
            "note": item.note,
            "inspectors": [inspector.username for inspector in view.inspectors],
            "answers": [
                AnswerOut(
                    item=answer.item_key,
                    answer=answer.answer,
                    note=answer.note,
                    answered_by=answer.answered_by,
                    answered_at=answer.answered_at,
                )
                for answer in view.answers
            ],
            "findings": [
                FindingOut(
                    id=found.finding.id,
                    item=found.finding.item_key,
                    rule=found.finding.rule_key,
                    description=found.finding.description,
                    found_at=found.finding.found_at,
                    evidence=[evidence_out(ref) for ref in found.evidence],
                )
                for found in view.findings
            ],
            "actions": list(view.actions),
            "created_by": item.created_by,
            "started_at": item.started_at,
            "completed_at": item.completed_at,
            "cancelled_at": item.cancelled_at,
        }
    )


def abnormal_out(item: AbnormalOutletRecord) -> AbnormalOutletOut:
    return AbnormalOutletOut.model_validate(item, from_attributes=True)


def commitments_out(item: CompanyCommitments) -> CommitmentsOut:
    return CommitmentsOut(
        company=item.company,
        company_name=item.company_name,
        carrier=item.carrier,
        region=item.region,
        missing=item.missing,
        letters=[
            LetterOut(
                id=letter.id,
                regulator=office,
                signed_on=letter.signed_on,
                signer_name=letter.signer_name,
                signer_title=letter.signer_title,
                files=[evidence_out(ref) for ref in files],
            )
            for letter, office, files in item.letters
        ],
    )

"""Inspections (检查, 明察暗访), as ``peakguard inspect``: planned and unannounced inspections,
their checklist answers and findings with evidence files, the list of outlets in abnormal
operation (经营异常网点清单) and the season's commitment letters (安全保障服务承诺书).

An inspection outside the caller's reach — or a regulator's unannounced one a carrier may not
see yet — answers 404, as one that does not exist. A change names the version it was decided
on (``expected_version``): when someone changed the inspection since, or its state does not
allow the step, it is refused with 409 and nothing of it is written.
"""

from __future__ import annotations

from datetime import date
from functools import partial
from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query, Request, Response
from pydantic import AwareDatetime, Field
from starlette.concurrency import run_in_threadpool

from peakguard.api.errors import request_language
from peakguard.api.inspection_schemas import (
    AbnormalOutletOut,
    CommitmentsOut,
    EvidenceOut,
    InspectionLineOut,
    InspectionOut,
    abnormal_out,
    commitments_out,
    evidence_out,
    inspection_out,
    line_out,
)
from peakguard.api.routers.case_files import UPLOAD_BODY, FileName, _attachment, uploaded
from peakguard.api.schemas import RequestModel, documented
from peakguard.api.security import requires
from peakguard.app.abnormal_outlets import (
    AbnormalOutletEntry,
    abnormal_outlets,
    add_abnormal_outlet,
    remove_abnormal_outlet,
)
from peakguard.app.commitments import (
    CommitmentDraft,
    attach_commitment_letter,
    commitments,
    record_commitment,
)
from peakguard.app.inspection_files import export_inspections, import_answers
from peakguard.app.inspection_plans import InspectionPlan
from peakguard.app.inspections import (
    ItemAnswer,
    answer_items,
    attach_finding_evidence,
    cancel_inspection,
    checklist_of,
    complete_inspection,
    get_inspection,
    list_inspections,
    plan_inspection,
    start_inspection,
)
from peakguard.app.security_evidence import read_evidence
from peakguard.cases.inspections import InspectionState
from peakguard.identity.model import Permission, Principal
from peakguard.store.database import Store

router = APIRouter(tags=["inspections"])

Reader = Annotated[Principal, requires(Permission.security_read)]
Conductor = Annotated[Principal, requires(Permission.inspection_conduct)]
Identifier = Annotated[int, Path(ge=1, le=2**31 - 1)]
Short = Annotated[str, Field(min_length=1, max_length=200)]
Version = Annotated[int, Field(ge=1)]


class PlanIn(RequestModel):
    kind: Literal["planned", "unannounced"]
    conducted_by: Literal["regulator", "joint", "self"]
    company: Annotated[str, Field(min_length=1, max_length=64)]
    scheduled_at: AwareDatetime
    inspectors: Annotated[
        list[Annotated[str, Field(max_length=64)]], Field(min_length=1, max_length=20)
    ]
    network: Annotated[str, Field(max_length=64)] | None = None
    node_id: Annotated[str, Field(max_length=64)] | None = None
    address: Annotated[str, Field(max_length=500)] | None = None
    region: Annotated[str, Field(pattern=r"^[1-8][0-9]{5}$")] | None = None
    partner_body: Annotated[str, Field(max_length=200)] | None = None
    partner_officers: Annotated[
        list[Annotated[str, Field(max_length=100)]], Field(max_length=20)
    ] = Field(default_factory=list)
    note: Annotated[str, Field(max_length=4000)] = ""
    organisation: Annotated[str, Field(max_length=64)] | None = None


class VersionIn(RequestModel):
    expected_version: Version


class CancelIn(RequestModel):
    expected_version: Version
    reason: Annotated[str, Field(min_length=1, max_length=2000)]


class AnswerIn(RequestModel):
    item: Annotated[str, Field(min_length=1, max_length=64)]
    answer: Literal["compliant", "not_compliant", "not_applicable"]
    note: Annotated[str, Field(max_length=2000)] = ""


class AnswersIn(RequestModel):
    expected_version: Version
    answers: Annotated[list[AnswerIn], Field(min_length=1, max_length=500)]


class AbnormalIn(RequestModel):
    reason: Annotated[str, Field(min_length=1, max_length=2000)]
    listed_from: date
    listed_until: date | None = None
    network: Annotated[str, Field(max_length=64)] | None = None
    node_id: Annotated[str, Field(max_length=64)] | None = None
    carrier: Annotated[str, Field(max_length=64)] | None = None
    region: Annotated[str, Field(pattern=r"^[1-8][0-9]{5}$")] | None = None
    outlet: Annotated[str, Field(max_length=200)] | None = None


class RemoveIn(RequestModel):
    expected_version: Version
    reason: Annotated[str, Field(min_length=1, max_length=2000)]


class CommitmentIn(RequestModel):
    company: Annotated[str, Field(min_length=1, max_length=64)]
    season: Annotated[str, Field(pattern=r"^20[0-9]{2}(-[0-9]{2,4})?$")]
    signed_on: date
    signer_name: Short
    signer_title: Short
    regulator: Annotated[str, Field(max_length=64)] | None = None


def _store(request: Request) -> Store:
    store: Store = request.app.state.store
    return store


def _language(request: Request) -> str:
    return request_language(request, request.app.state.settings.language)


def _tagged(response: Response, version: int) -> None:
    response.headers["ETag"] = f'"{version}"'


@router.get("/inspections", response_model=list[InspectionLineOut], responses=documented(422))
def list_lines(
    request: Request,
    actor: Reader,
    state: InspectionState | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
) -> list[InspectionLineOut]:
    """The inspections within the caller's reach, newest scheduled first (a carrier does not
    see a regulator's unannounced inspection before it is completed)."""
    found = list_inspections(
        _store(request), actor, state=None if state is None else state.value, limit=limit
    )
    return [line_out(item, _language(request)) for item in found]


@router.post(
    "/inspections", response_model=InspectionOut, status_code=201, responses=documented(403, 422)
)
def plan(request: Request, response: Response, body: PlanIn, actor: Conductor) -> InspectionOut:
    """Plan an inspection with the deployment's checklist (422 locates every mistake)."""
    view = plan_inspection(
        _store(request),
        actor,
        InspectionPlan(
            kind=body.kind,
            conducted_by=body.conducted_by,
            company=body.company,
            scheduled_at=body.scheduled_at,
            inspectors=tuple(body.inspectors),
            network=body.network,
            node_id=body.node_id,
            address=body.address,
            region=body.region,
            partner_body=body.partner_body,
            partner_officers=tuple(body.partner_officers),
            note=body.note,
            organisation=body.organisation,
        ),
        checklist=checklist_of(request.app.state.settings),
    )
    response.headers["Location"] = f"/inspections/{view.id}"
    _tagged(response, view.version)
    return inspection_out(view, _language(request))


@router.get("/inspections/checklist", responses=documented(422))
def checklist(request: Request, actor: Reader) -> dict[str, object]:
    """The checklist new inspections use: its sections and items, each with its rule key."""
    used = checklist_of(request.app.state.settings)
    return {
        "name": used.name,
        "sections": [
            {
                "key": section.key,
                "title_zh": section.title_zh,
                "title_en": section.title_en,
                "items": [
                    {"key": item.key, "zh": item.text_zh, "en": item.text_en, "rule": item.rule_key}
                    for item in section.items
                ],
            }
            for section in used.sections
        ],
    }


@router.get("/inspections/export", response_class=Response, responses=documented(422))
def export(
    request: Request,
    actor: Reader,
    what: Literal["inspections", "findings"] = "inspections",
    format: Literal["csv", "xlsx"] = "csv",
) -> Response:
    """The inspections or their findings within the caller's reach, as CSV or Excel."""
    made = export_inspections(
        _store(request), actor, what=what, file_format=format, language=_language(request)
    )
    return Response(
        made.content,
        media_type=made.media_type,
        headers={"Content-Disposition": f'attachment; filename="{made.name}"'},
    )


@router.get("/inspections/{inspection_id}", response_model=InspectionOut, responses=documented(404))
def read(
    request: Request, response: Response, inspection_id: Identifier, actor: Reader
) -> InspectionOut:
    """The inspection with its answers, findings and their evidence files."""
    view = get_inspection(_store(request), actor, inspection_id)
    _tagged(response, view.version)
    return inspection_out(view, _language(request))


@router.post(
    "/inspections/{inspection_id}/start",
    response_model=InspectionOut,
    responses=documented(403, 404, 409),
)
def start(
    request: Request, inspection_id: Identifier, body: VersionIn, actor: Conductor
) -> InspectionOut:
    """Start a planned inspection on site."""
    view = start_inspection(
        _store(request), actor, inspection_id, expected_version=body.expected_version
    )
    return inspection_out(view, _language(request))


@router.post(
    "/inspections/{inspection_id}/answers",
    response_model=InspectionOut,
    responses=documented(403, 404, 409, 422),
)
def answer(
    request: Request, inspection_id: Identifier, body: AnswersIn, actor: Conductor
) -> InspectionOut:
    """Answer checklist items (all or none); a "not compliant" answer is a finding."""
    view = answer_items(
        _store(request),
        actor,
        inspection_id,
        [ItemAnswer(item.item, item.answer, item.note) for item in body.answers],
        expected_version=body.expected_version,
    )
    return inspection_out(view, _language(request))


@router.post(
    "/inspections/{inspection_id}/answers/file",
    response_model=InspectionOut,
    responses=documented(403, 404, 409, 422),
    openapi_extra=UPLOAD_BODY,
)
async def answer_file(
    request: Request,
    inspection_id: Identifier,
    actor: Conductor,
    expected_version: Annotated[int, Query(ge=1)],
    file_name: FileName = None,
) -> InspectionOut:
    """Answer from a CSV or Excel file (columns item, answer, note): 422 locates every bad cell."""
    name, content = await uploaded(request, file_name, "answers.csv")
    view = await run_in_threadpool(
        partial(
            import_answers,
            _store(request),
            actor,
            inspection_id,
            content,
            name,
            expected_version=expected_version,
            limits=request.app.state.settings.input_limits(),
        )
    )
    return inspection_out(view, _language(request))


@router.post(
    "/inspections/{inspection_id}/complete",
    response_model=InspectionOut,
    responses=documented(403, 404, 409, 422),
)
def complete(
    request: Request, inspection_id: Identifier, body: VersionIn, actor: Conductor
) -> InspectionOut:
    """Complete an inspection whose every item is answered; its findings are locked."""
    view = complete_inspection(
        _store(request), actor, inspection_id, expected_version=body.expected_version
    )
    return inspection_out(view, _language(request))


@router.post(
    "/inspections/{inspection_id}/cancel",
    response_model=InspectionOut,
    responses=documented(403, 404, 409, 422),
)
def cancel(
    request: Request, inspection_id: Identifier, body: CancelIn, actor: Conductor
) -> InspectionOut:
    """Cancel a planned inspection, with the reason."""
    view = cancel_inspection(
        _store(request),
        actor,
        inspection_id,
        expected_version=body.expected_version,
        reason=body.reason,
    )
    return inspection_out(view, _language(request))


@router.post(
    "/inspections/findings/{finding_id}/evidence",
    response_model=EvidenceOut,
    status_code=201,
    responses=documented(403, 404, 409, 422),
    openapi_extra=UPLOAD_BODY,
)
async def finding_evidence(
    request: Request, finding_id: Identifier, actor: Conductor, file_name: FileName = None
) -> EvidenceOut:
    """Attach an evidence file (PDF, JPEG, PNG, WebP, MP3 or AMR, judged by its bytes; 10 MiB
    at most) to a finding of an inspection in progress."""
    name, content = await uploaded(request, file_name, "evidence")
    kept = await run_in_threadpool(
        partial(
            attach_finding_evidence, _store(request), actor, finding_id, name=name, content=content
        )
    )
    return evidence_out(kept)


@router.get(
    "/security/evidence/{sha256}",
    response_class=Response,
    responses={**documented(404), 200: {"content": {"application/octet-stream": {}}}},
)
def security_evidence(
    request: Request, sha256: Annotated[str, Path(pattern=r"^[0-9a-fA-F]{64}$")], actor: Reader
) -> Response:
    """A security evidence file's bytes (of a finding, hold, order report or commitment letter
    within the caller's reach); every read is audited."""
    kept, content = read_evidence(_store(request), actor, sha256)
    return Response(
        content,
        media_type=kept.media_type,
        headers={
            "Content-Disposition": _attachment(kept.file_name),
            "X-Content-Type-Options": "nosniff",
        },
    )


@router.get("/abnormal-outlets", response_model=list[AbnormalOutletOut])
def abnormal(
    request: Request, actor: Reader, include_removed: bool = False
) -> list[AbnormalOutletOut]:
    """The outlets in abnormal operation within the caller's reach (with the removed entries,
    the list's history, when asked)."""
    return [
        abnormal_out(item)
        for item in abnormal_outlets(_store(request), actor, include_removed=include_removed)
    ]


@router.post(
    "/abnormal-outlets",
    response_model=AbnormalOutletOut,
    status_code=201,
    responses=documented(403, 422),
)
def add_abnormal(request: Request, body: AbnormalIn, actor: Conductor) -> AbnormalOutletOut:
    """Enter an outlet on the list, with the reason and the days."""
    entry = AbnormalOutletEntry(**body.model_dump())
    return abnormal_out(add_abnormal_outlet(_store(request), actor, entry))


@router.post(
    "/abnormal-outlets/{entry_id}/remove",
    response_model=AbnormalOutletOut,
    responses=documented(404, 409, 422),
)
def remove_abnormal(
    request: Request, entry_id: Identifier, body: RemoveIn, actor: Conductor
) -> AbnormalOutletOut:
    """Take an outlet off the list, with the reason (the entry stays as history)."""
    removed = remove_abnormal_outlet(
        _store(request), actor, entry_id, reason=body.reason, expected_version=body.expected_version
    )
    return abnormal_out(removed)


@router.get("/commitments", response_model=list[CommitmentsOut], responses=documented(422))
def list_commitments(
    request: Request,
    actor: Reader,
    season: Annotated[str, Query(pattern=r"^20[0-9]{2}(-[0-9]{2,4})?$")],
) -> list[CommitmentsOut]:
    """Every carrier company within the caller's reach with its letters of the season (none:
    missing)."""
    return [commitments_out(item) for item in commitments(_store(request), actor, season=season)]


@router.post(
    "/commitments",
    response_model=CommitmentsOut,
    status_code=201,
    responses=documented(403, 409, 422),
)
def add_commitment(request: Request, body: CommitmentIn, actor: Conductor) -> CommitmentsOut:
    """Record a signed commitment letter (one per company, office and season)."""
    store = _store(request)
    letter = record_commitment(store, actor, CommitmentDraft(**body.model_dump()))
    company = next(
        item
        for item in commitments(store, actor, season=letter.season)
        if item.company == body.company
    )
    return commitments_out(company)


@router.post(
    "/commitments/{letter_id}/letter",
    response_model=EvidenceOut,
    status_code=201,
    responses=documented(403, 404, 422),
    openapi_extra=UPLOAD_BODY,
)
async def commitment_letter(
    request: Request, letter_id: Identifier, actor: Conductor, file_name: FileName = None
) -> EvidenceOut:
    """Attach the signed letter's scan (PDF or image)."""
    name, content = await uploaded(request, file_name, "letter.pdf")
    kept = await run_in_threadpool(
        partial(
            attach_commitment_letter, _store(request), actor, letter_id, name=name, content=content
        )
    )
    return evidence_out(kept)

"""Rectification orders (责令整改) and the penalty cases they escalate to, as
``peakguard order``: issuing an order from a finding or on the spot, the carrier's report and
evidence, the extension asked once, the re-check, escalation, and the penalty inside the legal
range; the rules catalogue; the orders as CSV or Excel.

An order outside the caller's reach answers 404, as one that does not exist. A step names the
version it was decided on (``expected_version``): when someone changed the order since, it is
refused with 409 and nothing is written; a step the order's state does not allow is a 409 too.
"""

from __future__ import annotations

from functools import partial
from typing import Annotated, Literal

from fastapi import APIRouter, Path, Request, Response
from starlette.concurrency import run_in_threadpool

from peakguard.api.errors import request_language
from peakguard.api.inspection_schemas import EvidenceOut, evidence_out
from peakguard.api.rectification_schemas import (
    AnswerIn,
    EscalateIn,
    ExtensionIn,
    FineIn,
    NotPunishIn,
    OrderIn,
    OrderLineOut,
    OrderOut,
    PenaltyOut,
    RecheckIn,
    RespondIn,
    RuleOut,
    SweepOut,
    line_out,
    order_out,
    penalty_out,
    rule_out,
)
from peakguard.api.routers.case_files import UPLOAD_BODY, FileName, uploaded
from peakguard.api.schemas import documented
from peakguard.api.security import requires
from peakguard.app.penalties import (
    decide_penalty,
    get_penalty,
    list_penalties,
    not_punish,
    propose_penalty,
)
from peakguard.app.rectification import (
    OrderDraft,
    OrderView,
    answer_extension,
    attach_report_evidence,
    escalate_order,
    get_order,
    issue_order,
    list_orders,
    recheck_order,
    request_extension,
    respond_to_order,
    sweep_orders,
)
from peakguard.app.rectification_files import export_orders
from peakguard.cases.rectification import OrderState
from peakguard.cases.security_rules import security_rules
from peakguard.identity.model import Permission, Principal
from peakguard.store.database import Store

router = APIRouter(tags=["rectification"])

Reader = Annotated[Principal, requires(Permission.security_read)]
Issuer = Annotated[Principal, requires(Permission.order_issue)]
Responder = Annotated[Principal, requires(Permission.order_respond)]
Reference = Annotated[str, Path(max_length=40)]


def _store(request: Request) -> Store:
    store: Store = request.app.state.store
    return store


def _language(request: Request) -> str:
    return request_language(request, request.app.state.settings.language)


def _order(request: Request, response: Response, view: OrderView) -> OrderOut:
    out = order_out(view, _language(request))
    response.headers["ETag"] = f'"{out.version}"'
    return out


@router.get("/orders", response_model=list[OrderLineOut])
def list_order_lines(
    request: Request, actor: Reader, state: OrderState | None = None
) -> list[OrderLineOut]:
    """The orders within the caller's reach, the most urgent deadline first (open ones before
    closed and escalated ones), each with its deadline, time left and whether it is overdue."""
    states = None if state is None else [state.value]
    return [line_out(line) for line in list_orders(_store(request), actor=actor, states=states)]


@router.post(
    "/orders", response_model=OrderOut, status_code=201, responses=documented(403, 404, 422)
)
def issue(request: Request, response: Response, body: OrderIn, actor: Issuer) -> OrderOut:
    """Issue an order from a finding (``finding_id``) or on the spot (carrier, region, place,
    facts), citing the rules breached, with what to rectify and the deadline. 422 locates
    every mistake (an unknown rule at ``rules[0]``)."""
    draft = OrderDraft(
        requirement=body.requirement, deadline=body.deadline.spec(), rule_keys=tuple(body.rules),
        finding_id=body.finding_id, carrier=body.carrier, region=body.region,
        node_id=body.node_id, place=body.place, facts=body.facts,
    )  # fmt: skip
    view = issue_order(_store(request), draft, actor=actor)
    response.headers["Location"] = f"/orders/{view.reference}"
    return _order(request, response, view)


@router.get("/orders/rules", response_model=list[RuleOut])
def rules(request: Request, actor: Reader) -> list[RuleOut]:
    """The security rules an order cites, each with its law, article and legal fine range
    (``verified`` false: not confirmed against a published text; see ``note``)."""
    language = _language(request)
    return [rule_out(rule, language) for rule in security_rules().values()]


@router.get("/orders/export", response_class=Response, responses=documented(422))
def export(request: Request, actor: Reader, format: Literal["csv", "xlsx"] = "csv") -> Response:
    """The orders within the caller's reach as CSV or Excel, the most urgent first."""
    made = export_orders(_store(request), actor, file_format=format, language=_language(request))
    return Response(
        made.content,
        media_type=made.media_type,
        headers={"Content-Disposition": f'attachment; filename="{made.name}"'},
    )


@router.post("/orders/sweep", response_model=SweepOut)
def sweep(
    request: Request, actor: Annotated[Principal, requires(Permission.admin_manage)]
) -> SweepOut:
    """Send the reminders due and escalate the orders ignored past their deadline (each once);
    the server's sweeps do the same."""
    return SweepOut(recorded=sweep_orders(_store(request), request.app.state.settings))


@router.get("/orders/{reference}", response_model=OrderOut, responses=documented(404))
def read(request: Request, response: Response, reference: Reference, actor: Reader) -> OrderOut:
    """The order with its clock (rule, basis, source, deadline), its steps and penalty case."""
    return _order(request, response, get_order(_store(request), reference, actor=actor))


@router.post(
    "/orders/{reference}/respond", response_model=OrderOut, responses=documented(403, 404, 409, 422)
)
def respond(
    request: Request, response: Response, reference: Reference, body: RespondIn, actor: Responder
) -> OrderOut:
    """The carrier's report of what it changed (attach its evidence files with
    ``/orders/{reference}/evidence``)."""
    view = respond_to_order(
        _store(request), reference, expected_version=body.expected_version, text=body.text,
        actor=actor,
    )  # fmt: skip
    return _order(request, response, view)


@router.post(
    "/orders/{reference}/evidence",
    response_model=EvidenceOut,
    status_code=201,
    responses=documented(403, 404, 422),
    openapi_extra=UPLOAD_BODY,
)
async def evidence(
    request: Request, reference: Reference, actor: Responder, file_name: FileName = None
) -> EvidenceOut:
    """Attach an evidence file (PDF, JPEG, PNG, WebP, MP3 or AMR, judged by its bytes) to the
    carrier's report of an open order."""
    name, content = await uploaded(request, file_name, "evidence")
    kept = await run_in_threadpool(
        partial(
            attach_report_evidence,
            _store(request),
            reference,
            name=name,
            content=content,
            actor=actor,
        )
    )
    return evidence_out(kept)


@router.post(
    "/orders/{reference}/extension",
    response_model=OrderOut,
    responses=documented(403, 404, 409, 422),
)
def extension(
    request: Request, response: Response, reference: Reference, body: ExtensionIn, actor: Responder
) -> OrderOut:
    """The carrier asks, once and before the deadline, for a later deadline."""
    view = request_extension(
        _store(request), reference, expected_version=body.expected_version, reason=body.reason,
        deadline=body.deadline.spec(), actor=actor,
    )  # fmt: skip
    return _order(request, response, view)


@router.post(
    "/orders/{reference}/extension/answer",
    response_model=OrderOut,
    responses=documented(403, 404, 409, 422),
)
def answer(
    request: Request, response: Response, reference: Reference, body: AnswerIn, actor: Issuer
) -> OrderOut:
    """Grant the deadline asked for, or refuse it with the reason."""
    view = answer_extension(
        _store(request), reference, expected_version=body.expected_version, grant=body.grant,
        reason=body.reason, actor=actor,
    )  # fmt: skip
    return _order(request, response, view)


@router.post(
    "/orders/{reference}/recheck", response_model=OrderOut, responses=documented(403, 404, 409, 422)
)
def recheck(
    request: Request, response: Response, reference: Reference, body: RecheckIn, actor: Issuer
) -> OrderOut:
    """The re-check: passed closes the order, failed escalates it to a penalty case."""
    view = recheck_order(
        _store(request), reference, expected_version=body.expected_version, passed=body.passed,
        text=body.text, actor=actor,
    )  # fmt: skip
    return _order(request, response, view)


@router.post(
    "/orders/{reference}/escalate",
    response_model=OrderOut,
    responses=documented(403, 404, 409, 422),
)
def escalate(
    request: Request, response: Response, reference: Reference, body: EscalateIn, actor: Issuer
) -> OrderOut:
    """Escalate an order ignored past its deadline (the sweep does it by itself)."""
    view = escalate_order(
        _store(request), reference, expected_version=body.expected_version, text=body.text,
        actor=actor,
    )  # fmt: skip
    return _order(request, response, view)


@router.get("/penalties", response_model=list[PenaltyOut])
def penalties(request: Request, actor: Reader) -> list[PenaltyOut]:
    """The penalty cases within the caller's reach, newest first."""
    language = _language(request)
    return [penalty_out(view, language) for view in list_penalties(_store(request), actor=actor)]


@router.get("/penalties/{reference}", response_model=PenaltyOut, responses=documented(404))
def penalty(request: Request, reference: Reference, actor: Reader) -> PenaltyOut:
    """The penalty case with its legal range and the order it comes from."""
    return penalty_out(get_penalty(_store(request), reference, actor=actor), _language(request))


@router.post(
    "/penalties/{reference}/propose",
    response_model=PenaltyOut,
    responses=documented(403, 404, 409, 422),
)
def propose(request: Request, reference: Reference, body: FineIn, actor: Issuer) -> PenaltyOut:
    """Propose the fine; outside the legal range it is refused (422 naming the range)."""
    view = propose_penalty(
        _store(request), reference, expected_version=body.expected_version,
        company_fine=body.company_fine, person_fine=body.person_fine, serious=body.serious,
        reason=body.reason, actor=actor,
    )  # fmt: skip
    return penalty_out(view, _language(request))


@router.post(
    "/penalties/{reference}/decide",
    response_model=PenaltyOut,
    responses=documented(403, 404, 409, 422),
)
def decide(request: Request, reference: Reference, body: FineIn, actor: Issuer) -> PenaltyOut:
    """Decide the fine (inside the legal range), with its reason."""
    view = decide_penalty(
        _store(request), reference, expected_version=body.expected_version,
        company_fine=body.company_fine, person_fine=body.person_fine, serious=body.serious,
        reason=body.reason, actor=actor,
    )  # fmt: skip
    return penalty_out(view, _language(request))


@router.post(
    "/penalties/{reference}/not-punish",
    response_model=PenaltyOut,
    responses=documented(403, 404, 409, 422),
)
def decline(request: Request, reference: Reference, body: NotPunishIn, actor: Issuer) -> PenaltyOut:
    """Decide not to punish (不予处罚), with the legal reason."""
    view = not_punish(
        _store(request), reference, expected_version=body.expected_version, reason=body.reason,
        actor=actor,
    )  # fmt: skip
    return penalty_out(view, _language(request))

"""Emergency plans (应急预案): the plans as data, proposing and activating a plan (or drilling
it), its steps (activate, dismiss, raise, lower, terminate), its actions checked off.

Reading needs ``incident.read`` (an activation outside the caller's territory answers 404, as
one that does not exist); proposing, activating, drilling and the steps need
``emergency.command`` (the application checks that the caller's office commands the level over
the territory); checking an action off needs ``duty.keep``. A step or a check names the
version it was decided on (``expected_version``, or ``If-Match`` with the ``ETag`` a read
gave): 409 when someone changed the activation since, or when its state does not allow the
step (the body lists the steps it allows).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Header, Path, Query, Request, Response
from fastapi.responses import JSONResponse
from pydantic import Field

from peakguard.api.case_schemas import StepRefusalBody, StepRefusalOut
from peakguard.api.errors import request_language
from peakguard.api.schemas import ERROR_STATUSES, RequestModel, ResponseModel, documented
from peakguard.api.security import requires
from peakguard.app.emergency import (
    check_action,
    get_activation,
    list_activations,
    list_plans,
    plans_in_force,
    propose_activation,
    start_activation,
    take_step,
)
from peakguard.app.emergency_views import ActivationView
from peakguard.cases.emergency_plans import COLOURS, Plan, Plans
from peakguard.errors import (
    ConflictError,
    IllegalTransitionError,
    InvalidInputError,
    Problem,
    StaleRecordError,
)
from peakguard.formats.limits import INT64_MAX
from peakguard.i18n import Message, _, render
from peakguard.identity.model import Permission, Principal
from peakguard.store.database import Store

router = APIRouter()

Reader = Annotated[Principal, requires(Permission.incident_read)]
Commander = Annotated[Principal, requires(Permission.emergency_command)]
Keeper = Annotated[Principal, requires(Permission.duty_keep)]
ActivationId = Annotated[int, Path(ge=1, le=INT64_MAX)]
ActionKey = Annotated[str, Path(max_length=64, pattern=r"^[a-z0-9_]+$")]
LevelName = Literal["I", "II", "III", "IV"]
REFUSED: dict[int | str, dict[str, object]] = {
    409: {"model": StepRefusalOut, "description": ERROR_STATUSES[409]}
}


# -- bodies ------------------------------------------------------------------------------------


class CriterionOut(ResponseModel):
    fact: str
    op: str
    value: float


class PlanActionOut(ResponseModel):
    key: str
    title: str
    role: str


class PlanLevelOut(ResponseModel):
    level: str
    colour: str
    commands: str
    """The office that commands the level: national, provincial or city (or one above)."""
    match: str
    local_policy: bool
    """True: the thresholds are this deployment's, not cited from a regulation."""
    source: str
    criteria: list[CriterionOut]
    actions: list[PlanActionOut]


class PlanOut(ResponseModel):
    key: str
    title: str
    title_zh: str
    title_en: str
    kinds: list[str]
    source: str
    levels: list[PlanLevelOut]


class ActivationIn(RequestModel):
    mode: Literal["propose", "activate", "drill"]
    """propose: the plan and level the facts call for; activate or drill: ``plan`` at
    ``level`` at once (a drill is marked as one and never counted)."""
    region: str = Field(pattern=r"^[0-9]{6}$")
    """The GB/T 2260 code of the territory (000000: the whole country)."""
    kind: str | None = Field(default=None, max_length=64)
    facts: dict[str, float] = Field(default_factory=dict, max_length=50)
    plan: str | None = Field(default=None, max_length=64)
    level: LevelName | None = None
    trigger: str | None = Field(default=None, max_length=80)
    note: str | None = Field(default=None, max_length=2000)


class StepIn(RequestModel):
    step: Literal["activate", "dismiss", "raise", "lower", "terminate"]
    expected_version: int | None = Field(default=None, ge=1, le=INT64_MAX)
    level: LevelName | None = None
    reason: str | None = Field(default=None, max_length=2000)


class CheckIn(RequestModel):
    expected_version: int | None = Field(default=None, ge=1, le=INT64_MAX)
    note: str | None = Field(default=None, max_length=2000)


class ActionOut(ResponseModel):
    key: str
    title: str
    role: str
    checked: bool
    checked_by: str | None = None
    checked_at: datetime | None = None
    note: str | None = None


class HistoryOut(ResponseModel):
    seq: int
    step: str
    source_state: str
    target_state: str
    level_before: str
    level_after: str
    actor: str
    organisation: str
    at: datetime
    note: str | None


class ActivationOut(ResponseModel):
    id: int
    plan: str
    plan_title: str
    kind: str
    level: str
    colour: str
    proposed_level: str | None
    state: str
    drill: bool
    region: str
    trigger: str | None
    facts: dict[str, float]
    reasons: list[str]
    note: str | None
    termination_reason: str | None
    organisation: str
    version: int
    created_at: datetime
    activated_at: datetime | None
    terminated_at: datetime | None
    allowed_steps: list[str]
    actions: list[ActionOut]
    history: list[HistoryOut]


# -- mapping -----------------------------------------------------------------------------------


def _language(request: Request) -> str:
    return request_language(request, request.app.state.settings.language)


def _store(request: Request) -> Store:
    store: Store = request.app.state.store
    return store


def _plans(request: Request) -> Plans:
    """The deployment's plans file (``emergency_plans`` in the settings, once it has one), or
    the packaged plans."""
    return plans_in_force(getattr(request.app.state.settings, "emergency_plans", None))


def plan_out(plan: Plan, language: str) -> PlanOut:
    return PlanOut(
        key=plan.key,
        title=plan.title(language),
        title_zh=plan.title_zh,
        title_en=plan.title_en,
        kinds=list(plan.kinds),
        source=plan.source,
        levels=[
            PlanLevelOut(
                level=level.level,
                colour=COLOURS[level.level],
                commands=level.commands.value,
                match=level.match,
                local_policy=level.local_policy,
                source=level.source,
                criteria=[
                    CriterionOut(fact=c.fact, op=c.op, value=c.value) for c in level.criteria
                ],
                actions=[
                    PlanActionOut(key=a.key, title=a.title(language), role=a.role)
                    for a in level.actions
                ],
            )
            for level in plan.levels
        ],
    )


def activation_out(view: ActivationView, language: str) -> ActivationOut:
    record = view.record
    return ActivationOut(
        id=record.id,
        plan=record.plan_key,
        plan_title=view.plan.title(language) if view.plan else record.plan_key,
        kind=record.kind,
        level=record.level,
        colour=view.colour,
        proposed_level=record.proposed_level,
        state=record.state,
        drill=record.drill,
        region=record.region,
        trigger=record.trigger,
        facts=record.facts,
        reasons=list(record.reasons),
        note=record.note,
        termination_reason=record.termination_reason,
        organisation=record.organisation,
        version=record.version,
        created_at=record.created_at,
        activated_at=record.activated_at,
        terminated_at=record.terminated_at,
        allowed_steps=list(view.allowed),
        actions=[
            ActionOut(
                key=item.action.key,
                title=item.action.title(language),
                role=item.action.role,
                checked=item.check is not None,
                checked_by=item.check.actor if item.check else None,
                checked_at=item.check.at if item.check else None,
                note=item.check.note if item.check else None,
            )
            for item in view.actions
        ],
        history=[HistoryOut(**vars(step)) for step in view.steps],
    )


def _version(given: int | None, if_match: str | None) -> int:
    """The version the step was decided on: ``expected_version``, or the ``If-Match`` tag."""
    tagged = None
    if if_match is not None:
        text = if_match.strip().removeprefix("W/").strip('"')
        if not text.isdigit() or len(text) > 18:
            raise _refuse("If-Match", _('send the ETag a read of the activation gave, such as "3"'))
        tagged = int(text)
    if tagged is not None and given not in (None, tagged):
        raise _refuse("expected_version", _("differs from the If-Match header: send one version"))
    version = given if given is not None else tagged
    if version is None:
        raise _refuse(
            "expected_version", _("give the version the step was decided on (or send If-Match)")
        )
    return version


def _refuse(location: str, message: Message) -> InvalidInputError:
    return InvalidInputError(_("the request has mistakes"), [Problem(location, message)])


def _refusal(request: Request, error: ConflictError) -> JSONResponse:
    illegal = isinstance(error, IllegalTransitionError)
    body = StepRefusalOut(
        error=StepRefusalBody(
            code="illegal_transition" if illegal else "stale_record",
            message=render(error.message, _language(request)),
            allowed=list(error.allowed) if isinstance(error, IllegalTransitionError) else [],
        )
    )
    return JSONResponse(body.model_dump(), status_code=409)


def _tagged(response: Response, view: ActivationView) -> None:
    response.headers["ETag"] = f'"{view.version}"'


# -- routes ------------------------------------------------------------------------------------


@router.get("/emergency/plans", response_model=list[PlanOut], tags=["emergency"])
def plans_page(request: Request, actor: Reader) -> list[PlanOut]:
    """The emergency plans in force: per plan the kinds of event it covers and its levels I–IV
    (criteria, commanding office, actions with their roles, whether the thresholds are local
    policy)."""
    language = _language(request)
    return [
        plan_out(plan, language)
        for plan in list_plans(actor=actor, plans=_plans(request)).plans.values()
    ]


@router.post(
    "/emergency/activations",
    response_model=ActivationOut,
    status_code=201,
    tags=["emergency"],
    responses=documented(403, 404, 422),
)
def new_activation(
    request: Request, response: Response, body: ActivationIn, actor: Commander
) -> ActivationOut:
    """Propose the plan and level ``facts`` call for (422 at ``facts`` when no level of any
    plan covering ``kind`` applies), or activate or drill ``plan`` at ``level`` at once. 403:
    the caller's office does not command that level over ``region``."""
    store = _store(request)
    if body.mode == "propose":
        if body.kind is None:
            raise _refuse("kind", _("a proposal names the kind of event"))
        view = propose_activation(
            store,
            kind=body.kind,
            facts=body.facts,
            region=body.region,
            actor=actor,
            trigger=body.trigger,
            note=body.note,
            plans=_plans(request),
        )
        if view is None:
            raise _refuse("facts", _("no level of any plan covering this kind applies"))
    else:
        if body.plan is None or body.level is None:
            where = "plan" if body.plan is None else "level"
            raise _refuse(where, _("an activation or a drill names the plan and the level"))
        view = start_activation(
            store,
            plan_key=body.plan,
            level=body.level,
            region=body.region,
            actor=actor,
            drill=body.mode == "drill",
            kind=body.kind,
            facts=body.facts,
            trigger=body.trigger,
            note=body.note,
            plans=_plans(request),
        )
    response.headers["Location"] = f"/emergency/activations/{view.id}"
    _tagged(response, view)
    return activation_out(view, _language(request))


@router.get("/emergency/activations", response_model=list[ActivationOut], tags=["emergency"])
def activations_page(
    request: Request,
    actor: Reader,
    open_only: Annotated[bool, Query(alias="open", description="only those not ended")] = False,
    drill: Annotated[bool | None, Query(description="only drills (true) or real (false)")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 200,
) -> list[ActivationOut]:
    """The activations covering the caller's territory or inside it, open ones first."""
    views = list_activations(
        _store(request),
        actor=actor,
        open_only=open_only,
        drill=drill,
        limit=limit,
        plans=_plans(request),
    )
    language = _language(request)
    return [activation_out(view, language) for view in views]


@router.get(
    "/emergency/activations/{activation_id}",
    response_model=ActivationOut,
    tags=["emergency"],
    responses=documented(404),
)
def activation_page(
    request: Request, response: Response, activation_id: ActivationId, actor: Reader
) -> ActivationOut:
    """One activation: its level, actions checked off or not, history and allowed steps."""
    view = get_activation(_store(request), activation_id, actor=actor, plans=_plans(request))
    _tagged(response, view)
    return activation_out(view, _language(request))


@router.post(
    "/emergency/activations/{activation_id}/steps",
    response_model=ActivationOut,
    tags=["emergency"],
    responses={**documented(403, 404, 422), **REFUSED},
)
def activation_step(
    request: Request,
    response: Response,
    activation_id: ActivationId,
    body: StepIn,
    actor: Commander,
    if_match: Annotated[str | None, Header(max_length=40)] = None,
) -> ActivationOut | JSONResponse:
    """Activate, dismiss, raise or lower (naming ``level``), or terminate (with a ``reason``)."""
    version = _version(body.expected_version, if_match)
    try:
        view = take_step(
            _store(request),
            activation_id,
            body.step,
            expected_version=version,
            actor=actor,
            level=body.level,
            reason=body.reason,
            plans=_plans(request),
        )
    except (IllegalTransitionError, StaleRecordError) as error:
        return _refusal(request, error)
    _tagged(response, view)
    return activation_out(view, _language(request))


@router.post(
    "/emergency/activations/{activation_id}/actions/{action_key}",
    response_model=ActivationOut,
    tags=["emergency"],
    responses={**documented(403, 404, 422), **REFUSED},
)
def activation_check(
    request: Request,
    response: Response,
    activation_id: ActivationId,
    action_key: ActionKey,
    body: CheckIn,
    actor: Keeper,
    if_match: Annotated[str | None, Header(max_length=40)] = None,
) -> ActivationOut | JSONResponse:
    """Check off an action of the activation's level, with who, when and a ``note``."""
    version = _version(body.expected_version, if_match)
    try:
        view = check_action(
            _store(request),
            activation_id,
            action_key,
            expected_version=version,
            actor=actor,
            note=body.note,
            plans=_plans(request),
        )
    except (IllegalTransitionError, StaleRecordError) as error:
        return _refusal(request, error)
    _tagged(response, view)
    return activation_out(view, _language(request))

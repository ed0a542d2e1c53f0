"""Pages: emergency plans (应急预案) — the activations and the plans, one activation with its
actions to check off and its steps, and the form to activate a plan or record a drill.

- ``/app/emergency`` (``incident.read``): the activations within reach, open ones first (level
  and colour, state, drill or real, actions left); the plans in force, level by level (criteria,
  commanding office, actions with roles, whether the thresholds are local policy); for a caller
  holding ``emergency.command``, the form to activate a plan or record a drill. Both tables
  export to CSV and Excel.
- ``POST /app/emergency`` (``emergency.command``): activate or drill; to the activation.
- ``/app/emergency/{id}`` (``incident.read``): the activation — its facts and the criteria they
  met, its level's actions with who checked each off and when (a button per action for
  ``duty.keep``), its history, and a form per step the caller may take (``emergency.command``).
- ``POST /app/emergency/{id}/steps`` (``emergency.command``) and
  ``POST /app/emergency/{id}/actions/{action_key}`` (``duty.keep``): a step or a check at the
  version the page was read at; a change by someone else since is refused with nothing
  recorded, and the page shows the activation as it now is.

Who may see and do what is the application layer's decision (:mod:`peakguard.app.emergency`).
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Path, Request
from fastapi.responses import RedirectResponse, Response

from peakguard.app.emergency import (
    activation_counts,
    check_action,
    get_activation,
    list_activations,
    list_plans,
    plans_in_force,
    start_activation,
    take_step,
)
from peakguard.app.emergency_views import ActivationView
from peakguard.cases.emergency_plans import COLOURS, LEVELS, Plans, figure, severity
from peakguard.errors import (
    IllegalTransitionError,
    InvalidInputError,
    Problem,
    StaleRecordError,
)
from peakguard.i18n import Message, _, render
from peakguard.identity.model import Permission, Principal
from peakguard.store.database import Store
from peakguard.store.emergency import CheckRecord
from peakguard.web.pages.access import page_requires
from peakguard.web.pages.navigation import NavItem
from peakguard.web.pages.rendering import page_language, render_page
from peakguard.web.pages.tables import CHINA, Column, TableView, Value, export_response

LIST = "/app/emergency"
router = APIRouter(prefix="/app", include_in_schema=False)
NAVIGATION: tuple[NavItem, ...] = (
    NavItem(LIST, _("Emergency plans"), Permission.incident_read, 9),
)
Reader = Annotated[Principal, page_requires(Permission.incident_read)]
Commander = Annotated[Principal, page_requires(Permission.emergency_command)]
Keeper = Annotated[Principal, page_requires(Permission.duty_keep)]
ActivationId = Annotated[int, Path(ge=1, le=2**62)]
Field = Annotated[str, Form(max_length=20_000)]
STATES = {
    "proposed": _("proposed"),
    "activated": _("activated"),
    "responding": _("responding"),
    "terminated": _("terminated"),
    "dismissed": _("proposal dismissed"),
}
STEPS = {
    "activate": _("Activate"),
    "dismiss": _("Dismiss the proposal"),
    "raise": _("Raise the level"),
    "lower": _("Lower the level"),
    "terminate": _("Terminate"),
}
COLOUR_NAMES = {"red": _("red"), "orange": _("orange"), "yellow": _("yellow"), "blue": _("blue")}


def _store(request: Request) -> Store:
    store: Store = request.app.state.store
    return store


def _plans(request: Request) -> Plans:
    """The deployment's plans file (``emergency_plans`` in the settings, once it has one), or
    the packaged plans."""
    return plans_in_force(getattr(request.app.state.settings, "emergency_plans", None))


def activation_path(activation_id: int) -> str:
    return f"{LIST}/{activation_id}"


def level_text(level: str, language: str) -> str:
    """``III · yellow``, in the reader's language."""
    return f"{level} · {render(COLOUR_NAMES[COLOURS[level]], language)}"


def _label(language: str) -> Any:
    return lambda message: render(message, language)


# -- tables ------------------------------------------------------------------------------------


def activations_table(views: list[ActivationView], language: str) -> TableView:
    """The activations, open ones first, each linked to its page."""
    label = _label(language)
    rows: list[dict[str, Value]] = [
        {
            "id": view.id,
            "link": activation_path(view.id),
            "plan": view.plan.title(language) if view.plan else view.record.plan_key,
            "level": level_text(view.level, language),
            "state": label(STATES[view.state]),
            "drill": label(_("drill")) if view.record.drill else label(_("real")),
            "region": view.record.region,
            "left": view.unchecked,
            "since": view.record.created_at,
        }
        for view in views
    ]
    return TableView(
        key="activations",
        title=label(_("Activations")),
        columns=(
            Column("id", "#", link="link"),
            Column("plan", label(_("Plan")), link="link"),
            Column("level", label(_("Level"))),
            Column("state", label(_("State"))),
            Column("drill", label(_("Drill or real"))),
            Column("region", label(_("Region"))),
            Column("left", label(_("Actions left")), digits=0),
            Column("since", label(_("Since (China time)"))),
        ),
        rows=rows,
        empty=label(_("No plan is proposed or activated within your reach.")),
        note=label(
            _("Open ones first. A drill is recorded as an activation is, and never counted as one.")
        ),
    )


def plans_table(plans: Plans, language: str) -> TableView:
    """Every level of every plan: criteria, commanding office, actions with roles."""
    label = _label(language)
    rows: list[dict[str, Value]] = []
    for plan in plans.plans.values():
        for level in plan.levels:
            joiner = " | " if level.match == "any" else " & "
            rows.append(
                {
                    "plan": plan.title(language),
                    "kinds": ", ".join(plan.kinds),
                    "level": level_text(level.level, language),
                    "commands": level.commands.value,
                    "criteria": joiner.join(c.text() for c in level.criteria),
                    "actions": "; ".join(f"{a.title(language)} ({a.role})" for a in level.actions),
                    "basis": label(_("local policy")) if level.local_policy else level.source,
                }
            )
    return TableView(
        key="plans",
        title=label(_("The plans in force")),
        columns=(
            Column("plan", label(_("Plan"))),
            Column("kinds", label(_("Kinds of event"))),
            Column("level", label(_("Level"))),
            Column("commands", label(_("Commanding office"))),
            Column("criteria", label(_("Criteria (| any, & all)"))),
            Column("actions", label(_("Actions (responsible role)"))),
            Column("basis", label(_("Thresholds"))),
        ),
        rows=rows,
        note=label(
            _(
                "Levels I (特别重大, red) to IV (一般, blue) and the stages warning → activation → "
                "response → termination follow 国家邮政业突发事件应急预案 (国邮发〔2019〕96号). "
                "Thresholds marked local policy are this deployment's, not official figures."
            )
        ),
    )


def history_table(view: ActivationView, language: str) -> TableView:
    label = _label(language)
    rows: list[dict[str, Value]] = [
        {
            "at": step.at,
            "step": step.step,
            "from": label(STATES[step.source_state]) if step.source_state in STATES else "",
            "to": label(STATES[step.target_state]),
            "level": step.level_after
            if step.level_before == step.level_after
            else f"{step.level_before} → {step.level_after}",
            "actor": step.actor,
            "note": step.note,
        }
        for step in view.steps
    ]
    return TableView(
        key="history",
        title=label(_("History")),
        columns=(
            Column("at", label(_("When (China time)"))),
            Column("step", label(_("Step"))),
            Column("from", label(_("From"))),
            Column("to", label(_("To"))),
            Column("level", label(_("Level"))),
            Column("actor", label(_("By"))),
            Column("note", label(_("Note"))),
        ),
        rows=rows,
    )


# -- the list and the form ---------------------------------------------------------------------


def _list_page(
    request: Request,
    caller: Principal,
    *,
    status: int = 200,
    errors: dict[str, str] | None = None,
    typed: dict[str, str] | None = None,
    message: str = "",
) -> Response:
    language = page_language(request)
    store = _store(request)
    plans = list_plans(actor=caller, plans=_plans(request))
    tables = [
        activations_table(list_activations(store, actor=caller, plans=_plans(request)), language),
        plans_table(plans, language),
    ]
    if request.method == "GET" and (exported := export_response(tables, request, language)):
        return exported
    counts = activation_counts(store, actor=caller)
    values = {
        "counts": [
            {
                "label": level_text(level, language),
                "value": counts[level],
                "tone": COLOURS[level],
                "detail": "",
            }
            for level in LEVELS
        ],
        "activations_view": tables[0],
        "plans_view": tables[1],
        "may_command": caller.may(Permission.emergency_command),
        "plan_choices": [(plan.key, plan.title(language)) for plan in plans.plans.values()],
        "level_choices": [(level, level_text(level, language)) for level in LEVELS],
        "errors": errors or {},
        "typed": typed or {},
        "message": message,
    }
    title = render(_("Emergency plans"), language)
    return render_page(request, caller, "emergency.html", values, status=status, title=title)


@router.get("/emergency")
def emergency_page(request: Request, caller: Reader) -> Response:
    """The activations within reach (open first) and the plans in force."""
    return _list_page(request, caller)


@router.post("/emergency")
def emergency_start(
    request: Request,
    caller: Commander,
    plan: Field = "",
    level: Field = "",
    region: Field = "",
    mode: Field = "",
    note: Field = "",
) -> Response:
    """Activate a plan at a level over a region, or record a drill of it; to its page."""
    language = page_language(request)
    typed = {"plan": plan, "level": level, "region": region, "mode": mode, "note": note}
    try:
        if mode not in ("activate", "drill"):
            message = _("choose activate or drill")
            raise InvalidInputError(message, [Problem("mode", message)])
        view = start_activation(
            _store(request),
            plan_key=plan,
            level=level,
            region=region.strip(),
            actor=caller,
            drill=mode == "drill",
            note=note or None,
            plans=_plans(request),
        )
    except InvalidInputError as error:
        errors = {p.location: render(p.message, language) for p in error.problems}
        return _list_page(
            request,
            caller,
            status=422,
            errors=errors,
            typed=typed,
            message=render(error.message, language),
        )
    return RedirectResponse(activation_path(view.id), status_code=303)


# -- one activation ----------------------------------------------------------------------------


def _activation_page(
    request: Request,
    caller: Principal,
    view: ActivationView,
    *,
    status: int = 200,
    message: str = "",
) -> Response:
    language = page_language(request)
    history = history_table(view, language)
    if request.method == "GET" and (exported := export_response([history], request, language)):
        return exported
    record = view.record
    label = _label(language)
    facts: list[tuple[str, str]] = [
        (label(_("Plan")), view.plan.title(language) if view.plan else record.plan_key),
        (label(_("Level")), level_text(record.level, language)),
        (label(_("State")), label(STATES[record.state])),
        (label(_("Region")), record.region),
        (label(_("Kind of event")), record.kind),
        (label(_("Triggered by")), record.trigger or "—"),
        (
            label(_("Facts")),
            ", ".join(f"{k} = {figure(v)}" for k, v in record.facts.items()) or "—",
        ),
        (label(_("Criteria met")), ", ".join(record.reasons) or "—"),
    ]
    if record.proposed_level:
        facts.append((label(_("Proposed level")), record.proposed_level))
    if record.note:
        facts.append((label(_("Note")), record.note))
    if record.termination_reason:
        facts.append((label(_("Why it ended")), record.termination_reason))
    commanding = caller.may(Permission.emergency_command)
    values = {
        "activation": view,
        "record": record,
        "facts": facts,
        "state_label": label(STATES[record.state]),
        "level_label": level_text(record.level, language),
        "may_check": caller.may(Permission.duty_keep)
        and record.state in ("activated", "responding"),
        "actions": [
            {
                "key": item.action.key,
                "title": item.action.title(language),
                "role": item.action.role,
                "check": item.check,
                "checked": _checked_text(item.check),
            }
            for item in view.actions
        ],
        "steps": [(step, label(STEPS[step])) for step in view.allowed if step in STEPS]
        if commanding
        else [],
        "raise_choices": [
            (level, level_text(level, language))
            for level in LEVELS
            if severity(level) < severity(record.level)
        ],
        "lower_choices": [
            (level, level_text(level, language))
            for level in LEVELS
            if severity(level) > severity(record.level)
        ],
        "history_view": history,
        "message": message,
        "done": request.query_params.get("done", "") if status == 200 else "",
    }
    title = f"#{record.id} · {values['level_label']} · {values['state_label']}"
    return render_page(
        request, caller, "emergency_activation.html", values, status=status, title=title
    )


def _checked_text(check: CheckRecord | None) -> str:
    """Who checked an action off and when (China time), with the note."""
    if check is None:
        return ""
    moment = check.at.astimezone(CHINA).strftime("%Y-%m-%d %H:%M")
    return " · ".join(part for part in (check.actor, moment, check.note or "") if part)


def _refusal(
    request: Request, error: Exception, caller: Principal, activation_id: int
) -> tuple[ActivationView, str]:
    language = page_language(request)
    view = get_activation(_store(request), activation_id, actor=caller, plans=_plans(request))
    if isinstance(error, StaleRecordError):
        text: Message = _(
            "Someone else changed this activation since you opened it: nothing of yours was "
            "recorded. Here it is as it now is."
        )
        return view, render(text, language)
    if isinstance(error, InvalidInputError):
        details = "; ".join(f"{p.location}: {render(p.message, language)}" for p in error.problems)
        return view, f"{render(error.message, language)} {details}"
    assert isinstance(error, IllegalTransitionError)
    return view, render(error.message, language)


def _version(text: str) -> int:
    if not text.strip().isdigit() or len(text.strip()) > 18:
        message = _("the page's version is missing: reload the page")
        raise InvalidInputError(message, [Problem("version", message)])
    return int(text)


@router.get("/emergency/{activation_id}")
def activation_page(request: Request, caller: Reader, activation_id: ActivationId) -> Response:
    """The activation with its actions, history and the steps the caller may take."""
    view = get_activation(_store(request), activation_id, actor=caller, plans=_plans(request))
    return _activation_page(request, caller, view)


@router.post("/emergency/{activation_id}/steps")
def activation_step(
    request: Request,
    caller: Commander,
    activation_id: ActivationId,
    step: Field = "",
    version: Field = "",
    level: Field = "",
    reason: Field = "",
) -> Response:
    """A step at the version the page was read at; back to the activation."""
    store = _store(request)
    try:
        take_step(
            store,
            activation_id,
            step,
            expected_version=_version(version),
            actor=caller,
            level=level or None,
            reason=reason or None,
            plans=_plans(request),
        )
    except (StaleRecordError, IllegalTransitionError, InvalidInputError) as error:
        view, message = _refusal(request, error, caller, activation_id)
        status = 422 if isinstance(error, InvalidInputError) else 409
        return _activation_page(request, caller, view, status=status, message=message)
    target = activation_path(activation_id) + "?" + urlencode({"done": step})
    return RedirectResponse(target, status_code=303)


@router.post("/emergency/{activation_id}/actions/{action_key}")
def activation_check(
    request: Request,
    caller: Keeper,
    activation_id: ActivationId,
    action_key: Annotated[str, Path(max_length=64)],
    version: Field = "",
    note: Field = "",
) -> Response:
    """Check an action off at the version the page was read at; back to the activation."""
    store = _store(request)
    try:
        check_action(
            store,
            activation_id,
            action_key,
            expected_version=_version(version),
            actor=caller,
            note=note or None,
            plans=_plans(request),
        )
    except (StaleRecordError, IllegalTransitionError, InvalidInputError) as error:
        view, message = _refusal(request, error, caller, activation_id)
        status = 422 if isinstance(error, InvalidInputError) else 409
        return _activation_page(request, caller, view, status=status, message=message)
    target = activation_path(activation_id) + "?" + urlencode({"done": "check"})
    return RedirectResponse(target, status_code=303)

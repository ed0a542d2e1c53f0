"""``peakguard emergency``: emergency plans (应急预案) — list the plans, propose one from an
event's facts, activate, check actions off, raise or lower the level, terminate, drill, list
and show activations. Each command calls the operation its API route calls (``GET
/emergency/plans``, ``POST /emergency/activations``, ``POST …/steps``, ``POST …/actions/{key}``),
as the local administrator."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer

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
from peakguard.cases.emergency_plans import COLOURS, LEVELS, Plans, figure
from peakguard.cli.console import LOCAL, handled, opened_store, print_figures, print_table, say
from peakguard.domain.scans import CHINA_STANDARD_TIME
from peakguard.errors import InvalidInputError, Problem
from peakguard.i18n import Message, _, current_language, render

emergency_app = typer.Typer(
    no_args_is_help=True,
    help="Emergency plans: the plans as data, activation, actions, termination, drills.",
)

PlansFile = Annotated[
    Path | None,
    typer.Option("--plans", help="a deployment's plans file (emergency_plans.toml)", exists=True),
]
Version = Annotated[
    int | None,
    typer.Option("--version", help="the version you read (default: the current one)", min=1),
]
Region = Annotated[str, typer.Option(help="the GB/T 2260 code covered, 510100 (000000: China)")]


def _moment(value: datetime | None) -> str:
    if value is None:
        return "-"
    return value.astimezone(CHINA_STANDARD_TIME).strftime("%Y-%m-%d %H:%M")


def _facts(given: list[str] | None) -> dict[str, float]:
    """``--fact backlog_ratio=1.3`` (repeatable) as facts, each mistake located."""
    facts: dict[str, float] = {}
    problems: list[Problem] = []
    for text in given or ():
        name, sign, value = text.partition("=")
        try:
            facts[name.strip()] = float(value)
        except ValueError:
            sign = ""
        if not sign or not name.strip():
            problems.append(Problem("--fact", _("write name=number, not {text!r}", text=text)))
    if problems:
        raise InvalidInputError(_("the facts have mistakes"), problems)
    return facts


def _plans(path: Path | None) -> Plans:
    return plans_in_force(path)


@emergency_app.command("plans")
def emergency_plans(plans: PlansFile = None) -> None:
    """The plans in force: each level's criteria, commanding office and actions with roles
    (GET /emergency/plans)."""
    language = current_language()
    with handled():
        found = list_plans(actor=LOCAL, plans=_plans(plans))
    for plan in found.plans.values():
        print_table(
            _(
                "{title} ({key}): {kinds}",
                title=plan.title(language),
                key=plan.key,
                kinds=", ".join(plan.kinds),
            ),
            (_("Level"), _("Commands"), _("Criteria"), _("Actions (role)"), _("Thresholds")),
            (
                (
                    f"{level.level} {COLOURS[level.level]}",
                    level.commands.value,
                    (" | " if level.match == "any" else " & ").join(
                        c.text() for c in level.criteria
                    ),
                    "; ".join(f"{a.title(language)} ({a.role})" for a in level.actions),
                    render(_("local policy")) if level.local_policy else level.source,
                )
                for level in plan.levels
            ),
        )
        say(plan.source)


@emergency_app.command("propose")
def emergency_propose(
    kind: Annotated[str, typer.Option(help="the kind of event: backlog, road_cut, fire …")],
    region: Region,
    fact: Annotated[
        list[str] | None, typer.Option(help="name=number, e.g. backlog_ratio=1.3")
    ] = None,
    trigger: Annotated[
        str | None, typer.Option(help="warning:<id> or incident:<reference>")
    ] = None,
    note: Annotated[str | None, typer.Option(help="a note")] = None,
    plans: PlansFile = None,
) -> None:
    """Record the plan and level an event's facts call for (POST /emergency/activations,
    mode propose); says so when no level applies."""
    with handled(), opened_store() as store:
        view = propose_activation(
            store,
            kind=kind,
            facts=_facts(fact),
            region=region,
            actor=LOCAL,
            trigger=trigger,
            note=note,
            plans=_plans(plans),
        )
    if view is None:
        say(_("No level of any plan covering {kind} applies to these facts.", kind=kind))
        return
    print_activation(view)


def _start(
    plan: str, level: str, region: str, drill: bool, note: str | None, plans: Path | None
) -> None:
    with handled(), opened_store() as store:
        view = start_activation(
            store,
            plan_key=plan,
            level=level,
            region=region,
            actor=LOCAL,
            drill=drill,
            note=note,
            plans=_plans(plans),
        )
    print_activation(view)


@emergency_app.command("activate")
def emergency_activate(
    activation: Annotated[int | None, typer.Argument(help="a proposal's id")] = None,
    plan: Annotated[str | None, typer.Option(help="or: a plan to activate at once")] = None,
    level: Annotated[str | None, typer.Option(help="I, II, III or IV")] = None,
    region: Annotated[str | None, typer.Option(help="the territory, with --plan")] = None,
    version: Version = None,
    note: Annotated[str | None, typer.Option(help="a note")] = None,
    plans: PlansFile = None,
) -> None:
    """Activate a proposal, or a plan at a level over a region at once (POST
    /emergency/activations/{id}/steps, or POST /emergency/activations mode activate)."""
    if activation is None:
        with handled():
            if plan is None or level is None or region is None:
                message = _("give a proposal's id, or --plan, --level and --region")
                raise InvalidInputError(message, [Problem("--plan", message)])
        _start(plan, level, region, False, note, plans)
        return
    _step(activation, "activate", version, plans=plans)


@emergency_app.command("drill")
def emergency_drill(
    plan: Annotated[str, typer.Option(help="the plan drilled")],
    level: Annotated[str, typer.Option(help="I, II, III or IV")],
    region: Region,
    note: Annotated[str | None, typer.Option(help="a note")] = None,
    plans: PlansFile = None,
) -> None:
    """Record a drill (演练): run as an activation, marked as a drill, never counted."""
    _start(plan, level, region, True, note, plans)


@emergency_app.command("level")
def emergency_level(
    activation: Annotated[int, typer.Argument(help="the activation's id")],
    to: Annotated[str, typer.Option("--to", help="the new level: I, II, III or IV")],
    version: Version = None,
    reason: Annotated[str | None, typer.Option(help="why")] = None,
    plans: PlansFile = None,
) -> None:
    """Raise or lower an activation's level (recorded in its history)."""
    with handled(), opened_store() as store:
        current = get_activation(store, activation, actor=LOCAL, plans=_plans(plans)).level
    if to not in LEVELS or to == current:
        with handled():
            message = _("give a level other than {current}: I, II, III or IV", current=current)
            raise InvalidInputError(message, [Problem("--to", message)])
    step = "raise" if LEVELS.index(to) < LEVELS.index(current) else "lower"
    _step(activation, step, version, level=to, reason=reason, plans=plans)


@emergency_app.command("terminate")
def emergency_terminate(
    activation: Annotated[int, typer.Argument(help="the activation's id")],
    reason: Annotated[str, typer.Option(help="why the response ends")],
    version: Version = None,
    plans: PlansFile = None,
) -> None:
    """Terminate an activation, with the reason (POST /emergency/activations/{id}/steps)."""
    _step(activation, "terminate", version, reason=reason, plans=plans)


def _step(
    activation: int,
    step: str,
    version: int | None,
    *,
    level: str | None = None,
    reason: str | None = None,
    plans: Path | None = None,
) -> None:
    with handled(), opened_store() as store:
        in_force = _plans(plans)
        if version is None:
            version = get_activation(store, activation, actor=LOCAL, plans=in_force).version
        view = take_step(
            store,
            activation,
            step,
            expected_version=version,
            actor=LOCAL,
            level=level,
            reason=reason,
            plans=in_force,
        )
    print_activation(view)


@emergency_app.command("check")
def emergency_check(
    activation: Annotated[int, typer.Argument(help="the activation's id")],
    action: Annotated[str, typer.Argument(help="the action's key, such as duty_24h")],
    note: Annotated[str | None, typer.Option(help="what was done")] = None,
    version: Version = None,
    plans: PlansFile = None,
) -> None:
    """Check off an action of the activation's level (POST …/actions/{action_key})."""
    with handled(), opened_store() as store:
        in_force = _plans(plans)
        if version is None:
            version = get_activation(store, activation, actor=LOCAL, plans=in_force).version
        view = check_action(
            store,
            activation,
            action,
            expected_version=version,
            actor=LOCAL,
            note=note,
            plans=in_force,
        )
    print_activation(view)


@emergency_app.command("list")
def emergency_list(
    open_only: Annotated[bool, typer.Option("--open", help="only those not ended")] = False,
    drill: Annotated[
        bool | None, typer.Option("--drill/--real", help="only drills, or only real")
    ] = None,
) -> None:
    """The activations, open ones first (GET /emergency/activations)."""
    with handled(), opened_store() as store:
        views = list_activations(store, actor=LOCAL, open_only=open_only, drill=drill)
    print_table(
        _("Activations"),
        (
            _("Id"),
            _("Plan"),
            _("Level"),
            _("State"),
            _("Region"),
            _("Drill"),
            _("Actions left"),
            _("Since"),
        ),
        (
            (
                str(view.id),
                view.record.plan_key,
                f"{view.level} {view.colour}",
                view.state,
                view.record.region,
                "✓" if view.record.drill else "",
                str(view.unchecked),
                _moment(view.record.created_at),
            )
            for view in views
        ),
    )


@emergency_app.command("show")
def emergency_show(
    activation: Annotated[int, typer.Argument(help="the activation's id")],
    plans: PlansFile = None,
) -> None:
    """One activation: its level, actions, history (GET /emergency/activations/{id})."""
    with handled(), opened_store() as store:
        view = get_activation(store, activation, actor=LOCAL, plans=_plans(plans))
    print_activation(view)


def print_activation(view: ActivationView) -> None:
    """An activation as the desk reads it."""
    language = current_language()
    record = view.record
    title = view.plan.title(language) if view.plan else record.plan_key
    rows: list[tuple[Message, str]] = [
        (_("Plan"), f"{title} ({record.plan_key})"),
        (_("Level"), f"{record.level} ({view.colour})"),
        (_("State"), record.state + (" — " + _("drill").render(language) if record.drill else "")),
        (_("Version"), str(record.version)),
        (_("Region"), record.region),
        (_("Kind"), record.kind),
        (_("Trigger"), record.trigger or "-"),
        (_("Facts"), ", ".join(f"{k}={figure(v)}" for k, v in record.facts.items()) or "-"),
        (_("Criteria met"), ", ".join(record.reasons) or "-"),
        (_("Activated"), _moment(record.activated_at)),
        (_("Terminated"), _moment(record.terminated_at)),
    ]
    if record.termination_reason:
        rows.append((_("Reason"), record.termination_reason))
    print_figures(_("Activation {id}", id=record.id), rows)
    print_table(
        _("Actions"),
        (_("Key"), _("Action"), _("Role"), _("Checked by"), _("At"), _("Note")),
        (
            (
                item.action.key,
                item.action.title(language),
                item.action.role,
                item.check.actor if item.check else "",
                _moment(item.check.at) if item.check else "",
                (item.check.note or "") if item.check else "",
            )
            for item in view.actions
        ),
    )
    print_table(
        _("History"),
        (_("Step"), _("From"), _("To"), _("Level"), _("By"), _("At"), _("Note")),
        (
            (
                step.step,
                step.source_state,
                step.target_state,
                f"{step.level_before}→{step.level_after}",
                step.actor,
                _moment(step.at),
                step.note or "",
            )
            for step in view.steps
        ),
    )
    if view.allowed:
        say(_("Next steps: {steps}", steps=", ".join(view.allowed)))

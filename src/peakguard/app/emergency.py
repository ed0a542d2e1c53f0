"""Emergency plans (应急预案): proposing a plan and level from a warning or an incident,
activating it, checking its actions off, raising or lowering its level, terminating it, and
drills (演练) recorded the same way.

Who may do what (docs/reference/emergency-plans.md):

- reading needs ``incident.read``; a regulator sees the activations covering its territory or
  inside it (a city office sees its province's level II activation), a carrier those covering
  its province (read only), the national office and the system all;
- a proposal is recorded by the desk (``incident.report``, ``duty.keep`` or
  ``emergency.command``); activating, raising, lowering, terminating, dismissing and drills need
  ``emergency.command`` held by a postal administration at the level's commanding office or
  above (national ≥ provincial ≥ city) whose territory covers the activation;
- an action is checked off with ``duty.keep`` by an office whose territory covers it.

Outside a reader's reach an activation is "not found". Every change is audited in its own
transaction; two people changing one activation at once: the second gets
:class:`~peakguard.errors.StaleRecordError`. A drill is marked as one and never counts as an
activation (:func:`activation_counts`). Activating a real plan raises an alert to the duty of
the office that activated it.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy.orm import Session

from peakguard.app.access import require
from peakguard.app.alerts import raise_alert
from peakguard.app.audit import record_in
from peakguard.app.emergency_access import (
    covers,
    may_see,
    require_command,
    require_proposer,
    visible,
    within_reach,
)
from peakguard.app.emergency_input import checked_input, clean_note
from peakguard.app.emergency_views import ActivationView, activation_view
from peakguard.cases.emergency_plans import (
    LEVELS,
    Plan,
    Plans,
    changed_level,
    load_plans,
    next_state,
    propose,
    read_plans,
)
from peakguard.errors import (
    ForbiddenError,
    InvalidInputError,
    NotFoundError,
    Problem,
    StaleRecordError,
)
from peakguard.i18n import _
from peakguard.identity.model import Permission, Principal
from peakguard.store.database import Store, transaction
from peakguard.store.emergency import (
    ActivationRecord,
    NewActivation,
    action_checks,
    add_check,
    add_step,
    insert_activation,
    load_activation,
    query_activations,
    update_activation,
)

OPEN_STATES = ("proposed", "activated", "responding")


def plans_in_force(path: Path | None = None) -> Plans:
    """The plans of the deployment's file at ``path``, or the packaged ones."""
    return load_plans() if path is None else read_plans(path)


# -- the operations ----------------------------------------------------------------------------


def propose_activation(
    store: Store,
    *,
    kind: str,
    facts: Mapping[str, float],
    region: str,
    actor: Principal,
    trigger: str | None = None,
    note: str | None = None,
    plans: Plans | None = None,
    now: datetime | None = None,
) -> ActivationView | None:
    """Record the plan and level ``facts`` call for (see :func:`~peakguard.cases.
    emergency_plans.propose`) as a proposal over ``region``; None, recording nothing, when no
    level applies."""
    require_proposer(actor)
    plans = plans or plans_in_force()
    clean, text = checked_input(plans, kind, facts, region, trigger, note)
    proposal = propose(plans, kind, clean)
    if proposal is None:
        return None
    if not within_reach(actor, region):
        raise NotFoundError(_("Region {code} is outside your territory.", code=region))
    moment = now or datetime.now(UTC)
    with transaction(store.sessions) as session:
        record = insert_activation(
            session,
            NewActivation(
                plan_key=proposal.plan.key,
                kind=kind,
                level=proposal.level,
                proposed_level=proposal.level,
                state="proposed",
                drill=False,
                region=region,
                trigger=trigger,
                facts=clean,
                reasons=tuple(criterion.text() for criterion in proposal.matched),
                note=text,
                organisation=actor.organisation.code,
            ),
            now=moment,
        )
        _history(session, record, "propose", "", "proposed", record.level, actor, moment, text)
        _audit(session, store, actor, "emergency.propose", record, moment, trigger=trigger)
        return activation_view(session, record, plans)


def propose_for_warning(
    store: Store,
    *,
    warning_level: str,
    backlog_ratio: float,
    region: str,
    trigger: str,
    actor: Principal,
    node: str | None = None,
    extra: Mapping[str, float] | None = None,
    plans: Plans | None = None,
    now: datetime | None = None,
) -> ActivationView | None:
    """The proposal a backlog warning (level I–IV or red/orange/yellow/blue, at ``node`` in
    ``region``, backlog ÷ capacity ``backlog_ratio``) calls for; ``trigger`` as
    ``warning:123``. None when no level applies."""
    names = {"red": "I", "orange": "II", "yellow": "III", "blue": "IV"}
    level = names.get(warning_level, warning_level)
    if level not in LEVELS:
        raise InvalidInputError(
            _("the warning is refused"),
            [
                Problem(
                    "warning_level", _("must be one of I, II, III, IV (red, orange, yellow, blue)")
                )
            ],
        )
    facts = {"warning_level": float(LEVELS.index(level) + 1), "backlog_ratio": backlog_ratio}
    facts.update(extra or {})
    note = f"node {node}" if node else None
    return propose_activation(
        store,
        kind="backlog",
        facts=facts,
        region=region,
        actor=actor,
        trigger=trigger,
        note=note,
        plans=plans,
        now=now,
    )


def propose_for_incident(
    store: Store,
    *,
    incident_type: str,
    region: str,
    trigger: str,
    actor: Principal,
    blocked_hours: float | None = None,
    nodes_blocked: int | None = None,
    extra: Mapping[str, float] | None = None,
    plans: Plans | None = None,
    now: datetime | None = None,
) -> ActivationView | None:
    """The proposal an incident (its type: ``road_cut``, ``weather``, ``epidemic_control``,
    ``fire`` …; hours blocked, nodes blocked) calls for; ``trigger`` as
    ``incident:SJ2026-000001``. None when no level applies."""
    facts: dict[str, float] = dict(extra or {})
    if blocked_hours is not None:
        facts["blocked_hours"] = blocked_hours
    if nodes_blocked is not None:
        facts["nodes_blocked"] = nodes_blocked
    return propose_activation(
        store,
        kind=incident_type,
        facts=facts,
        region=region,
        actor=actor,
        trigger=trigger,
        plans=plans,
        now=now,
    )


def start_activation(
    store: Store,
    *,
    plan_key: str,
    level: str,
    region: str,
    actor: Principal,
    drill: bool = False,
    kind: str | None = None,
    facts: Mapping[str, float] | None = None,
    trigger: str | None = None,
    note: str | None = None,
    plans: Plans | None = None,
    now: datetime | None = None,
) -> ActivationView:
    """Activate ``plan_key`` at ``level`` over ``region`` at once (no proposal), or record a
    drill of it (``drill``: marked as one, never counted, no alert)."""
    plans = plans or plans_in_force()
    plan = plans.get(plan_key)
    if plan is None or level not in LEVELS:
        where, message = (
            ("plan", _("is not a plan; the plans are {plans}", plans=", ".join(plans.plans)))
            if plan is None
            else ("level", _("must be one of {choices}", choices=", ".join(LEVELS)))
        )
        raise InvalidInputError(
            _("The activation has {n} mistakes.", n=1), [Problem(where, message)]
        )
    kind = kind or plan.kinds[0]
    clean, text = checked_input(plans, kind, facts or {}, region, trigger, note)
    require_command(actor, plan, level, region)
    moment = now or datetime.now(UTC)
    with transaction(store.sessions) as session:
        record = insert_activation(
            session,
            NewActivation(
                plan_key=plan.key,
                kind=kind,
                level=level,
                proposed_level=None,
                state="activated",
                drill=drill,
                region=region,
                trigger=trigger,
                facts=clean,
                reasons=(),
                note=text,
                organisation=actor.organisation.code,
                activated_at=moment,
            ),
            now=moment,
        )
        step = "drill" if drill else "activate"
        _history(session, record, step, "", "activated", level, actor, moment, text)
        _audit(session, store, actor, f"emergency.{step}", record, moment, trigger=trigger)
        if not drill:
            _alert(session, store, record, plan, actor, moment)
        return activation_view(session, record, plans)


def take_step(
    store: Store,
    activation_id: int,
    step: str,
    *,
    expected_version: int,
    actor: Principal,
    level: str | None = None,
    reason: str | None = None,
    plans: Plans | None = None,
    now: datetime | None = None,
) -> ActivationView:
    """Take ``step`` (activate, dismiss, raise, lower, terminate) on an activation read at
    ``expected_version``. Raising and lowering name the new ``level``; terminating and
    dismissing need a ``reason``."""
    plans = plans or plans_in_force()
    problems: list[Problem] = []
    text = clean_note(reason, "reason", problems)
    if step in ("terminate", "dismiss") and text is None:
        problems.append(Problem("reason", _("the step {step} needs a reason", step=step)))
    if step in ("raise", "lower") and level is None:
        problems.append(Problem("level", _("the step {step} names the new level", step=step)))
    moment = now or datetime.now(UTC)
    with transaction(store.sessions) as session:
        record = visible(actor, load_activation(session, activation_id), activation_id)
        _fresh(record, expected_version)
        target = next_state(record.state, step if step != "check" else "-")
        if problems:
            raise InvalidInputError(_("The step has {n} mistakes.", n=len(problems)), problems)
        plan = _plan_of(plans, record)
        new_level = (
            changed_level(record.level, step, level)
            if level and step in ("raise", "lower")
            else record.level
        )
        require_command(actor, plan, new_level if step == "raise" else record.level, record.region)
        changes: dict[str, object] = {"state": target, "level": new_level}
        if step == "activate":
            changes["activated_at"] = moment
        if step in ("terminate", "dismiss"):
            changes["terminated_at"] = moment
            changes["termination_reason"] = text
        version = update_activation(session, record.id, expected_version, changes, now=moment)
        _history(session, record, step, record.state, target, new_level, actor, moment, text)
        updated = load_activation(session, record.id)
        assert updated is not None
        _audit(
            session,
            store,
            actor,
            f"emergency.{step}",
            updated,
            moment,
            before=record.level,
            version=version,
        )
        if step == "activate" and not record.drill:
            _alert(session, store, updated, plan, actor, moment)
        return activation_view(session, updated, plans)


def check_action(
    store: Store,
    activation_id: int,
    action_key: str,
    *,
    expected_version: int,
    actor: Principal,
    note: str | None = None,
    plans: Plans | None = None,
    now: datetime | None = None,
) -> ActivationView:
    """Check off ``action_key`` of the activation's level, with who, when and ``note``; the
    first check moves an activated plan into its response."""
    require(actor, Permission.duty_keep)
    plans = plans or plans_in_force()
    problems: list[Problem] = []
    text = clean_note(note, "note", problems)
    moment = now or datetime.now(UTC)
    with transaction(store.sessions) as session:
        record = visible(actor, load_activation(session, activation_id), activation_id)
        _fresh(record, expected_version)
        target = next_state(record.state, "check")
        if problems:
            raise InvalidInputError(_("The check has {n} mistakes.", n=len(problems)), problems)
        if not covers(actor, record.region):
            raise ForbiddenError(
                _(
                    "{who} may check off only the actions of an activation over its own territory.",
                    who=actor.label(),
                )
            )
        plan = _plan_of(plans, record)
        action = plan.level(record.level).action(action_key)
        if action is None:
            raise NotFoundError(
                _(
                    "Level {level} of this plan orders no action {key}.",
                    level=record.level,
                    key=action_key,
                )
            )
        if action_key in action_checks(session, record.id):
            raise InvalidInputError(
                _("The action is already checked off."),
                [Problem("action_key", _("{key} was checked off before", key=action_key))],
            )
        version = update_activation(
            session, record.id, expected_version, {"state": target}, now=moment
        )
        add_check(
            session,
            record.id,
            action_key=action_key,
            level=record.level,
            actor=actor.label(),
            organisation=actor.organisation.code,
            at=moment,
            note=text,
        )
        if record.state != target:
            _history(
                session, record, "respond", record.state, target, record.level, actor, moment, None
            )
        updated = load_activation(session, record.id)
        assert updated is not None
        _audit(
            session,
            store,
            actor,
            "emergency.check",
            updated,
            moment,
            action=action_key,
            version=version,
        )
        return activation_view(session, updated, plans)


def get_activation(
    store: Store, activation_id: int, *, actor: Principal, plans: Plans | None = None
) -> ActivationView:
    """Activation ``activation_id`` as ``actor`` may see it."""
    require(actor, Permission.incident_read)
    with transaction(store.sessions) as session:
        record = visible(actor, load_activation(session, activation_id), activation_id)
        return activation_view(session, record, plans or plans_in_force())


def list_activations(
    store: Store,
    *,
    actor: Principal,
    open_only: bool = False,
    drill: bool | None = None,
    plans: Plans | None = None,
    limit: int = 200,
) -> list[ActivationView]:
    """The activations ``actor`` may see, open ones first, newest first within each."""
    require(actor, Permission.incident_read)
    with transaction(store.sessions) as session:
        records = [
            record
            for record in query_activations(
                session, states=OPEN_STATES if open_only else (), drill=drill
            )
            if may_see(actor, record)
        ]
        records.sort(key=lambda record: record.state not in OPEN_STATES)
        return [
            activation_view(session, record, plans or plans_in_force())
            for record in records[:limit]
        ]


def activation_counts(store: Store, *, actor: Principal) -> dict[str, int]:
    """Real activations per level (ever activated, drills left out) within ``actor``'s reach."""
    require(actor, Permission.incident_read)
    counts = dict.fromkeys(LEVELS, 0)
    with transaction(store.sessions) as session:
        for record in query_activations(session, drill=False):
            if record.activated_at is not None and may_see(actor, record):
                counts[record.level] += 1
    return counts


def list_plans(*, actor: Principal, plans: Plans | None = None) -> Plans:
    """The plans in force (their criteria, offices and actions)."""
    require(actor, Permission.incident_read)
    return plans or plans_in_force()


# -- inside a transaction ----------------------------------------------------------------------


def _fresh(record: ActivationRecord, expected_version: int) -> None:
    """A stale version is refused before the step is judged."""
    if record.version != expected_version:
        raise StaleRecordError(
            _(
                "Activation {id} changed since you read it (version {read}, now {current}): "
                "read it again and redo your step if it still applies.",
                id=record.id,
                read=expected_version,
                current=record.version,
            )
        )


def _plan_of(plans: Plans, record: ActivationRecord) -> Plan:
    plan = plans.get(record.plan_key)
    if plan is None:
        raise InvalidInputError(
            _("The plan {plan} is no longer in the plans in force.", plan=record.plan_key),
            [Problem("plan", _("is not a plan of the plans file in force"))],
        )
    return plan


def _history(
    session: Session,
    record: ActivationRecord,
    step: str,
    source: str,
    target: str,
    level: str,
    actor: Principal,
    at: datetime,
    note: str | None,
) -> None:
    add_step(
        session,
        record.id,
        step=step,
        source_state=source,
        target_state=target,
        level_before=record.level,
        level_after=level,
        actor=actor.label(),
        organisation=actor.organisation.code,
        at=at,
        note=note,
    )


def _audit(
    session: Session,
    store: Store,
    actor: Principal,
    operation: str,
    record: ActivationRecord,
    at: datetime,
    **detail: object,
) -> None:
    record_in(
        session,
        store,
        actor,
        operation,
        "emergency_activation",
        str(record.id),
        detail={
            "plan": record.plan_key,
            "level": record.level,
            "state": record.state,
            "region": record.region,
            "drill": record.drill,
            **{key: value for key, value in detail.items() if value is not None},
        },
        at=at,
    )


def _alert(
    session: Session,
    store: Store,
    record: ActivationRecord,
    plan: Plan,
    actor: Principal,
    at: datetime,
) -> None:
    """Tell the duty of the office that activated the plan, in the activation's transaction
    (once per activation). An organisation not kept in the database (the local
    administrator) has no duty to tell."""
    del store
    organisation_id = actor.organisation.id
    if organisation_id is None:
        return
    raise_alert(
        session,
        organisation_id=organisation_id,
        kind="emergency.activated",
        subject=f"emergency:{record.id}",
        summary=_(
            "Emergency plan {plan} activated at level {level} over {region}: start its actions.",
            plan=plan.title_zh,
            level=record.level,
            region=record.region,
        ),
        raised_at=at,
        dedupe_key=f"emergency.activated:{record.id}",
    )

"""Emergency activations as their readers see them: the plan, the level's actions checked off
or not, the history, and the steps allowed next."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from peakguard.cases.emergency_plans import COLOURS, Plan, PlanAction, Plans, allowed_steps
from peakguard.i18n import Message, _
from peakguard.store.emergency import (
    ActivationRecord,
    CheckRecord,
    StepRecord,
    action_checks,
    activation_steps,
)


@dataclass(frozen=True)
class ActionView:
    """An action of the activation's level, checked off or not."""

    action: PlanAction
    check: CheckRecord | None


@dataclass(frozen=True)
class ActivationView:
    """An activation as its reader sees it."""

    record: ActivationRecord
    plan: Plan | None
    actions: tuple[ActionView, ...]
    steps: tuple[StepRecord, ...]
    allowed: tuple[str, ...]

    @property
    def id(self) -> int:
        return self.record.id

    @property
    def version(self) -> int:
        return self.record.version

    @property
    def state(self) -> str:
        return self.record.state

    @property
    def level(self) -> str:
        return self.record.level

    @property
    def colour(self) -> str:
        return COLOURS[self.record.level]

    @property
    def unchecked(self) -> int:
        return sum(1 for action in self.actions if action.check is None)


def activation_view(session: Session, record: ActivationRecord, plans: Plans) -> ActivationView:
    plan = plans.get(record.plan_key)
    checks = action_checks(session, record.id)
    actions: tuple[ActionView, ...] = ()
    if plan is not None:
        actions = tuple(
            ActionView(action, checks.get(action.key))
            for action in plan.level(record.level).actions
        )
    allowed = allowed_steps(record.state)
    return ActivationView(
        record, plan, actions, tuple(activation_steps(session, record.id)), allowed
    )


def level_label(level: str) -> Message:
    """The level with its colour, as the desk reads it."""
    names = {
        "I": _("Level I (red, 特别重大)"),
        "II": _("Level II (orange, 重大)"),
        "III": _("Level III (yellow, 较大)"),
        "IV": _("Level IV (blue, 一般)"),
    }
    return names[level]

"""Emergency plans (应急预案) as data: the plans, the proposal of a plan and level from the facts
of a warning or an incident, and the activation's legal steps.

A plan (``emergency_plans.toml``, docs/reference/emergency-plans.md) covers kinds of event
(a peak-season backlog, a network blockage, a natural disaster …) and has four levels, I (特别重大,
the most severe, red) to IV (一般, blue), as the 国家邮政业突发事件应急预案 (2019年修订,
国邮发〔2019〕96号) grades events. Each level has its criteria (measurable facts compared with a
threshold: ``backlog_ratio >= 1.2``), which office commands it (national, provincial, city), the
actions it orders with each one's responsible role, and whether its thresholds are local
policy (``local_policy``: no official figure is cited) or cited (``source``).

:func:`propose` picks, among the plans covering an event's kind, the most severe level whose
criteria the facts meet. An activation then runs the stages of the plan — proposed, activated,
responding (actions checked off), terminated — by :data:`TRANSITIONS` only; anything else is
refused with :class:`~peakguard.errors.IllegalTransitionError` naming the steps allowed.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from types import MappingProxyType
from typing import Any, Final

from peakguard.errors import IllegalTransitionError, InvalidInputError, Problem
from peakguard.i18n import Message, _
from peakguard.identity.model import RegulatorLevel
from peakguard.parameters import settings_document

LEVELS: Final = ("I", "II", "III", "IV")
"""The event levels, the most severe first (国邮发〔2019〕96号 1.6)."""
COLOURS: Final = {"I": "red", "II": "orange", "III": "yellow", "IV": "blue"}
"""The colour each level is shown in (突发事件应对法: red, orange, yellow, blue)."""
COMPARISONS: Final[Mapping[str, Callable[[float, float], bool]]] = {
    ">=": operator.ge,
    ">": operator.gt,
    "<=": operator.le,
    "<": operator.lt,
}
OFFICE_RANK: Final = {
    RegulatorLevel.national: 0,
    RegulatorLevel.provincial: 1,
    RegulatorLevel.city: 2,
}
"""An office commands a level when its rank is at most the level's commanding office's."""


def figure(value: float) -> str:
    """A threshold or a fact as a person writes it: 5000000, 1.2, 0.3."""
    return str(int(value)) if value.is_integer() and abs(value) < 1e15 else f"{value:g}"


def severity(level: str) -> int:
    """0 for level I (the most severe) to 3 for level IV."""
    return LEVELS.index(level)


@dataclass(frozen=True)
class Criterion:
    """One measurable fact compared with a threshold: ``backlog_ratio >= 1.2``."""

    fact: str
    op: str
    value: float

    def holds(self, facts: Mapping[str, float]) -> bool:
        """Whether the facts meet it (a fact not given meets nothing)."""
        given = facts.get(self.fact)
        return given is not None and COMPARISONS[self.op](float(given), self.value)

    def text(self) -> str:
        return f"{self.fact} {self.op} {figure(self.value)}"


@dataclass(frozen=True)
class PlanAction:
    """An action a level orders and the role responsible for it."""

    key: str
    title_zh: str
    title_en: str
    role: str

    def title(self, language: str | None) -> str:
        return self.title_zh if (language or "").startswith("zh") else self.title_en


@dataclass(frozen=True)
class PlanLevel:
    """One level of a plan: when it applies, who commands it, what it orders."""

    level: str
    commands: RegulatorLevel
    match: str
    """``any``: one criterion suffices; ``all``: every criterion must hold."""
    criteria: tuple[Criterion, ...]
    actions: tuple[PlanAction, ...]
    local_policy: bool
    source: str = ""

    def matched(self, facts: Mapping[str, float]) -> tuple[Criterion, ...]:
        """The criteria the facts meet, when they are enough for this level; () else."""
        met = tuple(criterion for criterion in self.criteria if criterion.holds(facts))
        enough = bool(met) if self.match == "any" else len(met) == len(self.criteria)
        return met if enough else ()

    def action(self, key: str) -> PlanAction | None:
        return next((action for action in self.actions if action.key == key), None)


@dataclass(frozen=True)
class Plan:
    """An emergency plan: the kinds of event it covers and its four levels, I first."""

    key: str
    title_zh: str
    title_en: str
    kinds: tuple[str, ...]
    source: str
    levels: tuple[PlanLevel, ...]

    def title(self, language: str | None) -> str:
        return self.title_zh if (language or "").startswith("zh") else self.title_en

    def level(self, level: str) -> PlanLevel:
        return self.levels[severity(level)]


@dataclass(frozen=True)
class Fact:
    """A fact criteria may compare, with its names and unit."""

    name: str
    zh: str
    en: str
    unit: str = ""


@dataclass(frozen=True)
class Plans:
    """Every plan by key (in the file's order), the facts and the actions they use."""

    plans: Mapping[str, Plan]
    facts: Mapping[str, Fact]

    def get(self, key: str) -> Plan | None:
        return self.plans.get(key)

    def covering(self, kind: str) -> list[Plan]:
        return [plan for plan in self.plans.values() if kind in plan.kinds]

    @property
    def kinds(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(kind for plan in self.plans.values() for kind in plan.kinds))


@dataclass(frozen=True)
class Proposal:
    """The plan and level an event's facts call for, and why."""

    plan: Plan
    level: str
    matched: tuple[Criterion, ...]
    reasons: tuple[Message, ...]


def propose(plans: Plans, kind: str, facts: Mapping[str, float]) -> Proposal | None:
    """The most severe level, among the plans covering ``kind``, whose criteria ``facts``
    meet (a tie between plans goes to the one listed first); None when no level applies."""
    best: Proposal | None = None
    for plan in plans.covering(kind):
        for level in plan.levels:
            met = level.matched(facts)
            if not met:
                continue
            if best is None or severity(level.level) < severity(best.level):
                reasons = tuple(_reason(criterion, facts) for criterion in met)
                best = Proposal(plan, level.level, met, reasons)
            break
    return best


def _reason(criterion: Criterion, facts: Mapping[str, float]) -> Message:
    return _(
        "{fact} is {value} ({op} {threshold})",
        fact=criterion.fact,
        value=figure(float(facts[criterion.fact])),
        op=criterion.op,
        threshold=figure(criterion.value),
    )


# -- the activation's steps --------------------------------------------------------------------

STATES: Final = ("proposed", "activated", "responding", "terminated", "dismissed")
FINAL_STATES: Final = frozenset({"terminated", "dismissed"})
TRANSITIONS: Final[Mapping[tuple[str, str], str]] = MappingProxyType(
    {
        ("proposed", "activate"): "activated",
        ("proposed", "dismiss"): "dismissed",
        ("activated", "check"): "responding",
        ("responding", "check"): "responding",
        ("activated", "raise"): "activated",
        ("responding", "raise"): "responding",
        ("activated", "lower"): "activated",
        ("responding", "lower"): "responding",
        ("activated", "terminate"): "terminated",
        ("responding", "terminate"): "terminated",
    }
)
"""(state, step) → next state: the only steps an activation can take. A drill takes the same."""
STEPS: Final = ("activate", "dismiss", "raise", "lower", "terminate")
"""The steps taken by name (``check`` is taken by checking an action off)."""


def allowed_steps(state: str) -> tuple[str, ...]:
    """The steps ``state`` allows, in :data:`STEPS` order (``check`` last)."""
    return tuple(step for step in (*STEPS, "check") if (state, step) in TRANSITIONS)


def next_state(state: str, step: str) -> str:
    """The state ``step`` leads to from ``state``; IllegalTransitionError (naming the steps
    allowed) when the table has no such step."""
    target = TRANSITIONS.get((state, step))
    if target is not None:
        return target
    allowed = allowed_steps(state)
    raise IllegalTransitionError(
        _(
            "An activation that is {state} cannot take the step {step}; allowed: {allowed}.",
            state=state,
            step=step,
            allowed=", ".join(allowed) or "-",
        ),
        allowed,
    )


def changed_level(current: str, step: str, target: str) -> str:
    """The level after ``raise`` (more severe) or ``lower`` (less severe) to ``target``;
    InvalidInputError when ``target`` is not a level or does not go that way."""
    if target not in LEVELS:
        raise InvalidInputError(
            _("the level is refused"),
            [Problem("level", _("must be one of {choices}", choices=", ".join(LEVELS)))],
        )
    more_severe = severity(target) < severity(current)
    if (step == "raise") != more_severe:
        message = (
            _(
                "raising goes to a more severe level than {current} (I is the most severe)",
                current=current,
            )
            if step == "raise"
            else _(
                "lowering goes to a less severe level than {current} (IV is the mildest)",
                current=current,
            )
        )
        raise InvalidInputError(_("the level is refused"), [Problem("level", message)])
    return target


# -- the plans file ----------------------------------------------------------------------------

PLAN_FIELDS: Final = ("title_zh", "title_en", "kinds", "source", "levels")
LEVEL_FIELDS: Final = ("commands", "match", "criteria", "actions", "local_policy", "source")
ACTION_FIELDS: Final = ("zh", "en", "role")
FACT_FIELDS: Final = ("zh", "en", "unit")


def load_plans(text: str | None = None, *, where: str = "emergency_plans.toml") -> Plans:
    """The packaged plans (``text`` None), or those of a deployment's TOML plans file, which
    replaces them whole. Raises InvalidInputError listing every mistake, each located as
    ``emergency_plans.toml: plans.peak_backlog.levels.III.criteria[1].op``."""
    if text is None:
        return _packaged_plans()
    return _parse_plans(text, where)


def read_plans(path: Path) -> Plans:
    """The plans of the file at ``path`` (every mistake located by the file's name)."""
    document, name = settings_document(path)
    return _from_document(document, name)


@cache
def _packaged_plans() -> Plans:
    packaged = resources.files("peakguard.cases").joinpath("emergency_plans.toml")
    return _parse_plans(packaged.read_text(encoding="utf-8"), "emergency_plans.toml")


def _parse_plans(text: str, where: str) -> Plans:
    document, _name = settings_document(text, source=where)
    return _from_document(document, where)


def _from_document(document: Mapping[str, Any], where: str) -> Plans:
    problems: list[Problem] = []

    def fail(location: str, message: Message) -> None:
        problems.append(Problem(f"{where}: {location}", message))

    for name in document:
        if name not in ("facts", "actions", "plans"):
            fail(
                name, _("is not a section of a plans file; the sections are facts, actions, plans")
            )
    facts = _facts(_tables(document, "facts", fail), fail)
    actions = _actions(_tables(document, "actions", fail), fail)
    plans: dict[str, Plan] = {}
    for key, table in _tables(document, "plans", fail).items():
        plan = _plan(key, table, facts, actions, fail)
        if plan is not None:
            plans[key] = plan
    if not plans and not problems:
        fail("plans", _("must hold at least one plan"))
    if problems:
        raise InvalidInputError(
            _("the emergency plans in {source} have mistakes", source=where), problems
        )
    return Plans(MappingProxyType(plans), MappingProxyType(facts))


Fail = Callable[[str, Message], None]


def _tables(document: Mapping[str, Any], section: str, fail: Fail) -> dict[str, dict[str, Any]]:
    value = document.get(section, {})
    if not isinstance(value, dict):
        fail(section, _("must be a table"))
        return {}
    tables: dict[str, dict[str, Any]] = {}
    for key, table in value.items():
        if isinstance(table, dict):
            tables[key] = table
        else:
            fail(f"{section}.{key}", _("must be a table"))
    return tables


def _unknown(table: Mapping[str, Any], known: tuple[str, ...], at: str, fail: Fail) -> None:
    for field in table:
        if field not in known:
            fail(
                f"{at}.{field}",
                _("is not a field here; the fields are {fields}", fields=", ".join(known)),
            )


def _text(
    table: Mapping[str, Any], field: str, at: str, fail: Fail, *, required: bool = True
) -> str:
    value = table.get(field, "")
    if not isinstance(value, str):
        fail(f"{at}.{field}", _("must be text"))
        return ""
    if required and not value.strip():
        fail(f"{at}.{field}", _("is required"))
        return ""
    return value.strip()


def _facts(tables: Mapping[str, dict[str, Any]], fail: Fail) -> dict[str, Fact]:
    facts: dict[str, Fact] = {}
    for name, table in tables.items():
        at = f"facts.{name}"
        _unknown(table, FACT_FIELDS, at, fail)
        zh, en = _text(table, "zh", at, fail), _text(table, "en", at, fail)
        unit = _text(table, "unit", at, fail, required=False)
        facts[name] = Fact(name, zh, en, unit)
    return facts


def _actions(tables: Mapping[str, dict[str, Any]], fail: Fail) -> dict[str, PlanAction]:
    actions: dict[str, PlanAction] = {}
    for key, table in tables.items():
        at = f"actions.{key}"
        _unknown(table, ACTION_FIELDS, at, fail)
        zh, en = _text(table, "zh", at, fail), _text(table, "en", at, fail)
        role = _text(table, "role", at, fail)
        actions[key] = PlanAction(key, zh, en, role)
    return actions


def _plan(
    key: str,
    table: Mapping[str, Any],
    facts: Mapping[str, Fact],
    actions: Mapping[str, PlanAction],
    fail: Fail,
) -> Plan | None:
    at = f"plans.{key}"
    _unknown(table, PLAN_FIELDS, at, fail)
    zh, en = _text(table, "title_zh", at, fail), _text(table, "title_en", at, fail)
    source = _text(table, "source", at, fail)
    kinds = table.get("kinds")
    if not (isinstance(kinds, list) and kinds and all(isinstance(k, str) and k for k in kinds)):
        fail(f"{at}.kinds", _("must list the kinds of event the plan covers"))
        kinds = []
    levels_table = table.get("levels")
    if not isinstance(levels_table, dict):
        fail(f"{at}.levels", _("must hold the levels {levels}", levels=", ".join(LEVELS)))
        return None
    for name in levels_table:
        if name not in LEVELS:
            fail(
                f"{at}.levels.{name}",
                _("is not a level; the levels are {levels}", levels=", ".join(LEVELS)),
            )
    levels: list[PlanLevel] = []
    for name in LEVELS:
        level_table = levels_table.get(name)
        if not isinstance(level_table, dict):
            fail(f"{at}.levels.{name}", _("is required: every plan has the four levels"))
            continue
        level = _level(name, level_table, f"{at}.levels.{name}", facts, actions, fail)
        if level is not None:
            levels.append(level)
    if len(levels) != len(LEVELS):
        return None
    return Plan(key, zh, en, tuple(kinds), source, tuple(levels))


def _level(
    name: str,
    table: Mapping[str, Any],
    at: str,
    facts: Mapping[str, Fact],
    actions: Mapping[str, PlanAction],
    fail: Fail,
) -> PlanLevel | None:
    _unknown(table, LEVEL_FIELDS, at, fail)
    ok = True
    commands = table.get("commands")
    if commands not in tuple(RegulatorLevel):
        fail(f"{at}.commands", _("must be one of {choices}", choices=", ".join(RegulatorLevel)))
        ok = False
    match = table.get("match", "any")
    if match not in ("any", "all"):
        fail(f"{at}.match", _("must be any or all"))
        ok = False
    local_policy = table.get("local_policy")
    if not isinstance(local_policy, bool):
        fail(
            f"{at}.local_policy",
            _("must say true (a threshold of this deployment) or false (cited)"),
        )
        ok = False
    source = _text(table, "source", at, fail, required=local_policy is False)
    criteria = list(_criteria(table.get("criteria"), f"{at}.criteria", facts, fail))
    level_actions = list(_level_actions(table.get("actions"), f"{at}.actions", actions, fail))
    if not ok or None in criteria or None in level_actions or not criteria or not level_actions:
        return None
    return PlanLevel(
        level=name,
        commands=RegulatorLevel(str(commands)),
        match=match,
        criteria=tuple(c for c in criteria if c is not None),
        actions=tuple(a for a in level_actions if a is not None),
        local_policy=bool(local_policy),
        source=source,
    )


def _criteria(
    value: object, at: str, facts: Mapping[str, Fact], fail: Fail
) -> Iterator[Criterion | None]:
    if not isinstance(value, list) or not value:
        fail(at, _("must list at least one criterion"))
        return
    for index, item in enumerate(value):
        where = f"{at}[{index}]"
        if not isinstance(item, dict):
            fail(where, _("must be a table of fact, op and value"))
            yield None
            continue
        _unknown(item, ("fact", "op", "value"), where, fail)
        fact, op, threshold = item.get("fact"), item.get("op"), item.get("value")
        good = True
        if fact not in facts:
            fail(
                f"{where}.fact",
                _("is not a fact of the file; the facts are {facts}", facts=", ".join(facts)),
            )
            good = False
        if op not in COMPARISONS:
            fail(f"{where}.op", _("must be one of {choices}", choices=", ".join(COMPARISONS)))
            good = False
        if (
            isinstance(threshold, bool)
            or not isinstance(threshold, int | float)
            or not math.isfinite(threshold)
        ):
            fail(f"{where}.value", _("must be a number"))
            good = False
        yield Criterion(str(fact), str(op), float(threshold)) if good else None  # type: ignore[arg-type]


def _level_actions(
    value: object, at: str, actions: Mapping[str, PlanAction], fail: Fail
) -> Iterator[PlanAction | None]:
    if not isinstance(value, list) or not value:
        fail(at, _("must list at least one action"))
        return
    for index, key in enumerate(value):
        action = actions.get(key) if isinstance(key, str) else None
        if action is None:
            fail(f"{at}[{index}]", _("is not an action of the file's [actions]"))
        yield action

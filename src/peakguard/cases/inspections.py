"""Inspections (检查, 明察暗访): the checklist kept as data and the workflow's transition table.

The **checklist** (``security_checklist.toml``) is a list of sections (验视, 实名, 安检, 禁寄,
安全生产 …), each a list of items with a key, its text in Chinese and English and the key of the
rule it enforces (``security_rules.toml``). A local office extends it with a file of the same
form (:func:`load_checklist`'s ``extension``): new sections, or new items in existing ones.

The **workflow**: planned → in progress (started on site) → completed (the findings locked);
a planned inspection may be cancelled. :data:`TRANSITIONS` is the only table of legal steps.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any, Final

from peakguard.cases.security_rules import security_rules
from peakguard.errors import IllegalTransitionError, InvalidInputError, Problem
from peakguard.i18n import Message, _
from peakguard.parameters import settings_document

ITEM_KEY = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z0-9_]+)+$")
SECTION_KEY = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
MAX_ITEMS: Final = 500


@dataclass(frozen=True)
class ChecklistItem:
    key: str
    section: str
    text_zh: str
    text_en: str
    rule_key: str | None

    def text(self, language: str | None) -> str:
        return self.text_zh if (language or "").startswith("zh") else self.text_en


@dataclass(frozen=True)
class ChecklistSection:
    key: str
    title_zh: str
    title_en: str
    items: tuple[ChecklistItem, ...]

    def title(self, language: str | None) -> str:
        return self.title_zh if (language or "").startswith("zh") else self.title_en


@dataclass(frozen=True)
class Checklist:
    name: str
    """``national-2026``, or ``national-2026+chengdu-2026`` with an office's extension."""
    sections: tuple[ChecklistSection, ...]

    @property
    def items(self) -> tuple[ChecklistItem, ...]:
        return tuple(item for section in self.sections for item in section.items)

    def item(self, key: str) -> ChecklistItem | None:
        return next((item for item in self.items if item.key == key), None)


def _text(table: Mapping[str, Any], field: str, where: str, problems: list[Problem]) -> str:
    value = table.get(field)
    if not isinstance(value, str) or not value.strip():
        problems.append(Problem(f"{where}.{field}", _("must be a text that is not empty")))
        return ""
    return value.strip()


def _item(table: object, section: str, where: str, problems: list[Problem]) -> ChecklistItem | None:
    if not isinstance(table, dict):
        problems.append(Problem(where, _("must be a table with key, zh, en and rule")))
        return None
    before = len(problems)
    key = _text(table, "key", where, problems)
    if key and not ITEM_KEY.match(key):
        problems.append(
            Problem(f"{where}.key", _("must be lower-case words joined by dots, e.g. x_ray.mark"))
        )
    rule = table.get("rule")
    if rule is not None and rule not in security_rules():
        problems.append(
            Problem(
                f"{where}.rule",
                _("is not a security rule; the rules are {keys}", keys=", ".join(security_rules())),
            )
        )
    zh, en = _text(table, "zh", where, problems), _text(table, "en", where, problems)
    if len(problems) > before:
        return None
    return ChecklistItem(key, section, zh, en, rule if isinstance(rule, str) else None)


def _section(
    table: object, where: str, known: Mapping[str, ChecklistSection], problems: list[Problem]
) -> ChecklistSection | None:
    if not isinstance(table, dict):
        problems.append(Problem(where, _("must be a table with key, title_zh, title_en, items")))
        return None
    key = _text(table, "key", where, problems)
    if key and not SECTION_KEY.match(key):
        problems.append(Problem(f"{where}.key", _("must be a lower-case word, e.g. x_ray")))
    existing = known.get(key)
    title_zh = existing.title_zh if existing else _text(table, "title_zh", where, problems)
    title_en = existing.title_en if existing else _text(table, "title_en", where, problems)
    entries = table.get("items", [])
    if not isinstance(entries, list):
        problems.append(Problem(f"{where}.items", _("must be a list of items")))
        entries = []
    items = [_item(entry, key, f"{where}.items[{n}]", problems) for n, entry in enumerate(entries)]
    kept = tuple(item for item in items if item is not None)
    return ChecklistSection(key, title_zh, title_en, (existing.items if existing else ()) + kept)


def parse_checklist(
    text: str, where: str = "security_checklist.toml", base: Checklist | None = None
) -> Checklist:
    """The checklist of a file (extending ``base`` when given); InvalidInputError locating every
    mistake (``chengdu.toml: sections[2].items[0].rule``)."""
    document, _name = settings_document(text, source=where)
    problems: list[Problem] = []
    name = f"{document.get('name', '')}-{document.get('version', '')}".strip("-")
    if not name:
        problems.append(Problem(f"{where}: name", _("give the checklist a name and a version")))
    known = {section.key: section for section in (base.sections if base else ())}
    order = list(known)
    sections = document.get("sections", [])
    if not isinstance(sections, list):
        sections = []
        problems.append(Problem(f"{where}: sections", _("must be a list of sections")))
    for number, table in enumerate(sections):
        section = _section(table, f"{where}: sections[{number}]", known, problems)
        if section is not None and section.key:
            order += [] if section.key in known else [section.key]
            known[section.key] = section
    checklist = Checklist(
        f"{base.name}+{name}" if base else name, tuple(known[key] for key in order)
    )
    problems += _repeats(checklist, where)
    if problems:
        raise InvalidInputError(_("The checklist {source} has mistakes.", source=where), problems)
    return checklist


def _repeats(checklist: Checklist, where: str) -> list[Problem]:
    seen: set[str] = set()
    problems: list[Problem] = []
    for item in checklist.items:
        if item.key in seen:
            problems.append(Problem(f"{where}: {item.key}", _("this item key is used twice")))
        seen.add(item.key)
    if len(checklist.items) > MAX_ITEMS:
        problems.append(Problem(where, _("at most {limit} items", limit=MAX_ITEMS)))
    return problems


@cache
def national_checklist() -> Checklist:
    """The packaged checklist."""
    text = resources.files("peakguard.cases").joinpath("security_checklist.toml").read_text("utf-8")
    return parse_checklist(text)


def load_checklist(extension: Path | None = None) -> Checklist:
    """The national checklist, extended by a local office's file when ``extension`` is given."""
    if extension is None:
        return national_checklist()
    document_text = extension.read_text("utf-8") if extension.is_file() else None
    if document_text is None:
        raise InvalidInputError(
            _("The checklist extension cannot be read."),
            [Problem(str(extension), _("no such file; give the path of a TOML file"))],
        )
    return parse_checklist(document_text, extension.name, national_checklist())


# -- the workflow ------------------------------------------------------------------------------


class InspectionState(StrEnum):
    planned = "planned"
    in_progress = "in_progress"
    completed = "completed"
    cancelled = "cancelled"


class InspectionAction(StrEnum):
    start = "start"
    complete = "complete"
    cancel = "cancel"


class Answer(StrEnum):
    compliant = "compliant"
    not_compliant = "not_compliant"
    not_applicable = "not_applicable"


TRANSITIONS: Final[Mapping[tuple[InspectionState, InspectionAction], InspectionState]] = {
    (InspectionState.planned, InspectionAction.start): InspectionState.in_progress,
    (InspectionState.planned, InspectionAction.cancel): InspectionState.cancelled,
    (InspectionState.in_progress, InspectionAction.complete): InspectionState.completed,
}
"""The only legal steps. Answers and findings change only while in progress."""

FINAL: Final = frozenset({InspectionState.completed, InspectionState.cancelled})


def state_label(state: InspectionState) -> Message:
    labels = {
        InspectionState.planned: _("planned"),
        InspectionState.in_progress: _("in progress"),
        InspectionState.completed: _("completed"),
        InspectionState.cancelled: _("cancelled"),
    }
    return labels[state]


def action_label(action: InspectionAction) -> Message:
    labels = {
        InspectionAction.start: _("start"),
        InspectionAction.complete: _("complete"),
        InspectionAction.cancel: _("cancel"),
    }
    return labels[action]


def allowed_actions(state: InspectionState) -> tuple[InspectionAction, ...]:
    return tuple(action for (source, action) in TRANSITIONS if source is state)


def next_state(state: InspectionState, action: InspectionAction) -> InspectionState:
    """The state ``action`` leads to from ``state``; IllegalTransitionError naming the allowed
    actions when the table has no such step."""
    target = TRANSITIONS.get((state, action))
    if target is None:
        allowed = allowed_actions(state)
        raise IllegalTransitionError(
            _(
                "An inspection that is {state} cannot take the step {action}; the steps it can "
                "take: {allowed}.",
                state=state_label(state),
                action=action_label(action),
                allowed=tuple(action_label(item) for item in allowed) or "—",
            ),
            tuple(item.value for item in allowed),
        )
    return target


def answer_problems(checklist: Checklist, answers: Sequence[tuple[str, str]]) -> list[Problem]:
    """What is wrong with (item key, answer) pairs against ``checklist``."""
    problems = []
    for number, (key, answer) in enumerate(answers):
        if checklist.item(key) is None:
            problems.append(Problem(f"answers[{number}].item", _("no such checklist item")))
        if answer not in {item.value for item in Answer}:
            problems.append(
                Problem(
                    f"answers[{number}].answer",
                    _("give compliant, not_compliant or not_applicable"),
                )
            )
    return problems

"""The inspection workflow's transition table against a hand-written one, and the checklist
kept as data: the packaged sections and rules, an office's extension, located mistakes."""

from __future__ import annotations

from pathlib import Path

import pytest

from peakguard.cases.inspections import (
    TRANSITIONS,
    InspectionAction,
    InspectionState,
    allowed_actions,
    load_checklist,
    national_checklist,
    next_state,
    parse_checklist,
)
from peakguard.cases.security_rules import security_rules
from peakguard.errors import IllegalTransitionError, InvalidInputError

HAND = {
    ("planned", "start"): "in_progress",
    ("planned", "cancel"): "cancelled",
    ("in_progress", "complete"): "completed",
}
"""Planned → in progress → completed; a planned one may be cancelled; nothing else."""


@pytest.mark.parametrize("state", list(InspectionState))
@pytest.mark.parametrize("action", list(InspectionAction))
def test_every_step_is_exactly_the_hand_table(
    state: InspectionState, action: InspectionAction
) -> None:
    """Each (state, action) pair leads where the hand table says, or is refused naming the
    steps the state allows."""
    expected = HAND.get((state.value, action.value))
    if expected is None:
        with pytest.raises(IllegalTransitionError) as refused:
            next_state(state, action)
        assert refused.value.allowed == tuple(a.value for a in allowed_actions(state))
    else:
        assert next_state(state, action).value == expected


def test_final_states_allow_nothing_and_every_state_reaches_one() -> None:
    """Completed and cancelled are final; planned and in progress lead to a final state."""
    assert len(TRANSITIONS) == len(HAND)
    assert allowed_actions(InspectionState.completed) == ()
    assert allowed_actions(InspectionState.cancelled) == ()
    assert (
        next_state(
            next_state(InspectionState.planned, InspectionAction.start), InspectionAction.complete
        )
        is InspectionState.completed
    )


def test_the_national_checklist_covers_the_three_100_percent_and_safety() -> None:
    """验视, 实名, 安检, 禁寄, 安全生产 are sections; X-ray images kept 30 days and the signed
    commitment letter are items; every rule key is a security rule; keys are unique."""
    checklist = national_checklist()
    sections = {section.key: section for section in checklist.sections}
    assert {
        "acceptance_inspection",
        "real_name",
        "x_ray",
        "prohibited_items",
        "safety_production",
    } <= set(sections)
    assert sections["x_ray"].title_zh == "过机安检"
    images = checklist.item("x_ray.images_kept")
    assert images is not None and "30" in images.text_zh and images.rule_key == "x_ray"
    assert checklist.item("safety_production.commitment_signed") is not None
    keys = [item.key for item in checklist.items]
    assert len(keys) == len(set(keys))
    assert {item.rule_key for item in checklist.items} <= set(security_rules())


def test_an_office_extends_the_checklist(tmp_path: Path) -> None:
    """Chengdu's file adds an item to 安检 and a section of its own, after the national ones."""
    extension = tmp_path / "chengdu.toml"
    extension.write_text(
        'name = "chengdu"\nversion = "2026"\n'
        '[[sections]]\nkey = "x_ray"\n'
        '[[sections.items]]\nkey = "x_ray.night_shift"\nzh = "夜班安检机有人值守"\n'
        'en = "The X-ray machine is staffed at night"\nrule = "x_ray"\n'
        '[[sections]]\nkey = "epidemic"\ntitle_zh = "疫情防控"\ntitle_en = "Epidemic control"\n'
        '[[sections.items]]\nkey = "epidemic.disinfection"\nzh = "进口快件消杀"\n'
        'en = "Imported parcels disinfected"\n',
        encoding="utf-8",
    )
    extended = load_checklist(extension)
    national = national_checklist()
    assert extended.name == "national-2026+chengdu-2026"
    assert len(extended.items) == len(national.items) + 2
    assert extended.sections[-1].key == "epidemic"
    x_ray = next(section for section in extended.sections if section.key == "x_ray")
    assert x_ray.items[-1].key == "x_ray.night_shift"


def test_mistakes_are_located() -> None:
    """An unknown rule, a missing English text and a repeated key are each named where they are."""
    text = (
        'name = "bad"\nversion = "1"\n'
        '[[sections]]\nkey = "x_ray"\n'
        '[[sections.items]]\nkey = "x_ray.one"\nzh = "一"\nen = "one"\nrule = "no_such_rule"\n'
        '[[sections.items]]\nkey = "x_ray.two"\nzh = "二"\n'
        '[[sections.items]]\nkey = "x_ray.machine_present"\nzh = "三"\nen = "three"\n'
    )
    with pytest.raises(InvalidInputError) as refused:
        parse_checklist(text, "bad.toml", national_checklist())
    assert [problem.location for problem in refused.value.problems] == [
        "bad.toml: sections[0].items[0].rule",
        "bad.toml: sections[0].items[1].en",
        "bad.toml: x_ray.machine_present",
    ]

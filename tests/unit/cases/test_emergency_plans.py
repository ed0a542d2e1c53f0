"""The emergency plans as data: the packaged file, the proposal of a plan and level, the
activation's legal steps, and a bad plans file refused with every mistake located."""

from __future__ import annotations

import pytest

from peakguard.cases.emergency_plans import (
    LEVELS,
    allowed_steps,
    changed_level,
    load_plans,
    next_state,
    propose,
)
from peakguard.errors import IllegalTransitionError, InvalidInputError

PLANS = load_plans()


def test_every_level_of_every_packaged_plan_orders_an_action_with_a_role() -> None:
    """Six plans, each with levels I to IV, each level with criteria and a role per action."""
    assert set(PLANS.plans) >= {
        "peak_backlog",
        "network_blockage",
        "natural_disaster",
        "epidemic_control",
        "safety_accident",
        "security_threat",
    }
    for plan in PLANS.plans.values():
        assert tuple(level.level for level in plan.levels) == LEVELS
        for level in plan.levels:
            assert level.criteria and level.actions
            assert all(action.role for action in level.actions)
            assert level.local_policy or level.source


@pytest.mark.parametrize(
    ("facts", "expected"),
    [
        ({"backlog_ratio": 0.99, "warning_level": 3}, None),
        ({"backlog_ratio": 1.0}, "IV"),
        ({"warning_level": 2}, "IV"),
        ({"backlog_ratio": 1.1999, "warning_level": 1}, "IV"),
        ({"backlog_ratio": 1.2, "warning_level": 1}, "III"),
        ({"parcels_held": 999_999}, "IV"),
        ({"parcels_held": 1_000_000}, "III"),
        ({"parcels_held": 5_000_000}, "II"),
        ({"overflowing_hub_share": 0.29, "backlog_ratio": 2.0}, "III"),
        ({"overflowing_hub_share": 0.3}, "II"),
        ({"overflowing_hub_share": 0.49}, "II"),
        ({"overflowing_hub_share": 0.5}, "I"),
        ({"provinces_affected": 3, "backlog_ratio": 1.0}, "I"),
    ],
)
def test_a_backlog_proposes_the_most_severe_level_its_facts_meet(
    facts: dict[str, float], expected: str | None
) -> None:
    """Hand-worked boundaries of the peak-backlog plan: ≥1.2 × capacity at a node is III,
    ≥1.0 or an orange warning IV; 30 % of hubs overflowing II, 50 % I."""
    proposal = propose(PLANS, "backlog", facts)
    assert (proposal.level if proposal else None) == expected
    if proposal:
        assert proposal.plan.key == "peak_backlog"
        assert all(criterion.holds(facts) for criterion in proposal.matched)


def test_a_safety_accident_is_graded_by_the_cited_casualty_thresholds() -> None:
    """生产安全事故报告和调查处理条例 art. 3: 2 deaths is 一般 (IV), 3 较大 (III), 10 重大 (II),
    30 特别重大 (I); 50 serious injuries is II."""
    levels = [
        propose(PLANS, "fire", {"deaths": deaths}).level  # type: ignore[union-attr]
        for deaths in (2, 3, 9, 10, 29, 30)
    ]
    assert levels == ["IV", "III", "III", "II", "II", "I"]
    assert propose(PLANS, "accident", {"serious_injuries": 50}).level == "II"  # type: ignore[union-attr]
    assert not PLANS.plans["safety_accident"].level("I").local_policy


def test_a_road_cut_proposes_the_blockage_plan_and_an_unknown_kind_nothing() -> None:
    """A road cut of 24 h is a level III blockage; 11 h with nothing else is no plan."""
    proposal = propose(PLANS, "road_cut", {"blocked_hours": 24})
    assert proposal is not None
    assert (proposal.plan.key, proposal.level) == ("network_blockage", "III")
    assert "blocked_hours is 24 (>= 24)" in str(proposal.reasons[0])
    assert propose(PLANS, "road_cut", {"blocked_hours": 11}) is None
    assert propose(PLANS, "meteor", {"blocked_hours": 100}) is None


def test_only_the_table_s_steps_are_taken_and_the_refusal_names_the_allowed_ones() -> None:
    """proposed → activated → responding → terminated; terminating a proposal is refused."""
    assert next_state("proposed", "activate") == "activated"
    assert next_state("activated", "check") == "responding"
    assert next_state("responding", "terminate") == "terminated"
    with pytest.raises(IllegalTransitionError) as refused:
        next_state("proposed", "terminate")
    assert refused.value.allowed == ("activate", "dismiss")
    assert allowed_steps("terminated") == ()
    assert changed_level("III", "raise", "II") == "II"
    with pytest.raises(InvalidInputError):
        changed_level("III", "raise", "IV")


BAD = """
[facts.backlog_ratio]
zh = "积压比"
en = "backlog ratio"

[actions.duty_24h]
zh = "启动24小时值班"
en = "Start the watch"

[plans.peak.levels.I]
commands = "galactic"
local_policy = true
criteria = [{ fact = "backlog_ratio", op = "=>", value = 3 }]
actions = ["duty_24h"]
"""


def test_a_bad_plans_file_is_refused_with_every_mistake_located() -> None:
    """A missing role, title, kinds and levels II–IV, a bad office and a bad comparison are
    each named by file, key and field."""
    with pytest.raises(InvalidInputError) as refused:
        load_plans(BAD, where="plans.toml")
    locations = {problem.location for problem in refused.value.problems}
    assert {
        "plans.toml: actions.duty_24h.role",
        "plans.toml: plans.peak.title_zh",
        "plans.toml: plans.peak.kinds",
        "plans.toml: plans.peak.levels.I.commands",
        "plans.toml: plans.peak.levels.I.criteria[0].op",
        "plans.toml: plans.peak.levels.II",
    } <= locations

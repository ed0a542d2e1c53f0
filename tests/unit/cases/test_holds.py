"""The stop-sort hold's rules: its one legal step against a hand-written table, the rules file,
and which scans break a hold (the boundaries at the hold's moment and at its release)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from peakguard.cases.holds import (
    TRANSITIONS,
    HoldState,
    HoldStep,
    hold_rules,
    is_violation,
    parse_rules,
    transition,
)
from peakguard.domain.scans import EventType
from peakguard.errors import ConflictError

HELD = datetime(2026, 11, 11, 2, 0, tzinfo=UTC)
RELEASED = HELD + timedelta(hours=4)
EXPECTED = {("held", "release"): "released"}
"""Written by hand: a hold is released once, and nothing else happens to it."""


def test_the_transition_table_is_the_hand_written_one() -> None:
    """Every (state, step) pair: legal exactly where the hand-written table says."""
    found = {
        (state.value, step.value): target.value for (state, step), target in TRANSITIONS.items()
    }
    assert found == EXPECTED
    for state in HoldState:
        for step in HoldStep:
            if (state.value, step.value) in EXPECTED:
                assert transition(state.value, step).value == EXPECTED[(state.value, step.value)]
            else:
                with pytest.raises(ConflictError):
                    transition(state.value, step)


def test_the_packaged_rules_cover_every_scan_and_the_directory_categories() -> None:
    """Every scan event is either movement or allowed (only ``exception`` is allowed); the
    categories include the directory's firearms, explosives, drugs and wildlife, explosives
    serious and counterfeit goods not; the outcomes include handing to public security."""
    rules = hold_rules()
    assert rules.movement | rules.allowed == {event.value for event in EventType}
    assert rules.allowed == {"exception"}
    assert {"firearms", "explosives", "drugs", "wildlife", "radioactive"} <= set(rules.categories)
    assert rules.categories["explosives"].serious
    assert not rules.categories["counterfeit_goods"].serious
    assert rules.categories["explosives"].label("zh_CN") == "爆炸物品"
    assert {"false_alarm", "handed_to_public_security", "returned_to_sender"} <= set(rules.outcomes)


def test_a_rules_file_naming_a_scan_both_ways_is_refused() -> None:
    """``sort`` both movement and allowed is a mistake, not a silent choice."""
    document = {
        "categories": {},
        "outcomes": {},
        "scans": {"movement": ["sort"], "allowed": ["sort"]},
    }
    with pytest.raises(ValueError, match="sort"):
        parse_rules(document)


@pytest.mark.parametrize(
    ("event", "at", "released", "expected"),
    [
        ("sort", HELD - timedelta(minutes=1), None, False),  # before the hold
        ("sort", HELD, None, False),  # the scan at the moment the item was found
        ("sort", HELD + timedelta(seconds=1), None, True),
        ("deliver", HELD + timedelta(days=3), None, True),
        ("exception", HELD + timedelta(hours=1), None, False),  # recording the stop
        ("depart", RELEASED - timedelta(seconds=1), RELEASED, True),
        ("depart", RELEASED, RELEASED, False),  # leaving lawfully at the release
        ("arrive", RELEASED + timedelta(hours=1), RELEASED, False),
    ],
)
def test_which_scans_break_a_hold(
    event: str, at: datetime, released: datetime | None, expected: bool
) -> None:
    """After the moment (exclusive) and before the release (exclusive), movement only."""
    movement = hold_rules().movement
    assert (
        is_violation(event, at, held_from=HELD, released_at=released, movement=movement) is expected
    )

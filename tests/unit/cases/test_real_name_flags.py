"""The flags' review table and thresholds, against a hand-written table."""

from __future__ import annotations

import pytest

from peakguard.cases.real_name_flags import (
    REVIEWS,
    Counts,
    FlagKind,
    FlagState,
    PatternThresholds,
    ReviewDecision,
    employee_flagged,
    review,
    volume_kinds,
)
from peakguard.errors import IllegalTransitionError, InvalidInputError

EXPECTED = {
    ("open", "confirm"): "confirmed",
    ("open", "dismiss"): "dismissed",
}


def test_the_review_table_is_the_hand_written_one() -> None:
    """Every (state, decision) pair: the written ones move, all others are refused."""
    assert {(s.value, d.value): t.value for (s, d), t in REVIEWS.items()} == EXPECTED
    for state in FlagState:
        for decision in ReviewDecision:
            key = (state.value, decision.value)
            if key in EXPECTED:
                assert review(state, decision).value == EXPECTED[key]
            else:
                with pytest.raises(IllegalTransitionError):
                    review(state, decision)


def test_counts_at_a_threshold_are_flagged_below_not() -> None:
    """30 a day, 150 in the window, 3 outlets: each "at least"."""
    limits = PatternThresholds()
    assert volume_kinds(Counts(29, 149, 2, 1), limits) == []
    assert volume_kinds(Counts(30, 149, 1, 1), limits) == [FlagKind.volume_day]
    assert volume_kinds(Counts(5, 150, 1, 1), limits) == [FlagKind.volume_window]
    assert volume_kinds(Counts(3, 3, 3, 3), limits) == [FlagKind.spread_day]


def test_an_employee_id_is_flagged_when_self_accepted_or_frequent() -> None:
    """One self-accepted parcel, or three a day, make a flag; two others' do not."""
    limits = PatternThresholds()
    assert not employee_flagged(Counts(2, 2, 1, 2, self_accepted=0), limits)
    assert employee_flagged(Counts(1, 1, 1, 1, self_accepted=1), limits)
    assert employee_flagged(Counts(3, 3, 1, 3, self_accepted=0), limits)


def test_thresholds_refuse_zero() -> None:
    """A threshold of 0 would flag everyone."""
    with pytest.raises(InvalidInputError):
        PatternThresholds(per_day=0)

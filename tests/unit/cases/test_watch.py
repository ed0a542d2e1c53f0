"""A warning's life, worked by hand: raise, supersede, inhibit, clear after the hold, ack."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from peakguard.cases.watch import (
    Clear,
    Finding,
    MarkBack,
    MarkGone,
    OpenWarning,
    Raise,
    ReasonKind,
    Supersede,
    WarningSource,
    WatchState,
    check_acknowledge,
    decide,
    grade_observed,
    grade_projected,
    most_severe,
    reason,
)
from peakguard.errors import IllegalTransitionError
from peakguard.i18n import render
from peakguard.simulate.warning_rules import WarningLevel, WarningThresholds

NOW = datetime(2026, 11, 11, 20, tzinfo=UTC)
RULES = WarningThresholds()  # red 100 %, orange 90 %, yellow 80 %, blue 70 %; hold 12 h


def finding(level: WarningLevel) -> Finding:
    return Finding("H", level, WarningSource.observed, ReasonKind.storage, {"backlog": 1.0})


def open_at(level: WarningLevel, below_since: datetime | None = None) -> OpenWarning:
    return OpenWarning(7, "H", level, WatchState.raised, below_since)


def test_a_graded_node_without_a_warning_raises_one() -> None:
    """Nothing open and a yellow finding: one yellow warning raised; no finding: nothing."""
    assert decide(None, finding(WarningLevel.yellow), now=NOW, hold_hours=12) == [
        Raise(finding(WarningLevel.yellow))
    ]
    assert decide(None, None, now=NOW, hold_hours=12) == []


def test_a_severer_grade_supersedes_at_once() -> None:
    """Yellow open, red found: the yellow ends superseded and a red names it."""
    actions = decide(
        open_at(WarningLevel.yellow), finding(WarningLevel.red), now=NOW, hold_hours=12
    )
    assert actions == [Supersede(7, WarningLevel.red), Raise(finding(WarningLevel.red), 7)]


def test_a_milder_grade_is_inhibited_then_raised_after_the_hold() -> None:
    """Red open, yellow found at 20:00: nothing raised, the count starts (gone since 20:00);
    at 31:59 still nothing; at 08:00 next day (12 h) the red clears and the yellow is raised."""
    red = open_at(WarningLevel.red)
    assert decide(red, finding(WarningLevel.yellow), now=NOW, hold_hours=12) == [MarkGone(7, NOW)]
    counting = open_at(WarningLevel.red, below_since=NOW)
    early = NOW + timedelta(hours=11, minutes=59)
    assert decide(counting, finding(WarningLevel.yellow), now=early, hold_hours=12) == []
    late = NOW + timedelta(hours=12)
    assert decide(counting, finding(WarningLevel.yellow), now=late, hold_hours=12) == [
        Clear(7),
        Raise(finding(WarningLevel.yellow)),
    ]


def test_a_condition_back_stops_the_count_and_gone_clears() -> None:
    """The red condition found again while counting: the count stops; gone for 12 h: cleared
    with nothing raised."""
    counting = open_at(WarningLevel.red, below_since=NOW)
    assert decide(counting, finding(WarningLevel.red), now=NOW, hold_hours=12) == [MarkBack(7)]
    assert decide(counting, None, now=NOW + timedelta(hours=13), hold_hours=12) == [Clear(7)]


def test_deciding_again_on_the_outcome_asks_for_nothing() -> None:
    """Idempotent: the same level open → nothing; the count already started → nothing."""
    assert (
        decide(open_at(WarningLevel.red), finding(WarningLevel.red), now=NOW, hold_hours=12) == []
    )
    counting = open_at(WarningLevel.red, below_since=NOW)
    assert decide(counting, None, now=NOW, hold_hours=12) == []


def test_only_a_raised_warning_is_acknowledged() -> None:
    """Raised → may be acknowledged; acknowledged, superseded, cleared → refused."""
    check_acknowledge(WatchState.raised)
    for state in (WatchState.acknowledged, WatchState.superseded, WatchState.cleared):
        with pytest.raises(IllegalTransitionError):
            check_acknowledge(state)


def test_observed_grades_by_hand() -> None:
    """Storage 1000: 650 none, 700 blue, 850 yellow, 900 orange, 1300 red (130 %)."""
    grades = {
        backlog: grade_observed("H", backlog, 1000, RULES) for backlog in (650, 700, 850, 900, 1300)
    }
    assert grades[650] is None
    assert [grades[b].level for b in (700, 850, 900, 1300)] == [  # type: ignore[union-attr]
        WarningLevel.blue,
        WarningLevel.yellow,
        WarningLevel.orange,
        WarningLevel.red,
    ]
    red = grades[1300]
    assert red is not None and red.figures["utilisation"] == pytest.approx(1.3)


def test_projected_grade_counts_hours_to_overflow() -> None:
    """Storage 1000, backlog 500 rising 100 an hour: full at hour 5 → red (within 6 h),
    reason "in 5 h"; rising 10 an hour: full at hour 50 → blue (within 72 h)."""
    fast = grade_projected("H", 500 + 100 * np.arange(12.0), 1000, RULES)
    assert fast is not None and fast.level is WarningLevel.red
    assert fast.figures["hours_ahead"] == 5
    assert "in 5 h" in render(reason(fast.level, fast.kind, fast.figures), "en")
    slow = grade_projected("H", 500 + 10 * np.arange(60.0), 1000, RULES)
    assert slow is not None and slow.level is WarningLevel.blue
    assert grade_projected("H", np.full(24, 100.0), 1000, RULES) is None


def test_the_most_severe_finding_wins_observed_on_a_tie() -> None:
    """Observed yellow and projected red: red; both yellow: the observed one."""
    observed = finding(WarningLevel.yellow)
    projected = Finding("H", WarningLevel.red, WarningSource.projected, ReasonKind.overflow)
    assert most_severe(observed, projected) == projected
    tie = Finding("H", WarningLevel.yellow, WarningSource.projected, ReasonKind.overflow)
    assert most_severe(tie, observed) == observed
    assert most_severe(None, None) is None

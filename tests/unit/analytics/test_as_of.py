"""The measurement moment (as-of): a closed period's figures cannot be moved by an event outside
its window — later than its as-of, or of no parcel of the period (issue 21).

The log is the bulletin tests' two China days (tests/unit/bulletin/conftest.py: hours after
2026-11-11 00:00 UTC; 12 November in China time is hours 16 … 40) and two parcels accepted
later, on 14 and 15 November. 12 November closes at hour 40 + 72 = 112.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from peakguard.analytics import KpiSettings
from peakguard.analytics.as_of import default_as_of, is_final, previous_as_of
from peakguard.bulletin import assemble_bulletin, day_period, week_period
from peakguard.bulletin.model import Bulletin
from tests.unit.analytics.conftest import CHENGDU, XIAN, at, events, scan
from tests.unit.bulletin.conftest import CURRENT_DAY, parcel_a, parcel_b, two_day_rows

NOW = datetime(2026, 12, 3, tzinfo=UTC)
"""The clock when the bulletins are made: weeks after the period closed."""
FAR_FUTURE = datetime(2027, 6, 1, 9, 0, tzinfo=UTC)
CLOSES = at(112)


def later_rows() -> list[dict[str, Any]]:
    """A8, accepted on 12 November (hour 30), last scanned at hub HA at hour 80: silent 32
    hours at the as-of (hour 112), not yet a stopped trail, but one as of any moment 48 hours
    after its last scan — a cutoff that one wrong clock pushes to 2027 makes it information
    lost. And parcels of no day measured here: L1 accepted at hour 60 (14 Nov), L2 at hour
    100 (15 Nov), delivered at hours 90 and 130 (the latter after 12 November closed)."""
    a8 = [
        scan("A8", "accept", "OA", 30, carrier="A", origin=CHENGDU, destination=XIAN),
        scan("A8", "depart", "OA", 31, next_node="HA", carrier="A", origin=CHENGDU),
        scan("A8", "arrive", "HA", 33, carrier="A", origin=CHENGDU, destination=XIAN),
        scan("A8", "sort", "HA", 80, carrier="A", origin=CHENGDU, destination=XIAN),
    ]
    a8[1]["destination_region"] = XIAN
    return [*a8, *parcel_a("L1", 60, 90), *parcel_b("L2", 100, 130)]


def bulletin(rows: list[dict[str, Any]], day: Any = CURRENT_DAY) -> Bulletin:
    return assemble_bulletin(events(rows), day_period(day), now=NOW)


def moved(rows: list[dict[str, Any]], index: int) -> list[dict[str, Any]]:
    """``rows`` with row ``index`` moved to the far future."""
    changed = [dict(row) for row in rows]
    changed[index]["time"] = FAR_FUTURE
    return changed


def test_the_default_as_of_is_the_end_plus_the_maturity_window_or_now() -> None:
    """72 hours after the period's end; now, when that is still ahead; the previous period
    as of the same moment, capped at its own end plus the window."""
    end = datetime(2026, 11, 12, 16, tzinfo=UTC)
    assert default_as_of(end, maturity_hours=72, now=NOW) == end + timedelta(hours=72)
    early = end + timedelta(hours=9)
    assert default_as_of(end, maturity_hours=72, now=early) == early
    before = end - timedelta(days=1)
    assert previous_as_of(early, before, 72) == early
    assert previous_as_of(FAR_FUTURE, before, 72) == before + timedelta(hours=72)
    assert is_final(end + timedelta(hours=72), end, 72)
    assert not is_final(early, end, 72)


def test_moving_an_event_to_the_far_future_changes_no_figure_of_a_closed_period() -> None:
    """The issue's Done-when: for events of the log outside 12 November's window (after its
    as-of, or of a parcel accepted on another day and after the period), moving one
    to 2027-06-01 leaves every figure of the closed day's bulletin — headlines of every carrier,
    rankings, nodes, pairs — and its as-of unchanged; so does a stray YTO event dated
    2027-06-01 at a node in no network."""
    rows = [*two_day_rows(), *later_rows()]
    before = bulletin(rows)
    assert before.cutoff == CLOSES
    assert before.final
    outside = [  # the first and last scans of L1 and L2 (L2's delivery is after the as-of)
        index
        for waybill in ("L1", "L2")
        for index in (
            min(i for i, row in enumerate(rows) if row["waybill"] == waybill),
            max(i for i, row in enumerate(rows) if row["waybill"] == waybill),
        )
    ]
    assert all(rows[index]["time"] > at(40) for index in outside)
    assert any(rows[index]["time"] > CLOSES for index in outside)
    for index in outside:
        assert bulletin(moved(rows, index)) == before, rows[index]
    stray = scan("A2", "exception", "YTO-NOWHERE", 0, carrier="YTO", reason="loss")
    stray["time"] = FAR_FUTURE
    assert bulletin([*rows, stray]) == before
    # What the stray event did when the cutoff was the latest event: A's loss rate moved.
    pushed = KpiSettings(cutoff=FAR_FUTURE)
    log = events([*rows, stray])
    moved_cutoff = assemble_bulletin(log, day_period(CURRENT_DAY), settings=pushed)
    loss = "information_loss_rate"
    assert before.headline("A").figure(loss).current == pytest.approx(0.0)
    assert moved_cutoff.headline("A").figure(loss).current == pytest.approx(1 / 5)  # A8 of 5


def test_an_event_inside_the_window_does_move_the_figures() -> None:
    """The check above can fail: A6's delivery at hour 98 is inside the window (a parcel of the
    day, before the as-of); moved to 2027 the parcel is undelivered as of the as-of and A's
    mean journey time changes."""
    rows = [*two_day_rows(), *later_rows()]
    index = next(
        i for i, row in enumerate(rows) if row["waybill"] == "A6" and row["event"] == "deliver"
    )
    before = bulletin(rows).headline("A").figure("mean_journey_hours").current
    after = bulletin(moved(rows, index)).headline("A").figure("mean_journey_hours").current
    assert before != pytest.approx(after)


def test_a_stated_as_of_later_than_the_far_event_lets_it_in() -> None:
    """A stated as-of is honoured: as of 2027-06-02 a loss exception dated 2027-06-01 on A2
    (accepted 11 November) counts in the bulletin of 11 November (1 of A's 2 parcels lost);
    in the bulletin of 12 November, 11 November is the previous day, measured as of its own
    end plus 72 hours (hour 88), where the loss is not yet recorded."""
    rows = two_day_rows()
    stray = scan("A2", "exception", "HA", 0, carrier="A", reason="loss")
    stray["time"] = FAR_FUTURE
    later = KpiSettings(cutoff=FAR_FUTURE + timedelta(days=1))
    log = events([*rows, stray])
    twelfth = assemble_bulletin(log, day_period(CURRENT_DAY), settings=later, now=NOW)
    assert twelfth.previous_cutoff == at(16 + 72)
    assert twelfth.headline("A").figure("lost_per_million").previous == 0
    eleventh = assemble_bulletin(
        log, day_period(CURRENT_DAY - timedelta(days=1)), settings=later, now=NOW
    )
    assert eleventh.headline("A").figure("lost_per_million").current == pytest.approx(5e5)


def test_a_bulletin_made_before_the_window_closes_is_provisional() -> None:
    """Made on the morning after the day (hour 50), the as-of is now: the figures are
    provisional, and the week holding the day is measured as of now as well."""
    rows = two_day_rows()
    morning = at(50)
    day = assemble_bulletin(events(rows), day_period(CURRENT_DAY), now=morning)
    assert day.cutoff == morning
    assert not day.final
    week = assemble_bulletin(events(rows), week_period(CURRENT_DAY), now=morning)
    assert week.cutoff == morning

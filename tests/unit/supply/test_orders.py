"""The supply order's table (seed 004: a quotation within 24 h of the sheet, a confirmation
within 4 h of the quotation), hand-worked clocks, and the group-buy aggregation."""

from __future__ import annotations

from datetime import datetime, time
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from peakguard.cases.calendar import WorkingCalendar
from peakguard.cases.clocks import load_clock_rules
from peakguard.errors import IllegalTransitionError, InvalidInputError
from peakguard.supply.bundles import load_bundles
from peakguard.supply.model import DeliveryKind, DeliveryPoint, OrderKind, OrderLine, Place
from peakguard.supply.orders import (
    CONFIRMATION,
    OPEN_STATES,
    QUOTATION,
    TRANSITIONS,
    GroupBuyEntry,
    Party,
    SupplyState,
    SupplyStep,
    aggregate_group_buy,
    allowed,
    check_sheet,
    outcome,
    start_clock,
    transition,
)

CHINA = ZoneInfo("Asia/Shanghai")
CALENDAR = WorkingCalendar.china()
RULES = load_clock_rules()


def point(code: str, kind: DeliveryKind = DeliveryKind.pickup_point) -> Place:
    return Place(code, f"point {code}", "410105", 34.77, 113.68)


def test_a_quotation_on_the_day_after_the_sheet_is_due_exactly_24_hours_later() -> None:
    """Sheet received 2026-11-12 09:00 → quotation due 2026-11-13 09:00 (hours, rest days in)."""
    clock = start_clock(RULES[QUOTATION], datetime(2026, 11, 12, 9, 0, tzinfo=CHINA), CALENDAR)
    assert clock.due_at == datetime(2026, 11, 13, 9, 0, tzinfo=CHINA)
    assert clock.remind_at == datetime(2026, 11, 13, 5, 0, tzinfo=CHINA)  # 4 h before
    assert (clock.basis, clock.limit) == ("hours", 24)
    assert "24小时" in clock.source


def test_a_quotation_at_09_30_the_next_day_is_late_and_one_at_09_00_in_time() -> None:
    """t <= due is in time: 24 h exactly is met, 24 h 1 min and 24 h 30 min are late."""
    due = datetime(2026, 11, 13, 9, 0, tzinfo=CHINA)
    assert outcome(due, due) == "met"
    assert outcome(due, datetime(2026, 11, 13, 9, 1, tzinfo=CHINA)) == "late"
    assert outcome(due, datetime(2026, 11, 13, 9, 30, tzinfo=CHINA)) == "late"


def test_the_confirmation_falls_due_4_hours_after_the_quotation_over_a_weekend_night() -> None:
    """A quotation on Saturday 14 Nov 2026 at 22:15 is to be confirmed by Sunday 02:15."""
    clock = start_clock(RULES[CONFIRMATION], datetime(2026, 11, 14, 22, 15, tzinfo=CHINA), CALENDAR)
    assert clock.due_at == datetime(2026, 11, 15, 2, 15, tzinfo=CHINA)
    assert clock.remind_at == datetime(2026, 11, 15, 1, 15, tzinfo=CHINA)


def test_the_happy_path_runs_from_the_sheet_to_the_receipt_each_step_by_its_side() -> None:
    """send, quote, confirm, contract, allocate, hand over, receive: the seed's order."""
    path = [
        ("send", Party.company), ("quote", Party.supplier), ("confirm", Party.company),
        ("contract", Party.supplier), ("allocate", Party.supplier),
        ("hand_over", Party.supplier), ("receive", Party.company),
    ]  # fmt: skip
    state = SupplyState.drafted.value
    for step, party in path:
        state = transition(state, step, party).target
    assert state == SupplyState.closed


def test_a_returned_quotation_stops_the_confirmation_and_restarts_the_quotation_clock() -> None:
    """return: quoted → sent, the 4 h clock stopped, the 24 h clock started anew."""
    move = transition("quoted", "return", Party.company)
    assert (move.target, move.stops, move.starts) == ("sent", CONFIRMATION, QUOTATION)


def test_the_supplier_may_not_confirm_its_own_quotation() -> None:
    """confirm is the company's step: the supplier is refused, told whose it is."""
    with pytest.raises(IllegalTransitionError) as caught:
        transition("quoted", "confirm", Party.supplier)
    assert caught.value.allowed == ("confirm", "return", "cancel")


@given(
    state=st.sampled_from(list(SupplyState)),
    step=st.sampled_from([str(step) for step in SupplyStep]),
)
def test_every_step_outside_the_table_is_refused_naming_the_steps_allowed(
    state: str, step: str
) -> None:
    """From any state, a step the table lacks raises with exactly the table's steps."""
    legal = {(move.source, move.step) for move in TRANSITIONS}
    if (state, step) in legal:
        assert transition(state, step, None).source == state
    else:
        with pytest.raises(IllegalTransitionError) as caught:
            transition(state, step, None)
        assert caught.value.allowed == allowed(state)


def test_cancel_is_open_from_every_open_state_and_from_no_finished_one() -> None:
    """The company may cancel until the goods are received, never after."""
    for state in SupplyState:
        assert ("cancel" in allowed(state, Party.company)) == (state in OPEN_STATES)


def test_group_buy_tallies_sum_into_lines_by_bundle_and_points_by_pick_up_point() -> None:
    """Three leaders' tallies at two points: 2 lines, 2 points, 95 sets each way."""
    a, b = point("P-A"), point("P-B")
    entries = [
        GroupBuyEntry("T-01", a, "vegetables", 40),
        GroupBuyEntry("T-02", b, "vegetables", 25),
        GroupBuyEntry("T-01", a, "milk", 30),
    ]
    lines, points = aggregate_group_buy(entries, source="SRC-SD")
    assert lines == (OrderLine("vegetables", 65, "SRC-SD"), OrderLine("milk", 30, "SRC-SD"))
    assert [(p.place.code, p.quantity) for p in points] == [("P-A", 70), ("P-B", 25)]
    assert all(p.kind is DeliveryKind.pickup_point for p in points)


@given(st.lists(st.tuples(st.integers(0, 3), st.integers(0, 2), st.integers(1, 500)),
                min_size=1, max_size=30))  # fmt: skip
def test_aggregation_conserves_every_set(rows: list[tuple[int, int, int]]) -> None:
    """However the tallies fall, lines and points each hold exactly the sets tallied."""
    keys = ["vegetables", "food", "milk", "fruit"]
    entries = [GroupBuyEntry("T", point(f"P{p}"), keys[b], q) for b, p, q in rows]
    lines, points = aggregate_group_buy(entries, source="S")
    total = sum(q for _b, _p, q in rows)
    assert sum(line.quantity for line in lines) == total == sum(p.quantity for p in points)
    check_sheet(OrderKind.group_buy, lines, points, load_bundles())


def test_a_sheet_with_an_unknown_bundle_and_sets_not_delivered_lists_both_mistakes() -> None:
    """An unknown bundle and 10 sets ordered but 8 delivered are both located."""
    lines = (OrderLine("caviar", 10, "S"),)
    points = (DeliveryPoint(point("A"), DeliveryKind.address, 8, time(8), time(20)),)
    with pytest.raises(InvalidInputError) as caught:
        check_sheet(OrderKind.direct_purchase, lines, points, load_bundles())
    assert {p.location for p in caught.value.problems} == {"lines[0].bundle", "deliveries"}

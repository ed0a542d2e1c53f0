"""Gridlock found in a run's record of departures short for room: a cycle in the graph of
"waits for room at", hour by hour, as Ciw's state digraph detects deadlock."""

from __future__ import annotations

from collections.abc import Sequence
from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest

from peakguard.domain.network import Carrier, Network
from peakguard.domain.routing import derive_routing
from peakguard.simulate.engine import SimulationRun, conservation_gap, simulate_plan
from peakguard.simulate.gridlock import Wait, find_gridlocks
from peakguard.simulate.plan import Demand, StoragePolicy, compile_plan
from peakguard.simulate.run_state import LaneBlocks

from .conftest import BIG, EVERY_HOUR, lane, node

A, B, C, D = range(4)
LANES = [(A, B), (B, C), (C, A), (A, D)]
"""Lanes 0–3 of the hand-made runs: A→B, B→C, C→A, A→D."""


def hand_made_run(
    blocks: list[tuple[int, int, float]], *, daily: dict[int, int], at_gate: bool = False
) -> Any:
    """A run of 72 hours over hubs A, B, C, D with the ``LANES``, lane ``l`` leaving once a day
    at hour ``daily[l]``; ``blocks`` are its short departures (hour, lane, parcels), or, with
    ``at_gate``, its refusals at gates."""
    hours = 72
    departures: dict[int, tuple[np.ndarray, np.ndarray]] = {}
    for lane_number, clock in daily.items():
        for hour in range(clock, hours, 24):
            lanes, capacities = departures.get(hour, (np.zeros(0, np.int64), np.zeros(0)))
            departures[hour] = (np.append(lanes, lane_number), np.append(capacities, 100.0))
    plan = SimpleNamespace(
        hours=hours,
        node_ids=("A", "B", "C", "D"),
        lane_origin=np.array([a for a, _ in LANES]),
        lane_destination=np.array([b for _, b in LANES]),
        departures=departures,
    )
    hour, lane_number, parcels = zip(*blocks, strict=True) if blocks else ((), (), ())
    return SimpleNamespace(
        plan=plan,
        lane_blocks=LaneBlocks(
            np.array(hour, dtype=np.int64),
            np.array(lane_number, dtype=np.int64),
            np.array(parcels, dtype=float),
            np.full(len(hour), at_gate),
        ),
    )


def test_a_cycle_of_waits_is_gridlock_from_its_last_link_until_its_first_breaks() -> None:
    """A→B leaves at 20:00, B→C at 22:00, C→A at 23:00, A→D at 06:00, once a day. A→B is
    short at hour 20, B→C at 22, C→A at 23: A waits for room at B from 20 until A→B leaves
    again at 44, B at C from 22 until 46, C at A from 23 until 47. The cycle A→B→C→A holds
    from hour 23 (its last link) to hour 44 (its first link's next departure, which carried
    everything). From 23 to 29 nothing in it waits for room outside (a knot); A→D, short at
    hour 30, does not break the cycle. The most held back: 500 from A to B."""
    run = hand_made_run(
        [(20, 0, 500.0), (22, 1, 300.0), (23, 2, 200.0), (30, 3, 50.0)],
        daily={0: 20, 1: 22, 2: 23, 3: 6},
    )
    [gridlock] = find_gridlocks(run)
    assert gridlock.hubs == ("A", "B", "C")
    assert (gridlock.start_hour, gridlock.end_hour, gridlock.hours) == (23, 44, 21)
    assert not gridlock.to_the_end
    assert gridlock.knot
    assert gridlock.waits == (Wait("A", "B", 500.0), Wait("B", "C", 300.0), Wait("C", "A", 200.0))


def test_a_cycle_that_lasts_to_the_end_and_is_never_a_knot() -> None:
    """Every departure of A→B, B→C, C→A and A→D is short from day 2 (hour 24 on): the cycle
    holds from hour 47 (C→A's first short departure, at 23:00 on day 2) to the end of the run,
    and A always also waits for room at D, outside it: never a knot. The waits are the most
    held back by one departure."""
    blocks = [
        (hour, lane_number, 10.0 * (hour // 24))
        for lane_number, hour in [(0, 44), (0, 68), (1, 46), (1, 70), (2, 47), (2, 71)]
    ]
    blocks += [(30, 3, 5.0), (54, 3, 5.0)]
    run = hand_made_run(sorted(blocks), daily={0: 20, 1: 22, 2: 23, 3: 6})
    [gridlock] = find_gridlocks(run)
    assert (gridlock.start_hour, gridlock.end_hour) == (47, 72)
    assert gridlock.to_the_end and not gridlock.knot
    assert {(wait.hub, wait.waits_for, wait.parcels) for wait in gridlock.waits} == {
        ("A", "B", 20.0),
        ("B", "C", 20.0),
        ("C", "A", 20.0),
    }


def test_vehicles_refused_at_each_others_gates_are_gridlock_for_the_hours_they_wait() -> None:
    """Vehicles on A→B, B→C and C→A are all refused at their targets' gates in hours 30 and
    31 (each waits an hour, then tries again; the lanes' next departures are a day away, so a
    short departure would have meant a day's wait): a gridlock of A, B and C from hour 30 to
    32, and a knot, the waits the most refused at once."""
    blocks = [(30, 0, 40.0), (30, 1, 30.0), (30, 2, 20.0), (31, 0, 45.0), (31, 1, 30.0)]
    blocks += [(31, 2, 10.0)]
    run = hand_made_run(blocks, daily={0: 20, 1: 22, 2: 23, 3: 6}, at_gate=True)
    [gridlock] = find_gridlocks(run)
    assert gridlock.hubs == ("A", "B", "C") and gridlock.knot
    assert (gridlock.start_hour, gridlock.end_hour, gridlock.to_the_end) == (30, 32, False)
    assert gridlock.waits == (Wait("A", "B", 45.0), Wait("B", "C", 30.0), Wait("C", "A", 20.0))


def test_refusals_of_less_than_half_a_parcel_are_rounding_not_gridlock() -> None:
    """The same cycle at the gates as above, but each refusal a few ten-millionths of a parcel
    (the projection's rounding on a large network): no gridlock; one real refusal among them
    makes no cycle either."""
    noise = [(30, 0, 4e-7), (30, 1, 3e-7), (30, 2, 4e-7)]
    assert find_gridlocks(hand_made_run(noise, daily={0: 20, 1: 22, 2: 23}, at_gate=True)) == []
    one_real = [(30, 0, 40.0), (30, 1, 3e-7), (30, 2, 4e-7)]
    assert find_gridlocks(hand_made_run(one_real, daily={0: 20, 1: 22, 2: 23}, at_gate=True)) == []


def test_waits_without_a_cycle_are_no_gridlock() -> None:
    """A waits for B and B for C, but C never for A: a chain of waits is backlog, not
    gridlock; and a run with nothing short has none."""
    run = hand_made_run([(20, 0, 500.0), (22, 1, 300.0)], daily={0: 20, 1: 22, 2: 23, 3: 6})
    assert find_gridlocks(run) == []
    assert find_gridlocks(hand_made_run([], daily={0: 20})) == []


def two_cities(
    *,
    a_to_b: Sequence[str] = EVERY_HOUR,
    b_to_a: Sequence[str] = EVERY_HOUR,
    feeders_last: bool = False,
) -> Network:
    """Hubs A and B (100 an hour, storage 300 each) trade over lanes both ways, leaving at
    ``a_to_b`` and ``b_to_a``; each city's outlet feeds its hub every hour, each hub's station
    takes the other city's parcels. The feeders' lanes are listed first (or last)."""
    feeders = [lane("OA", "A"), lane("OB", "B")]
    trade = [lane("A", "B", departures=a_to_b), lane("B", "A", departures=b_to_a)]
    return Network(
        name="two-cities",
        carriers=[Carrier(code="ZTO", name="中通快递")],
        nodes=[
            node("OA", "outlet", BIG),
            node("OB", "outlet", BIG),
            node("A", "hub", 100, 300),
            node("B", "hub", 100, 300),
            node("SA", "station", BIG),
            node("SB", "station", BIG),
        ],
        lanes=[
            *(trade + feeders if feeders_last else feeders + trade),
            lane("A", "SA"),
            lane("B", "SB"),
        ],
    )


def run_two_cities(network: Network, policy: StoragePolicy, hours: int) -> SimulationRun:
    """Each city sends 300 an hour for 12 hours (hours 0–11) to the other's station, three
    times what either hub sorts; no parcel is lost, whatever happens."""
    hour = np.repeat(np.arange(12), 2)
    demand = Demand(np.tile([0, 1], 12), np.tile([5, 4], 12), hour, np.full(24, 300.0))
    plan = compile_plan(
        network,
        derive_routing(network),
        demand,
        hours=hours,
        sorting_capacity=np.array(
            [[n.sorting_capacity_by_hour()[h % 24] for h in range(hours)] for n in network.nodes],
            dtype=float,
        ),
        accepting=np.ones((6, hours), dtype=bool),
        lane_capacity_factor=np.ones((6, hours)),
        policy=policy,
    )
    run = simulate_plan(plan)
    assert abs(conservation_gap(run)) < 1e-6
    return run


@pytest.mark.parametrize("feeders_last", [False, True])
def test_two_hubs_full_of_each_others_parcels_swap_them_as_fast_as_they_sort(
    feeders_last: bool,
) -> None:
    """Lanes both ways every hour, both hubs full from hour 2. Each delivered parcel is sorted
    once at A and once at B, and a hub's sort counts only if done in hours 2 (the first
    parcels reach the hubs) to 57 (sorted at the second hub in 57, the parcel leaves in 58 and
    is delivered at its station in 59, the run's last hour): A sorts at most 100 × 56 = 5,600
    parcels in that window, each a different delivered parcel, so at most 5,600 of the 7,200
    can be delivered. The departures from the fullest origins go first, so the hubs swap
    their parcels and deliver exactly that, sorting 100 in every hour from 2, never above
    their storage, and no gridlock — in whatever order the lanes are listed (when the
    feeders' lanes took the room each hub freed by sending, nothing was delivered)."""
    hours = 60
    run = run_two_cities(two_cities(feeders_last=feeders_last), StoragePolicy.block, hours)
    first_sort, last_sort = 2, hours - 3
    assert run.delivered.sum() == pytest.approx(100 * (last_sort - first_sort + 1)) == 5600
    for hub in (2, 3):
        assert run.processed[hub] == pytest.approx([0, 0] + [100] * (hours - 2))
        assert run.backlog[hub].max() == pytest.approx(300)
    assert find_gridlocks(run) == []


@pytest.mark.parametrize("policy", list(StoragePolicy))
def test_hubs_that_swap_only_at_different_hours_are_in_gridlock(policy: StoragePolicy) -> None:
    """A→B leaves at 00:00 only, B→A at 12:00 only. Each hub receives 300 from its outlet in
    hour 2 and is full (300) from then on: it sorts them, all for the other hub, by hour 4,
    and nothing else can come in. B→A is short in hour 12 (A is full and sends nothing before
    hour 24), so B waits for room at A from 12 to 36; A→B is short in hour 24, so A waits for
    B from 24 to 48; and so on. The cycle A ⇄ B holds from hour 24 to the end of the run, a
    knot (neither waits for anything outside it), each holding back 300, and nothing is
    delivered: storage truly lacks. Under ``overflow`` nothing is refused and there is no
    gridlock."""
    network = two_cities(a_to_b=["00:00"], b_to_a=["12:00"])
    run = run_two_cities(network, policy, 72)
    gridlocks = find_gridlocks(run)
    if policy is StoragePolicy.overflow:
        assert gridlocks == [] and len(run.lane_blocks.lane) == 0
        return
    assert run.delivered.sum() == 0
    assert run.backlog[2:4, 2:] == pytest.approx(300)
    trade = run.lane_blocks.lane >= 2
    assert run.lane_blocks.hour[trade].tolist() == [12, 24, 36, 48, 60]
    [gridlock] = gridlocks
    assert gridlock.hubs == ("A", "B") and gridlock.knot
    assert (gridlock.start_hour, gridlock.end_hour, gridlock.to_the_end) == (24, 72, True)
    assert gridlock.waits == (Wait("A", "B", 300.0), Wait("B", "A", 300.0))

"""A plan checked by simulation: the planned demand conserves parcels, and the planned run
of a peak that overflows a hub unplanned does not."""

from __future__ import annotations

import numpy as np
import pytest

from peakguard.domain.network import Network
from peakguard.optimize.comparison import (
    compare_by_simulation,
    compare_runs,
    compare_tagged,
    planned_demand,
    run_as_planned,
    run_as_released,
    simulate_planned,
    simulate_unplanned,
)
from peakguard.optimize.problem import PlanningProblem, compile_problem
from peakguard.optimize.releases import releases_from_problem
from peakguard.optimize.stagger import PickupPlan, plan_pickups
from peakguard.simulate.demand import build_demand
from peakguard.simulate.plan import Demand, StoragePolicy

from .conftest import CARRIERS, DAY1, hub_chain, lane, node, release, scenario

DOUBLE_11_X4 = scenario(
    3, warm_up_days=1, drain_days=2, volume_multipliers=[{"first_day": DAY1, "multiplier": 4}]
)
"""One warm-up day, Double 11 at four times a normal day, two more days, two drain days."""


@pytest.fixture
def hub_with_background() -> Network:
    """O1 (1,000 a day, planned) and O2 (500 a day, never planned) → H (100 an hour, 2,400 a
    day) → S: O2's parcels are background the plan must leave room for."""
    return Network(
        name="hub-with-background",
        carriers=CARRIERS[:1],
        nodes=[
            node("O1", "outlet", daily_volume=1000),
            node("O2", "outlet", daily_volume=500),
            node("H", "hub", capacity=100),
            node("S", "station"),
        ],
        lanes=[lane("O1", "H"), lane("O2", "H"), lane("H", "S")],
    )


def _hourly(demand: Demand, origin: int, before_hour: int) -> np.ndarray:
    """Parcels ``origin`` takes on in each hour before ``before_hour``."""
    chosen = (demand.origin == origin) & (demand.hour < before_hour)
    return np.bincount(demand.hour[chosen], demand.parcels[chosen], minlength=96)


def test_planned_demand_conserves_parcels(hub_with_background: Network) -> None:
    """Planned demand = scenario demand − the planned origin's pickups after the warm-up +
    the quotas, placed in the pickup rounds of each quota's day.

    One warm-up day and three demand days: the scenario takes on (1,000 + 500) × 4 = 6,000;
    O1's pickups after the warm-up are 3 × 1,000 = 3,000; O1 releases 2,400 + 1,500 + 800 =
    4,700, so the planned demand is 6,000 − 3,000 + 4,700 = 7,700: O2's 2,000 and O1's
    warm-up 1,000 untouched.

    The quotas by hand: H's day holds O2's 500 (all sorted at H the same day) and may take
    0.95 × 2,400 = 2,280, leaving 1,780 for O1. Day 1: 1,780 of the 2,400 (window to day 2),
    620 wait. Day 2: those 620 must go, plus 1,160 of day 2's 1,500 (window to day 3); 340
    wait. Day 3: 340 + 800 = 1,140. Delay 620 + 340 = 960 parcel-days.
    """
    network = hub_with_background
    peak = scenario(3, warm_up_days=1, drain_days=1)
    releases = [release("O1", 2400, 1, 2), release("O1", 1500, 2, 3), release("O1", 800, 3, 3)]
    problem = compile_problem(network, peak)
    plan = plan_pickups(problem, releases)
    assert plan.within_capacity
    quotas = {(q.day - DAY1).days + 1: q.quota for q in plan.quotas}
    assert quotas == pytest.approx({1: 1780, 2: 1780, 3: 1140, 4: 0}, abs=1e-2)  # no warm-up quota
    assert plan.delay_parcel_days == pytest.approx(960, abs=1e-2)

    scenario_demand = build_demand(network, peak)
    assert scenario_demand.total == pytest.approx(6000)
    demand = planned_demand(problem, plan)
    assert demand.total == pytest.approx(6000 - 3000 + 4700, abs=1e-6)
    by_origin = np.bincount(demand.origin, weights=demand.parcels, minlength=4)
    assert by_origin[:2] == pytest.approx([1000 + 4700, 500 * 4], abs=1e-6)
    # O1 after the warm-up: a quarter of each day's quota in each round (10, 13, 16, 19).
    o1 = (demand.origin == 0) & (demand.hour >= 24)
    hours = sorted(set(demand.hour[o1].tolist()))
    assert hours == [24 * d + h for d in (1, 2, 3) for h in (10, 13, 16, 19)]
    for hour in hours:
        picked = demand.parcels[o1 & (demand.hour == hour)].sum()
        assert picked == pytest.approx(quotas[hour // 24] / 4, abs=1e-2)
    # O2 and O1's warm-up day are exactly the scenario's own, hour by hour.
    for origin, before_hour in ((1, 96), (0, 24)):
        assert _hourly(demand, origin, before_hour) == pytest.approx(
            _hourly(scenario_demand, origin, before_hour)
        )


@pytest.fixture
def fast_hub_peak() -> tuple[PlanningProblem, PickupPlan]:
    """Double 11 at four times the normal 2,000 into H sorting 2,000 an hour with storage
    for 1,500, and its staggered plan (releases from the scenario, window two days).

    Free flow holds a pickup round at H for the one hour it is sorted in, so a day's quota
    may be at most 4 rounds × 0.85 × 1,500 = 5,100 (sorting, 0.95 × 48,000 a day, does not
    bind). Releases: day 1 8,000, days 2 and 3 2,000 each: 5,100 on day 1, 2,900 + 2,000 =
    4,900 on day 2, 2,000 on day 3; delay 2,900 parcel-days.
    """
    problem = compile_problem(hub_chain(2000, hub_storage=1500, outlet_volume=2000), DOUBLE_11_X4)
    plan = plan_pickups(problem, releases_from_problem(problem, window_days=2))
    assert plan.within_capacity
    quotas = {(q.day - DAY1).days + 1: q.quota for q in plan.quotas}
    assert [quotas[d] for d in (1, 2, 3, 4, 5)] == pytest.approx([5100, 4900, 2000, 0, 0], abs=1e-2)
    assert plan.delay_parcel_days == pytest.approx(2900, abs=1e-2)
    return problem, plan


def test_the_planned_run_blocks_less_than_the_unplanned_one(
    fast_hub_peak: tuple[PlanningProblem, PickupPlan],
) -> None:
    """With full hubs refusing parcels: unplanned, day 1's rounds of 2,000 are more than H's
    1,500 of storage, so departures to it are blocked; planned, a round of 1,275 reaches an
    empty H, is sorted within the hour and gone the next: a peak of 0.85, nothing blocked."""
    problem, plan = fast_hub_peak
    comparison = compare_by_simulation(problem, plan, policy=StoragePolicy.block)
    before, after = comparison.unplanned, comparison.planned
    assert before.blocked_parcels > 0
    assert after.blocked_parcels == pytest.approx(0, abs=1e-6)
    assert before.accepted == pytest.approx(12000)
    assert after.accepted == pytest.approx(12000)
    (hub,) = comparison.hubs
    assert hub.node == "H"
    assert hub.blocked_before > 0 and hub.blocked_after == pytest.approx(0, abs=1e-6)
    assert hub.peak_storage_before == pytest.approx(1.0, abs=1e-3)
    assert hub.peak_storage_after == pytest.approx(0.85, abs=1e-3)
    assert hub.full_hours_before > 0
    assert hub.full_hours_after == 0
    assert before.hubs_full == 1 and after.hubs_full == 0


def test_the_planned_run_overflows_no_hub_where_the_unplanned_one_does(
    fast_hub_peak: tuple[PlanningProblem, PickupPlan],
) -> None:
    """With the default check (full hubs take parcels in beyond storage): unplanned, H holds
    each of day 1's four rounds of 2,000 for an hour, 2,000 / 1,500 = 4/3 of storage, four
    overflow hours; planned, 1,275 = 0.85 at most, none. The pickup delay is added to the
    planned parcels' time: 24 h × 2,900 / 12,000 = 5.8 hours."""
    problem, plan = fast_hub_peak
    comparison = compare_by_simulation(problem, plan)
    before, after = comparison.unplanned, comparison.planned
    (hub,) = comparison.hubs
    assert hub.peak_storage_before == pytest.approx(4 / 3, abs=1e-6)
    assert hub.peak_storage_after == pytest.approx(0.85, abs=1e-3)
    assert before.overflow_node_hours == 4
    assert after.overflow_node_hours == 0
    assert before.blocked_parcels == 0 and after.blocked_parcels == 0
    assert comparison.pickup_delay_parcel_days == pytest.approx(2900, abs=1e-2)
    assert comparison.mean_release_to_delivery_hours_after == pytest.approx(
        after.mean_delivery_hours + 5.8, abs=1e-4
    )


def test_the_runs_kept_with_their_tags_compare_as_the_hand_worked_case(
    fast_hub_peak: tuple[PlanningProblem, PickupPlan],
) -> None:
    """The assurance loop keeps its planned run with its demand tags and compares it without
    making them again: the same hand-worked figures as above (4/3 of storage before, 0.85
    after, 4 overflow hours to none, 2,900 parcel-days of delay), and the customers' mean
    release-to-delivery time 5.8 hours over the network's."""
    problem, plan = fast_hub_peak
    comparison = compare_tagged(
        problem, plan, run_as_released(problem, plan), run_as_planned(problem, plan)
    )
    (hub,) = comparison.hubs
    assert hub.peak_storage_before == pytest.approx(4 / 3, abs=1e-6)
    assert hub.peak_storage_after == pytest.approx(0.85, abs=1e-3)
    assert comparison.unplanned.overflow_node_hours == 4
    assert comparison.planned.overflow_node_hours == 0
    assert comparison.pickup_delay_parcel_days == pytest.approx(2900, abs=1e-2)
    assert comparison.mean_release_to_delivery_hours_after == pytest.approx(
        comparison.planned.mean_delivery_hours + 5.8, abs=1e-4
    )


@pytest.mark.xfail(
    strict=True,
    reason="the program's sorting rows are whole shifts and its storage rows free flow, so a "
    "hub that cannot sort a pickup round within the hour it arrives queues more than the "
    "plan sees: a plan that says within_capacity still blocks in the simulator",
)
def test_a_plan_within_capacity_does_not_block_in_the_simulator() -> None:
    """The same peak into a hub sorting only 400 an hour: the plan is the same (5,100, 4,900,
    2,000), since 9,120 a day of sorting still does not bind; but rounds of 1,275 every
    three hours are more than the 1,200 H sorts in three hours, and a round does not clear
    in the hour. At hour 38 (the second round leaving O on day 1) H still holds 475 queued
    + 400 sorted = 875 of the first, so only 625 of the 1,275 fit: the simulator blocks."""
    problem = compile_problem(hub_chain(400, hub_storage=1500, outlet_volume=2000), DOUBLE_11_X4)
    plan = plan_pickups(problem, releases_from_problem(problem, window_days=2))
    assert plan.within_capacity
    comparison = compare_by_simulation(problem, plan, policy=StoragePolicy.block)
    assert comparison.planned.blocked_parcels == pytest.approx(0, abs=1e-6)


def test_the_comparison_does_not_depend_on_the_order_lanes_are_listed() -> None:
    """The same network with its lanes listed in reverse: the same blocked parcels, unplanned
    and planned (the engine projects a target's room from the start of the hour, before any
    of the hour's departures, so the order lanes are listed in no longer matters; it once
    measured 16,500 with O→H listed first, 5,500 with H→S first)."""
    network = hub_chain(2000, hub_storage=1500, outlet_volume=2000)
    swapped = network.model_copy(update={"lanes": list(reversed(network.lanes))})
    figures = []
    for listed in (network, swapped):
        problem = compile_problem(listed, DOUBLE_11_X4)
        plan = plan_pickups(problem, releases_from_problem(problem, window_days=2))
        comparison = compare_by_simulation(problem, plan, policy=StoragePolicy.block)
        figures.append((comparison.unplanned.blocked_parcels, comparison.planned.blocked_parcels))
    assert figures[0] == pytest.approx(figures[1])


def test_every_way_to_compare_reads_the_same_figures(
    fast_hub_peak: tuple[PlanningProblem, PickupPlan],
) -> None:
    """Simulating and comparing at once, comparing kept tagged runs, and comparing runs made
    elsewhere (matched to the plan's demand again) give the same comparison — the hand-worked
    4 overflow hours to none — and the platforms' figures add up to the customers' totals in
    both runs."""
    problem, plan = fast_hub_peak
    at_once = compare_by_simulation(problem, plan)
    tagged = compare_tagged(
        problem, plan, run_as_released(problem, plan), run_as_planned(problem, plan)
    )
    matched = compare_runs(
        problem, plan, simulate_unplanned(problem, plan), simulate_planned(problem, plan)
    )
    assert at_once == tagged == matched
    assert at_once.unplanned.overflow_node_hours == 4
    assert at_once.planned.overflow_node_hours == 0
    for groups, figures in (
        (at_once.platforms_before, at_once.customers_before),
        (at_once.platforms_after, at_once.customers_after),
    ):
        assert sum(group.parcels for group in groups) == pytest.approx(
            figures.total.parcels, rel=1e-9
        )
        assert sum(group.late_from_release for group in groups) == pytest.approx(
            figures.total.late_from_release, rel=1e-9, abs=1e-9
        )

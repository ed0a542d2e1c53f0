"""A run stopped at an hour and started again from its state gives the same answers, and a
state built from observed backlogs projects what a hand computation says."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from peakguard.domain.network import Carrier, Network
from peakguard.domain.routing import derive_routing
from peakguard.errors import InvalidInputError
from peakguard.simulate.engine import SimulationRun, conservation_gap, simulate_plan
from peakguard.simulate.observation import observe, state_from_observation, waiting_by_share
from peakguard.simulate.plan import Demand, SimulationPlan, StoragePolicy, compile_plan
from peakguard.simulate.state import empty_state, plan_until

from .conftest import chain, lane, node, run_chain

SERIES = ("backlog", "processed", "arrived", "queued", "blocked")
TRUNK = ["04:00", "10:00", "16:00", "22:00"]


def two_hubs() -> Network:
    """Two cities: outlets O1, O2 feed hubs H1 (300/h) and H2 (200/h, storage 600), each
    serving a station; the hubs trade over a 3-hour trunk leaving four times a day with room
    for 600, so parcels queue at hubs, wait for the trunk and ride it at any hour."""
    return Network(
        name="two-hubs",
        carriers=[Carrier(code="ZTO", name="中通快递")],
        nodes=[
            node("O1", "outlet", 10**9),
            node("O2", "outlet", 10**9),
            node("H1", "hub", 300, 2500),
            node("H2", "hub", 200, 600),
            node("S1", "station", 10**9),
            node("S2", "station", 10**9),
        ],
        lanes=[
            lane("O1", "H1"),
            lane("O2", "H2"),
            lane("H1", "S1"),
            lane("H2", "S2"),
            lane("H1", "H2", hours=3, capacity=600, departures=TRUNK),
            lane("H2", "H1", hours=3, capacity=600, departures=TRUNK),
        ],
    )


def two_hub_plan(policy: StoragePolicy, *, days: int = 3) -> SimulationPlan:
    """Every outlet sends to both stations every hour, less from 20:00 to midnight, and 2.5
    times as much on day 2 (more than either hub sorts)."""
    network = two_hubs()
    table = derive_routing(network)
    hours = 24 * days
    hour = np.repeat(np.arange(hours), 4)
    origin = np.tile(np.array([0, 0, 1, 1]), hours)
    destination = np.tile(np.array([4, 5, 4, 5]), hours)
    daytime = np.where(hour % 24 < 20, 1.0, 0.3)
    peak = np.where(hour // 24 == 1, 2.5, 1.0)
    parcels = np.tile(np.array([90.0, 40.0, 30.0, 70.0]), hours) * daytime * peak
    capacity = np.array(
        [[n.sorting_capacity_by_hour()[h % 24] for h in range(hours)] for n in network.nodes],
        dtype=float,
    )
    return compile_plan(
        network,
        table,
        Demand(origin, destination, hour, parcels),
        hours=hours,
        sorting_capacity=capacity,
        accepting=np.ones((len(network.nodes), hours), dtype=bool),
        lane_capacity_factor=np.ones((len(network.lanes), hours)),
        policy=policy,
    )


def assert_same_from(hour: int, whole: SimulationRun, resumed: SimulationRun, *, to: int) -> None:
    """Every node-hour series and the hourly deliveries agree within a parcel over [hour, to)."""
    for name in SERIES:
        expected, got = getattr(whole, name)[:, hour:to], getattr(resumed, name)[:, hour:to]
        assert got == pytest.approx(expected, abs=1.0), name
    assert resumed.delivered_per_hour[hour:to] == pytest.approx(
        whole.delivered_per_hour[hour:to], abs=1.0
    )
    assert resumed.in_transit[hour:to] == pytest.approx(whole.in_transit[hour:to], abs=1.0)


@pytest.mark.parametrize("policy", list(StoragePolicy))
def test_a_run_restarted_from_its_state_at_hour_30_repeats_the_next_24_hours(
    policy: StoragePolicy,
) -> None:
    """Snapshot mid-day 2 (busy: parcels queued, waiting for the trunk and on it), restart:
    hours 30–53 of every node's backlog, sorting and arrivals and the deliveries agree."""
    plan = two_hub_plan(policy)
    whole = simulate_plan(plan, snapshot_at=30)
    state = whole.state
    assert state is not None and state.hour == 30
    assert state.queued.total > 50 and state.waiting.total > 50 and state.on_lanes.total > 50
    resumed = simulate_plan(plan, start=state)
    assert_same_from(30, whole, resumed, to=54)
    assert resumed.backlog[:, :30].sum() == 0  # hours before the start are zeros
    # The plan's cohorts accepted from hour 30 on come first in the resumed run's cohorts.
    future = plan.cohort_hour >= 30
    assert resumed.delivered[: future.sum()] == pytest.approx(whole.delivered[future], abs=1e-6)
    assert state.delivered_before == pytest.approx(whole.delivered_per_hour[:30].sum())
    if policy is StoragePolicy.block:
        assert whole.blocked[:, 30:54].sum() > 0  # the storage limit is at work in the window


@pytest.mark.parametrize("policy", list(StoragePolicy))
def test_a_projection_from_the_runs_own_state_as_observed_repeats_the_next_24_hours(
    policy: StoragePolicy,
) -> None:
    """The run's state at hour 30 counted as a desk counts it (per node and destination,
    sorted or not, and per vehicle on a lane) and projected a day ahead: every node-hour of
    hours 30–53 agrees within a parcel (the #16 done-when, through the observation path)."""
    plan = two_hub_plan(policy)
    whole = simulate_plan(plan, snapshot_at=30)
    assert whole.state is not None
    seen = observe(plan, whole.state)
    assert seen.waiting and seen.ready and seen.in_transit
    state = state_from_observation(plan, 30, seen.waiting, seen.in_transit, ready=seen.ready)
    assert state.total == pytest.approx(whole.state.total)
    projected = simulate_plan(plan_until(plan, 54), start=state)
    assert_same_from(30, whole, projected, to=54)


def test_a_next_day_projection_stops_after_the_day() -> None:
    """From the state at hour 30 over the plan's first 54 hours: the same hours 30–53, and
    every parcel accepted by then is delivered, held or on a lane at the end of hour 53."""
    plan = two_hub_plan(StoragePolicy.block)
    whole = simulate_plan(plan, snapshot_at=30)
    assert whole.state is not None
    day = simulate_plan(plan_until(plan, 54), start=whole.state)
    assert day.backlog.shape == (len(plan.node_ids), 54)
    assert_same_from(30, whole, day, to=54)
    assert conservation_gap(day) == pytest.approx(0, abs=1e-6)


def test_a_traced_restart_traces_the_same_fractions() -> None:
    """Traced, the restarted run's trace rows after hour 30 carry the same parcels per node."""
    plan = two_hub_plan(StoragePolicy.overflow)
    whole = simulate_plan(plan, snapshot_at=30, trace=True)
    assert whole.state is not None
    resumed = simulate_plan(plan, start=whole.state, trace=True)
    assert_same_from(30, whole, resumed, to=plan.hours)
    first, second = whole.trace, resumed.trace
    assert first is not None and second is not None
    nodes = len(plan.node_ids)
    late, later = first.sorted_hour >= 30, second.sorted_hour >= 30
    assert np.bincount(second.node[later], second.parcels[later], minlength=nodes) == (
        pytest.approx(np.bincount(first.node[late], first.parcels[late], minlength=nodes))
    )


def test_starting_from_an_empty_state_at_hour_0_is_a_plain_run() -> None:
    """An empty network at hour 0 as a start changes nothing."""
    plan = two_hub_plan(StoragePolicy.block)
    plain = simulate_plan(plan)
    started = simulate_plan(plan, start=empty_state(plan, 0))
    assert_same_from(0, plain, started, to=plan.hours)
    assert started.delivered == pytest.approx(plain.delivered)
    assert started.delivered_hours == pytest.approx(plain.delivered_hours)


def test_an_observed_backlog_of_1000_at_a_hub_sorting_300_an_hour() -> None:
    """1,000 parcels waiting at a hub sorting 300/h, nothing else: it sorts 300, 300, 300, 100
    in hours 10–13, holds 1,000, 700, 400, 100 (sorted parcels leave the next hour), and the
    station delivers each hour's sorting two hours later: mean age (accepted hour 9) 5.2 h."""
    plan = run_chain(chain([300]), [0.0, 10.0], hours=30).plan
    state = state_from_observation(plan, 10, {"H1": {"S": 1000.0}})
    run = simulate_plan(plan, start=state)
    assert run.processed[1, 10:15].tolist() == pytest.approx([300, 300, 300, 100, 0])
    assert run.backlog[1, 10:15].tolist() == pytest.approx([1000, 700, 400, 100, 0])
    assert run.delivered_per_hour[12:17].tolist() == pytest.approx([300, 300, 300, 100, 0])
    delivered = run.delivered.sum()
    assert delivered == pytest.approx(1000)
    assert run.delivered_hours.sum() / delivered == pytest.approx(
        (300 * 4 + 300 * 5 + 300 * 6 + 100 * 7) / 1000
    )
    assert conservation_gap(run) == pytest.approx(0, abs=1e-9)


def test_a_vehicle_on_the_road_joins_the_queue_behind_the_backlog() -> None:
    """The same hub, with 50 more on the lane arriving in hour 12: it sorts 300, 300, 300, 150."""
    plan = run_chain(chain([300]), [0.0, 10.0], hours=30).plan
    state = state_from_observation(
        plan, 10, {"H1": {"S": 1000.0}}, in_transit={"O-H1": [(12, {"S": 50.0})]}
    )
    run = simulate_plan(plan, start=state)
    assert run.arrived[1, 12] == pytest.approx(50)
    assert run.processed[1, 10:15].tolist() == pytest.approx([300, 300, 300, 150, 0])


def test_sorted_parcels_leave_at_once_and_unsorted_ones_an_hour_later() -> None:
    """100 sorted at the hub at hour 10 leave then and are delivered in hour 11; 100 unsorted
    are sorted in hour 10, leave in 11 and are delivered in hour 12."""
    plan = run_chain(chain([300]), [0.0, 10.0], hours=30).plan
    sorted_run = simulate_plan(
        plan, start=state_from_observation(plan, 10, {}, ready={"H1": {"S": 100.0}})
    )
    unsorted_run = simulate_plan(plan, start=state_from_observation(plan, 10, {"H1": {"S": 100.0}}))
    assert sorted_run.delivered_per_hour[10:14].tolist() == pytest.approx([0, 100, 0, 0])
    assert unsorted_run.delivered_per_hour[10:14].tolist() == pytest.approx([0, 0, 100, 0])
    assert sorted_run.processed[1].sum() == 0


def test_unknown_ids_and_bad_counts_are_refused_where_they_are() -> None:
    """Every unknown node, destination and lane, negative count and odd hour is located."""
    plan = run_chain(chain([300]), [0.0, 10.0], hours=30).plan
    with pytest.raises(InvalidInputError) as refused:
        state_from_observation(
            plan,
            10,
            {"X9": {"S": 1.0}, "H1": {"Y": 2.0, "S": -1.0}},
            in_transit={"L7": [(12, {"S": 1.0})], "O-H1": [(12.5, {"S": 1.0})]},  # type: ignore[list-item]
        )
    assert [problem.location for problem in refused.value.problems] == [
        "waiting.X9",
        "waiting.H1.Y",
        "waiting.H1.S",
        "in_transit.L7",
        "in_transit.O-H1[0]",
    ]
    with pytest.raises(InvalidInputError) as refused:
        waiting_by_share(plan, {"H9": 10.0, "H1": float("nan")})
    assert [problem.location for problem in refused.value.problems] == [
        "backlog.H9",
        "backlog.H1",
    ]


def test_a_destination_no_lane_reaches_is_refused() -> None:
    """Parcels at the station bound back to the outlet have no lane path: located."""
    plan = run_chain(chain([300]), [0.0, 10.0], hours=30).plan
    with pytest.raises(InvalidInputError) as refused:
        state_from_observation(plan, 10, {"S": {"O": 5.0}})
    assert [problem.location for problem in refused.value.problems] == ["waiting.S.O"]


def test_a_total_backlog_splits_as_the_plan_sends_parcels_through_the_node() -> None:
    """Through H1 pass O1's 90 for S1 and 40 for S2 and O2's 30 for S1 (over the trunk) in
    every hour's proportions: 40,000 at H1 is 30,000 for S1 and 10,000 for S2; at S2 all is
    for S2. Projected from there, H1 sorts at its full 300 until its backlog is gone."""
    plan = two_hub_plan(StoragePolicy.overflow)
    split = waiting_by_share(plan, {"H1": 40_000.0, "S2": 500.0})
    assert split["H1"] == pytest.approx({"S1": 30_000.0, "S2": 10_000.0})
    assert split["S2"] == pytest.approx({"S2": 500.0})
    run = simulate_plan(plan, start=state_from_observation(plan, 30, split))
    assert run.processed[2, 30:60] == pytest.approx([300.0] * 30)
    assert conservation_gap(run) == pytest.approx(0, abs=1e-6)


@settings(max_examples=25, deadline=None)
@given(
    capacities=st.lists(st.integers(1, 400), min_size=1, max_size=3),
    storage=st.integers(50, 2000),
    lane_capacity=st.integers(1, 600),
    arrivals=st.lists(st.floats(0, 500), min_size=1, max_size=30),
    policy=st.sampled_from(list(StoragePolicy)),
    stop=st.integers(0, 47),
)
def test_parcels_are_conserved_across_a_snapshot_and_restart(
    capacities: list[int],
    storage: int,
    lane_capacity: int,
    arrivals: list[float],
    policy: StoragePolicy,
    stop: int,
) -> None:
    """The state holds every accepted parcel not yet delivered; from it, at every later hour,
    state + accepted since = delivered since + at nodes + on lanes, and the run is the same."""
    network = chain(capacities, storage=[storage] * len(capacities), lane_capacity=lane_capacity)
    whole = run_chain(network, arrivals, hours=48, policy=policy, trace=False)
    taken = simulate_plan(whole.plan, snapshot_at=stop).state
    assert taken is not None
    accepted = np.cumsum(np.pad(np.asarray(arrivals), (0, 48 - len(arrivals))))
    before = accepted[stop - 1] if stop else 0.0
    tolerance = 1e-6 * max(1.0, accepted[-1])
    assert taken.total + taken.delivered_before == pytest.approx(before, abs=tolerance)
    resumed = simulate_plan(whole.plan, start=taken)
    present = (
        resumed.backlog.sum(axis=0) + resumed.in_transit + np.cumsum(resumed.delivered_per_hour)
    )
    assert present[stop:] == pytest.approx(accepted[stop:] - before + taken.total, abs=tolerance)
    assert abs(conservation_gap(resumed)) <= tolerance
    assert_same_from(stop, whole, resumed, to=48)

"""The compiled engine against the Python reference engine, on random networks and plans.

The reference (``reference_engine.simulate_plan``) is the engine every agreement test (closed
forms, Ciw, the SimPy parcel-by-parcel model) was first written against; the compiled one must
give the same series and per-cohort totals — within 1e-9 relative, the floating-point noise of
summing in another order and of merging fractions of a cohort — under both storage policies,
with closed nodes, from a state taken mid-run, and traced.
"""

from __future__ import annotations

from dataclasses import replace

import numba
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from peakguard.domain.network import Carrier, Lane, Network, Node
from peakguard.domain.routing import derive_routing
from peakguard.simulate.compiled_engine import kernel_plan_of, simulate_compiled
from peakguard.simulate.engine import SimulationRun
from peakguard.simulate.plan import Demand, SimulationPlan, StoragePolicy, compile_plan
from peakguard.simulate.reference_engine import simulate_plan as simulate_reference

from .conftest import lane, node

SERIES = ("arrived", "processed", "backlog", "queued", "blocked", "delivered_per_hour")
PER_COHORT = ("delivered", "delivered_hours", "delivered_on_time")
TRACE_COLUMNS = ("cohort", "node", "arrived_hour", "sorted_hour", "departed_hour", "lane")


def assert_same_run(expected: SimulationRun, got: SimulationRun) -> None:
    """Every series, the parcels on lanes and every per-cohort total agree within 1e-9
    relative to the run's largest figure of that kind."""
    for name in (*SERIES, "in_transit", *PER_COHORT):
        want, have = getattr(expected, name), getattr(got, name)
        scale = max(1.0, float(np.abs(want).max(initial=0.0)))
        np.testing.assert_allclose(have, want, rtol=1e-9, atol=1e-9 * scale, err_msg=name)
    # The departures short for room at their target and the refusals at gates, row by row (the
    # gridlock report's input).
    assert (got.lane_blocks.hour == expected.lane_blocks.hour).all()
    assert (got.lane_blocks.lane == expected.lane_blocks.lane).all()
    assert (got.lane_blocks.at_gate == expected.lane_blocks.at_gate).all()
    held_back = expected.lane_blocks.parcels
    scale = max(1.0, float(np.abs(held_back).max(initial=0.0)))
    np.testing.assert_allclose(got.lane_blocks.parcels, held_back, rtol=1e-9, atol=1e-9 * scale)


@st.composite
def networks(draw: st.DrawFn) -> Network:
    """1–3 hubs in a line (lanes both ways), each with an outlet and a station; random sorting
    and storage capacities, lane capacities, transit hours and timetables (a lane between hubs
    may leave twice in one hour, on the hour and at half past)."""
    hubs = draw(st.integers(1, 3))
    nodes: list[Node] = []
    lanes: list[Lane] = []
    for index in range(hubs):
        hub, outlet, station = f"H{index}", f"O{index}", f"S{index}"
        nodes += [
            node(outlet, "outlet", draw(st.integers(50, 2000)), draw(st.integers(200, 5000))),
            node(hub, "hub", draw(st.integers(20, 600)), draw(st.integers(100, 3000))),
            node(station, "station", draw(st.integers(20, 800)), draw(st.integers(100, 3000))),
        ]
        lanes += [lane(outlet, hub, capacity=draw(st.integers(50, 3000))), lane(hub, station)]
    for index in range(hubs - 1):
        for origin, destination in ((index, index + 1), (index + 1, index)):
            hours = sorted(draw(st.sets(st.integers(0, 23), min_size=1, max_size=6)))
            minutes = draw(st.sampled_from([("00",), ("30",), ("00", "30")]))
            lanes.append(
                lane(
                    f"H{origin}",
                    f"H{destination}",
                    hours=draw(st.sampled_from([0.5, 1.0, 2.5, 4.0])),
                    capacity=draw(st.integers(30, 1500)),
                    departures=[f"{hour:02d}:{minute}" for hour in hours for minute in minutes],
                )
            )
    return Network(
        name="random", carriers=[Carrier(code="ZTO", name="中通快递")], nodes=nodes, lanes=lanes
    )


@st.composite
def plans(draw: st.DrawFn) -> SimulationPlan:
    """A random network with random cohorts over two days, closures and a storage policy."""
    network = draw(networks())
    table = derive_routing(network)
    hours = 48
    outlets = [i for i, n in enumerate(network.nodes) if n.id.startswith("O")]
    stations = [i for i, n in enumerate(network.nodes) if n.id.startswith("S")]
    count = draw(st.integers(1, 40))
    origin = np.array(draw(st.lists(st.sampled_from(outlets), min_size=count, max_size=count)))
    destination = np.array(
        draw(st.lists(st.sampled_from(stations), min_size=count, max_size=count))
    )
    hour = np.array(draw(st.lists(st.integers(0, 30), min_size=count, max_size=count)))
    parcels = np.array(
        draw(st.lists(st.floats(1.0, 1500.0), min_size=count, max_size=count)), dtype=float
    )
    capacity = np.array(
        [[n.sorting_capacity_by_hour()[h % 24] for h in range(hours)] for n in network.nodes],
        dtype=float,
    )
    accepting = np.ones((len(network.nodes), hours), dtype=bool)
    for _ in range(draw(st.integers(0, 2))):
        closed = draw(st.integers(0, len(network.nodes) - 1))
        first = draw(st.integers(0, hours - 1))
        accepting[closed, first : first + draw(st.integers(1, 12))] = False
    return compile_plan(
        network,
        table,
        Demand(
            origin.astype(np.int64), destination.astype(np.int64), hour.astype(np.int64), parcels
        ),
        hours=hours,
        sorting_capacity=capacity,
        accepting=accepting,
        lane_capacity_factor=np.ones((len(network.lanes), hours)),
        policy=draw(st.sampled_from(list(StoragePolicy))),
    )


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(plan=plans(), stop=st.integers(0, 48))
def test_the_compiled_engine_gives_the_reference_engines_answers(
    plan: SimulationPlan, stop: int
) -> None:
    """On any small network and plan, under either policy and with closures: the same run,
    the same run again from the reference's state at any hour, and the same state taken."""
    expected = simulate_reference(plan, snapshot_at=stop)
    got = simulate_compiled(plan, snapshot_at=stop)
    assert_same_run(expected, got)
    assert expected.state is not None and got.state is not None
    assert got.state.total == pytest.approx(expected.state.total, rel=1e-9, abs=1e-9)
    assert got.state.delivered_before == pytest.approx(
        expected.state.delivered_before, rel=1e-9, abs=1e-9
    )
    resumed = simulate_compiled(plan, start=expected.state)
    assert_same_run(simulate_reference(plan, start=expected.state), resumed)
    assert_same_run(
        simulate_reference(plan, start=got.state), simulate_compiled(plan, start=got.state)
    )


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(plan=plans(), share=st.floats(0.0, 1.0))
def test_a_traced_compiled_run_records_the_reference_engines_trace(
    plan: SimulationPlan, share: float
) -> None:
    """Traced whole or for a sample of cohorts, the compiled engine's trace has the reference's
    rows in the reference's order (what scan events are drawn from)."""
    chosen = np.random.default_rng(7).random(len(plan.cohort_parcels)) < share
    for options in ({"trace": True}, {"trace_cohorts": chosen}):
        expected = simulate_reference(plan, **options)
        got = simulate_compiled(plan, **options)
        assert_same_run(expected, got)
        assert expected.trace is not None and got.trace is not None
        for column in TRACE_COLUMNS:
            assert (getattr(got.trace, column) == getattr(expected.trace, column)).all(), column
        np.testing.assert_allclose(got.trace.parcels, expected.trace.parcels, rtol=1e-9, atol=1e-9)


def test_progress_is_told_once_a_day_and_a_closed_network_moves_nothing() -> None:
    """A three-day plan reports 1/3, 2/3 and 1; with every node closed, nothing is sorted and
    every accepted parcel is still where it was accepted."""
    network = Network(
        name="one",
        carriers=[Carrier(code="ZTO", name="中通快递")],
        nodes=[node("O", "outlet", 100), node("S", "station", 100)],
        lanes=[lane("O", "S")],
    )
    hours = 72
    plan = compile_plan(
        network,
        derive_routing(network),
        Demand(np.array([0]), np.array([1]), np.array([5]), np.array([80.0])),
        hours=hours,
        sorting_capacity=np.full((2, hours), 100.0),
        accepting=np.ones((2, hours), dtype=bool),
        lane_capacity_factor=np.ones((1, hours)),
        policy=StoragePolicy.block,
    )
    told: list[float] = []
    simulate_compiled(plan, progress=told.append)
    assert told == pytest.approx([1 / 3, 2 / 3, 1.0])
    closed = simulate_compiled(replace(plan, accepting=np.zeros((2, hours), dtype=bool)))
    assert closed.processed.sum() == 0 and closed.backlog[0, -1] == pytest.approx(80.0)


def test_an_outlets_cohorts_bundled_to_the_first_hub_keep_their_own_figures() -> None:
    """Hand-worked: an outlet takes on 60 parcels for S1 and 140 for S2 in hour 0; both ride
    O→H, and the hub sorts 100 an hour. The compiled engine carries the two as one bundle
    (one intake item, checked) until H sorts them: H sorts 30 + 70 in hour 2 and again in
    hour 3, delivered at the end of hours 4 and 5 (ages 5 and 6). Each cohort keeps its own
    figures, the state at hour 3 lists the cohorts (30 for S1, 70 for S2 queued at H), and
    the run restarted from it ends the same."""
    network = Network(
        name="bundle",
        carriers=[Carrier(code="ZTO", name="中通快递")],
        nodes=[
            node("O", "outlet", 1000),
            node("H", "hub", 100),
            node("S1", "station", 1000),
            node("S2", "station", 1000),
        ],
        lanes=[lane("O", "H"), lane("H", "S1"), lane("H", "S2")],
    )
    hours = 12
    plan = compile_plan(
        network,
        derive_routing(network),
        Demand(np.array([0, 0]), np.array([2, 3]), np.array([0, 0]), np.array([60.0, 140.0])),
        hours=hours,
        sorting_capacity=np.array(
            [[n.sorting_capacity_by_hour()[0]] * hours for n in network.nodes], dtype=float
        ),
        accepting=np.ones((4, hours), dtype=bool),
        lane_capacity_factor=np.ones((3, hours)),
        policy=StoragePolicy.block,
    )
    kernel_plan = kernel_plan_of(plan, np.zeros(0, dtype=bool))
    assert len(kernel_plan.intake_item) == 1 and len(kernel_plan.bundle_lane) == 1
    got = simulate_compiled(plan, snapshot_at=3)
    np.testing.assert_allclose(got.delivered, [60.0, 140.0])
    np.testing.assert_allclose(got.delivered_hours, [30 * 5 + 30 * 6, 70 * 5 + 70 * 6])
    assert_same_run(simulate_reference(plan), got)
    state = got.state
    assert state is not None
    queued_for = state.cohorts.destination[state.queued.cohort]
    assert sorted(zip(queued_for.tolist(), state.queued.parcels.tolist(), strict=True)) == [
        (2, pytest.approx(30.0)),
        (3, pytest.approx(70.0)),
    ]
    assert_same_run(simulate_reference(plan, start=state), simulate_compiled(plan, start=state))


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(plan=plans(), share=st.floats(0.0, 1.0))
def test_the_sort_on_every_core_gives_one_cores_figures_to_the_last_bit(
    plan: SimulationPlan, share: float
) -> None:
    """The hour's sort runs over the nodes, and (under ``overflow``) its departures over the
    lanes, on every thread; untraced, traced whole and traced for a sample, every figure and
    trace row is the one-thread run's, bit for bit."""
    chosen = np.random.default_rng(3).random(len(plan.cohort_parcels)) < share
    threads = numba.get_num_threads()
    for options in ({}, {"trace": True}, {"trace_cohorts": chosen}):
        numba.set_num_threads(1)
        try:
            alone = simulate_compiled(plan, **options)
        finally:
            numba.set_num_threads(threads)
        together = simulate_compiled(plan, **options)
        for name in (*SERIES, "in_transit", *PER_COHORT):
            assert np.array_equal(getattr(alone, name), getattr(together, name)), name
        assert np.array_equal(alone.lane_blocks.parcels, together.lane_blocks.parcels)
        if alone.trace is not None and together.trace is not None:
            for column in (*TRACE_COLUMNS, "parcels"):
                assert np.array_equal(getattr(alone.trace, column), getattr(together.trace, column))


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(plan=plans(), share=st.floats(0.0, 1.0))
def test_a_lane_leaving_twice_an_hour_apart_gives_the_reference_engines_answers(
    plan: SimulationPlan, share: float
) -> None:
    """Every hour's departures listed twice over at half the capacity (each lane leaves twice,
    another lane's departure between): under ``overflow`` the lanes are loaded on every core
    only when a lane's departures of the hour are next to each other, so this plan takes the
    one-core loop — and still gives the reference engine's run and trace."""
    doubled = {
        hour: (np.concatenate([lanes, lanes]), np.concatenate([capacity, capacity]) / 2)
        for hour, (lanes, capacity) in plan.departures.items()
    }
    apart = replace(plan, departures=doubled, policy=StoragePolicy.overflow)
    chosen = np.random.default_rng(5).random(len(plan.cohort_parcels)) < share
    for options in ({}, {"trace_cohorts": chosen}):
        expected = simulate_reference(apart, **options)
        got = simulate_compiled(apart, **options)
        assert_same_run(expected, got)
        if expected.trace is not None and got.trace is not None:
            for column in TRACE_COLUMNS:
                assert (getattr(got.trace, column) == getattr(expected.trace, column)).all()

"""The count of arena rows in each lane's buffer (what a departure taking its whole buffer
sizes its staging room by, instead of walking the buffer) stays the rows the buffer's batches
hold: hour by hour, with departures taking part of a buffer and all of it, under both storage
policies, and when a run starts from a state."""

from __future__ import annotations

import numpy as np
import pytest

from peakguard.domain.routing import derive_routing
from peakguard.simulate.compiled_engine import _empty_state, _load, kernel_plan_of
from peakguard.simulate.engine import simulate_plan
from peakguard.simulate.kernel import KernelState, run_hours
from peakguard.simulate.kernel_pools import LENGTH, NEXT, NONE, Pools, new_pools
from peakguard.simulate.plan import Demand, SimulationPlan, StoragePolicy, compile_plan
from peakguard.simulate.state import resume_plan

from .conftest import chain

HOURS = 40


def _plan(policy: StoragePolicy) -> SimulationPlan:
    """O → H1 → H2 → S, 150 parcels an hour for 12 hours and lanes that carry 120 a
    departure: the buffers keep what a departure leaves, then empty."""
    network = chain([400, 400], lane_capacity=120)
    demand = Demand(
        np.zeros(12, dtype=np.int64),
        np.full(12, len(network.nodes) - 1, dtype=np.int64),
        np.arange(12, dtype=np.int64),
        np.full(12, 150.0),
    )
    nodes = len(network.nodes)
    return compile_plan(
        network,
        derive_routing(network),
        demand,
        hours=HOURS,
        sorting_capacity=np.full((nodes, HOURS), 400.0),
        accepting=np.ones((nodes, HOURS), dtype=bool),
        lane_capacity_factor=np.ones((len(network.lanes), HOURS)),
        policy=policy,
    )


def _walked(pools: Pools, state: KernelState) -> np.ndarray:
    """The rows of each lane's buffer, counted batch by batch."""
    batches = pools[2]
    rows = np.zeros(len(state.lane_rows), dtype=np.int64)
    for lane, head in enumerate(state.buffer_heads):
        batch = head
        while batch != NONE:
            rows[lane] += batches[batch, LENGTH]
            batch = batches[batch, NEXT]
    return rows


@pytest.mark.parametrize("policy", list(StoragePolicy))
def test_each_lanes_row_count_is_its_buffers_rows_every_hour(policy: StoragePolicy) -> None:
    plan = _plan(policy)
    kernel_plan = kernel_plan_of(plan, np.zeros(0, dtype=bool))
    state = _empty_state(plan, None, len(kernel_plan.bundle_lane))
    pools = new_pools(16, 16, 2, False)
    held = []
    for hour in range(HOURS):
        pools = run_hours(kernel_plan, state, pools, hour, hour + 1)
        assert np.array_equal(state.lane_rows, _walked(pools, state)), hour
        held.append(int(state.lane_rows.sum()))
    assert max(held) > 2  # the buffers did hold rows across hours
    assert held[-1] == 0  # and emptied: every parcel delivered
    assert state.delivered.sum() == pytest.approx(12 * 150.0)


@pytest.mark.parametrize("policy", list(StoragePolicy))
def test_a_run_started_from_a_state_counts_the_rows_it_was_given(policy: StoragePolicy) -> None:
    plan = _plan(policy)
    start = simulate_plan(plan, snapshot_at=8).state
    assert start is not None and start.waiting.total > 0
    resumed, base = resume_plan(plan, start)
    kernel_plan = kernel_plan_of(resumed, np.zeros(0, dtype=bool))
    state = _empty_state(resumed, None, len(kernel_plan.bundle_lane))
    pools = _load(new_pools(16, 16, 2, False), state, resumed, start, base)
    assert state.lane_rows.sum() > 0
    assert np.array_equal(state.lane_rows, _walked(pools, state))
    pools = run_hours(kernel_plan, state, pools, 8, HOURS)
    assert np.array_equal(state.lane_rows, _walked(pools, state))

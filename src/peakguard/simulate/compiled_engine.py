"""The compiled engine: :func:`simulate_compiled` runs a plan with the Numba kernel.

Same semantics and same outputs as the reference engine
(:mod:`peakguard.simulate.reference_engine`, whose docstring describes the hour), at a
fraction of the cost: every hour is one compiled pass over the node queues and lane buffers
(:mod:`peakguard.simulate.kernel`), and fractions of one cohort that land in the same batch are
merged when the run is not traced. Python only sets the run up, tells ``progress`` once a
simulated day, and writes the state down at ``snapshot_at``.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from typing import Any

import numba
import numpy as np
import numpy.typing as npt

from peakguard.simulate.blocking import ring_size
from peakguard.simulate.kernel import KernelPlan, KernelState, run_hours
from peakguard.simulate.kernel_bundles import Intake, build_intake
from peakguard.simulate.kernel_pools import (
    BLOCKS,
    COUNTERS,
    LENGTH,
    NONE,
    TRACED,
    Pools,
    new_pools,
)
from peakguard.simulate.kernel_state import capture, listed, load_fractions, trace_of
from peakguard.simulate.plan import IntArray, SimulationPlan, StoragePolicy
from peakguard.simulate.run_state import HOURS_A_DAY, LaneBlocks, SimulationRun
from peakguard.simulate.state import SimulationState, resume_plan
from peakguard.simulate.threading_layer import choose_threading_layer

BoolArray = npt.NDArray[np.bool_]

THREADING_LAYER = choose_threading_layer()
"""OpenMP with a short spin where the system has it, else Numba's ``workqueue`` (decision
0031)."""

_kernel_lock = threading.Lock()
"""Held while the kernel runs: its passes run on Numba's threads, and Numba's ``workqueue``
layer (the one a machine without OpenMP or TBB gets) stops the process if two threads launch
parallel work at once; a second run in the same process waits a simulated day at most."""


def simulate_compiled(
    plan: SimulationPlan,
    *,
    trace: bool = False,
    trace_cohorts: BoolArray | None = None,
    progress: Callable[[float], None] | None = None,
    start: SimulationState | None = None,
    snapshot_at: int | None = None,
) -> SimulationRun:
    """Run a compiled plan hour by hour: the arguments and the result are
    :func:`~peakguard.simulate.engine.simulate_plan`'s."""
    traced = trace or trace_cohorts is not None
    chosen = trace_cohorts
    first, delivered_before = 0, 0.0
    base = len(plan.cohort_parcels)
    if start is not None:
        first, delivered_before = start.hour, start.delivered_before
        if not 0 <= first <= plan.hours:
            raise ValueError(f"the state's hour {first} is outside the plan's 0 to {plan.hours}")
        if chosen is not None:
            future = chosen[plan.cohort_hour >= start.hour]
            chosen = np.concatenate([future, np.ones(len(start.cohorts.parcels), dtype=bool)])
        plan, base = resume_plan(plan, start)
    hours = plan.sorting_capacity.shape[1]
    if snapshot_at is not None and not first <= snapshot_at <= hours:
        raise ValueError(f"snapshot_at must be an hour from {first} to {hours}")
    if traced and chosen is None:
        chosen = np.ones(len(plan.cohort_parcels), dtype=bool)
    kernel_plan = kernel_plan_of(plan, chosen if chosen is not None else np.zeros(0, dtype=bool))
    state = _empty_state(plan, chosen, len(kernel_plan.bundle_lane))
    cohorts = len(plan.cohort_parcels)
    pools = new_pools(cohorts // 4, cohorts // 16, 4 if traced else 2, traced)
    if start is not None:
        pools = _load(pools, state, plan, start, base)
    taken: SimulationState | None = None
    hour = first
    while True:
        if hour == snapshot_at:
            done = delivered_before + float(state.delivered_per_hour[first:hour].sum())
            taken = capture(pools, state, plan, hour, done, kernel_plan)
        if hour >= hours:
            break
        stop = min(hours, (hour // HOURS_A_DAY + 1) * HOURS_A_DAY)
        if snapshot_at is not None and hour < snapshot_at < stop:
            stop = snapshot_at
        with _kernel_lock:
            pools = run_hours(kernel_plan, state, pools, hour, stop)
        if progress is not None and (stop % HOURS_A_DAY == 0 or stop == hours):
            progress(stop / hours)
        hour = stop
    run_trace = trace_of(pools, state, plan, chosen) if traced else None
    return SimulationRun(
        plan,
        state.arrived,
        state.processed,
        state.backlog,
        state.queued,
        state.blocked,
        state.delivered,
        state.delivered_hours,
        state.on_time,
        state.delivered_per_hour,
        state.in_transit,
        run_trace,
        taken,
        _lane_blocks(pools, state),
    )


def _lane_blocks(pools: Pools, state: KernelState) -> LaneBlocks:
    """The departures short for room and the refusals at gates the kernel recorded, as the
    run's sparse record."""
    count = int(state.counters[BLOCKS])
    rows, parcels = pools[8][:count], pools[9][:count]
    return LaneBlocks.of(rows[:, 0], rows[:, 1], parcels)


def kernel_plan_of(plan: SimulationPlan, chosen: BoolArray) -> KernelPlan:
    """The plan's arrays as the kernel reads them (departures and intake as offset tables);
    an outlet's cohorts of one hour sharing their first lane are taken on as one bundle
    (:mod:`peakguard.simulate.kernel_bundles`) unless the run is traced (``chosen`` not
    empty)."""
    hours = plan.sorting_capacity.shape[1]
    departure_hours = sorted(hour for hour in plan.departures if 0 <= hour < hours)
    counts = np.zeros(hours, dtype=np.int64)
    for hour in departure_hours:
        counts[hour] = len(plan.departures[hour][0])
    lanes = [plan.departures[hour][0] for hour in departure_hours]
    capacities = [plan.departures[hour][1] for hour in departure_hours]
    order = np.argsort(plan.cohort_hour, kind="stable")
    block = plan.policy is StoragePolicy.block
    intake_starts = np.searchsorted(plan.cohort_hour[order], np.arange(hours + 1))
    last_hop = (plan.route_length - 1).astype(np.int64)
    route_lanes = _as(plan.route_lanes, np.int64)
    intake = Intake(
        *build_intake(
            _as(order, np.int64),
            intake_starts.astype(np.int64),
            _as(plan.cohort_route, np.int64),
            route_lanes,
            last_hop,
            _as(plan.cohort_parcels, np.float64),
            _as(plan.cohort_origin, np.int64),
            len(plan.lane_origin),
            len(chosen) == 0,
        )
    )
    del order
    return KernelPlan(
        sorting_capacity=_as(plan.sorting_capacity, np.float64),
        accepting=_as(plan.accepting, np.bool_),
        storage_capacity=_as(plan.storage_capacity, np.float64),
        lane_origin=_as(plan.lane_origin, np.int64),
        lane_destination=_as(plan.lane_destination, np.int64),
        lane_transit_hours=_as(plan.lane_transit_hours, np.int64),
        departure_starts=np.concatenate([[0], np.cumsum(counts)]).astype(np.int64),
        departure_lane=_joined(lanes, np.int64),
        departure_capacity=_joined(capacities, np.float64),
        intake_item=intake.item,
        intake_node=intake.node,
        intake_parcels=intake.parcels,
        intake_starts=intake.starts,
        cohorts=len(plan.cohort_parcels),
        bundle_starts=intake.bundle_starts,
        bundle_members=intake.bundle_members,
        bundle_parcels=intake.bundle_parcels,
        bundle_lane=intake.bundle_lane,
        cohort_route=_as(plan.cohort_route, np.int32),
        route_lanes=route_lanes,
        last_hop=last_hop,
        cohort_origin=_as(plan.cohort_origin, np.int64),
        cohort_hour=_as(plan.cohort_hour, np.int64),
        cohort_parcels=_as(plan.cohort_parcels, np.float64),
        cohort_time_limit=_as(plan.cohort_time_limit, np.float64),
        block=block,
        sorting=np.where(plan.accepting, plan.sorting_capacity, 0.0) if block else np.zeros((0, 0)),
        chosen=_as(chosen, np.bool_),
    )


def _as(values: npt.NDArray[Any], dtype: type[np.generic]) -> npt.NDArray[Any]:
    """``values`` as a writeable contiguous array of ``dtype``, not copied when it already is
    one (the plan's per-cohort arrays are tens of megabytes each at national scale). A
    read-only array (a demand column taken from Arrow without a copy, say) is copied: Numba
    types read-only arrays apart, so it would compile and cache a second kernel — 45 s and
    0.7 GB more on the first demo run of a new install."""
    array = np.ascontiguousarray(values, dtype=dtype)
    return array if array.flags.writeable else array.copy()


def _joined(parts: Sequence[npt.NDArray[Any]], dtype: type[np.generic]) -> npt.NDArray[Any]:
    """The arrays ``parts`` end to end (an empty one of ``dtype`` when there are none)."""
    return np.concatenate(parts).astype(dtype) if parts else np.zeros(0, dtype=dtype)


def _empty_state(plan: SimulationPlan, chosen: BoolArray | None, bundles: int) -> KernelState:
    """Empty lists and zero series for ``plan`` (and its ``bundles``); the ``chosen`` cohorts'
    fractions are traced, so never merged."""
    nodes, hours = plan.sorting_capacity.shape
    lanes = len(plan.lane_origin)
    cohorts = len(plan.cohort_parcels)
    block = plan.policy is StoragePolicy.block
    longest = int(plan.lane_transit_hours.max()) if lanes else 0
    groups = max(nodes, lanes, 1)
    counters = np.zeros(COUNTERS, dtype=np.int64)  # no freed batch on the stack
    slot = np.full(cohorts + bundles, NONE, dtype=np.int32)
    if chosen is not None:
        slot[:cohorts][chosen] = TRACED

    def none(size: int) -> IntArray:
        return np.full(size, NONE, dtype=np.int64)

    return KernelState(
        queue_heads=none(nodes),
        queue_tails=none(nodes),
        buffer_heads=none(lanes),
        buffer_tails=none(lanes),
        transit_heads=none(hours + longest + 1),
        transit_tails=none(hours + longest + 1),
        queue_total=np.zeros(nodes),
        buffer_total=np.zeros(nodes),
        lane_buffer_total=np.zeros(lanes),
        lane_rows=np.zeros(lanes, dtype=np.int64),
        incoming=np.zeros((nodes, ring_size(plan))),
        lane_incoming=np.zeros((lanes, ring_size(plan)) if block else (0, 1)),
        holding=np.zeros((nodes, ring_size(plan))),
        arriving=np.zeros(nodes),
        share=np.full(nodes, -1.0),
        gate_nodes=np.zeros(nodes, dtype=np.int64),
        moving=np.zeros(1),
        counters=counters,
        scratch=(
            slot,
            np.zeros(groups, dtype=np.int64),
            np.zeros(groups, dtype=np.int64),
            np.zeros(groups, dtype=np.int64),
            np.zeros(groups, dtype=np.int64),
        ),
        sort_slots=np.repeat(slot[None, :], max(numba.get_num_threads(), 1) - 1, axis=0),
        arrived=np.zeros((nodes, hours)),
        processed=np.zeros((nodes, hours)),
        backlog=np.zeros((nodes, hours)),
        queued=np.zeros((nodes, hours)),
        blocked=np.zeros((nodes, hours)),
        delivered_per_hour=np.zeros(hours),
        in_transit=np.zeros(hours),
        delivered=np.zeros(cohorts),
        delivered_hours=np.zeros(cohorts),
        on_time=np.zeros(cohorts),
    )


def _load(
    pools: Pools, state: KernelState, plan: SimulationPlan, start: SimulationState, base: int
) -> Pools:
    """The state's parcels in the kernel's lists, and the totals they make."""
    for where in ("queued", "waiting", "on_lanes"):
        pools = load_fractions(pools, state, getattr(start, where), base, where)
    nodes, lanes = len(state.queue_total), len(state.lane_buffer_total)
    state.queue_total[:] = start.queued.by_place(nodes)
    state.lane_buffer_total[:] = start.waiting.by_place(lanes)
    np.add.at(state.buffer_total, plan.lane_origin, state.lane_buffer_total)
    buffered, lanes_of, _hours, _rows = listed(pools, state.buffer_heads)
    np.add.at(state.lane_rows, lanes_of, pools[2][buffered, LENGTH])
    on_lanes = start.on_lanes
    batch = np.repeat(np.arange(len(on_lanes.place)), np.diff(on_lanes.starts))
    batch_parcels = np.bincount(batch, on_lanes.parcels, minlength=len(on_lanes.place))
    ring = state.incoming.shape[1]
    np.add.at(state.incoming, (on_lanes.place, on_lanes.hour % ring), batch_parcels)
    if plan.policy is StoragePolicy.block:
        # The lane each fraction on the road came by: its route's lane before its hop.
        came_by = plan.route_lanes[plan.cohort_route[on_lanes.cohort + base], on_lanes.hop - 1]
        arrival = np.repeat(on_lanes.hour, np.diff(on_lanes.starts)) % ring
        np.add.at(state.lane_incoming, (came_by, arrival), on_lanes.parcels)
    state.moving[0] = start.on_lanes.total
    return pools

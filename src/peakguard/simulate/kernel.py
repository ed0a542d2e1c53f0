"""The compiled hour: join, depart, sort and record, over the arena of fractions.

The same four steps as :mod:`peakguard.simulate.reference_engine` (which documents them), in
one compiled pass per hour over every node queue and lane buffer, with the same arithmetic:
oldest batch first, the last one split in proportion. Deliveries go straight into the
per-cohort totals. :func:`run_hours` advances a run over a range of hours; the Python side
(:mod:`peakguard.simulate.compiled_engine`) calls it once per simulated day.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np
from numba import njit

from peakguard.simulate.kernel_moves import flush, take
from peakguard.simulate.kernel_pools import (
    ARRIVED,
    COHORT,
    EPSILON,
    GROUP,
    HOP,
    LENGTH,
    NONE,
    PLACE,
    SORTED,
    STAGED,
    START,
    Pools,
    compact,
    drop_head,
    record,
    stage,
)


class KernelPlan(NamedTuple):
    """A :class:`~peakguard.simulate.plan.SimulationPlan` as the kernel reads it."""

    sorting_capacity: Any
    accepting: Any
    storage_capacity: Any
    lane_origin: Any
    lane_destination: Any
    lane_transit_hours: Any
    departure_starts: Any
    """[hour + 1] where each hour's departures start in ``departure_lane``."""
    departure_lane: Any
    departure_capacity: Any
    intake_order: Any
    """Cohorts in the order they are accepted; hour h's are from ``intake_starts[h]``."""
    intake_starts: Any
    cohort_route: Any
    route_lanes: Any
    last_hop: Any
    """[route] hop of its destination."""
    cohort_origin: Any
    cohort_hour: Any
    cohort_parcels: Any
    cohort_time_limit: Any
    block: bool
    chosen: Any
    """[cohort] traced (empty when the run is not traced)."""


class KernelState(NamedTuple):
    """Where the parcels are (the lists), the running totals, and the series recorded."""

    queue_heads: Any
    queue_tails: Any
    buffer_heads: Any
    buffer_tails: Any
    transit_heads: Any
    """[arrival hour] batches on lanes, their place the node they arrive at."""
    transit_tails: Any
    queue_total: Any
    buffer_total: Any
    lane_buffer_total: Any
    reserved: Any
    moving: Any
    """[1] parcels on lanes."""
    counters: Any
    scratch: Any
    arrived: Any
    processed: Any
    backlog: Any
    queued: Any
    blocked: Any
    delivered_per_hour: Any
    in_transit: Any
    delivered: Any
    delivered_hours: Any
    on_time: Any


@njit(cache=True)
def run_hours(plan: KernelPlan, state: KernelState, pools: Pools, first: int, last: int) -> Pools:
    """Advance the run over hours ``first`` to ``last`` − 1; the pools, maybe reallocated."""
    lists = (
        (state.queue_heads, state.queue_tails),
        (state.buffer_heads, state.buffer_tails),
        (state.transit_heads, state.transit_tails),
    )
    row = np.zeros(6, dtype=np.int64)
    for hour in range(first, last):
        pools = compact(pools, state.counters, lists)
        pools = _join(plan, state, pools, hour)
        pools = _depart(plan, state, pools, hour, row)
        pools = _sort(plan, state, pools, hour, row)
        state.backlog[:, hour] = state.queue_total + state.buffer_total
        state.queued[:, hour] = state.queue_total
        state.in_transit[hour] = state.moving[0]
    return pools


@njit(cache=True)
def _join(plan: KernelPlan, state: KernelState, pools: Pools, hour: int) -> Pools:
    """Parcels arriving from lanes, then the cohorts accepted in the hour, join each node's
    queue as one batch stamped with the hour."""
    counters = state.counters
    first = counters[STAGED]
    traced = pools[0].shape[1] > ARRIVED
    while state.transit_heads[hour] != NONE:
        fractions, parcels, batches, totals = pools[0], pools[1], pools[2], pools[3]
        batch = state.transit_heads[hour]
        node = batches[batch, PLACE]
        state.reserved[node] -= totals[batch]
        state.moving[0] -= totals[batch]
        start = batches[batch, START]
        for row in range(start, start + batches[batch, LENGTH]):
            pools = stage(
                pools,
                counters,
                fractions[row, COHORT],
                fractions[row, HOP],
                fractions[row, ARRIVED] if traced else NONE,
                NONE,
                node,
                parcels[row],
            )
        drop_head(batches, state.transit_heads, state.transit_tails, hour, counters)
    for index in range(plan.intake_starts[hour], plan.intake_starts[hour + 1]):
        cohort = plan.intake_order[index]
        node = plan.cohort_origin[cohort]
        pools = stage(pools, counters, cohort, 0, hour, NONE, node, plan.cohort_parcels[cohort])
    staged, staged_parcels = pools[4], pools[5]
    for row in range(first, counters[STAGED]):
        node = staged[row, GROUP]
        state.queue_total[node] += staged_parcels[row]
        state.arrived[node, hour] += staged_parcels[row]
    for row in range(first, counters[STAGED]):
        node = staged[row, GROUP]
        state.reserved[node] = max(state.reserved[node], 0.0)
    return flush(
        pools,
        counters,
        state.scratch,
        first,
        hour,
        state.queue_heads,
        state.queue_tails,
        NONE,
        NONE,
    )


@njit(cache=True)
def _room(
    plan: KernelPlan, state: KernelState, hour: int, lane: int, target: int, capacity: float
) -> float:
    """What a departure of ``lane`` can carry to ``target``; what it cannot, of what waits for
    it, is recorded as blocked at the target."""
    room = capacity
    if not plan.accepting[target, hour]:
        room = 0.0
    elif plan.block:
        free = (
            plan.storage_capacity[target] - state.queue_total[target] - state.buffer_total[target]
        )
        room = min(room, max(0.0, free - state.reserved[target]))
    wanted = min(state.lane_buffer_total[lane], capacity)
    if room < wanted:
        state.blocked[target, hour] += wanted - room
    return room


@njit(cache=True)
def _depart(plan: KernelPlan, state: KernelState, pools: Pools, hour: int, row: Any) -> Pools:
    """The lanes leaving in the hour carry up to their capacity (or the room at a closed or,
    under ``block``, full node) from the parcels sorted earlier, oldest first."""
    counters = state.counters
    for index in range(plan.departure_starts[hour], plan.departure_starts[hour + 1]):
        lane = plan.departure_lane[index]
        if state.lane_buffer_total[lane] <= EPSILON:
            continue
        origin = plan.lane_origin[lane]
        if not plan.accepting[origin, hour]:
            continue
        target = plan.lane_destination[lane]
        room = _room(plan, state, hour, lane, target, plan.departure_capacity[index])
        if room <= EPSILON:
            continue
        first = counters[STAGED]
        pools, moved = take(
            pools, counters, state.buffer_heads, state.buffer_tails, lane, room, hour + 1, 0
        )
        if counters[STAGED] == first:
            continue
        state.lane_buffer_total[lane] -= moved
        state.buffer_total[origin] -= moved
        arrival = hour + plan.lane_transit_hours[lane]
        pools = _onto_lane(plan, pools, counters, first, origin, hour, lane, arrival, row)
        state.reserved[target] += moved
        state.moving[0] += moved
        pools = flush(
            pools,
            counters,
            state.scratch,
            first,
            arrival,
            state.transit_heads,
            state.transit_tails,
            arrival,
            target,
        )
    return pools


@njit(cache=True)
def _onto_lane(
    plan: KernelPlan, pools: Pools, counters: Any, first: int, origin: int, hour: int,
    lane: int, arrival: int, row: Any,
) -> Pools:  # fmt: skip
    """The staged fractions move one hop on: traced, their stay at ``origin`` is recorded and
    they are stamped as arriving at the next node in hour ``arrival``."""
    traced = pools[0].shape[1] > ARRIVED
    for index in range(first, counters[STAGED]):
        staged = pools[4]
        if traced:
            row[0], row[1] = staged[index, COHORT], origin
            row[2], row[3] = staged[index, ARRIVED], staged[index, SORTED]
            row[4], row[5] = hour, lane
            pools = record(pools, counters, plan.chosen, row, pools[5][index])
            staged = pools[4]
            staged[index, ARRIVED] = arrival
            staged[index, SORTED] = NONE
        staged[index, HOP] += 1
    return pools


@njit(cache=True)
def _sort(plan: KernelPlan, state: KernelState, pools: Pools, hour: int, row: Any) -> Pools:
    """Each open node sorts up to its capacity, oldest batch first; parcels at their
    destination are delivered, the rest join the buffers of the next lanes on their routes."""
    counters = state.counters
    for node in range(len(state.queue_total)):
        capacity = plan.sorting_capacity[node, hour] if plan.accepting[node, hour] else 0.0
        if state.queue_total[node] <= EPSILON or capacity <= EPSILON:
            continue
        first = counters[STAGED]
        pools, done = take(
            pools, counters, state.queue_heads, state.queue_tails, node, capacity, hour + 1, 0
        )
        if counters[STAGED] == first:
            continue
        state.queue_total[node] -= done
        state.processed[node, hour] += done
        pools = _route_sorted(plan, state, pools, first, node, hour, row)
        pools = flush(
            pools,
            counters,
            state.scratch,
            first,
            hour + 1,
            state.buffer_heads,
            state.buffer_tails,
            NONE,
            NONE,
        )
    return pools


@njit(cache=True)
def _route_sorted(
    plan: KernelPlan, state: KernelState, pools: Pools, first: int, node: int, hour: int,
    row: Any,
) -> Pools:  # fmt: skip
    """Deliver the staged fractions at their destination (into the per-cohort totals); group
    the others by the next lane on their route."""
    counters = state.counters
    traced = pools[0].shape[1] > ARRIVED
    for index in range(first, counters[STAGED]):
        staged, staged_parcels = pools[4], pools[5]
        cohort, hop = staged[index, COHORT], staged[index, HOP]
        amount = staged_parcels[index]
        route = plan.cohort_route[cohort]
        if hop >= plan.last_hop[route]:
            age = hour + 1 - plan.cohort_hour[cohort]
            state.delivered[cohort] += amount
            state.delivered_hours[cohort] += amount * age
            if age <= plan.cohort_time_limit[cohort]:
                state.on_time[cohort] += amount
            state.delivered_per_hour[hour] += amount
            staged[index, GROUP] = NONE
            if traced:
                row[0], row[1], row[2], row[3] = cohort, node, staged[index, ARRIVED], hour
                row[4], row[5] = NONE, NONE
                pools = record(pools, counters, plan.chosen, row, amount)
        else:
            lane = plan.route_lanes[route, hop]
            staged[index, GROUP] = lane
            staged[index, SORTED] = hour
            state.lane_buffer_total[lane] += amount
            state.buffer_total[node] += amount
    return pools

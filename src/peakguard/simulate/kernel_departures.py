"""The hour's departures in the compiled kernel, on the arrays alone.

Each lane leaving in the hour carries up to its capacity (nothing to a closed node; under
``block``, what its target has room for on arrival) from the parcels sorted earlier, oldest
first, and puts them on the lane as one batch arriving ``transit`` hours later — the reference
engine's departure step, with its arithmetic. Under ``overflow`` no departure's room depends
on another's, and the lanes are loaded on every core
(:mod:`peakguard.simulate.kernel_departures_parallel`, the same figures bit for bit); the loop
here serves ``block``, where each departure's room counts what those before it put on the road
(and a plan whose lane leaves twice in an hour with another lane's departure between, which
the plans compiled here never have).

The loop over the hour's departures (3.7 million scheduled in the national month) is one
compiled function whose arguments are arrays: it touches no tuple of arrays and calls no
function that takes one. Numba counts a reference atomically for every array a call passes or a
tuple rebinds, unless it can prove the count useless; when :func:`depart` called helpers that
took the plan, the state and the pools per departure, the counts were 27 % of the national
month's profile, two thirds of them from this path (decision 0028). The arrays the loop may
outgrow (the staging area, the arena, the batch table, the trace and the lane blocks) grow in
place of the loop's own variables and go back to the caller once an hour.
"""

from __future__ import annotations

from typing import Any

from numba import njit

from peakguard.simulate.kernel_blocking import fullest_first, project_holding
from peakguard.simulate.kernel_departures_parallel import depart_in_parallel, runs_together
from peakguard.simulate.kernel_moves import (
    count_groups,
    merge_staged,
    rows_to_take,
    take_rows,
    write_groups,
)
from peakguard.simulate.kernel_pools import (
    ARRIVED,
    BATCHES_USED,
    BLOCKS,
    COHORT,
    EPSILON,
    HOP,
    LIVE,
    NONE,
    RECORDED,
    SORTED,
    STAGED,
    USED,
    Pools,
    grown_batches,
    grown_rows,
    put_block,
    record_row,
)


@njit(cache=True)
def depart(plan: Any, state: Any, pools: Pools, hour: int, row: Any) -> Pools:
    """The lanes leaving in ``hour`` carry what they can (see the module's docstring); the
    pools, maybe grown."""
    first_departure, end = plan.departure_starts[hour], plan.departure_starts[hour + 1]
    if end == first_departure:
        return pools
    lanes = plan.departure_lane[first_departure:end]
    capacities = plan.departure_capacity[first_departure:end]
    slot, count, next_row, batch_of, touched = state.scratch
    if not plan.block:
        if runs_together(lanes, count):
            return depart_in_parallel(plan, state, pools, hour, lanes, capacities)
    else:
        project_holding(plan, state, hour)
        lanes, capacities = fullest_first(
            plan.lane_origin,
            plan.storage_capacity,
            state.queue_total,
            state.buffer_total,
            lanes,
            capacities,
        )
    return _depart_lanes(
        lanes, capacities, hour, row, plan.block, plan.accepting, plan.storage_capacity,
        plan.lane_origin, plan.lane_destination, plan.lane_transit_hours, plan.chosen,
        state.lane_buffer_total, state.lane_rows, state.buffer_total, state.buffer_heads,
        state.buffer_tails,
        state.transit_heads, state.transit_tails, state.incoming, state.lane_incoming,
        state.holding, state.blocked, state.moving, state.counters, slot, count, next_row,
        batch_of, touched, pools[0], pools[1], pools[2], pools[3], pools[4], pools[5],
        pools[6], pools[7], pools[8], pools[9],
    )  # fmt: skip


@njit(cache=True)
def _depart_lanes(
    lanes: Any, capacities: Any, hour: int, row: Any, block: bool, accepting: Any,
    storage: Any, lane_origin: Any, lane_destination: Any, transit_hours: Any, chosen: Any,
    lane_buffer_total: Any, lane_rows: Any, buffer_total: Any, buffer_heads: Any,
    buffer_tails: Any, transit_heads: Any, transit_tails: Any, incoming: Any,
    lane_incoming: Any, holding: Any, blocked: Any, moving: Any, counters: Any, slot: Any,
    count: Any, next_row: Any, batch_of: Any, touched: Any, fractions: Any, parcels: Any,
    batches: Any, totals: Any, staged: Any, staged_parcels: Any, records: Any,
    record_parcels: Any, lane_blocks: Any, block_parcels: Any,
) -> Pools:  # fmt: skip
    """The loop of :func:`depart` over the hour's ``lanes`` in order."""
    traced = fractions.shape[1] > ARRIVED
    for index in range(len(lanes)):
        lane = lanes[index]
        origin = lane_origin[lane]
        if lane_buffer_total[lane] <= EPSILON or not accepting[origin, hour]:
            continue
        target, transit = lane_destination[lane], transit_hours[lane]
        room, short = _room(
            block, accepting, holding, storage, blocked, lane_buffer_total[lane], target,
            transit, capacities[index], hour,
        )  # fmt: skip
        if short > 0.0:
            if counters[BLOCKS] + 1 > len(block_parcels):
                lane_blocks, block_parcels = grown_rows(
                    lane_blocks, block_parcels, counters[BLOCKS] + 1
                )
            put_block(lane_blocks, block_parcels, counters, hour, lane, short)
        if room <= EPSILON:
            continue
        first = counters[STAGED]
        rows = rows_to_take(batches, totals, buffer_heads, lane, room, hour + 1)
        if first + rows > len(staged_parcels):
            staged, staged_parcels = grown_rows(staged, staged_parcels, first + rows)
        live = counters[LIVE]
        moved = take_rows(
            fractions, parcels, batches, totals, staged, staged_parcels, counters,
            buffer_heads, buffer_tails, lane, room, hour + 1, 0,
        )  # fmt: skip
        lane_rows[lane] -= live - counters[LIVE]  # the rows of the batches it emptied
        if counters[STAGED] == first:
            continue
        lane_buffer_total[lane] -= moved
        buffer_total[origin] -= moved
        arrival = hour + transit
        if traced and counters[RECORDED] + counters[STAGED] - first > len(record_parcels):
            records, record_parcels = grown_rows(
                records, record_parcels, counters[RECORDED] + counters[STAGED] - first
            )
        _onto_lane(
            staged, counters, first, traced, records, record_parcels, chosen, row, origin,
            hour, lane, arrival, staged_parcels,
        )  # fmt: skip
        _on_the_way(
            block, incoming, moving, holding, lane_incoming, target, lane, transit, arrival,
            moved,
        )  # fmt: skip
        # Written back as one batch on the lane's arrivals in ``arrival``, its place the
        # target (kernel_moves.flush, its room grown here).
        merge_staged(staged, staged_parcels, slot, first, counters[STAGED])
        groups, rows = count_groups(staged, first, counters[STAGED], count, touched, 0)
        if counters[USED] + rows > len(parcels):
            fractions, parcels = grown_rows(fractions, parcels, counters[USED] + rows)
        if counters[BATCHES_USED] + groups > len(totals):
            batches, totals = grown_batches(batches, totals, counters[BATCHES_USED] + groups)
        write_groups(
            fractions, parcels, batches, totals, staged, staged_parcels, counters, count,
            next_row, batch_of, touched, groups, first, arrival, transit_heads,
            transit_tails, arrival, target, False,
        )  # fmt: skip
    return (
        fractions, parcels, batches, totals, staged, staged_parcels, records, record_parcels,
        lane_blocks, block_parcels,
    )  # fmt: skip


@njit(cache=True)
def _room(
    block: bool, accepting: Any, holding: Any, storage: Any, blocked: Any, waiting: float,
    target: int, transit: int, capacity: float, hour: int,
) -> tuple[float, float]:  # fmt: skip
    """What a departure can carry, and what it leaves behind for want of room (to record
    against the lane): nothing to a closed target; under ``block`` no more than the target
    has room for on arrival. What it cannot carry of what waits (``waiting``) is recorded as
    blocked at the target."""
    wanted = min(waiting, capacity)
    if not accepting[target, hour]:
        blocked[target, hour] += wanted
        return 0.0, 0.0
    if not block:
        return capacity, 0.0
    most = holding[target, transit]
    for ahead in range(transit + 1, holding.shape[1]):
        most = max(most, holding[target, ahead])
    room = max(0.0, storage[target] - most)
    short = 0.0
    if room < wanted - EPSILON:
        short = wanted - room
        blocked[target, hour] += short
    return min(room, capacity), short


@njit(cache=True)
def _on_the_way(
    block: bool, incoming: Any, moving: Any, holding: Any, lane_incoming: Any, target: int,
    lane: int, transit: int, arrival: int, moved: float,
) -> None:  # fmt: skip
    """``moved`` parcels are on ``lane``, due at ``target`` in hour ``arrival``: counted as
    incoming there and (``block``) in its projected holding from ``transit`` hours on."""
    ring = incoming.shape[1]
    incoming[target, arrival % ring] += moved
    moving[0] += moved
    if block:
        for ahead in range(transit, holding.shape[1]):
            holding[target, ahead] += moved
        lane_incoming[lane, arrival % ring] += moved


@njit(cache=True)
def _onto_lane(
    staged: Any, counters: Any, first: int, traced: bool, records: Any, record_parcels: Any,
    chosen: Any, row: Any, origin: int, hour: int, lane: int, arrival: int,
    staged_parcels: Any,
) -> None:  # fmt: skip
    """The staged fractions move one hop on: traced, their stay at ``origin`` is recorded (room
    reserved) and they are stamped as arriving at the next node in hour ``arrival``."""
    for index in range(first, counters[STAGED]):
        if traced:
            row[0], row[1] = staged[index, COHORT], origin
            row[2], row[3] = staged[index, ARRIVED], staged[index, SORTED]
            row[4], row[5] = hour, lane
            record_row(records, record_parcels, counters, chosen, row, staged_parcels[index])
            staged[index, ARRIVED] = arrival
            staged[index, SORTED] = NONE
        staged[index, HOP] += 1

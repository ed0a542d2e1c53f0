"""The hour's departures on every core, when the storage policy lets every lane leave full.

Under ``overflow`` a departure carries what its lane's capacity allows, whatever the other
departures carry: each reads and writes only its own lane's buffer, its own batches' rows and
the staging rows it is given, so the lanes leaving in an hour are loaded in parallel. What
they share is done as the sort shares it (:mod:`peakguard.simulate.kernel_sort`):

1. (every core, :func:`_need_chunks`) each departure's bound on the staging rows it may use,
   and what a lane to a closed node leaves blocked there;
2. (every core, :func:`_load_chunks`) each departure takes from its lane's buffer into its own
   stretch of the staging area, moves one hop on, and merges a cohort's fractions (a merge slot
   per core); the batches it empties form a chain of its own;
3. (one core, :func:`_allot`) departure by departure in order, as the serial loop does: its
   emptied batches go back on the free list, its batch is taken and given arena rows and put on
   the lane's arrivals, and the totals the lanes share are updated;
4. (every core, :func:`_write_chunks`) each departure's rows are written into its rows.

A lane leaving twice in an hour is loaded twice in order by one core. Batch slots, arena rows,
totals and the trace are those of the serial loop (:mod:`peakguard.simulate.
kernel_departures`), which ``block`` keeps: there a departure's room depends on what the
departures before it put on the road.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numba import njit, prange

from peakguard.simulate.kernel_atomic import SHARES, fetch_add
from peakguard.simulate.kernel_moves import merge_staged, rows_to_take, take_rows, write_rows
from peakguard.simulate.kernel_pools import (
    ARRIVED,
    COHORT,
    COUNTERS,
    EPSILON,
    FREE,
    GROUP,
    HOP,
    LENGTH,
    LIVE,
    NONE,
    PLACE,
    RECORD_COLUMNS,
    RECORDED,
    SINCE,
    SORTED,
    STAGED,
    START,
    USED,
    Pools,
    append,
    copy_records,
    pop_batch,
    push_freed,
    record_row,
    reserve_batches,
    reserve_records,
    reserve_rows,
    reserve_staged,
)

# Columns of the per-departure table the passes share.
OFFSET, END, ROWS, FREED, DROPPED, RECORDS, AT, BATCH = range(8)
TABLE_COLUMNS = 8


@njit(cache=True)
def depart_in_parallel(
    plan: Any, state: Any, pools: Pools, hour: int, lanes: Any, capacities: Any
) -> Pools:
    """The ``lanes`` leaving in ``hour`` (with their ``capacities``) carry what they can, under
    ``overflow`` (see the module's docstring); the pools, maybe grown."""
    count = len(lanes)
    counters = state.counters
    threads = state.sort_slots.shape[0] + 1
    table = np.zeros((count, TABLE_COLUMNS), dtype=np.int64)
    wanted = np.full(count, -1.0)
    bounds = _unit_bounds(lanes, threads, np.ones(count, dtype=np.int64))
    _need_chunks(
        bounds, lanes, capacities, hour, plan.accepting, plan.lane_origin,
        plan.lane_destination, state.lane_buffer_total, state.lane_rows, pools[2], pools[3],
        state.buffer_heads, state.buffer_tails, table, wanted,
    )  # fmt: skip
    base = counters[STAGED]
    need = table[:, END].copy()
    rows = 0
    for index in range(count):
        table[index, OFFSET] = base + rows
        rows += need[index]
    pools = reserve_staged(pools, counters, rows)
    traced = pools[0].shape[1] > ARRIVED
    records = np.empty((base + rows if traced else 0, RECORD_COLUMNS), dtype=np.int64)
    record_parcels = np.empty(base + rows if traced else 0)
    moved = np.zeros(count)
    freed = np.empty(base + rows, dtype=np.int64)
    bounds = _unit_bounds(lanes, SHARES * threads, need)
    _load_chunks(
        bounds, lanes, capacities, hour, plan.accepting, plan.lane_origin,
        plan.lane_destination, plan.lane_transit_hours, plan.chosen, state.lane_buffer_total,
        state.lane_rows, state.buffer_heads, state.buffer_tails, pools[0], pools[1], pools[2],
        pools[3], pools[4], pools[5], state.scratch[0], state.sort_slots,
        np.zeros((threads, COUNTERS), dtype=np.int64),
        np.zeros((threads, RECORD_COLUMNS), dtype=np.int64), table, moved, freed, records,
        record_parcels, np.zeros(1, dtype=np.int64),
    )  # fmt: skip
    pools = _allot(
        plan, state, pools, hour, lanes, table, wanted, moved, freed, records, record_parcels
    )
    _write_chunks(
        bounds, pools[0], pools[1], pools[3], pools[4], pools[5], table, threads,
        np.zeros(1, dtype=np.int64),
    )  # fmt: skip
    counters[STAGED] = base
    return pools


@njit(cache=True)
def runs_together(lanes: Any, seen: Any) -> bool:
    """Whether each lane's departures in ``lanes`` are next to each other (the passes bound,
    load and split a lane's departures of the hour as one run; ``compile_plan`` orders them
    so). ``seen`` is per-lane scratch, zero before and after."""
    together = True
    for index in range(len(lanes)):
        if index == 0 or lanes[index] != lanes[index - 1]:
            together = together and seen[lanes[index]] == 0
            seen[lanes[index]] = 1
    for index in range(len(lanes)):
        seen[lanes[index]] = 0
    return together


@njit(cache=True)
def _unit_bounds(lanes: Any, chunks: int, weight: Any) -> Any:
    """[chunks + 1] where each core's share of the departures starts: consecutive departures
    of about equal ``weight``, a lane's departures of the hour never split between cores."""
    bounds = np.zeros(chunks + 1, dtype=np.int64)
    total = weight.sum()
    index, running = 0, 0
    for chunk in range(1, chunks):
        while index < len(lanes) and running * chunks < total * chunk:
            running += weight[index]
            index += 1
        while 0 < index < len(lanes) and lanes[index] == lanes[index - 1]:
            running += weight[index]
            index += 1
        bounds[chunk] = index
    bounds[chunks] = len(lanes)
    return bounds


@njit(cache=True, parallel=True)
def _need_chunks(
    bounds: Any, lanes: Any, capacities: Any, hour: int, accepting: Any, lane_origin: Any,
    lane_destination: Any, lane_buffer_total: Any, lane_rows: Any, batches: Any, totals: Any,
    heads: Any, tails: Any, table: Any, wanted: Any,
) -> None:  # fmt: skip
    """Pass 1: ``table[d, END]`` the staging rows departure ``d`` may use (for a lane leaving
    k times in the hour, k times what taking all k departures' capacity at once would touch),
    ``wanted[d]`` what a departure to a closed node would have carried (−1 otherwise)."""
    for chunk in prange(len(bounds) - 1):
        for index in range(bounds[chunk], bounds[chunk + 1]):
            lane = lanes[index]
            if index > 0 and lanes[index - 1] == lane:
                continue  # counted at the lane's first departure of the hour
            last = index
            while last + 1 < len(lanes) and lanes[last + 1] == lane:
                last += 1
            waiting = lane_buffer_total[lane]
            if waiting <= EPSILON or not accepting[lane_origin[lane], hour]:
                continue
            if not accepting[lane_destination[lane], hour]:
                for other in range(index, last + 1):
                    wanted[other] = min(waiting, capacities[other])
                continue
            amount = 1.0
            for other in range(index, last + 1):
                amount += capacities[other] if capacities[other] > 0.0 else 0.0
            if amount > waiting + 0.5 and batches[tails[lane], SINCE] < hour + 1:
                # All of it (its newest batch ready, so all are): no need to walk it.
                rows = lane_rows[lane]
            else:
                rows = rows_to_take(batches, totals, heads, lane, amount, hour + 1)
            table[index, END] = rows * (last + 1 - index)


@njit(cache=True, parallel=True)
def _load_chunks(
    bounds: Any, lanes: Any, capacities: Any, hour: int, accepting: Any, lane_origin: Any,
    lane_destination: Any, transit_hours: Any, chosen: Any, lane_buffer_total: Any,
    lane_rows: Any, heads: Any, tails: Any, fractions: Any, parcels: Any, batches: Any,
    totals: Any, staged: Any, staged_parcels: Any, slot: Any, slots: Any, locals_: Any,
    rows: Any, table: Any, moved: Any, freed: Any, records: Any, record_parcels: Any,
    cursor: Any,
) -> None:  # fmt: skip
    """Pass 2: each core loads the next share of the departures as it frees up, each into its
    stretch (a lane's later departures of the hour after its earlier ones); its merge slots
    and counters are its own."""
    for thread in prange(len(locals_)):
        own = slot if thread == 0 else slots[thread - 1]
        local, row = locals_[thread], rows[thread]
        share = fetch_add(cursor, 1)
        while share < len(bounds) - 1:
            _load_share(
                bounds[share], bounds[share + 1], lanes, capacities, hour, accepting,
                lane_origin, lane_destination, transit_hours, chosen, lane_buffer_total,
                lane_rows, heads, tails, fractions, parcels, batches, totals, staged,
                staged_parcels, own, local, row, table, moved, freed, records, record_parcels,
            )  # fmt: skip
            share = fetch_add(cursor, 1)


@njit(cache=True)
def _load_share(
    begin: int, end: int, lanes: Any, capacities: Any, hour: int, accepting: Any,
    lane_origin: Any, lane_destination: Any, transit_hours: Any, chosen: Any,
    lane_buffer_total: Any, lane_rows: Any, heads: Any, tails: Any, fractions: Any,
    parcels: Any, batches: Any, totals: Any, staged: Any, staged_parcels: Any, own: Any,
    local: Any, row: Any, table: Any, moved: Any, freed: Any, records: Any,
    record_parcels: Any,
) -> None:  # fmt: skip
    """Load the departures ``begin`` to ``end`` − 1 (one thread's share of pass 2; a lane's
    departures of the hour are never split between shares)."""
    traced = fractions.shape[1] > ARRIVED
    at = table[begin, OFFSET] if begin < len(lanes) else 0
    for index in range(begin, end):
        lane = lanes[index]
        origin = lane_origin[lane]
        if index > 0 and lanes[index - 1] != lane:
            at = table[index, OFFSET]
        table[index, OFFSET], table[index, END], table[index, FREED] = at, at, at
        if lane_buffer_total[lane] <= EPSILON or not accepting[origin, hour]:
            continue
        if not accepting[lane_destination[lane], hour]:
            continue  # blocked there: pass 1 counted what it would have carried
        # The slots it frees are listed from ``at`` on (fewer than the rows it takes).
        local[STAGED], local[FREE], local[RECORDED], local[LIVE] = at, at, at, 0
        taken = take_rows(
            fractions, parcels, batches, totals, staged, staged_parcels, local, heads,
            tails, lane, capacities[index], hour + 1, 0, freed,
        )  # fmt: skip
        table[index, FREED], table[index, DROPPED] = local[FREE], -local[LIVE]
        lane_rows[lane] += local[LIVE]  # less the rows of the batches it emptied
        if local[STAGED] == at:
            continue
        lane_buffer_total[lane] -= taken
        moved[index] = taken
        arrival = hour + transit_hours[lane]
        for position in range(at, local[STAGED]):
            if traced:
                row[0], row[1] = staged[position, COHORT], origin
                row[2], row[3] = staged[position, ARRIVED], staged[position, SORTED]
                row[4], row[5] = hour, lane
                record_row(records, record_parcels, local, chosen, row,
                           staged_parcels[position])  # fmt: skip
                staged[position, ARRIVED] = arrival
                staged[position, SORTED] = NONE
            staged[position, HOP] += 1
        merge_staged(staged, staged_parcels, own, at, local[STAGED])
        kept = 0
        for position in range(at, local[STAGED]):
            kept += 1 if staged[position, GROUP] >= 0 else 0
        table[index, END], table[index, ROWS] = local[STAGED], kept
        table[index, RECORDS] = local[RECORDED] - at
        at = local[STAGED]


@njit(cache=True)
def _allot(
    plan: Any, state: Any, pools: Pools, hour: int, lanes: Any, table: Any, wanted: Any,
    moved: Any, freed: Any, records: Any, record_parcels: Any,
) -> Pools:  # fmt: skip
    """Pass 3, departure by departure in order: its emptied batches freed, its batch taken,
    given arena rows and put on the lane's arrivals; the shared totals and the trace."""
    counters = state.counters
    pools = reserve_rows(pools, counters, table[:, ROWS].sum())
    pools = reserve_batches(pools, counters, len(lanes))
    pools = reserve_records(pools, counters, table[:, RECORDS].sum())
    batches, totals = pools[2], pools[3]
    ring = state.incoming.shape[1]
    for index in range(len(lanes)):
        lane = lanes[index]
        target = plan.lane_destination[lane]
        if wanted[index] >= 0.0:
            state.blocked[target, hour] += wanted[index]
        push_freed(batches, counters, freed, table[index, OFFSET], table[index, FREED])
        counters[LIVE] -= table[index, DROPPED]
        table[index, BATCH] = NONE
        if table[index, END] == table[index, OFFSET]:
            continue
        arrival = hour + plan.lane_transit_hours[lane]
        state.buffer_total[plan.lane_origin[lane]] -= moved[index]
        state.incoming[target, arrival % ring] += moved[index]
        state.moving[0] += moved[index]
        copy_records(
            pools, counters, records, record_parcels, table[index, OFFSET], table[index, RECORDS]
        )
        batch = pop_batch(batches, counters)
        batches[batch, START] = counters[USED]
        batches[batch, LENGTH] = table[index, ROWS]
        batches[batch, SINCE] = arrival
        batches[batch, PLACE] = target
        totals[batch] = 0.0
        table[index, AT], table[index, BATCH] = counters[USED], batch
        counters[USED] += table[index, ROWS]
        counters[LIVE] += table[index, ROWS]
        append(batches, state.transit_heads, state.transit_tails, arrival, batch)
    return pools


@njit(cache=True, parallel=True)
def _write_chunks(
    bounds: Any, fractions: Any, parcels: Any, totals: Any, staged: Any, staged_parcels: Any,
    table: Any, threads: int, cursor: Any,
) -> None:  # fmt: skip
    """Pass 4: each departure's merged staged rows into the arena rows allotted, in order
    (each core taking the next share of the departures as it frees up)."""
    for _thread in prange(threads):
        share = fetch_add(cursor, 1)
        while share < len(bounds) - 1:
            for index in range(bounds[share], bounds[share + 1]):
                if table[index, BATCH] != NONE:
                    write_rows(
                        fractions, parcels, totals, staged, staged_parcels, table[index, BATCH],
                        table[index, AT], table[index, OFFSET], table[index, END],
                    )  # fmt: skip
            share = fetch_add(cursor, 1)

"""The hour's sort, node by node on every core, with the figures of one core to the last bit.

Each open node sorts up to its capacity, oldest batch first; parcels at their destination are
delivered, the rest join the buffers of the next lanes on their routes (the reference engine's
sort step). A node's sort reads and writes only its own queue, its own lanes' buffers, its own
batches' rows and the cohorts it delivers (a cohort is delivered at one node, its route's
last), so the nodes are sorted in parallel; what they share is done in four passes:

1. (every core, then one) the staging rows each node will use, counted node by node, then
   laid out in node order, so each gets its own stretch of the staging area;
2. (every core, :func:`_sort_nodes`) each node takes from its queue into its stretch, splits
   its bundles, delivers, groups the rest by lane and merges a cohort's fractions per lane (a
   merge slot per core); the batches it empties go on a list of its own. The busy nodes are
   cut into :data:`~peakguard.simulate.kernel_atomic.SHARES` shares a thread, and each thread
   takes the next share as it frees up (so does pass 4);
3. (one core, :func:`_allot`) node by node in order, as the serial sort did: its emptied
   batches go back on the stack of free slots, its new batches' slots are taken and given
   arena rows, its deliveries are added to the hour's total and its trace rows recorded;
4. (every core, :func:`_write_nodes`) each node's new batches are written and put at the end
   of its lanes' buffers, and its rows written into the rows allotted.

Every node's arithmetic is the serial sort's, and everything shared is done in node order, so
batch slots, arena rows, the hour's deliveries and the trace are those of a serial sort,
whatever the number of threads or how the nodes are split between them (decision 0027).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numba import njit, prange

from peakguard.simulate.kernel_atomic import SHARES, fetch_add
from peakguard.simulate.kernel_moves import rows_to_take, take_rows
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
    NEXT,
    NONE,
    PLACE,
    RECORD_COLUMNS,
    RECORDED,
    SINCE,
    SORTED,
    STAGED,
    START,
    TRACED,
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

DELIVERED = -3
"""A staged row's group once it is delivered (the hour's total is added up in node order)."""

# Columns of the per-node table the passes share.
NODE, OFFSET, END, GROUPS, FREED, DROPPED, ROWS, RECORDS, DONE, DELIVERIES = range(10)
TABLE_COLUMNS = 10


@njit(cache=True)
def sort_hour(plan: Any, state: Any, pools: Pools, hour: int) -> Pools:
    """Each open node sorts up to its capacity (see the module's docstring)."""
    counters = state.counters
    table = _busy_nodes(plan, state, pools, hour)
    if len(table) == 0:
        return pools
    staged_rows = table[-1, END]
    pools = reserve_staged(pools, counters, 2 * staged_rows)
    traced = pools[0].shape[1] > ARRIVED
    records = np.empty((staged_rows if traced else 0, RECORD_COLUMNS), dtype=np.int64)
    record_parcels = np.empty(staged_rows if traced else 0)
    touched = np.empty(staged_rows, dtype=np.int64)
    deliveries = pools[5][staged_rows:]
    freed = np.empty(staged_rows, dtype=np.int64)
    bounds = split_by_rows(table, SHARES * (state.sort_slots.shape[0] + 1))
    _sort_nodes(
        plan, state, pools, hour, table, bounds, touched, deliveries, freed, records,
        record_parcels,
    )  # fmt: skip
    pools = _allot(
        plan, state, pools, hour, table, touched, deliveries, freed, records, record_parcels
    )
    _write_nodes(state, pools, hour, table, bounds, touched)
    counters[STAGED] = 0
    return pools


@njit(cache=True)
def _busy_nodes(plan: Any, state: Any, pools: Pools, hour: int) -> Any:
    """[busy node] the table: each node with something to sort and the stretch of staging
    rows its sort will use (what it takes, and its bundles' cohorts where they split). The
    rows are counted on every core (:func:`_count_rows`), the stretches laid out in node
    order on one."""
    nodes = len(state.queue_total)
    rows_of = np.zeros(nodes, dtype=np.int64)
    _count_rows(
        state.queue_total, plan.sorting_capacity, plan.accepting, pools[0], pools[2], pools[3],
        state.queue_heads, plan.cohorts, plan.bundle_starts, hour, rows_of,
        state.sort_slots.shape[0] + 1,
    )  # fmt: skip
    table = np.zeros((nodes, TABLE_COLUMNS), dtype=np.int64)
    busy, offset = 0, state.counters[STAGED]
    for node in range(nodes):
        rows = rows_of[node]
        if rows == 0:
            continue
        table[busy, NODE], table[busy, OFFSET], table[busy, END] = node, offset, offset + rows
        offset += rows
        busy += 1
    return table[:busy]


@njit(cache=True, parallel=True)
def _count_rows(
    queue_total: Any, sorting: Any, accepting: Any, fractions: Any, batches: Any, totals: Any,
    heads: Any, cohorts: int, starts: Any, hour: int, rows_of: Any, parts: int,
) -> None:  # fmt: skip
    """``rows_of[node]``: the staging rows the node's sort will use this hour (0 when it sorts
    nothing) — a read of every row it will take, so on every core; each thread takes every
    ``parts``-th node, so busy nodes numbered together (a network's hubs, often) are shared
    between the threads."""
    nodes = len(queue_total)
    for part in prange(parts):
        for node in range(part, nodes, parts):
            if queue_total[node] <= EPSILON or not accepting[node, hour]:
                continue
            capacity = sorting[node, hour]
            if capacity <= EPSILON:
                continue
            rows = rows_to_take(batches, totals, heads, node, capacity, hour + 1)
            batch, left = heads[node], rows
            while left > 0:
                start, length = batches[batch, START], batches[batch, LENGTH]
                for row in range(start, start + length):
                    item = fractions[row, COHORT]
                    if item >= cohorts and fractions[row, HOP] >= 1:
                        rows += starts[item - cohorts + 1] - starts[item - cohorts]
                left -= length
                batch = batches[batch, NEXT]
            rows_of[node] = rows


@njit(cache=True)
def split_by_rows(table: Any, chunks: int) -> Any:
    """[chunks + 1] where each thread's share of the table's rows (nodes, each with its
    stretch of staging rows from ``OFFSET`` to ``END``) starts: consecutive rows with about as
    many staging rows each (the split changes no figure, only the balance; the arrivals' passes
    split their nodes with it too)."""
    bounds = np.zeros(chunks + 1, dtype=np.int64)
    first, total = table[0, OFFSET], table[-1, END] - table[0, OFFSET]
    index = 0
    for chunk in range(1, chunks):
        while index < len(table) and (table[index, OFFSET] - first) * chunks < total * chunk:
            index += 1
        bounds[chunk] = index
    bounds[chunks] = len(table)
    return bounds


@njit(cache=True)
def _sort_nodes(
    plan: Any, state: Any, pools: Pools, hour: int, table: Any, bounds: Any, touched: Any,
    deliveries: Any, freed: Any, records: Any, record_parcels: Any,
) -> None:  # fmt: skip
    """Pass 2 on every core: each thread sorts its share of the busy nodes. The threads get
    arrays only: a tuple of arrays passed or returned costs an atomic reference count per
    array, and counts that two cores keep changing cost far more than one core's."""
    threads = state.sort_slots.shape[0] + 1
    _sort_chunks(
        bounds, table, hour, plan.sorting_capacity[:, hour], state.queue_heads,
        state.queue_tails, state.queue_total, state.processed[:, hour], pools[0], pools[1],
        pools[2], pools[3], pools[4], pools[5], np.zeros((threads, COUNTERS), dtype=np.int64),
        np.zeros((threads, RECORD_COLUMNS), dtype=np.int64), state.scratch[0], state.sort_slots,
        state.scratch[1], touched, plan.cohorts, plan.bundle_starts, plan.bundle_members,
        plan.cohort_parcels, plan.bundle_parcels, plan.bundle_lane, plan.cohort_route,
        plan.last_hop, plan.route_lanes, plan.cohort_hour, plan.cohort_time_limit, plan.chosen,
        state.delivered, state.delivered_hours, state.on_time, state.lane_buffer_total,
        state.buffer_total, deliveries, freed, records, record_parcels,
        np.zeros(1, dtype=np.int64),
    )  # fmt: skip


@njit(cache=True, parallel=True)
def _sort_chunks(
    bounds: Any, table: Any, hour: int, capacity: Any, heads: Any, tails: Any,
    queue_total: Any, processed: Any, fractions: Any, parcels: Any, batches: Any, totals: Any,
    staged: Any, staged_parcels: Any, locals_: Any, rows: Any, slot: Any, slots: Any,
    count: Any, touched: Any, cohorts: int, bundle_starts: Any, bundle_members: Any,
    cohort_parcels: Any, bundle_parcels: Any, bundle_lane: Any, cohort_route: Any,
    last_hop: Any, route_lanes: Any, born: Any, limit: Any, chosen: Any, delivered: Any,
    delivered_hours: Any, on_time: Any, lane_buffer_total: Any, buffer_total: Any,
    deliveries: Any, freed: Any, records: Any, record_parcels: Any, cursor: Any,
) -> None:  # fmt: skip
    """The threads of pass 2, each taking the next share of the busy nodes (``bounds``) as it
    frees up; a thread's merge slots and counters are its own."""
    shares = len(bounds) - 1
    for thread in prange(len(locals_)):
        own = slot if thread == 0 else slots[thread - 1]
        local, row = locals_[thread], rows[thread]
        share = fetch_add(cursor, 1)
        while share < shares:
            _sort_share(
                bounds[share], bounds[share + 1], table, hour, capacity, heads, tails,
                queue_total, processed, fractions, parcels, batches, totals, staged,
                staged_parcels, local, row, own, count, touched, cohorts, bundle_starts,
                bundle_members, cohort_parcels, bundle_parcels, bundle_lane, cohort_route,
                last_hop, route_lanes, born, limit, chosen, delivered, delivered_hours,
                on_time, lane_buffer_total, buffer_total, deliveries, freed, records,
                record_parcels,
            )  # fmt: skip
            share = fetch_add(cursor, 1)


@njit(cache=True)
def _sort_share(
    begin: int, end: int, table: Any, hour: int, capacity: Any, heads: Any, tails: Any,
    queue_total: Any, processed: Any, fractions: Any, parcels: Any, batches: Any, totals: Any,
    staged: Any, staged_parcels: Any, local: Any, row: Any, own: Any, count: Any,
    touched: Any, cohorts: int, bundle_starts: Any, bundle_members: Any, cohort_parcels: Any,
    bundle_parcels: Any, bundle_lane: Any, cohort_route: Any, last_hop: Any, route_lanes: Any,
    born: Any, limit: Any, chosen: Any, delivered: Any, delivered_hours: Any, on_time: Any,
    lane_buffer_total: Any, buffer_total: Any, deliveries: Any, freed: Any, records: Any,
    record_parcels: Any,
) -> None:  # fmt: skip
    """Sort the busy nodes ``table[begin:end]`` (one thread's share of pass 2)."""
    for index in range(begin, end):
        node, first = table[index, NODE], table[index, OFFSET]
        # The slots it frees are listed from ``first`` on (fewer than the rows it takes).
        local[STAGED], local[FREE], local[RECORDED], local[LIVE] = first, first, first, 0
        done = take_rows(
            fractions, parcels, batches, totals, staged, staged_parcels, local, heads,
            tails, node, capacity[node], hour + 1, 0, freed,
        )  # fmt: skip
        table[index, FREED], table[index, DROPPED] = local[FREE], -local[LIVE]
        table[index, END] = first
        if local[STAGED] == first:
            continue
        queue_total[node] -= done
        processed[node] += done
        _expand_bundles(
            staged, staged_parcels, local, first, cohorts, bundle_starts, bundle_members,
            cohort_parcels, bundle_parcels,
        )  # fmt: skip
        table[index, DELIVERIES], groups, moved = _route(
            staged, staged_parcels, local, first, node, hour, row, cohorts, bundle_lane,
            cohort_route, last_hop, route_lanes, born, limit, chosen, delivered,
            delivered_hours, on_time, lane_buffer_total, buffer_total, deliveries,
            records, record_parcels, own, count, touched,
        )  # fmt: skip
        table[index, END], table[index, GROUPS] = local[STAGED], groups
        table[index, ROWS], table[index, RECORDS] = moved, local[RECORDED] - first
        table[index, DONE] = 1


@njit(cache=True)
def _route(
    staged: Any, staged_parcels: Any, local: Any, first: int, node: int, hour: int, row: Any,
    cohorts: int, bundle_lane: Any, route_of: Any, last_hop: Any, route_lanes: Any,
    born: Any, limit: Any, chosen: Any, delivered: Any, delivered_hours: Any, on_time: Any,
    lane_buffer_total: Any, buffer_total: Any, deliveries: Any, records: Any,
    record_parcels: Any, slot: Any, count: Any, touched: Any,
) -> tuple[int, int, int]:  # fmt: skip
    """In one pass over the node's staged rows: deliver the fractions at their destination
    (into the per-cohort totals, and their parcels one after another into ``deliveries`` from
    ``first`` on, for the hour's total; the row marked :data:`DELIVERED`); group the others by
    the next lane on their route (a bundle's at its origin: its first lane), fold a cohort's
    fractions of one hop and lane into the first of them (as
    :func:`~peakguard.simulate.kernel_moves.merge_staged`, which this pass does row by row)
    and count each lane's rows (as :func:`~peakguard.simulate.kernel_moves.count_groups`,
    from ``touched[first]`` on). The fractions delivered, the lanes and the rows kept."""
    traced = len(chosen) > 0
    done, groups, kept = 0, 0, 0
    held = buffer_total[node]  # added to row by row, in order, as the stored total would be
    for index in range(first, local[STAGED]):
        if staged[index, GROUP] == NONE:
            continue  # a bundle split into its cohorts
        cohort, hop, amount = staged[index, COHORT], staged[index, HOP], staged_parcels[index]
        if cohort >= cohorts:
            lane = bundle_lane[cohort - cohorts]
        elif hop >= last_hop[route_of[cohort]]:
            age = hour + 1 - born[cohort]
            delivered[cohort] += amount
            delivered_hours[cohort] += amount * age
            # Added whether on time or not (+ 0.0 changes no total): a branch on a per-cohort
            # read that misses the cache stalls the loop whenever it is mispredicted.
            on_time[cohort] += amount if age <= limit[cohort] else 0.0
            staged[index, GROUP] = DELIVERED
            deliveries[first + done] = amount
            done += 1
            if traced:
                row[0], row[1], row[2], row[3] = cohort, node, staged[index, ARRIVED], hour
                row[4], row[5] = NONE, NONE
                record_row(records, record_parcels, local, chosen, row, amount)
            continue
        else:
            lane = route_lanes[route_of[cohort], hop]
            staged[index, SORTED] = hour
        staged[index, GROUP] = lane
        lane_buffer_total[lane] += amount
        held += amount
        other = slot[cohort]
        if (
            first <= other < index  # not a row another node's or hour's sort left there
            and staged[other, COHORT] == cohort
            and staged[other, GROUP] == lane
            and staged[other, HOP] == hop
        ):
            staged_parcels[other] += amount
            staged[index, GROUP] = NONE
            continue
        if other != TRACED:
            slot[cohort] = index
        if count[lane] == 0:
            touched[first + groups] = lane
            groups += 1
        count[lane] += 1
        kept += 1
    buffer_total[node] = held
    return done, groups, kept


@njit(cache=True)
def _expand_bundles(
    staged: Any, staged_parcels: Any, counters: Any, first: int, cohorts: int, starts: Any,
    members: Any, parcels: Any, totals: Any,
) -> None:  # fmt: skip
    """Split every staged bundle past its origin (at the hub its first lane leads to) into its
    cohorts, each staged with its share of the bundle's parcels at the bundle's hop (its room
    counted by :func:`_busy_nodes`); the bundle's own row is dropped (group ``NONE``)."""
    end = counters[STAGED]
    at = end  # the next row, stored once at the end (as in ``take_rows``)
    for index in range(first, end):
        item, hop = staged[index, COHORT], staged[index, HOP]
        if item < cohorts or hop < 1:
            continue
        bundle = item - cohorts
        share = staged_parcels[index] / totals[bundle]
        for member in range(starts[bundle], starts[bundle + 1]):
            cohort = members[member]
            staged[at, COHORT], staged[at, HOP] = cohort, hop
            staged[at, ARRIVED], staged[at, SORTED], staged[at, GROUP] = NONE, NONE, 0
            staged_parcels[at] = parcels[cohort] * share
            at += 1
        staged[index, GROUP] = NONE
    counters[STAGED] = at


@njit(cache=True)
def _allot(
    plan: Any, state: Any, pools: Pools, hour: int, table: Any, touched: Any, deliveries: Any,
    freed: Any, records: Any, record_parcels: Any,
) -> Pools:  # fmt: skip
    """Pass 3, node by node in order: emptied batches freed, new batches' slots taken and
    arena rows allotted (the batches are written and put at the end of the lanes' buffers by
    pass 4), the hour's deliveries (added one by one in
    the serial sort's order: each node's, as :func:`_route` listed them) and trace rows."""
    counters = state.counters
    pools = reserve_rows(pools, counters, table[:, ROWS].sum())
    pools = reserve_batches(pools, counters, table[:, GROUPS].sum())
    pools = reserve_records(pools, counters, table[:, RECORDS].sum())
    batches = pools[2]
    _slot, count, next_row, batch_of = state.scratch[:4]
    delivered = state.delivered_per_hour[hour]
    for entry in table:
        push_freed(batches, counters, freed, entry[OFFSET], entry[FREED])
        counters[LIVE] -= entry[DROPPED]
        if entry[DONE] == 0:
            continue
        for index in range(entry[OFFSET], entry[OFFSET] + entry[GROUPS]):
            group = touched[index]
            # The batch's own row is written, and the batch linked, by pass 4's threads.
            batch_of[group] = pop_batch(batches, counters)
            next_row[group] = counters[USED]
            counters[USED] += count[group]
            counters[LIVE] += count[group]
        for row in range(entry[OFFSET], entry[OFFSET] + entry[DELIVERIES]):
            delivered += deliveries[row]
        copy_records(pools, counters, records, record_parcels, entry[OFFSET], entry[RECORDS])
    state.delivered_per_hour[hour] = delivered
    return pools


@njit(cache=True)
def _write_nodes(
    state: Any, pools: Pools, hour: int, table: Any, bounds: Any, touched: Any
) -> None:
    """Pass 4 on every core: each node's new batches written and linked, its staged rows
    written into the arena rows allotted."""
    _slot, count, next_row, batch_of = state.scratch[:4]
    f, p, b, t, s, sp = pools[:6]
    heads, tails = state.buffer_heads, state.buffer_tails
    _write_chunks(
        count, next_row, batch_of, f, p, b, t, s, sp, heads, tails, state.lane_rows, hour,
        table, bounds, touched, state.sort_slots.shape[0] + 1, np.zeros(1, dtype=np.int64),
    )  # fmt: skip


@njit(cache=True, parallel=True)
def _write_chunks(
    count: Any, next_row: Any, batch_of: Any, fractions: Any, parcels: Any, batches: Any,
    totals: Any, staged: Any, staged_parcels: Any, heads: Any, tails: Any, lane_rows: Any,
    hour: int, table: Any, bounds: Any, touched: Any, threads: int, cursor: Any,
) -> None:  # fmt: skip
    """The threads of pass 4 (their arguments arrays, as Numba's parallel loops need), each
    taking the next share of the nodes as it frees up."""
    for _thread in prange(threads):
        share = fetch_add(cursor, 1)
        while share < len(bounds) - 1:
            for index in range(bounds[share], bounds[share + 1]):
                _write_node(
                    count, next_row, batch_of, fractions, parcels, batches, totals, staged,
                    staged_parcels, heads, tails, lane_rows, hour, table, index, touched,
                )  # fmt: skip
            share = fetch_add(cursor, 1)


@njit(cache=True)
def _write_node(
    count: Any, next_row: Any, batch_of: Any, fractions: Any, parcels: Any, batches: Any,
    totals: Any, staged: Any, staged_parcels: Any, heads: Any, tails: Any, lane_rows: Any,
    hour: int, table: Any, index: int, touched: Any,
) -> None:  # fmt: skip
    """Write one node's new batches (a lane's is only that node's, so no other thread links
    to it) at the end of their lanes' buffers, copy its staged rows into their rows (as
    :func:`~peakguard.simulate.kernel_moves.flush` does) and clear its group counts."""
    if table[index, DONE] == 0:
        return
    traced = fractions.shape[1] > ARRIVED
    first = table[index, OFFSET]
    for position in range(first, first + table[index, GROUPS]):
        group = touched[position]
        batch = batch_of[group]
        batches[batch, START], batches[batch, LENGTH] = next_row[group], count[group]
        batches[batch, SINCE], batches[batch, PLACE] = hour + 1, group
        totals[batch] = 0.0
        lane_rows[group] += count[group]
        append(batches, heads, tails, group, batch)
    for row in range(first, table[index, END]):
        group = staged[row, GROUP]
        if group < 0:
            continue
        target = next_row[group]
        next_row[group] = target + 1
        fractions[target, COHORT] = staged[row, COHORT]
        fractions[target, HOP] = staged[row, HOP]
        if traced:
            fractions[target, ARRIVED] = staged[row, ARRIVED]
            fractions[target, SORTED] = staged[row, SORTED]
        parcels[target] = staged_parcels[row]
        totals[batch_of[group]] += staged_parcels[row]
    for position in range(first, first + table[index, GROUPS]):
        count[touched[position]] = 0

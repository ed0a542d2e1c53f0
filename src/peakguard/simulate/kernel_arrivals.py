"""The hour's arrivals and intake on every core, when every node admits what arrives.

Under ``overflow`` no gate holds parcels back, so each node's new queue batch is made of what
its lanes bring in the hour (in the order the lane batches arrive) and then the cohorts it
takes on, whatever the other nodes receive: the nodes are joined in parallel. What they share
is done as the sort shares it (:mod:`peakguard.simulate.kernel_sort`):

1. (one core, :func:`_list_arrivals`) the hour's lane batches are read off their list (their
   slots freed in list order), the nodes listed in the order first met — arrivals, then
   intake — with each node's arrivals and intake items and its stretch of the staging area;
   the parcels on lanes lose what arrives, node by node in that order;
2. (every core, :func:`_stage_chunks`) each node stages its rows, adds them to its queue's
   total and the hour's arrivals, and merges a cohort's fractions (a merge slot per core);
3. (one core, :func:`_allot`) node by node in order: its batch taken, given arena rows and put
   at the end of its queue;
4. (every core, :func:`_write_chunks`) each node's rows written into its rows.

Batch slots, arena rows and every total are those of the serial join
(:func:`peakguard.simulate.kernel._join`), which ``block`` keeps for its gate.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numba import njit, prange

from peakguard.simulate.kernel_atomic import SHARES, fetch_add
from peakguard.simulate.kernel_moves import merge_staged, write_rows
from peakguard.simulate.kernel_pools import (
    ARRIVED,
    BATCHES_USED,
    COHORT,
    FREE,
    GROUP,
    HOP,
    LENGTH,
    LIVE,
    NONE,
    PLACE,
    SINCE,
    SORTED,
    STAGED,
    START,
    USED,
    Pools,
    append,
    drop_head,
    pop_batch,
    reserve_batches,
    reserve_rows,
    reserve_staged,
)
from peakguard.simulate.kernel_sort import split_by_rows

# Columns of the per-node table the passes share (a row per node joined, in order); the first
# three are the sort's, so its split of nodes between threads serves here too.
NODE, OFFSET, END, ARRIVALS, INTAKE, ROWS, AT, BATCH = range(8)
TABLE_COLUMNS = 8


@njit(cache=True)
def join_in_parallel(plan: Any, state: Any, pools: Pools, hour: int) -> Pools:
    """What arrives in ``hour`` and the cohorts taken on join each node's queue as one batch
    stamped with the hour, under ``overflow`` (see the module's docstring)."""
    counters = state.counters
    ring = state.incoming.shape[1]
    state.incoming[:, hour % ring] = 0.0
    first_item, end_item = plan.intake_starts[hour], plan.intake_starts[hour + 1]
    table, spans, items = _list_arrivals(plan, state, pools, hour, first_item, end_item)
    if len(table) == 0:
        return pools
    base = counters[STAGED]
    rows = 0
    for index in range(len(table)):
        table[index, OFFSET] = base + rows
        rows += table[index, END]
        table[index, END] = base + rows
    pools = reserve_staged(pools, counters, rows)
    threads = state.sort_slots.shape[0] + 1
    bounds = split_by_rows(table, SHARES * threads)
    _stage_chunks(
        bounds, table, spans, items, hour, pools[0], pools[1], pools[4], pools[5],
        plan.intake_item, plan.intake_parcels, state.queue_total, state.arrived[:, hour],
        state.scratch[0], state.sort_slots, np.zeros(1, dtype=np.int64),
    )  # fmt: skip
    pools = _allot(state, pools, hour, table)
    _write_chunks(
        bounds, table, pools[0], pools[1], pools[3], pools[4], pools[5], threads,
        np.zeros(1, dtype=np.int64),
    )  # fmt: skip
    counters[STAGED] = base
    return pools


@njit(cache=True)
def _list_arrivals(
    plan: Any, state: Any, pools: Pools, hour: int, first_item: int, end_item: int
) -> tuple[Any, Any, Any]:
    """Pass 1: the table (a row per node, in the order first met, ``END`` its rows for now),
    the lane batches' (start, length) grouped by node in arrival order, and the intake items
    grouped by node in order. The lane batches are taken off the hour's list as they are read
    (as the serial join does), and the parcels on lanes lose what each node receives."""
    batches, totals = pools[2], pools[3]
    heads, tails, counters = state.transit_heads, state.transit_tails, state.counters
    position, count = state.scratch[3], state.scratch[1]  # per node; ``count`` 0 between
    order = state.gate_nodes
    arriving = state.arriving
    # Room for every live batch, so the list is walked once (each step a read of the batch
    # table that misses the cache), not once to count and once to take.
    live = counters[BATCHES_USED] - counters[FREE]
    starts = np.empty(live, dtype=np.int64)
    lengths = np.empty(live, dtype=np.int64)
    owners = np.empty(live, dtype=np.int64)
    nodes, listed = 0, 0
    while heads[hour] != NONE:
        index, batch = listed, heads[hour]
        listed += 1
        node = batches[batch, PLACE]
        if count[node] == 0:
            order[nodes], position[node] = node, nodes
            nodes += 1
        count[node] += 1
        arriving[node] += totals[batch]
        starts[index], lengths[index], owners[index] = (
            batches[batch, START],
            batches[batch, LENGTH],
            node,
        )
        drop_head(batches, heads, tails, hour, counters)
    for index in range(nodes):
        node = order[index]
        state.moving[0] -= arriving[node]
        arriving[node] = 0.0
    origin = plan.intake_node
    for index in range(first_item, end_item):
        node = origin[index]
        if count[node] == 0:
            order[nodes], position[node] = node, nodes
            nodes += 1
        count[node] += 1
    table = np.zeros((nodes, TABLE_COLUMNS), dtype=np.int64)
    for index in range(nodes):
        table[index, NODE] = order[index]
    for index in range(listed):
        table[position[owners[index]], ARRIVALS] += 1
    for index in range(first_item, end_item):
        table[position[origin[index]], INTAKE] += 1
    spans = np.empty((listed, 2), dtype=np.int64)
    items = np.empty(end_item - first_item, dtype=np.int64)
    _group(table, position, owners[:listed], starts, lengths, spans, origin, first_item, items)
    for index in range(nodes):
        count[order[index]] = 0
    return table, spans, items


@njit(cache=True)
def _group(
    table: Any, position: Any, owners: Any, starts: Any, lengths: Any, spans: Any,
    origin: Any, first_item: int, items: Any,
) -> None:  # fmt: skip
    """Each node's lane batches (``spans``) and intake items (``items``) together, in their
    order; ``table[p, ARRIVALS]`` and ``[p, INTAKE]`` become where node p's start, and
    ``[p, END]`` its staging rows."""
    at_span, at_item = 0, 0
    for index in range(len(table)):
        arrivals, intake = table[index, ARRIVALS], table[index, INTAKE]
        table[index, ARRIVALS], table[index, INTAKE] = at_span, at_item
        table[index, END] = intake
        at_span += arrivals
        at_item += intake
    fill_span = table[:, ARRIVALS].copy()
    fill_item = table[:, INTAKE].copy()
    for index in range(len(owners)):
        where = position[owners[index]]
        spans[fill_span[where], 0], spans[fill_span[where], 1] = starts[index], lengths[index]
        fill_span[where] += 1
        table[where, END] += lengths[index]
    for index in range(len(items)):
        where = position[origin[first_item + index]]
        items[fill_item[where]] = first_item + index
        fill_item[where] += 1


@njit(cache=True, parallel=True)
def _stage_chunks(
    bounds: Any, table: Any, spans: Any, items: Any, hour: int, fractions: Any,
    parcels: Any, staged: Any, staged_parcels: Any, intake_item: Any, intake_parcels: Any,
    queue_total: Any, arrived: Any, slot: Any, slots: Any, cursor: Any,
) -> None:  # fmt: skip
    """Pass 2: each core stages the next share of the nodes as it frees up (see the module's
    docstring); its merge slots are its own."""
    for thread in prange(slots.shape[0] + 1):
        own = slot if thread == 0 else slots[thread - 1]
        share = fetch_add(cursor, 1)
        while share < len(bounds) - 1:
            for index in range(bounds[share], bounds[share + 1]):
                _stage_node(
                    table, index, spans, items, hour, fractions, parcels, staged,
                    staged_parcels, intake_item, intake_parcels, queue_total, arrived, own,
                )  # fmt: skip
            share = fetch_add(cursor, 1)


@njit(cache=True)
def _stage_node(
    table: Any, index: int, spans: Any, items: Any, hour: int, fractions: Any, parcels: Any,
    staged: Any, staged_parcels: Any, intake_item: Any, intake_parcels: Any,
    queue_total: Any, arrived: Any, own: Any,
) -> None:  # fmt: skip
    """Stage node ``table[index]``'s arrivals and intake, add them to its totals and merge
    them (one node of pass 2)."""
    traced = fractions.shape[1] > ARRIVED
    node, at = table[index, NODE], table[index, OFFSET]
    first = at
    last_span = spans.shape[0]
    if index + 1 < len(table):
        last_span = table[index + 1, ARRIVALS]
    for span in range(table[index, ARRIVALS], last_span):
        start, length = spans[span, 0], spans[span, 1]
        for row in range(start, start + length):
            staged[at, COHORT] = fractions[row, COHORT]
            staged[at, HOP] = fractions[row, HOP]
            staged[at, ARRIVED] = fractions[row, ARRIVED] if traced else NONE
            staged[at, SORTED] = NONE
            staged[at, GROUP] = node
            staged_parcels[at] = parcels[row]
            at += 1
    last_item = len(items) if index + 1 == len(table) else table[index + 1, INTAKE]
    for position in range(table[index, INTAKE], last_item):
        item = items[position]
        staged[at, COHORT] = intake_item[item]
        staged[at, HOP] = 0
        staged[at, ARRIVED] = hour
        staged[at, SORTED] = NONE
        staged[at, GROUP] = node
        staged_parcels[at] = intake_parcels[item]
        at += 1
    # Summed in locals, stored once: the same additions in the same order, without a
    # load and store of the node's totals for every row.
    queued, came = queue_total[node], arrived[node]
    for row in range(first, at):
        queued += staged_parcels[row]
        came += staged_parcels[row]
    queue_total[node], arrived[node] = queued, came
    merge_staged(staged, staged_parcels, own, first, at)
    kept = 0
    for row in range(first, at):
        kept += 1 if staged[row, GROUP] >= 0 else 0
    table[index, END], table[index, ROWS] = at, kept


@njit(cache=True)
def _allot(state: Any, pools: Pools, hour: int, table: Any) -> Pools:
    """Pass 3, node by node in order: its batch taken, given arena rows and put at the end of
    its queue."""
    counters = state.counters
    pools = reserve_rows(pools, counters, table[:, ROWS].sum())
    pools = reserve_batches(pools, counters, len(table))
    batches, totals = pools[2], pools[3]
    for index in range(len(table)):
        node, rows = table[index, NODE], table[index, ROWS]
        table[index, BATCH] = NONE
        if rows == 0:
            continue  # a node whose lane batches held no rows gets no batch, as in the join
        batch = pop_batch(batches, counters)
        batches[batch, START] = counters[USED]
        batches[batch, LENGTH] = rows
        batches[batch, SINCE] = hour
        batches[batch, PLACE] = node
        totals[batch] = 0.0
        table[index, AT], table[index, BATCH] = counters[USED], batch
        counters[USED] += rows
        counters[LIVE] += rows
        append(batches, state.queue_heads, state.queue_tails, node, batch)
    return pools


@njit(cache=True, parallel=True)
def _write_chunks(
    bounds: Any, table: Any, fractions: Any, parcels: Any, totals: Any, staged: Any,
    staged_parcels: Any, threads: int, cursor: Any,
) -> None:  # fmt: skip
    """Pass 4: each node's merged staged rows into the arena rows allotted, in order (each
    core taking the next share of the nodes as it frees up)."""
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

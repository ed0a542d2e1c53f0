"""The compiled engine's storage: fractions and batches in growable arrays, and FIFO lists.

Every fraction of a cohort the network holds is a row of the *arena*: ``fractions[row]`` has
its cohort, the hop of its route it is at, and (traced runs only) the hours it arrived at and
was sorted at its node; ``parcels[row]`` its parcels. A *batch* (fractions that joined a place
in the same hour) is a contiguous run of arena rows: ``batches[b]`` holds its start, length,
hour (``since``), the next batch of its list and its place, ``totals[b]`` its parcels. Node
queues, lane buffers and the batches on lanes (one list per arrival hour) are linked lists of
batches, oldest first, by ``heads``/``tails`` arrays.

A run's growable arrays travel together as one tuple, :data:`Pools`; every function that may
grow one returns the tuple (its arrays possibly reallocated), and the caller rebinds it. Passing
or rebinding the tuple costs an atomic reference count per array (a third of the kernel's time
when it was done per fraction), so loops over fractions or groups reserve room once
(``reserve_*``) and then work on the arrays themselves (:func:`put_staged`, :func:`pop_batch`,
:func:`record_row`, :func:`put_block`); a loop that must not touch the tuple at all (the hour's
departures, :mod:`peakguard.simulate.kernel_departures`) grows its own array variables with
:func:`grown_rows` and :func:`grown_batches`, the same rule, and hands them back as the tuple.
The list helpers store without branches (decision 0028).
``counters`` holds the pools' fill levels (see the ``USED``… constants).

These functions are compiled with Numba (``cache=True``: once per machine, see decision
0016); they are called only from the kernel's modules (``peakguard.simulate.kernel*``).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numba import njit

# Columns of ``fractions`` (int32): traced runs keep all four, others the first two.
COHORT, HOP, ARRIVED, SORTED = 0, 1, 2, 3
# Columns of ``batches`` (int64): a batch's own five, and ``STACK``, which is not the batch's:
# row i of it holds the i-th slot of the stack of freed slots (``counters[FREE]`` of them), so
# taking a freed slot reads the row below the top instead of following a chain of slots
# through the table (decision 0030).
START, LENGTH, SINCE, NEXT, PLACE, STACK = 0, 1, 2, 3, 4, 5
BATCH_COLUMNS = 6
# Columns of ``staged`` (int32, as the arena's: the staging area is read several times per move,
# half the bytes cross the cache): a fraction taken and not yet written back, and its group.
GROUP = 4
STAGED_COLUMNS = 5
# Columns of ``records`` (int64): the trace's rows.
RECORD_COLUMNS = 6
# ``counters``: arena rows used, arena rows live, batches used, freed batches on the stack, rows
# staged, trace rows recorded, lane blocks recorded.
USED, LIVE, BATCHES_USED, FREE, STAGED, RECORDED, BLOCKS = 0, 1, 2, 3, 4, 5, 6
COUNTERS = 7
EPSILON = 1e-9
"""Parcels below this count as none (as in :mod:`peakguard.simulate.batches`)."""
NONE = -1
TRACED = -2
"""A traced cohort's merge slot: its fractions are never merged (the trace keeps each)."""

Pools = tuple[Any, ...]
"""(fractions, parcels, batches, totals, staged, staged_parcels, records, record_parcels,
lane_blocks, block_parcels): the arena, the batch table, the staging area, the trace's rows and
the departures short for room (hour, lane) with the parcels they left behind."""


def new_pools(rows: int, batches: int, columns: int, traced: bool) -> Pools:
    """Empty pools with room for ``rows`` fractions and ``batches`` batches to start with."""
    return (
        np.zeros((max(rows, 16), columns), dtype=np.int32),
        np.zeros(max(rows, 16)),
        np.full((max(batches, 16), BATCH_COLUMNS), NONE, dtype=np.int64),
        np.zeros(max(batches, 16)),
        np.zeros((1024, STAGED_COLUMNS), dtype=np.int32),
        np.zeros(1024),
        np.zeros((1024 if traced else 0, RECORD_COLUMNS), dtype=np.int64),
        np.zeros(1024 if traced else 0),
        np.zeros((64, 2), dtype=np.int64),
        np.zeros(64),
    )


@njit(cache=True)
def grown_rows(table: Any, values: Any, needed: int) -> tuple[Any, Any]:
    """``table`` and ``values`` with at least ``needed`` rows (half again as many)."""
    size = max(needed, len(values) + len(values) // 2 + 16)
    bigger = np.zeros((size, table.shape[1]), dtype=table.dtype)
    bigger[: len(values)] = table
    more = np.zeros(size)
    more[: len(values)] = values
    return bigger, more


@njit(cache=True)
def reserve_rows(pools: Pools, counters: Any, rows: int) -> Pools:
    """The pools with room for ``rows`` more arena rows."""
    (
        fractions,
        parcels,
        batches,
        totals,
        staged,
        staged_parcels,
        records,
        record_parcels,
        lane_blocks,
        block_parcels,
    ) = pools
    needed = counters[USED] + rows
    if needed > len(parcels):
        fractions, parcels = grown_rows(fractions, parcels, needed)
    return (
        fractions,
        parcels,
        batches,
        totals,
        staged,
        staged_parcels,
        records,
        record_parcels,
        lane_blocks,
        block_parcels,
    )


@njit(cache=True)
def reserve_batches(pools: Pools, counters: Any, count: int) -> Pools:
    """The pools with room for ``count`` more batches (the batch table grown if needed), so
    that :func:`pop_batch` can then be called ``count`` times on the arrays alone."""
    (
        fractions,
        parcels,
        batches,
        totals,
        staged,
        staged_parcels,
        records,
        record_parcels,
        lane_blocks,
        block_parcels,
    ) = pools
    needed = counters[BATCHES_USED] + count
    if needed <= len(totals):
        return pools
    batches, totals = grown_batches(batches, totals, needed)
    return (
        fractions,
        parcels,
        batches,
        totals,
        staged,
        staged_parcels,
        records,
        record_parcels,
        lane_blocks,
        block_parcels,
    )


@njit(cache=True)
def grown_batches(batches: Any, totals: Any, needed: int) -> tuple[Any, Any]:
    """The batch table and totals with at least ``needed`` slots (half again as many)."""
    size = max(needed, len(totals) + len(totals) // 2 + 16)
    bigger = np.full((size, BATCH_COLUMNS), NONE, dtype=np.int64)
    bigger[: len(totals)] = batches
    more = np.zeros(size)
    more[: len(totals)] = totals
    return bigger, more


@njit(cache=True)
def pop_batch(batches: Any, counters: Any) -> Any:
    """A batch slot: a freed one if any, else the next unused one (room reserved by
    :func:`reserve_batches`). Works on the arrays, not the pools, so a loop over many groups
    does not pass the pools' ten arrays around (each pass costs atomic reference counts)."""
    free, unused = counters[FREE], counters[BATCHES_USED]
    reuse = free > 0
    slot = batches[free - 1 if reuse else 0, STACK]  # row 0 read, unused, when not reusing
    counters[FREE] = free - 1 if reuse else free
    counters[BATCHES_USED] = unused if reuse else unused + 1
    return slot if reuse else unused


@njit(cache=True)
def new_batch(pools: Pools, counters: Any) -> tuple[Pools, int]:
    """A batch slot (a freed one if any), and the pools (the batch table grown if needed)."""
    pools = reserve_batches(pools, counters, 1)
    return pools, pop_batch(pools[2], counters)


@njit(cache=True)
def reserve_blocks(pools: Pools, counters: Any, count: int) -> Pools:
    """The pools with room for ``count`` more lane-block rows (see :func:`put_block`)."""
    (
        fractions,
        parcels,
        batches,
        totals,
        staged,
        staged_parcels,
        records,
        record_parcels,
        lane_blocks,
        block_parcels,
    ) = pools
    needed = counters[BLOCKS] + count
    if needed <= len(block_parcels):
        return pools
    lane_blocks, block_parcels = grown_rows(lane_blocks, block_parcels, needed)
    return (
        fractions,
        parcels,
        batches,
        totals,
        staged,
        staged_parcels,
        records,
        record_parcels,
        lane_blocks,
        block_parcels,
    )


@njit(cache=True)
def put_block(
    lane_blocks: Any, block_parcels: Any, counters: Any, hour: int, lane: int, amount: float
) -> None:
    """Add a departure short for room (room reserved by :func:`reserve_blocks`): ``amount``
    left behind on ``lane`` in ``hour``."""
    index = counters[BLOCKS]
    lane_blocks[index, 0] = hour
    lane_blocks[index, 1] = lane
    block_parcels[index] = amount
    counters[BLOCKS] = index + 1


@njit(cache=True)
def record_block(pools: Pools, counters: Any, hour: int, lane: int, amount: float) -> Pools:
    """Add a departure short for room: ``amount`` left behind on ``lane`` in ``hour``."""
    pools = reserve_blocks(pools, counters, 1)
    put_block(pools[8], pools[9], counters, hour, lane, amount)
    return pools


@njit(cache=True)
def prepend(batches: Any, heads: Any, tails: Any, place: int, batch: int) -> None:
    """Put ``batch`` at the front of list ``place``."""
    first, last = heads[place], tails[place]
    batches[batch, NEXT] = first
    tails[place] = batch if last == NONE else last
    heads[place] = batch


@njit(cache=True)
def append(batches: Any, heads: Any, tails: Any, place: int, batch: int) -> None:
    """Put ``batch`` at the end of list ``place``."""
    first, last = heads[place], tails[place]
    batches[batch, NEXT] = NONE
    heads[place] = batch if last == NONE else first
    # An empty list's "last batch" is the new one itself: its NEXT stays NONE.
    batches[batch if last == NONE else last, NEXT] = NONE if last == NONE else batch
    tails[place] = batch


@njit(cache=True)
def drop_head(
    batches: Any, heads: Any, tails: Any, place: int, counters: Any, freed: Any = None
) -> None:
    """Remove the first batch of list ``place`` and free its slot (its rows become garbage,
    its length ``NONE``: the mark by which :func:`compact` tells a free slot): onto the free
    stack, or, given ``freed``, at ``freed[counters[FREE]]`` (a thread's own list of the slots
    it frees, put on the stack later in order: the sort's and the departures' passes)."""
    batch = heads[place]
    following, last = batches[batch, NEXT], tails[place]
    heads[place] = following
    tails[place] = NONE if following == NONE else last
    counters[LIVE] -= batches[batch, LENGTH]
    batches[batch, LENGTH] = NONE  # free: what compact() reads
    if freed is None:
        batches[counters[FREE], STACK] = batch
    else:
        freed[counters[FREE]] = batch
    counters[FREE] += 1


@njit(cache=True)
def push_freed(batches: Any, counters: Any, freed: Any, first: int, end: int) -> None:
    """Put the slots ``freed[first:end]`` on the free stack, in that order (the last on top:
    as if each had been freed onto it)."""
    top = counters[FREE]
    for index in range(first, end):
        batches[top, STACK] = freed[index]
        top += 1
    counters[FREE] = top


@njit(cache=True)
def reserve_staged(pools: Pools, counters: Any, rows: int) -> Pools:
    """The pools with room for ``rows`` more staged rows (callers then write them in place)."""
    (
        fractions,
        parcels,
        batches,
        totals,
        staged,
        staged_parcels,
        records,
        record_parcels,
        lane_blocks,
        block_parcels,
    ) = pools
    needed = counters[STAGED] + rows
    if needed <= len(staged_parcels):
        return pools
    staged, staged_parcels = grown_rows(staged, staged_parcels, needed)
    return (
        fractions,
        parcels,
        batches,
        totals,
        staged,
        staged_parcels,
        records,
        record_parcels,
        lane_blocks,
        block_parcels,
    )


@njit(cache=True)
def put_staged(
    staged: Any, staged_parcels: Any, counters: Any, cohort: int, hop: int, arrived: int,
    sorted_at: int, group: int, amount: float,
) -> None:  # fmt: skip
    """Write one staged row (room reserved by :func:`reserve_staged`)."""
    row = counters[STAGED]
    staged[row, COHORT] = cohort
    staged[row, HOP] = hop
    staged[row, ARRIVED] = arrived
    staged[row, SORTED] = sorted_at
    staged[row, GROUP] = group
    staged_parcels[row] = amount
    counters[STAGED] = row + 1


@njit(cache=True)
def reserve_records(pools: Pools, counters: Any, rows: int) -> Pools:
    """The pools with room for ``rows`` more trace rows (see :func:`record_row`)."""
    (
        fractions,
        parcels,
        batches,
        totals,
        staged,
        staged_parcels,
        records,
        record_parcels,
        lane_blocks,
        block_parcels,
    ) = pools
    needed = counters[RECORDED] + rows
    if needed <= len(record_parcels):
        return pools
    records, record_parcels = grown_rows(records, record_parcels, needed)
    return (
        fractions,
        parcels,
        batches,
        totals,
        staged,
        staged_parcels,
        records,
        record_parcels,
        lane_blocks,
        block_parcels,
    )


@njit(cache=True)
def record_row(
    records: Any, record_parcels: Any, counters: Any, chosen: Any, row: Any, amount: float
) -> None:
    """Add a trace row (cohort, node, arrived, sorted, departed, lane) if its cohort is chosen
    (room reserved by :func:`reserve_records`)."""
    if not chosen[row[0]]:
        return
    index = counters[RECORDED]
    records[index] = row
    record_parcels[index] = amount
    counters[RECORDED] = index + 1


@njit(cache=True)
def copy_records(
    pools: Pools, counters: Any, records: Any, record_parcels: Any, first: int, count: int
) -> None:
    """Trace rows ``first`` to ``first + count`` − 1 of a pass's own ``records`` (a node's or a
    departure's stretch), after the trace's rows so far."""
    into, into_parcels = pools[6], pools[7]
    at = counters[RECORDED]
    for index in range(count):
        for column in range(RECORD_COLUMNS):
            into[at + index, column] = records[first + index, column]
        into_parcels[at + index] = record_parcels[first + index]
    counters[RECORDED] = at + count


@njit(cache=True)
def compact(pools: Pools, counters: Any) -> Pools:
    """The arena with only the rows of live batches, once its garbage is three times what is
    live (and 65,536 rows; decision 0030):
    rewritten in place, each live batch moved down to the end of the one before it in the
    arena, so a compaction allocates no new arena (a fresh one each time cost a second of page
    clearing in the demo's traced season; decision 0027).

    The live batches are found by reading the batch table front to back (a freed slot's length
    is ``NONE``, see :func:`drop_head`), not by walking every list, and their starts and
    lengths travel with them through the sort, so the moves do not read the table again: in a
    compaction of the national case (205,000 batches, 1.6 million live rows) the walk took
    10 ms, a comparison sort 4.5 ms and the moves 15.5 ms; the whole now takes 10–15 ms."""
    fractions, parcels, batches = pools[0], pools[1], pools[2]
    live = counters[LIVE]
    if counters[USED] - live <= max(3 * live, 1 << 16):
        return pools
    slots = counters[BATCHES_USED]
    starts = np.empty(slots, dtype=np.int64)
    lengths = np.empty(slots, dtype=np.int64)
    found = np.empty(slots, dtype=np.int64)
    count = 0
    for batch in range(slots):
        length = batches[batch, LENGTH]
        starts[count], lengths[count], found[count] = batches[batch, START], length, batch
        count += 0 if length == NONE else 1
    _by_start(starts[:count], lengths[:count], found[:count], counters[USED])
    columns = fractions.shape[1]
    flat = fractions.reshape(-1)  # the arena's columns row after row
    row = 0
    for index in range(count):
        start, length = starts[index], lengths[index]
        if start != row:
            # Down to ``row`` (< ``start``), front to back: rows that overlap are read first.
            source, target = start * columns, row * columns
            for offset in range(length * columns):
                flat[target + offset] = flat[source + offset]
            for offset in range(length):
                parcels[row + offset] = parcels[start + offset]
            batches[found[index], START] = row
        row += length
    counters[USED] = row
    return pools


@njit(cache=True)
def _by_start(starts: Any, lengths: Any, found: Any, used: int) -> None:
    """Sort the batches ``found`` (with their ``starts`` and ``lengths``) by their first arena
    row, in place: a least-significant-digit radix sort of the distinct starts (below
    ``used``), two passes up to 16 million rows."""
    count = len(starts)
    keys, sizes, ids = starts, lengths, found
    other_keys = np.empty(count, dtype=np.int64)
    other_sizes = np.empty(count, dtype=np.int64)
    other_ids = np.empty(count, dtype=np.int64)
    bits = 1
    while used >> bits:
        bits += 1
    passes = (bits + 11) // 12
    width = (bits + passes - 1) // passes
    mask = (1 << width) - 1
    places = np.empty((1 << width) + 1, dtype=np.int64)
    for step in range(passes):
        shift = step * width
        places[:] = 0
        for index in range(count):
            places[((keys[index] >> shift) & mask) + 1] += 1
        for digit in range(1, len(places)):
            places[digit] += places[digit - 1]
        for index in range(count):
            digit = (keys[index] >> shift) & mask
            at = places[digit]
            places[digit] = at + 1
            other_keys[at], other_sizes[at], other_ids[at] = keys[index], sizes[index], ids[index]
        keys, other_keys = other_keys, keys
        sizes, other_sizes = other_sizes, sizes
        ids, other_ids = other_ids, ids
    if passes % 2 == 1:
        starts[:] = keys
        lengths[:] = sizes
        found[:] = ids

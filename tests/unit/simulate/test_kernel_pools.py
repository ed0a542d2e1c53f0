"""The kernel's arena compaction, on hand-made pools (a run compacts only once its garbage
is three times what is live and 65,536 rows, which the small plans of the other tests never
reach)."""

from __future__ import annotations

from collections import deque

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from peakguard.simulate.kernel_pools import (
    BATCH_COLUMNS,
    BATCHES_USED,
    COHORT,
    COUNTERS,
    FREE,
    HOP,
    LENGTH,
    LIVE,
    NEXT,
    NONE,
    START,
    USED,
    _by_start,
    append,
    compact,
    drop_head,
    new_pools,
    pop_batch,
    prepend,
    push_freed,
)

GARBAGE = 70_000
"""Rows of garbage: more than the 65,536 a compaction waits for."""


def test_compaction_keeps_every_live_batch_row_for_row_and_drops_the_garbage() -> None:
    """Three live batches in two lists, laid out in the arena out of list order with garbage
    between and before them, and a fourth batch taken off its list: after compaction the arena
    holds only the three's rows, each batch's rows in their order and with their parcels, the
    batches packed in arena order from row 0, and the arena was not replaced (the rows were
    moved in place)."""
    rows = GARBAGE + 20
    pools = new_pools(rows, 8, 2, False)
    fractions, parcels, batches = pools[0], pools[1], pools[2]
    fractions[:, COHORT] = np.arange(len(parcels))
    fractions[:, HOP] = 1
    parcels[:] = np.arange(len(parcels)) * 0.5
    counters = np.zeros(COUNTERS, dtype=np.int64)
    heads = (np.full(2, NONE, dtype=np.int64), np.full(2, NONE, dtype=np.int64))
    tails = (np.full(2, NONE, dtype=np.int64), np.full(2, NONE, dtype=np.int64))
    # (list, place, first row, rows): batch 0 lies after batch 1 in the arena.
    layout = [(0, 0, GARBAGE + 10, 4), (0, 1, 100, 3), (1, 0, GARBAGE // 2, 2)]
    for batch, (which, place, start, length) in enumerate(layout):
        batches[batch, START], batches[batch, LENGTH] = start, length
        append(batches, heads[which], tails[which], place, batch)
    counters[BATCHES_USED] = len(layout) + 1
    counters[USED] = rows
    counters[LIVE] = sum(length for *_, length in layout) + 6
    dropped = len(layout)  # six rows at 200, taken off list 1's place 1
    batches[dropped, START], batches[dropped, LENGTH] = 200, 6
    append(batches, heads[1], tails[1], 1, dropped)
    drop_head(batches, heads[1], tails[1], 1, counters)
    before = {
        batch: (fractions[start : start + length].copy(), parcels[start : start + length].copy())
        for batch, (_, _, start, length) in enumerate(layout)
    }
    after = compact(pools, counters)
    assert after[0] is fractions and after[1] is parcels
    assert counters[USED] == counters[LIVE] == 9
    # Packed in arena order: batch 1 (row 100), batch 2 (row 35,000), batch 0.
    assert [batches[batch, START] for batch in (1, 2, 0)] == [0, 3, 5]
    for batch, (rows_before, parcels_before) in before.items():
        start, length = batches[batch, START], batches[batch, LENGTH]
        np.testing.assert_array_equal(fractions[start : start + length], rows_before)
        np.testing.assert_array_equal(parcels[start : start + length], parcels_before)


def test_compaction_waits_until_garbage_outweighs_what_is_live() -> None:
    """With less garbage than the threshold nothing moves."""
    pools = new_pools(100, 4, 2, False)
    batches = pools[2]
    counters = np.zeros(COUNTERS, dtype=np.int64)
    heads, tails = np.full(1, NONE, dtype=np.int64), np.full(1, NONE, dtype=np.int64)
    batches[0, START], batches[0, LENGTH] = 50, 5
    append(batches, heads, tails, 0, 0)
    counters[BATCHES_USED], counters[USED], counters[LIVE] = 1, 60, 5
    compact(pools, counters)
    assert batches[0, START] == 50 and counters[USED] == 60


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["append", "prepend", "drop", "drop aside", "put aside on stack"]),
            st.integers(0, 2),
        )
    )
)
def test_the_batch_lists_behave_as_queues_and_reuse_freed_slots(
    operations: list[tuple[str, int]],
) -> None:
    """The list helpers (stores without branches since a store under an ``if`` cost each call
    atomic reference counts) against a model of three deques and a stack of freed slots: after
    every operation each list reads head to tail as its deque, its tail is its last batch, and
    a new batch takes the slot freed last, else the next unused one. Slots freed aside (as a
    thread of the sort frees them, into its own list) and put on the stack later are taken as
    if they had been freed onto it then, in the order they were freed."""
    size = 2 * len(operations) + 16
    batches = np.full((size, BATCH_COLUMNS), NONE, dtype=np.int64)
    heads, tails = np.full(3, NONE, dtype=np.int64), np.full(3, NONE, dtype=np.int64)
    counters = np.zeros(COUNTERS, dtype=np.int64)
    aside, aside_list = np.full(size, NONE, dtype=np.int64), np.zeros(COUNTERS, dtype=np.int64)
    lists: list[deque[int]] = [deque(), deque(), deque()]
    freed: list[int] = []
    freed_aside: list[int] = []
    unused = 0
    for operation, place in operations:
        if operation in ("drop", "drop aside"):
            if not lists[place]:
                continue
            batches[heads[place], LENGTH] = 1
            counters[LIVE] += 1
            if operation == "drop":
                drop_head(batches, heads, tails, place, counters)
                freed.append(lists[place].popleft())
            else:
                drop_head(batches, heads, tails, place, aside_list, aside)
                freed_aside.append(lists[place].popleft())
        elif operation == "put aside on stack":
            push_freed(batches, counters, aside, 0, aside_list[FREE])
            freed += freed_aside
            freed_aside, aside_list[FREE] = [], 0
        else:
            expected = freed.pop() if freed else unused
            unused += 0 if expected < unused else 1
            batch = pop_batch(batches, counters)
            assert batch == expected
            if operation == "append":
                append(batches, heads, tails, place, batch)
                lists[place].append(batch)
            else:
                prepend(batches, heads, tails, place, batch)
                lists[place].appendleft(batch)
        for which in range(3):
            walked, batch = [], heads[which]
            while batch != NONE:
                walked.append(int(batch))
                batch = batches[batch, NEXT]
            assert walked == list(lists[which])
            assert tails[which] == (lists[which][-1] if lists[which] else NONE)
    assert counters[BATCHES_USED] == unused


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(st.sampled_from(["append", "drop"]), st.integers(0, 2), st.integers(1, 40)),
        min_size=1,
        max_size=60,
    )
)
def test_compaction_after_any_appends_and_drops_keeps_every_lists_rows(
    operations: list[tuple[str, int, int]],
) -> None:
    """Batches appended to three lists and taken off their fronts in any order (freed slots
    reused out of arena order), over 70,000 rows of garbage: after compaction every list reads
    the same rows, in order, as before; the dropped batches' rows are gone and the live ones
    are packed from row 0."""
    capacity = GARBAGE + sum(length for *_, length in operations) + 16
    pools = new_pools(capacity, len(operations) + 16, 2, False)
    fractions, parcels, batches = pools[0], pools[1], pools[2]
    fractions[:, COHORT] = np.arange(capacity)
    fractions[:, HOP] = np.arange(capacity) % 7
    parcels[:] = np.arange(capacity) * 0.5
    counters = np.zeros(COUNTERS, dtype=np.int64)
    counters[USED] = GARBAGE
    heads, tails = np.full(3, NONE, dtype=np.int64), np.full(3, NONE, dtype=np.int64)
    for operation, place, length in operations:
        if operation == "append":
            batch = pop_batch(batches, counters)
            batches[batch, START], batches[batch, LENGTH] = counters[USED], length
            counters[USED] += length
            counters[LIVE] += length
            append(batches, heads, tails, place, batch)
        elif heads[place] != NONE:
            drop_head(batches, heads, tails, place, counters)

    def rows_of_lists() -> list[list[tuple[int, int, float]]]:
        listed = []
        for place in range(3):
            rows, batch = [], heads[place]
            while batch != NONE:
                start, length = batches[batch, START], batches[batch, LENGTH]
                rows += [
                    (int(fractions[row, COHORT]), int(fractions[row, HOP]), float(parcels[row]))
                    for row in range(start, start + length)
                ]
                batch = batches[batch, NEXT]
            listed.append(rows)
        return listed

    before = rows_of_lists()
    live = sum(len(rows) for rows in before)
    assert counters[LIVE] == live
    compact(pools, counters)
    assert rows_of_lists() == before
    assert counters[USED] == live
    starts = sorted(
        (int(batches[batch, START]), int(batches[batch, LENGTH]))
        for place in range(3)
        for batch in _listed(batches, heads[place])
    )
    assert [start for start, _ in starts] == list(
        np.cumsum([0] + [length for _, length in starts])[:-1]
    )


def _listed(batches: np.ndarray, batch: int) -> list[int]:
    """The batches of a list from ``batch`` on."""
    found = []
    while batch != NONE:
        found.append(int(batch))
        batch = int(batches[batch, NEXT])
    return found


@settings(max_examples=40, deadline=None)
@given(
    st.sets(st.integers(0, 2**30 - 1), min_size=1, max_size=300),
    st.sampled_from([1, 5_000, 2**20, 2**30]),
)
def test_the_compactions_radix_sort_orders_batches_by_first_row(
    distinct: set[int], bound: int
) -> None:
    """The live batches ordered by first row, as NumPy's sort orders them, whether the arena's
    size takes one, two or three passes of the radix sort (the lengths and slots follow)."""
    starts = np.array(sorted(distinct), dtype=np.int64) % bound
    starts = np.unique(starts)
    shuffled = np.random.default_rng(len(starts)).permutation(len(starts))
    keys = starts[shuffled].copy()
    lengths = keys % 13 + 1
    found = np.arange(len(keys), dtype=np.int64) * 3
    expected = np.argsort(keys, kind="stable")
    want_keys, want_lengths, want_found = keys[expected], lengths[expected], found[expected]
    _by_start(keys, lengths, found, bound)
    np.testing.assert_array_equal(keys, want_keys)
    np.testing.assert_array_equal(lengths, want_lengths)
    np.testing.assert_array_equal(found, want_found)

"""The compiled engine's two moves: take parcels from the front of a list, write them back.

:func:`take` removes up to an amount from the front of a queue or lane buffer into the staging
area, oldest batch first, splitting the last batch it touches in proportion (parcels that
joined in the same hour are interchangeable). :func:`flush` writes the staged fractions back as
one new batch per group (a node, a lane, or an arrival hour), merging the fractions of one
cohort and hop that land in the same batch when the run is not traced (their later shares are
proportional to their parcels, so one row serves for both).
"""

from __future__ import annotations

from typing import Any

from numba import njit

from peakguard.simulate.kernel_pools import (
    ARRIVED,
    COHORT,
    EPSILON,
    GROUP,
    HOP,
    LENGTH,
    LIVE,
    NEXT,
    NONE,
    PLACE,
    SINCE,
    SORTED,
    STAGED,
    START,
    TRACED,
    USED,
    Pools,
    append,
    drop_head,
    pop_batch,
    prepend,
    reserve_batches,
    reserve_rows,
)


@njit(cache=True)
def take_rows(
    fractions: Any, parcels: Any, batches: Any, totals: Any, staged: Any, staged_parcels: Any,
    counters: Any, heads: Any, tails: Any, place: int, amount: float, ready_before: int,
    group: int, freed: Any = None,
) -> float:  # fmt: skip
    """:func:`take` on the arrays themselves, the staging room already reserved (so threads
    sorting different nodes share no reference counts); the slots it frees go on the free
    stack, or into ``freed`` (see :func:`~peakguard.simulate.kernel_pools.drop_head`)."""
    traced = fractions.shape[1] > ARRIVED
    remaining, taken = amount, 0.0
    # The next staged row in a local, stored once at the end: kept in ``counters`` row by
    # row, it was loaded and stored again after every write to ``staged`` (which the compiler
    # cannot tell apart from ``counters``).
    at = counters[STAGED]
    while remaining > EPSILON:
        batch = heads[place]
        if batch == NONE or batches[batch, SINCE] >= ready_before:
            break
        total = totals[batch]
        start, length = batches[batch, START], batches[batch, LENGTH]
        whole = total <= remaining + EPSILON
        share = 1.0 if whole else remaining / total
        for row in range(start, start + length):
            part = parcels[row] if whole else parcels[row] * share
            staged[at, COHORT] = fractions[row, COHORT]
            staged[at, HOP] = fractions[row, HOP]
            staged[at, ARRIVED] = fractions[row, ARRIVED] if traced else NONE
            staged[at, SORTED] = fractions[row, SORTED] if traced else NONE
            staged[at, GROUP] = group
            staged_parcels[at] = part
            at += 1
            if not whole:
                parcels[row] = parcels[row] - part
        if whole:
            remaining -= total
            taken += total
            drop_head(batches, heads, tails, place, counters, freed)
        else:
            totals[batch] = total - remaining
            taken += remaining
            remaining = 0.0
    counters[STAGED] = at
    return taken


@njit(cache=True)
def rows_to_take(
    batches: Any, totals: Any, heads: Any, place: int, amount: float, ready_before: int
) -> int:
    """The arena rows of the batches :func:`take` will touch (so it reserves staging room once,
    not batch by batch)."""
    remaining, rows = amount, 0
    batch = heads[place]
    while remaining > EPSILON and batch != NONE and batches[batch, SINCE] < ready_before:
        rows += batches[batch, LENGTH]
        remaining -= totals[batch]
        batch = batches[batch, NEXT]
    return rows


@njit(cache=True)
def merge_staged(staged: Any, staged_parcels: Any, slot: Any, first: int, end: int) -> None:
    """Fold staged fractions ``first`` to ``end`` − 1 of one cohort, hop and group into the
    first of them — except a traced cohort's (``slot`` is :data:`TRACED` for it), whose
    fractions keep their own hours.

    ``slot[cohort]`` is the row of the cohort's last fraction kept, and is left as it is
    afterwards: a row from an earlier call is told apart by what it holds (a row from
    ``first`` to the current one, of the same cohort, group and hop is one this call kept,
    since each row kept overwrites its cohort's slot), so no second pass clears the slots."""
    for row in range(first, end):
        group = staged[row, GROUP]
        if group < 0:
            continue  # none, or delivered
        cohort = staged[row, COHORT]
        other = slot[cohort]
        if other == TRACED:
            continue
        if (
            first <= other < row
            and staged[other, COHORT] == cohort
            and staged[other, GROUP] == group
            and staged[other, HOP] == staged[row, HOP]
        ):
            staged_parcels[other] += staged_parcels[row]
            staged[row, GROUP] = NONE
        else:
            slot[cohort] = row


@njit(cache=True)
def write_rows(
    fractions: Any, parcels: Any, totals: Any, staged: Any, staged_parcels: Any, batch: int,
    target: int, first: int, end: int,
) -> None:  # fmt: skip
    """The staged rows ``first`` to ``end`` − 1 still in a group (a merged one is not) into
    the arena from row ``target`` on, in order, as batch ``batch``'s rows (its total summed in
    a local and stored once: the same additions)."""
    traced = fractions.shape[1] > ARRIVED
    total = totals[batch]
    for row in range(first, end):
        if staged[row, GROUP] < 0:
            continue
        fractions[target, COHORT] = staged[row, COHORT]
        fractions[target, HOP] = staged[row, HOP]
        if traced:
            fractions[target, ARRIVED] = staged[row, ARRIVED]
            fractions[target, SORTED] = staged[row, SORTED]
        parcels[target] = staged_parcels[row]
        total += staged_parcels[row]
        target += 1
    totals[batch] = total


@njit(cache=True)
def flush(
    pools: Pools, counters: Any, scratch: Any, first: int, since: int, heads: Any, tails: Any,
    target_list: int, place: int, at_front: bool,
) -> Pools:  # fmt: skip
    """Write staged rows from ``first`` on as one batch per group, stamped ``since``, at the
    end (or, ``at_front``, the front) of list ``group`` (or of ``target_list`` when given),
    its place ``place`` (or the group); fractions of one cohort (an untraced one) and hop in a
    group are merged first.

    ``scratch`` is (slot per cohort: :data:`TRACED` for a traced cohort, else whatever
    :func:`merge_staged` left there; and per group: rows, next row, batch, groups touched, 0
    between calls)."""
    slot, count, next_row, batch_of, touched = scratch
    merge_staged(pools[4], pools[5], slot, first, counters[STAGED])
    groups, rows = count_groups(pools[4], first, counters[STAGED], count, touched, 0)
    pools = reserve_rows(pools, counters, rows)
    pools = reserve_batches(pools, counters, groups)
    write_groups(
        pools[0], pools[1], pools[2], pools[3], pools[4], pools[5], counters, count, next_row,
        batch_of, touched, groups, first, since, heads, tails, target_list, place, at_front,
    )  # fmt: skip
    return pools


@njit(cache=True)
def write_groups(
    fractions: Any, parcels: Any, batches: Any, totals: Any, staged: Any, staged_parcels: Any,
    counters: Any, count: Any, next_row: Any, batch_of: Any, touched: Any, groups: int,
    first: int, since: int, heads: Any, tails: Any, target_list: int, place: int,
    at_front: bool,
) -> None:  # fmt: skip
    """:func:`flush` once the groups are counted and their room reserved, on the arrays: a
    batch per group, the staged rows copied into it, the counts cleared and the staging area
    emptied down to ``first``."""
    for index in range(groups):
        group = touched[index]
        batch = pop_batch(batches, counters)
        batches[batch, START] = counters[USED]
        batches[batch, LENGTH] = count[group]
        batches[batch, SINCE] = since
        batches[batch, PLACE] = place if place != NONE else group
        totals[batch] = 0.0
        next_row[group] = counters[USED]
        batch_of[group] = batch
        counters[USED] += count[group]
        counters[LIVE] += count[group]
        target = target_list if target_list != NONE else group
        if at_front:
            prepend(batches, heads, tails, target, batch)
        else:
            append(batches, heads, tails, target, batch)
    traced = fractions.shape[1] > ARRIVED
    for row in range(first, counters[STAGED]):
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
    for index in range(groups):
        count[touched[index]] = 0
    counters[STAGED] = first


@njit(cache=True)
def count_groups(
    staged: Any, first: int, end: int, count: Any, touched: Any, at: int
) -> tuple[int, int]:
    """Count the staged rows ``first`` to ``end`` − 1 of each group (``count``, per group),
    listing the groups in the order first met from ``touched[at]`` on; the number of groups
    and of rows."""
    groups, rows = 0, 0
    for row in range(first, end):
        group = staged[row, GROUP]
        if group < 0:
            continue
        if count[group] == 0:
            touched[at + groups] = group
            groups += 1
        count[group] += 1
        rows += 1
    return groups, rows

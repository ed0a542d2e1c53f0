"""The compiled engine's state in and out: a run's lists written down as a
:class:`~peakguard.simulate.state.SimulationState`, one loaded from it, and the trace.

A state lists batches place by place, oldest first, over its own cohort table (see
:mod:`peakguard.simulate.state`); the kernel holds the same batches in linked lists over its
arena. Untraced runs do not keep the hours a fraction arrived at and was sorted at its node; the
state then has them from the batch, as the reference engine's does.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np
from numba import njit

from peakguard.simulate.kernel import KernelPlan, KernelState
from peakguard.simulate.kernel_pools import (
    ARRIVED,
    COHORT,
    HOP,
    LENGTH,
    LIVE,
    NEXT,
    NONE,
    PLACE,
    RECORDED,
    SINCE,
    SORTED,
    START,
    USED,
    Pools,
    append,
    new_batch,
    reserve_rows,
)
from peakguard.simulate.plan import FloatArray, IntArray, SimulationPlan
from peakguard.simulate.run_state import STILL_THERE, Trace
from peakguard.simulate.state import Fractions, SimulationState, StateCohorts


@njit(cache=True)
def _walk(heads: Any, batches: Any) -> Any:
    """Every batch of every list, list by list, oldest first."""
    found = []
    for place in range(len(heads)):
        batch = heads[place]
        while batch != NONE:
            found.append(batch)
            batch = batches[batch, NEXT]
    out = np.empty(len(found), dtype=np.int64)
    for index, batch in enumerate(found):
        out[index] = batch
    return out


@njit(cache=True)
def load_batches(
    pools: Pools, counters: Any, heads: Any, tails: Any, lists: Any, places: Any, hours: Any,
    starts: Any, cohort: Any, hop: Any, parcels: Any, stamps: Any,
) -> Pools:  # fmt: skip
    """Append batch ``b`` (rows ``starts[b]:starts[b + 1]``, stamped ``hours[b]``, at place
    ``places[b]``) to list ``lists[b]``; ``stamps`` is [row, (arrived, sorted)] when traced.
    A batch without rows carries nothing and is left out: the sort's and the departures'
    passes list the slots they free within the rows they take, so no list may hold one."""
    pools = reserve_rows(pools, counters, starts[-1])
    for index in range(len(lists)):
        if starts[index + 1] == starts[index]:
            continue
        pools, batch = new_batch(pools, counters)
        fractions, values, batches, totals = pools[0], pools[1], pools[2], pools[3]
        first, last = starts[index], starts[index + 1]
        start = counters[USED]
        batches[batch, START] = start
        batches[batch, LENGTH] = last - first
        batches[batch, SINCE] = hours[index]
        batches[batch, PLACE] = places[index]
        totals[batch] = 0.0
        for offset in range(last - first):
            source = first + offset
            fractions[start + offset, COHORT] = cohort[source]
            fractions[start + offset, HOP] = hop[source]
            if fractions.shape[1] > ARRIVED:
                fractions[start + offset, ARRIVED] = stamps[source, 0]
                fractions[start + offset, SORTED] = stamps[source, 1]
            values[start + offset] = parcels[source]
            totals[batch] += parcels[source]
        counters[USED] += last - first
        counters[LIVE] += last - first
        append(batches, heads, tails, lists[index], batch)
    return pools


def load_fractions(
    pools: Pools, state: KernelState, fractions: Fractions, base: int, where: str
) -> Pools:
    """Put a state's ``fractions`` (cohorts shifted by ``base``) in the queues, the lane
    buffers or on lanes (``where``), in order."""
    heads, tails = {
        "queued": (state.queue_heads, state.queue_tails),
        "waiting": (state.buffer_heads, state.buffer_tails),
        "on_lanes": (state.transit_heads, state.transit_tails),
    }[where]
    lists = fractions.hour if where == "on_lanes" else fractions.place
    stamps = np.stack([fractions.arrived, fractions.sorted_at], axis=1).astype(np.int64)
    result: Pools = load_batches(
        pools,
        state.counters,
        heads,
        tails,
        lists.astype(np.int64),
        fractions.place.astype(np.int64),
        fractions.hour.astype(np.int64),
        fractions.starts.astype(np.int64),
        (fractions.cohort + base).astype(np.int64),
        fractions.hop.astype(np.int64),
        fractions.parcels.astype(np.float64),
        stamps,
    )
    return result


def listed(pools: Pools, heads: Any) -> tuple[IntArray, IntArray, IntArray, IntArray]:
    """(batches, their places, their hours, their arena rows) of the lists ``heads``."""
    batches = pools[2]
    chosen: IntArray = _walk(heads, batches)
    lengths = batches[chosen, LENGTH]
    starts = batches[chosen, START]
    offsets = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
    rows = np.repeat(starts - offsets[:-1], lengths) + np.arange(offsets[-1], dtype=np.int64)
    return chosen, batches[chosen, PLACE], batches[chosen, SINCE], rows


def _fractions(
    pools: Pools, heads: Any, *, arrived_offset: int, sorted_offset: int | None
) -> tuple[Fractions, IntArray]:
    """A list set as a fraction table over the run's cohorts (mapped to the state's later)."""
    chosen, places, hours, rows = listed(pools, heads)
    lengths = pools[2][chosen, LENGTH]
    fractions, parcels = pools[0], pools[1]
    if fractions.shape[1] > ARRIVED:
        arrived = fractions[rows, ARRIVED].astype(np.int64)
        sorted_at = fractions[rows, SORTED].astype(np.int64)
    else:
        stamp = np.repeat(hours, lengths)
        arrived = stamp + arrived_offset
        sorted_at = np.full(len(rows), -1) if sorted_offset is None else stamp + sorted_offset
    table = Fractions(
        place=places.copy(),
        hour=hours.copy(),
        starts=np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64),
        cohort=fractions[rows, COHORT].astype(np.int64),
        hop=fractions[rows, HOP].astype(np.int64),
        parcels=parcels[rows].copy(),
        arrived=arrived.astype(np.int64),
        sorted_at=sorted_at.astype(np.int64),
    )
    return table, table.cohort


def capture(
    pools: Pools,
    state: KernelState,
    plan: SimulationPlan,
    hour: int,
    delivered_before: float,
    kernel_plan: KernelPlan,
) -> SimulationState:
    """Where every parcel of the run is at the start of ``hour`` (between two hours), bundles
    listed as their cohorts."""
    queued, _ = _fractions(pools, state.queue_heads, arrived_offset=0, sorted_offset=None)
    waiting, _ = _fractions(pools, state.buffer_heads, arrived_offset=-1, sorted_offset=-1)
    on_lanes, _ = _fractions(pools, state.transit_heads, arrived_offset=0, sorted_offset=None)
    queued, waiting, on_lanes = (
        _unbundled(part, kernel_plan) for part in (queued, waiting, on_lanes)
    )
    # On lanes, a batch's place is the node it arrives at (its list is its arrival hour).
    used = np.unique(np.concatenate([queued.cohort, waiting.cohort, on_lanes.cohort]))
    queued, waiting, on_lanes = (
        replace(part, cohort=np.searchsorted(used, part.cohort).astype(np.int64))
        for part in (queued, waiting, on_lanes)
    )
    parcels = np.zeros(len(used))
    for part in (queued, waiting, on_lanes):
        np.add.at(parcels, part.cohort, part.parcels)
    cohorts = StateCohorts(
        origin=plan.cohort_origin[used],
        destination=plan.cohort_destination[used],
        hour=plan.cohort_hour[used],
        time_limit=plan.cohort_time_limit[used],
        parcels=parcels,
        route=plan.cohort_route[used],
        route_nodes=plan.route_nodes,
        route_lanes=plan.route_lanes,
        route_length=plan.route_length,
    )
    return SimulationState(
        hour, plan.node_ids, cohorts, queued, waiting, on_lanes, delivered_before
    )


def _unbundled(table: Fractions, kernel_plan: KernelPlan) -> Fractions:
    """``table`` with every bundle's row replaced by its cohorts' rows, each with its share of
    the row's parcels (:mod:`peakguard.simulate.kernel_bundles`), in the bundle's place."""
    cohorts = kernel_plan.cohorts
    bundle = table.cohort - cohorts
    is_bundle = bundle >= 0
    if not is_bundle.any():
        return table
    starts = kernel_plan.bundle_starts
    which = np.where(is_bundle, bundle, 0)
    sizes = np.where(is_bundle, starts[which + 1] - starts[which], 1)
    source = np.repeat(np.arange(len(sizes)), sizes)
    offset = np.arange(len(source)) - np.repeat(np.cumsum(sizes) - sizes, sizes)
    member = kernel_plan.bundle_members[starts[which[source]] + offset]
    cohort = np.where(is_bundle[source], member, table.cohort[source])
    parcels = table.parcels[source]
    share = kernel_plan.cohort_parcels[cohort] / kernel_plan.bundle_parcels[which[source]]
    parcels = np.where(is_bundle[source], parcels * share, parcels)
    batch = np.repeat(np.arange(len(table.place)), np.diff(table.starts))
    lengths = np.bincount(batch[source], minlength=len(table.place))
    return replace(
        table,
        starts=np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64),
        cohort=cohort.astype(np.int64),
        hop=table.hop[source],
        parcels=parcels,
        arrived=table.arrived[source],
        sorted_at=table.sorted_at[source],
    )


def trace_of(pools: Pools, state: KernelState, plan: SimulationPlan, chosen: Any) -> Trace:
    """The trace rows recorded, then what is still at a node when the run ends (it arrived
    there, and may be sorted): queued, and waiting for a lane."""
    count = int(state.counters[RECORDED])
    records, values = pools[6][:count], pools[7][:count]
    columns = [records[:, index].astype(np.int64) for index in range(6)]
    parcels: list[FloatArray] = [values]
    fractions = pools[0]
    for heads, waiting in ((state.queue_heads, False), (state.buffer_heads, True)):
        _chosen, places, _hours, rows = listed(pools, heads)
        lengths = pools[2][_chosen, LENGTH]
        place = np.repeat(places, lengths)
        cohort = fractions[rows, COHORT].astype(np.int64)
        keep = chosen[cohort]
        rows, place, cohort = rows[keep], place[keep], cohort[keep]
        node = plan.lane_origin[place] if waiting else place
        extra = (
            cohort,
            node,
            fractions[rows, ARRIVED].astype(np.int64),
            fractions[rows, SORTED].astype(np.int64) if waiting else np.full(len(rows), -1),
            np.full(len(rows), STILL_THERE),
            place if waiting else np.full(len(rows), -1),
        )
        columns = [
            np.concatenate([column, more]) for column, more in zip(columns, extra, strict=True)
        ]
        parcels.append(pools[1][rows])
    cohort, node, arrived, sorted_hour, departed, lane = columns
    return Trace(cohort, node, arrived, sorted_hour, departed, lane, np.concatenate(parcels))

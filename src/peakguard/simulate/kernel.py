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

from peakguard.simulate.kernel_arrivals import join_in_parallel
from peakguard.simulate.kernel_blocking import record_gate
from peakguard.simulate.kernel_departures import depart
from peakguard.simulate.kernel_moves import flush
from peakguard.simulate.kernel_pools import (
    ARRIVED,
    COHORT,
    EPSILON,
    GROUP,
    HOP,
    LENGTH,
    NEXT,
    NONE,
    PLACE,
    STAGED,
    START,
    Pools,
    compact,
    drop_head,
    put_staged,
    reserve_staged,
)
from peakguard.simulate.kernel_sort import sort_hour


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
    intake_item: Any
    """Cohorts, and bundles (``cohorts`` + b), in the order they are taken on; hour h's from
    ``intake_starts[h]`` (:mod:`peakguard.simulate.kernel_bundles`)."""
    intake_node: Any
    intake_parcels: Any
    intake_starts: Any
    cohorts: int
    bundle_starts: Any
    bundle_members: Any
    bundle_parcels: Any
    bundle_lane: Any
    cohort_route: Any
    route_lanes: Any
    last_hop: Any
    """[route] hop of its destination."""
    cohort_origin: Any
    cohort_hour: Any
    cohort_parcels: Any
    cohort_time_limit: Any
    block: bool
    sorting: Any
    """[node, hour] sorting capacity, 0 while closed (``block`` only)."""
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
    lane_rows: Any
    """[lane] arena rows in the lane's buffer (a departure that takes its whole buffer knows
    how many rows it touches without walking the buffer's batches)."""
    incoming: Any
    """[node, arrival hour modulo the ring] parcels on lanes bound for the node."""
    lane_incoming: Any
    """[lane, arrival hour modulo the ring] parcels on each lane (``block`` only: what the
    gate's record is kept by)."""
    holding: Any
    """[node, hours ahead] what each node is projected to hold (``block``; scratch)."""
    arriving: Any
    """[node] parcels arriving from lanes in the hour (scratch for the gate, zeros between)."""
    share: Any
    """[node] share of its arrivals the node admits (scratch for the gate, −1 between)."""
    gate_nodes: Any
    """[node] the nodes with arrivals in the hour (scratch for the gate)."""
    moving: Any
    """[1] parcels on lanes."""
    counters: Any
    scratch: Any
    sort_slots: Any
    """[thread − 1, item] the merge slots of the sort's other threads (the first uses
    ``scratch``'s; :mod:`peakguard.simulate.kernel_sort`)."""
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
    row = np.zeros(6, dtype=np.int64)
    for hour in range(first, last):
        pools = compact(pools, state.counters)
        pools = depart(plan, state, pools, hour, row)
        pools = _join(plan, state, pools, hour)
        pools = sort_hour(plan, state, pools, hour)
        state.backlog[:, hour] = state.queue_total + state.buffer_total
        state.queued[:, hour] = state.queue_total
        state.in_transit[hour] = state.moving[0]
    return pools


@njit(cache=True)
def _join(plan: KernelPlan, state: KernelState, pools: Pools, hour: int) -> Pools:
    """Parcels arriving from lanes (under ``block``, what the node has room for: the rest
    waits at its gate for the next hour), then the cohorts accepted in the hour, join each
    node's queue as one batch stamped with the hour (under ``overflow`` on every core:
    :mod:`peakguard.simulate.kernel_arrivals`)."""
    if not plan.block:
        return join_in_parallel(plan, state, pools, hour)
    counters = state.counters
    first = counters[STAGED]
    ring = state.incoming.shape[1]
    state.incoming[:, hour % ring] = 0.0
    traced = pools[0].shape[1] > ARRIVED
    heads, tails, arriving = state.transit_heads, state.transit_tails, state.arriving
    pools = reserve_staged(pools, counters, _rows_listed(pools[2], heads[hour]))
    fractions, parcels, batches, totals = pools[0], pools[1], pools[2], pools[3]
    staged, staged_parcels = pools[4], pools[5]
    while heads[hour] != NONE:
        batch = heads[hour]
        node = batches[batch, PLACE]
        arriving[node] += totals[batch]
        start = batches[batch, START]
        for row in range(start, start + batches[batch, LENGTH]):
            put_staged(
                staged,
                staged_parcels,
                counters,
                fractions[row, COHORT],
                fractions[row, HOP],
                fractions[row, ARRIVED] if traced else NONE,
                NONE,
                node,
                parcels[row],
            )
        drop_head(batches, heads, tails, hour, counters)
    pools = _gate(plan, state, pools, hour, first)
    first_item, end = plan.intake_starts[hour], plan.intake_starts[hour + 1]
    pools = reserve_staged(pools, counters, end - first_item)
    staged, staged_parcels = pools[4], pools[5]
    items, origin, amounts = plan.intake_item, plan.intake_node, plan.intake_parcels
    for index in range(first_item, end):
        node, amount = origin[index], amounts[index]
        put_staged(staged, staged_parcels, counters, items[index], 0, hour, NONE, node, amount)
    queue_total, arrived = state.queue_total, state.arrived
    for row in range(first, counters[STAGED]):
        node = staged[row, GROUP]
        if node != NONE:
            queue_total[node] += staged_parcels[row]
            arrived[node, hour] += staged_parcels[row]
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
        False,
    )


@njit(cache=True)
def _rows_listed(batches: Any, batch: int) -> int:
    """The arena rows of list ``batch`` onwards (its first batch and those after it)."""
    rows = 0
    while batch != NONE:
        rows += batches[batch, LENGTH]
        batch = batches[batch, NEXT]
    return rows


@njit(cache=True)
def _gate(plan: KernelPlan, state: KernelState, pools: Pools, hour: int, first: int) -> Pools:
    """Of the staged lane arrivals from ``first`` on, admit (under ``block``) what each node
    has room for after the hour's departures, each cohort in the same proportion; the rest goes
    back on the lane, first in line for the next hour. ``moving`` loses what is admitted."""
    counters = state.counters
    ring = state.incoming.shape[1]
    end = counters[STAGED]
    nodes = 0
    staged, share, gate_nodes = pools[4], state.share, state.gate_nodes
    for row in range(first, end):
        node = staged[row, GROUP]
        if share[node] >= 0.0:
            continue  # settled at an earlier row
        gate_nodes[nodes] = node
        nodes += 1
        arriving = state.arriving[node]
        admitted = arriving
        if plan.block:
            free = plan.storage_capacity[node] - state.queue_total[node]
            room = min(arriving, max(0.0, free - state.buffer_total[node]))
            if room < arriving - EPSILON:
                admitted = room if room > EPSILON else 0.0
                state.incoming[node, (hour + 1) % ring] += arriving - admitted
                state.blocked[node, hour] += arriving - admitted
        state.moving[0] -= admitted
        share[node] = 1.0 if admitted == arriving else admitted / arriving
    if plan.block:
        pools = record_gate(plan, state, pools, hour)
        pools = _split_at_gate(state, pools, hour, first, end)
    for index in range(nodes):
        state.arriving[gate_nodes[index]] = 0.0
        share[gate_nodes[index]] = -1.0
    return pools


@njit(cache=True)
def _split_at_gate(state: KernelState, pools: Pools, hour: int, first: int, end: int) -> Pools:
    """Split each staged arrival by its node's ``share``: the refused part is staged again and
    written back on the lane, arriving in ``hour`` + 1, first in line; a node that admits
    nothing keeps no row for its queue."""
    counters = state.counters
    traced = pools[0].shape[1] > ARRIVED
    any_rest = False
    pools = reserve_staged(pools, counters, end - first)
    staged, staged_parcels, shares = pools[4], pools[5], state.share
    for row in range(first, end):
        node = staged[row, GROUP]
        share = shares[node]
        if share >= 1.0:
            continue
        amount = staged_parcels[row]
        part = amount * share
        arrived = hour + 1 if traced else NONE
        cohort, hop = staged[row, COHORT], staged[row, HOP]
        rest = amount - part
        put_staged(staged, staged_parcels, counters, cohort, hop, arrived, NONE, node, rest)
        staged_parcels[row] = part
        if share <= 0.0:
            staged[row, GROUP] = NONE
        any_rest = True
    if not any_rest:
        return pools
    return flush(
        pools,
        counters,
        state.scratch,
        end,
        hour + 1,
        state.transit_heads,
        state.transit_tails,
        hour + 1,
        NONE,
        True,
    )

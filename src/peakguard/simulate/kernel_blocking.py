"""The ``block`` policy in the compiled kernel: the projection of what each node will hold, and
the order of an hour's departures.

The compiled forms of :func:`peakguard.simulate.blocking.project_holding` and
:func:`~peakguard.simulate.blocking.fullest_first` (the specifications, which the reference
engine calls), with the same arithmetic so that both engines load and order an hour's
departures alike; and the record of refusals at gates, lane by lane (the reference engine's
``_record_gate``).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numba import njit

from peakguard.simulate.blocking import FULLNESS_STEPS
from peakguard.simulate.kernel_pools import EPSILON, Pools, put_block, reserve_blocks


@njit(cache=True)
def project_holding(plan: Any, state: Any, hour: int) -> None:
    """Write into ``state.holding`` [node, k] what every node is projected to hold at the end
    of hour ``hour + k`` over the ring, from what it holds at the start of the hour's
    departures: parcels waiting for a lane leave only by that lane's departures, parcels
    sorted in the projection by the room the node's departures have left."""
    ring = state.incoming.shape[1]
    hours = plan.sorting.shape[1]
    nodes = len(state.queue_total)
    queued = state.queue_total.copy()
    left = state.lane_buffer_total.copy()
    waiting = state.buffer_total.copy()
    fresh = np.zeros(nodes)
    spare = np.zeros(nodes)
    incoming, holding, sorting = state.incoming, state.holding, plan.sorting
    for ahead in range(ring):
        at = hour + ahead
        known = at if at < hours else at - 24 * ((at - hours) // 24 + 1)
        spare[:] = 0.0
        if known >= 0:
            _leave(plan, known, left, waiting, spare)
        for node in range(nodes):
            if known >= 0:
                waiting[node] = max(waiting[node], 0.0)
                fresh[node] = max(fresh[node] - spare[node], 0.0)
            queued[node] += incoming[node, at % ring]
            holding[node, ahead] = queued[node] + waiting[node] + fresh[node]
            if known >= 0:
                done = min(queued[node], sorting[node, known])
                queued[node] -= done
                fresh[node] += done


@njit(cache=True)
def _leave(plan: Any, hour: int, left: Any, waiting: Any, spare: Any) -> None:
    """The departures of ``hour`` from open nodes take what ``left`` waits for their lanes, up
    to their capacity (off ``waiting``, by node); what room they have left is ``spare``."""
    lanes, origins, accepting = plan.departure_lane, plan.lane_origin, plan.accepting
    capacities = plan.departure_capacity
    for index in range(plan.departure_starts[hour], plan.departure_starts[hour + 1]):
        lane = lanes[index]
        origin = origins[lane]
        if not accepting[origin, hour]:
            continue
        capacity = capacities[index]
        gone = min(capacity, left[lane])
        left[lane] -= gone
        waiting[origin] -= gone
        spare[origin] += capacity - gone


@njit(cache=True)
def fullest_first(
    lane_origin: Any, storage: Any, queued: Any, waiting: Any, lanes: Any, capacities: Any
) -> tuple[Any, Any]:
    """``lanes`` and their ``capacities`` ordered by what their origin holds (``queued`` +
    ``waiting``) ÷ its storage in steps of ``1/FULLNESS_STEPS``, fullest first, the plan's
    order kept among equals."""
    steps = np.empty(len(lanes))
    for index in range(len(lanes)):
        origin = lane_origin[lanes[index]]
        held = queued[origin] + waiting[origin]
        fullness = held / max(storage[origin], EPSILON)
        steps[index] = -np.floor(fullness * FULLNESS_STEPS + 0.5)
    order = np.argsort(steps, kind="mergesort")
    return lanes[order], capacities[order]


@njit(cache=True)
def record_gate(plan: Any, state: Any, pools: Pools, hour: int) -> Pools:
    """Record, one row per lane in lane order, what the lane's arrivals in ``hour`` (its
    ``lane_incoming``) are refused at its target's gate, by the target's ``share``, and carry
    it to the next hour, when it arrives again. The row's lane is coded −1 − lane
    (:func:`peakguard.simulate.run_state.at_gate`). Kept by lane, not read off the fractions,
    so it holds however the fractions are stored."""
    lane_incoming, shares, destination = state.lane_incoming, state.share, plan.lane_destination
    ring = lane_incoming.shape[1]
    now, later = hour % ring, (hour + 1) % ring
    pools = reserve_blocks(pools, state.counters, lane_incoming.shape[0])
    lane_blocks, block_parcels = pools[8], pools[9]
    for lane in range(lane_incoming.shape[0]):
        arriving = lane_incoming[lane, now]
        if arriving == 0.0:
            continue
        lane_incoming[lane, now] = 0.0
        share = shares[destination[lane]]
        if share < 0.0 or share >= 1.0:
            continue
        refused = arriving - arriving * share
        lane_incoming[lane, later] += refused
        put_block(lane_blocks, block_parcels, state.counters, hour, -1 - lane, refused)
    return pools

"""Room at a node under the ``block`` policy: what a departure may load for its target.

A vehicle leaving in hour ``t`` on a lane of ``τ`` hours is loaded with what its target can
take when it arrives, in hour ``t + τ``, as a hub's dispatcher would announce it: the target's
storage less what it is projected to hold at the end of that hour. The projection
(:func:`project_holding`) runs every node forward from what it holds now, hour by hour, in the
engine's own order — departures leave, arrivals join, the node sorts:

.. code-block:: text

    queued  ← parcels queued at the node now            (not yet sorted)
    waiting ← parcels sorted at the node, waiting for its lanes out
    for k in 0 .. ring − 1 (hour h = t + k):
        waiting ← max(0, waiting − outbound[h])        # its departures in h leave
        queued  ← queued + incoming[h]                  # on the road to it, arriving in h
        holding[k] ← queued + waiting                   # what it holds at the end of h
        sorted ← min(queued, sorting[h])                # bounded by what it has
        queued ← queued − sorted;  waiting ← waiting + sorted

``outbound[h]`` is the capacity of the node's departures in hour ``h`` (all its lanes, nothing
while it is closed), ``sorting[h]`` its sorting capacity (nothing while closed) and
``incoming[h]`` the parcels on lanes to it due in ``h`` (past the plan's last hour, the
capacities are those of the same hour of its last day). A departure of ``τ`` hours may load
``storage − max(holding[τ:])``: the maximum over the later hours keeps room for parcels already
on the road that arrive after it (they queue behind it), and after the departure leaves its
load is added to ``holding[τ:]`` for the departures after it in the same hour.

The projection assumes that the node's departures carry everything sorted up to their capacity
(their targets take it, and the parcels are for the lanes that leave): where a downstream hub
refuses, or the parcels wait for one lane while another leaves empty, the node holds more than
projected. What then does not fit on arrival waits at the gate, on the lane, until it does
(see :func:`gate`), so a node never holds more than its storage under ``block``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from peakguard.simulate.batches import EPSILON
from peakguard.simulate.plan import FloatArray, IntArray, SimulationPlan

FULLNESS_STEPS = 2.0**20
"""Fullness is compared in steps of 1/2**20 of storage (about a millionth): finer differences
are the rounding of running totals summed in different orders (the two engines differ in the
last bits of a full hub's 1.0), and would decide the order of departures by noise. A power of
two keeps the step exact, and its half-steps are never a whole number of parcels over a
whole-number storage below 2**21."""


@dataclass(frozen=True, slots=True)
class Outflow:
    """What each node can clear, hour by hour: the plan's figures the projection reads."""

    outbound: FloatArray
    """[node, hour] capacity of the departures leaving the node in the hour (0 while closed)."""
    sorting: FloatArray
    """[node, hour] parcels the node can sort in the hour (0 while closed)."""

    @classmethod
    def of(cls, plan: SimulationPlan) -> Outflow:
        nodes, hours = plan.sorting_capacity.shape
        outbound = np.zeros((nodes, hours))
        for hour, (lanes, capacities) in plan.departures.items():
            if hour < hours:
                np.add.at(outbound[:, hour], plan.lane_origin[lanes], capacities)
        outbound[~plan.accepting] = 0.0
        sorting = np.where(plan.accepting, plan.sorting_capacity, 0.0)
        return cls(outbound, sorting)


def ring_size(plan: SimulationPlan) -> int:
    """Hours the per-node ``incoming`` ring covers: the longest lane's transit, plus one (the
    hour now), so that every parcel on a lane has its arrival hour in the ring."""
    longest = int(plan.lane_transit_hours.max()) if len(plan.lane_transit_hours) else 0
    return longest + 1


def project_holding(
    queued_now: FloatArray,
    waiting_now: FloatArray,
    incoming: FloatArray,
    outflow: Outflow,
    hour: int,
) -> FloatArray:
    """[node, k] what each node is projected to hold at the end of hour ``hour + k`` (for
    ``k`` over the ring of ``incoming``, [node, ring] by arrival hour modulo the ring), from
    what it holds at the start of the hour's departures; see the module's docstring."""
    nodes, ring = incoming.shape
    hours = outflow.sorting.shape[1]
    holding = np.empty((nodes, ring))
    queued = queued_now.copy()
    waiting = waiting_now.copy()
    for ahead in range(ring):
        at = hour + ahead
        known = same_hour_known(at, hours)
        if known >= 0:
            waiting = np.maximum(waiting - outflow.outbound[:, known], 0.0)
        queued += incoming[:, at % ring]
        holding[:, ahead] = queued + waiting
        if known >= 0:
            done = np.minimum(queued, outflow.sorting[:, known])
            queued -= done
            waiting += done
    return holding


def same_hour_known(hour: int, hours: int) -> int:
    """``hour`` itself within the plan's ``hours``; past them, the same hour of the plan's
    last day (a projection past the end assumes the last day's capacities repeat, so that what
    a departure loads does not depend on where the plan ends); -1 where no day is known."""
    if hour < hours:
        return hour
    same = hour - 24 * ((hour - hours) // 24 + 1)
    return same if same >= 0 else -1


def room_on_arrival(holding: FloatArray, storage: float, target: int, transit: int) -> float:
    """What a departure arriving ``transit`` hours from now may load for ``target``: its
    storage less the most it is projected to hold from the arrival hour to the ring's end,
    never less than nothing."""
    return max(0.0, storage - float(holding[target, transit:].max()))


def gate(storage: float, queued: float, waiting: float, arriving: float) -> float:
    """What of ``arriving`` a node holding ``queued + waiting`` (after the hour's departures)
    takes in without exceeding its ``storage``; the rest waits on the lane for the next hour."""
    return min(arriving, max(0.0, storage - queued - waiting))


def fullest_first(
    lane_origin: IntArray,
    storage: FloatArray,
    queued: FloatArray,
    waiting: FloatArray,
    lanes: IntArray,
    capacities: FloatArray,
) -> tuple[IntArray, FloatArray]:
    """An hour's departing ``lanes`` and their ``capacities``, those from the fullest origins
    first: what the origin holds (``queued`` + ``waiting``, at the start of the hour's
    departures) ÷ its storage, to the nearest ``1/FULLNESS_STEPS``; the plan's order among
    equals. Room at a target then goes first to the nodes that can make room only by sending,
    so two hubs full of each other's parcels swap them rather than see their feeders take the
    room each one frees (decision 0020)."""
    origin = lane_origin[lanes]
    held = queued[origin] + waiting[origin]
    fullness = held / np.maximum(storage[origin], EPSILON)
    steps = np.floor(fullness * FULLNESS_STEPS + 0.5)
    order = np.argsort(-steps, kind="stable")
    return lanes[order], capacities[order]

"""Room at a node under the ``block`` policy: what a departure may load for its target.

A vehicle leaving in hour ``t`` on a lane of ``τ`` hours is loaded with what its target can
take when it arrives, in hour ``t + τ``, as a hub's dispatcher would announce it: the target's
storage less what it is projected to hold at the end of that hour. The projection
(:func:`project_holding`) runs every node forward from what it holds now, hour by hour, in the
engine's own order — departures leave, arrivals join, the node sorts:

.. code-block:: text

    queued   ← parcels queued at the node now                   (not yet sorted)
    left[l]  ← parcels sorted and waiting for lane l now         (each lane out of the node)
    fresh    ← 0                                                 (sorted in the projection)
    for k in 0 .. ring − 1 (hour h = t + k):
        for each departure of a lane l out of the node in h, of capacity c:
            gone ← min(c, left[l]);  left[l] ← left[l] − gone;  spare ← spare + c − gone
        fresh ← max(0, fresh − spare)                             # what the lanes had room for
        queued ← queued + incoming[h]                             # on the road to it, due in h
        holding[k] ← queued + Σ left + fresh                      # what it holds at the end of h
        sorted ← min(queued, sorting[h])                          # bounded by what it has
        queued ← queued − sorted;  fresh ← fresh + sorted

Parcels already waiting leave only by their own lane, when it leaves (Chengdu's parcels for
Mianyang wait for the 02:00 and 14:00 vehicles, however many leave for Xi'an); parcels the
projection sorts leave by whatever room the node's departures have left (their lanes are not
known yet). ``sorting[h]`` is the node's sorting capacity (nothing while closed), a closed
node's departures carry nothing, and ``incoming[h]`` is the parcels on lanes to it due in
``h`` (past the plan's last hour, the capacities and timetable are those of the same hour of
its last day). A departure of ``τ`` hours may load ``storage − max(holding[τ:])``: the maximum
over the later hours keeps room for parcels already on the road that arrive after it (they
queue behind it), and after the departure leaves its load is added to ``holding[τ:]`` for the
departures after it in the same hour.

The projection assumes that the node's departures carry what waits for them up to their
capacity (their targets take it) and that newly sorted parcels are for the lanes with room:
where a downstream hub refuses, or new parcels wait for a lane that is full, the node holds
more than projected. What then does not fit on arrival waits at the gate, on the lane, until
it does (see :func:`gate`), so a node never holds more than its storage under ``block``.

An hour's departures leave from the fullest origins first (:func:`fullest_first`).
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
whole-number storage below 2**21. The compiled kernel (``kernel_blocking.py``) compiles the value
in: after changing it, clear ``simulate/__pycache__/kernel*.nb?`` (the install's hash covers
this file for that reason)."""


@dataclass(frozen=True, slots=True)
class Outflow:
    """What each node can clear, hour by hour: the plan's figures the projection reads."""

    departing: dict[int, tuple[IntArray, FloatArray, IntArray]]
    """hour → (lanes leaving, their capacity in the hour — a lane leaving twice, both —, their
    origins), lanes from closed nodes left out."""
    sorting: FloatArray
    """[node, hour] parcels the node can sort in the hour (0 while closed)."""

    @classmethod
    def of(cls, plan: SimulationPlan) -> Outflow:
        hours = plan.sorting_capacity.shape[1]
        departing: dict[int, tuple[IntArray, FloatArray, IntArray]] = {}
        for hour, (lanes, capacities) in plan.departures.items():
            open_origin = plan.accepting[plan.lane_origin[lanes], hour] if hour < hours else None
            if open_origin is None or not open_origin.any():
                continue
            unique, at = np.unique(lanes[open_origin], return_inverse=True)
            capacity = np.bincount(at, capacities[open_origin], len(unique)).astype(np.float64)
            origin: IntArray = plan.lane_origin[unique]
            departing[hour] = (unique.astype(np.int64), capacity, origin)
        sorting = np.where(plan.accepting, plan.sorting_capacity, 0.0)
        return cls(departing, sorting)


def ring_size(plan: SimulationPlan) -> int:
    """Hours the per-node ``incoming`` ring covers: the longest lane's transit, plus one (the
    hour now), so that every parcel on a lane has its arrival hour in the ring."""
    longest = int(plan.lane_transit_hours.max()) if len(plan.lane_transit_hours) else 0
    return longest + 1


def project_holding(
    queued_now: FloatArray,
    lane_waiting: FloatArray,
    waiting_now: FloatArray,
    incoming: FloatArray,
    outflow: Outflow,
    hour: int,
) -> FloatArray:
    """[node, k] what each node is projected to hold at the end of hour ``hour + k`` (for
    ``k`` over the ring of ``incoming``, [node, ring] by arrival hour modulo the ring), from
    what it holds at the start of the hour's departures: ``queued_now``, and sorted,
    ``lane_waiting`` [lane] — ``waiting_now`` [node] in all; see the module's docstring."""
    nodes, ring = incoming.shape
    hours = outflow.sorting.shape[1]
    holding = np.empty((nodes, ring))
    queued = queued_now.copy()
    left = lane_waiting.copy()
    waiting = waiting_now.copy()
    fresh = np.zeros(nodes)
    for ahead in range(ring):
        at = hour + ahead
        known = same_hour_known(at, hours)
        if known in outflow.departing:
            lanes, capacity, origin = outflow.departing[known]
            gone = np.minimum(capacity, left[lanes])
            left[lanes] -= gone
            waiting = np.maximum(waiting - np.bincount(origin, gone, minlength=nodes), 0.0)
            spare = np.bincount(origin, capacity - gone, minlength=nodes)
            fresh = np.maximum(fresh - spare, 0.0)
        queued += incoming[:, at % ring]
        holding[:, ahead] = queued + waiting + fresh
        if known >= 0:
            done = np.minimum(queued, outflow.sorting[:, known])
            queued -= done
            fresh += done
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

"""Free-flow load profiles: what one parcel picked up at an origin does to every node.

The staggering program needs, for each origin, how a parcel picked up there on a given day
loads every node on its routes: in which hour it is sorted there, and in which hours it sits
there (queued or sorted and waiting for its lane). These follow from the simulator's own rules
run on an uncongested copy of the network (every capacity unlimited, shifts and departure
times kept), so the program and the simulator agree on timing by construction. Fluid flow in
an uncongested network is linear: the load of a plan is the sum of its pickups' profiles.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from peakguard.domain.network import Network
from peakguard.domain.routing import RoutingTable
from peakguard.simulate.engine import STILL_THERE, SimulationRun, simulate_plan
from peakguard.simulate.keys import distinct
from peakguard.simulate.plan import (
    BoolArray,
    Demand,
    FloatArray,
    IntArray,
    StoragePolicy,
    compile_plan,
)

UNLIMITED = 1e12
REFERENCE_DAY = 1
"""Probes are picked up on day 1 of their own run, so nothing they do falls before hour 0."""
PROBE_DAYS = 8


@dataclass(frozen=True)
class OriginMix:
    """Where an origin's parcels go: destinations and the share of each."""

    origin: int
    destinations: IntArray
    shares: FloatArray


@dataclass(frozen=True)
class Profiles:
    """Per-unit loads of a pickup on day 0 at each planned origin, by node and hour offset.

    Rows of ``sorting_*`` say: of one parcel picked up at ``origin`` (in equal parts in the
    pickup rounds of day 0), ``value`` is sorted at ``node`` in hour ``offset`` (hours from
    00:00 of the pickup day). Rows of ``storage_*`` say it is at ``node`` at the end of hour
    ``offset``."""

    sorting_origin: IntArray
    sorting_node: IntArray
    sorting_offset: IntArray
    sorting_value: FloatArray
    storage_origin: IntArray
    storage_node: IntArray
    storage_offset: IntArray
    storage_value: FloatArray


def uncongested_run(
    network: Network,
    routing: RoutingTable,
    demand: Demand,
    *,
    hours: int,
    trace: bool,
) -> SimulationRun:
    """The simulator on the network with every capacity unlimited (shifts and timetables kept)."""
    pattern = np.array([node.sorting_capacity_by_hour() for node in network.nodes], dtype=float)
    tiled = np.tile(pattern, (1, hours // 24 + 1))[:, :hours]
    capacity = np.where(tiled > 0, UNLIMITED, 0.0)
    accepting: BoolArray = np.ones((len(network.nodes), hours), dtype=bool)
    factor = np.full((len(network.lanes), hours), UNLIMITED)
    plan = compile_plan(
        network,
        routing,
        demand,
        hours=hours,
        sorting_capacity=capacity,
        accepting=accepting,
        lane_capacity_factor=factor,
        policy=StoragePolicy.overflow,
        storage_capacity=np.full(len(network.nodes), UNLIMITED),
    )
    return simulate_plan(plan, trace=trace)


def probe_profiles(
    network: Network,
    routing: RoutingTable,
    mixes: list[OriginMix],
    pickup_hours: list[int],
) -> Profiles:
    """Run one unit of pickups at every origin through the uncongested network, traced."""
    origins: list[IntArray] = []
    destinations: list[IntArray] = []
    hours: list[IntArray] = []
    parcels: list[FloatArray] = []
    share = 1.0 / len(pickup_hours)
    for mix in mixes:
        for hour in pickup_hours:
            origins.append(np.full(len(mix.destinations), mix.origin, dtype=np.int64))
            destinations.append(mix.destinations)
            hours.append(np.full(len(mix.destinations), 24 * REFERENCE_DAY + hour, dtype=np.int64))
            parcels.append(mix.shares * share)
    probe = Demand(
        np.concatenate(origins),
        np.concatenate(destinations),
        np.concatenate(hours),
        np.concatenate(parcels),
    )
    run = uncongested_run(network, routing, probe, hours=24 * PROBE_DAYS, trace=True)
    trace = run.trace
    assert trace is not None
    origin_of = run.plan.cohort_origin[trace.cohort]
    base = 24 * REFERENCE_DAY
    done = trace.departed_hour != STILL_THERE  # what is still at a node at the end: no profile
    sorting = _aggregate(
        origin_of[done], trace.node[done], trace.sorted_hour[done] - base, trace.parcels[done]
    )
    claim_row, claim_node, claim_hour, claim_parcels = storage_claims(run)
    storage = _aggregate(origin_of[claim_row], claim_node, claim_hour - base, claim_parcels)
    return Profiles(*sorting, *storage)


def storage_claims(run: SimulationRun) -> tuple[IntArray, IntArray, IntArray, FloatArray]:
    """(trace row, node, hour, parcels): the parcels each traced fraction puts at a node at the
    end of each hour — from its arrival until it leaves (its lane departs, or at its
    destination it is delivered at the end of its sorting hour). Parcels on a lane are on
    the lane, not at its destination."""
    trace = run.trace
    assert trace is not None
    left = np.where(trace.departed_hour >= 0, trace.departed_hour, trace.sorted_hour)
    stays = np.maximum(left - trace.arrived_hour, 0)
    stays[trace.departed_hour == STILL_THERE] = 0  # still there at the end: not a free-flow claim
    repeat = np.repeat(np.arange(len(stays)), stays)
    within = np.arange(len(repeat)) - np.repeat(np.cumsum(stays) - stays, stays)
    return (
        repeat.astype(np.int64),
        trace.node[repeat].astype(np.int64),
        (trace.arrived_hour[repeat] + within).astype(np.int64),
        np.asarray(trace.parcels[repeat], dtype=np.float64),
    )


def _aggregate(
    origin: IntArray, node: IntArray, offset: IntArray, value: FloatArray
) -> tuple[IntArray, IntArray, IntArray, FloatArray]:
    """Sum ``value`` over equal (origin, node, offset) keys."""
    if not len(origin):
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, empty, np.zeros(0)
    # One integer key per (origin, node, offset): np.unique on rows sorts far more slowly.
    low = int(offset.min())
    span = int(offset.max()) - low + 1
    nodes = int(node.max()) + 1
    keys = (origin * nodes + node) * span + (offset - low)
    unique, inverse = distinct(keys, (int(origin.max()) + 1) * nodes * span)
    sums = np.bincount(inverse, weights=value, minlength=len(unique))
    keep = sums > 1e-12
    kept = unique[keep]
    result: tuple[IntArray, IntArray, IntArray, FloatArray] = (
        (kept // span // nodes).astype(np.int64),
        (kept // span % nodes).astype(np.int64),
        (kept % span + low).astype(np.int64),
        np.asarray(sums[keep], dtype=np.float64),
    )
    return result

"""Parcel-level scan events from a traced run, in the scan-event form the KPI engine reads.

Every cohort's fractions keep FIFO order through every node, so the parcels of a cohort can be
numbered and each parcel's times at each node read off the cumulative counts of the fractions.
Event times are exact hours from the scenario start: ``accept`` and ``arrive`` at the start of
the hour the parcel joins a node, ``sort`` at the end of the hour it is sorted, ``depart`` at
its lane's departure, ``out_for_delivery`` at the start and ``deliver`` at the end of the hour
the destination delivers it — so ``deliver − accept`` is the run's own delivery time. A
``depart`` names the node the parcel arrives at next (``next_node``; -1 on every other event).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum

import numpy as np

from peakguard.simulate.engine import STILL_THERE, SimulationRun, Trace
from peakguard.simulate.plan import BoolArray, FloatArray, IntArray


class ScanEvent(IntEnum):
    accept = 0
    sort = 1
    depart = 2
    arrive = 3
    out_for_delivery = 4
    deliver = 5


@dataclass(frozen=True)
class ScanEvents:
    """One row per scan: parcel number, its cohort, the event, the node, the hour, and on a
    ``depart`` the node the lane goes to."""

    parcel: IntArray
    cohort: IntArray
    event: IntArray
    node: IntArray
    hour: IntArray
    """Hours from the scenario's start (event times fall on whole hours)."""
    next_node: IntArray
    """On ``depart``: the lane's destination, where the parcel arrives next; -1 otherwise."""

    def __len__(self) -> int:
        return len(self.parcel)


def sample_counts(run: SimulationRun, rate: float, seed: int = 0) -> IntArray:
    """Whole parcels per cohort: ``rate`` × its parcels, rounded at random (so the sample's
    total is unbiased) with a fixed seed."""
    scaled = run.plan.cohort_parcels * rate
    whole = np.floor(scaled)
    random = np.random.default_rng(seed)
    return (whole + (random.random(len(scaled)) < scaled - whole)).astype(np.int64)


def expand_events(run: SimulationRun, *, rate: float = 1.0, seed: int = 0) -> ScanEvents:
    """Scan events for ``rate`` of the parcels (1.0: all); needs a run made with ``trace``."""
    trace = run.trace
    if trace is None:
        raise ValueError("expand_events needs a run simulated with trace=True")
    counts = sample_counts(run, rate, seed)
    order = _fifo_order(trace)
    cohort = trace.cohort[order]
    lower, per_fraction = _parcel_ranges(
        cohort, trace.node[order], trace.parcels[order], run.plan.cohort_parcels, counts
    )
    # Repeat each fraction once per parcel it carries; number parcels within the cohort.
    rows = np.repeat(np.arange(len(order)), per_fraction)
    if len(rows) == 0:
        empty = np.zeros(0, dtype=np.int64)
        return ScanEvents(empty, empty, empty, empty, empty, empty)
    starts = np.repeat(np.cumsum(per_fraction) - per_fraction, per_fraction)
    offsets = np.arange(len(rows)) - starts + np.repeat(lower, per_fraction)
    first_parcel = np.r_[0, np.cumsum(counts)[:-1]]
    return _scan_events(run, trace, order[rows], first_parcel[cohort[rows]] + offsets)


def _fifo_order(trace: Trace) -> IntArray:
    """The trace's fractions in FIFO order within each (cohort, node); parcels still at a node
    when the run ends come last among their arrival hour's."""
    waiting = trace.departed_hour == STILL_THERE
    last = np.iinfo(np.int64).max
    return np.lexsort(
        (
            np.where(waiting, last, trace.departed_hour),
            np.where(waiting & (trace.sorted_hour < 0), last, trace.sorted_hour),
            trace.arrived_hour,
            trace.node,
            trace.cohort,
        )
    )


def _parcel_ranges(
    cohort: IntArray, node: IntArray, parcels: FloatArray, totals: FloatArray, counts: IntArray
) -> tuple[IntArray, IntArray]:
    """For fractions in FIFO order: the number, within its (cohort, node), of the first whole
    sampled parcel each carries, and how many it carries (its share of the cohort's
    ``counts``, the fractions' cumulative count rounded down)."""
    share = parcels / np.maximum(totals[cohort], 1e-12) * counts[cohort]
    group_start = np.r_[True, (cohort[1:] != cohort[:-1]) | (node[1:] != node[:-1])]
    cumulative = np.cumsum(share)
    base = np.repeat(
        cumulative[group_start] - share[group_start],
        np.diff(np.r_[np.flatnonzero(group_start), len(share)]),
    )
    upper = np.floor(cumulative - base + 1e-6).astype(np.int64)
    lower = np.r_[0, upper[:-1]]
    lower[group_start] = 0
    return lower, np.maximum(upper - lower, 0)


def _scan_events(
    run: SimulationRun, trace: Trace, source: IntArray, parcel: IntArray
) -> ScanEvents:
    """The scans of each numbered ``parcel`` at the node of its trace row ``source``, ordered by
    parcel, hour and event."""
    arrived = trace.arrived_hour[source]
    sorted_hour = trace.sorted_hour[source]
    departed = trace.departed_hour[source]
    at_node = trace.node[source]
    lane = trace.lane[source]
    heading = np.where(lane >= 0, run.plan.lane_destination[np.maximum(lane, 0)], -1)
    at_origin = at_node == run.plan.cohort_origin[trace.cohort[source]]
    final = departed == -1
    left = departed == STILL_THERE
    scans: list[tuple[BoolArray, ScanEvent, IntArray]] = [
        (at_origin, ScanEvent.accept, arrived),
        (~at_origin, ScanEvent.arrive, arrived),
        (~final & (sorted_hour >= 0), ScanEvent.sort, sorted_hour + 1),
        (~final & ~left, ScanEvent.depart, departed),
        (final, ScanEvent.out_for_delivery, sorted_hour),
        (final, ScanEvent.deliver, sorted_hour + 1),
    ]
    index = np.concatenate([np.flatnonzero(mask) for mask, _, _ in scans])
    event = np.concatenate([np.full(int(mask.sum()), int(kind)) for mask, kind, _ in scans])
    hour = np.concatenate([hours[mask] for mask, _, hours in scans])
    ordering = np.lexsort((event, hour, parcel[index]))
    index, event, hour = index[ordering], event[ordering], hour[ordering]
    next_node = np.where(event == ScanEvent.depart, heading[index], -1)
    return ScanEvents(
        parcel[index], trace.cohort[source][index], event, at_node[index], hour, next_node
    )

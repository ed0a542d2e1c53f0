"""The engine: an hourly, fluid, FIFO simulation of parcels through the network.

Parcels move as cohorts (origin, destination, hour accepted). Every hour:

1. parcels arriving from lanes, and parcels accepted at their origin, join the node's queue
   as one batch stamped with the hour;
2. lanes whose departure falls in the hour leave, carrying up to their capacity from the
   parcels sorted in earlier hours, oldest first; a departure to a closed node, or (with the
   ``block`` policy) to a node without free storage, carries only what fits;
3. each node sorts up to its capacity for the hour, oldest batch first; when a batch is only
   partly sorted, every cohort in it is sorted in the same proportion (parcels that arrived in
   the same hour are interchangeable); sorted parcels wait for the next lane on their route,
   or, at their destination, are delivered at the end of the hour;
4. the node's backlog (queued + sorted and waiting to leave) is recorded.

Because batches keep their order, the time every fraction of every cohort spent at every node
is known, and is recorded when ``trace`` is on.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from peakguard.simulate.plan import FloatArray, IntArray, SimulationPlan, StoragePolicy

EPSILON = 1e-9
_UNTRACED: IntArray = np.zeros(0, dtype=np.int64)
"""Stands in for the per-fraction hours a batch carries only when the run is traced."""


class _Batch:
    """Fractions of cohorts that joined a queue (or a lane's buffer) in the same hour."""

    __slots__ = ("arrived", "cohort", "hop", "parcels", "since", "sorted_at", "total")

    def __init__(
        self,
        cohort: IntArray,
        hop: IntArray,
        parcels: FloatArray,
        since: int,
        arrived: IntArray,
        sorted_at: IntArray,
        total: float | None = None,
    ) -> None:
        self.cohort = cohort
        self.hop = hop
        self.parcels = parcels
        self.since = since
        """Hour it joined the queue (queues) or became ready to leave (lane buffers)."""
        self.arrived = arrived
        """Hour each fraction arrived at this node (kept through the buffer for the trace)."""
        self.sorted_at = sorted_at
        """Hour each fraction was sorted at this node (-1 while still queued)."""
        self.total = float(parcels.sum()) if total is None else total


@dataclass(frozen=True)
class Trace:
    """What happened to every fraction of every cohort (one row per fraction per node)."""

    cohort: IntArray
    node: IntArray
    arrived_hour: IntArray
    """Hour the fraction joined the node's queue."""
    sorted_hour: IntArray
    """Hour it was sorted (delivered, at the destination: delivered at the end of this hour)."""
    departed_hour: IntArray
    """Hour its lane left (-1 at the destination; :data:`STILL_THERE` if it had not left when
    the run ended)."""
    lane: IntArray
    parcels: FloatArray


@dataclass(frozen=True)
class SimulationRun:
    """The engine's output: node-hour series, deliveries, what is left, and the trace."""

    plan: SimulationPlan
    arrived: FloatArray
    """[node, hour] parcels that joined the node's queue (accepted or from a lane)."""
    processed: FloatArray
    """[node, hour] parcels sorted (stations: delivered)."""
    backlog: FloatArray
    """[node, hour] parcels at the node at the end of the hour (queued + waiting to leave)."""
    queued: FloatArray
    """[node, hour] of the backlog, the parcels not yet sorted."""
    blocked: FloatArray
    """[node, hour] parcels a departure to the node could not carry because it was full or
    closed (recorded at the receiving node)."""
    delivered: FloatArray
    """[cohort] parcels delivered."""
    delivered_hours: FloatArray
    """[cohort] parcel-weighted sum of delivery times (hours after acceptance)."""
    delivered_on_time: FloatArray
    """[cohort] parcels delivered within the cohort's time limit."""
    delivered_per_hour: FloatArray
    """[hour] parcels delivered in the hour, all destinations."""
    in_transit: FloatArray
    """[hour] parcels on lanes at the end of the hour."""
    trace: Trace | None

    @property
    def in_transit_at_end(self) -> float:
        return float(self.in_transit[-1]) if len(self.in_transit) else 0.0

    @property
    def capacity(self) -> FloatArray:
        return self.plan.sorting_capacity

    def overflow(self) -> FloatArray:
        """[node, hour] backlog above storage capacity (爆仓), zero where it fits."""
        return np.maximum(0.0, self.backlog - self.plan.storage_capacity[:, None])


STILL_THERE = -2
"""``departed_hour`` of a traced fraction still at its node when the run ends (−1: delivered)."""


def simulate_plan(
    plan: SimulationPlan,
    *,
    trace: bool = False,
    trace_cohorts: npt.NDArray[np.bool_] | None = None,
) -> SimulationRun:
    """Run a compiled plan hour by hour. Deterministic: the same plan gives the same run.

    ``trace`` records every fraction's hours at every node; ``trace_cohorts`` (one flag per
    cohort) records only those cohorts' — a cluster sample of parcels whose scan events a season
    too large to trace whole can still produce (the run itself is the same either way)."""
    if trace_cohorts is not None:
        trace = True
    nodes, hours = plan.sorting_capacity.shape
    lanes = len(plan.lane_origin)
    queues: list[deque[_Batch]] = [deque() for _ in range(nodes)]
    buffers: list[deque[_Batch]] = [deque() for _ in range(lanes)]
    queue_total = np.zeros(nodes)
    buffer_total = np.zeros(nodes)
    lane_buffer_total = np.zeros(lanes)
    reserved = np.zeros(nodes)
    transit: dict[int, list[tuple[int, _Batch]]] = {}
    arrived = np.zeros((nodes, hours))
    processed = np.zeros((nodes, hours))
    backlog = np.zeros((nodes, hours))
    queued = np.zeros((nodes, hours))
    delivered_per_hour = np.zeros(hours)
    in_transit = np.zeros(hours)
    moving = 0.0
    blocked = np.zeros((nodes, hours))
    cohorts = len(plan.cohort_parcels)
    delivered = np.zeros(cohorts)
    delivered_hours = np.zeros(cohorts)
    on_time = np.zeros(cohorts)
    records: list[tuple[IntArray, ...]] = []
    deliveries: list[tuple[IntArray, FloatArray, IntArray]] = []
    record_parcels: list[FloatArray] = []

    order = np.argsort(plan.cohort_hour, kind="stable")
    created_hours = plan.cohort_hour[order]
    starts = np.searchsorted(created_hours, np.arange(hours + 1))
    route_of = plan.cohort_route
    last_hop = plan.route_length - 1
    storage = plan.storage_capacity
    blocking = plan.policy is StoragePolicy.block

    for hour in range(hours):
        # 1. Arrivals from lanes and acceptances at origins join the queues.
        joining: dict[int, list[_Batch]] = {}
        for node, batch in transit.pop(hour, []):
            reserved[node] -= batch.total
            moving -= batch.total
            joining.setdefault(node, []).append(batch)
        new = order[starts[hour] : starts[hour + 1]]
        if len(new):
            origins = plan.cohort_origin[new]
            for node in np.unique(origins).tolist():
                chosen = new[origins == node]
                joining.setdefault(node, []).append(
                    _Batch(
                        chosen,
                        np.zeros(len(chosen), dtype=np.int64),
                        plan.cohort_parcels[chosen].copy(),
                        hour,
                        np.full(len(chosen), hour) if trace else _UNTRACED,
                        np.full(len(chosen), -1) if trace else _UNTRACED,
                    )
                )
        for node, batches in joining.items():
            batch = _merge(batches, hour)
            total = batch.total
            queues[node].append(batch)
            queue_total[node] += total
            arrived[node, hour] += total
            reserved[node] = max(reserved[node], 0.0)

        # 2. Departures: oldest sorted parcels first, up to the lane's capacity.
        if hour in plan.departures:
            departing, capacities = plan.departures[hour]
            for lane, capacity in zip(departing.tolist(), capacities.tolist(), strict=True):
                if lane_buffer_total[lane] <= EPSILON:
                    continue
                origin = int(plan.lane_origin[lane])
                target = int(plan.lane_destination[lane])
                if not plan.accepting[origin, hour]:
                    continue  # a closed node dispatches nothing
                room = capacity
                if not plan.accepting[target, hour]:
                    room = 0.0
                elif blocking:
                    free = storage[target] - queue_total[target] - buffer_total[target]
                    room = min(room, max(0.0, free - reserved[target]))
                wanted = min(lane_buffer_total[lane], capacity)
                if room < wanted:
                    blocked[target, hour] += wanted - room
                if room <= EPSILON:
                    continue
                moved = _take(buffers[lane], room, ready_before=hour + 1)
                if moved is None:
                    continue
                amount = moved.total
                lane_buffer_total[lane] -= amount
                buffer_total[origin] -= amount
                if trace:
                    count = len(moved.cohort)
                    _record(
                        records,
                        record_parcels,
                        (
                            moved.cohort,
                            np.full(count, origin),
                            moved.arrived,
                            moved.sorted_at,
                            np.full(count, hour),
                            np.full(count, lane),
                        ),
                        moved.parcels,
                        trace_cohorts,
                    )
                arrival = hour + int(plan.lane_transit_hours[lane])
                moved.hop = moved.hop + 1
                moved.since = arrival
                if trace:
                    moved.arrived = np.full(len(moved.cohort), arrival)
                    moved.sorted_at = np.full(len(moved.cohort), -1)
                reserved[target] += amount
                moving += amount
                transit.setdefault(arrival, []).append((target, moved))

        # 3. Sorting (delivery at stations), oldest batch first.
        open_now = plan.accepting[:, hour]
        capacity_now = np.where(open_now, plan.sorting_capacity[:, hour], 0.0)
        working = np.flatnonzero((queue_total > EPSILON) & (capacity_now > EPSILON))
        for node, capacity in zip(working.tolist(), capacity_now[working].tolist(), strict=True):
            if capacity <= EPSILON:
                continue
            done = _take(queues[node], capacity, ready_before=hour + 1)
            if done is None:
                continue
            amount = done.total
            queue_total[node] -= amount
            processed[node, hour] += amount
            routes = route_of[done.cohort]
            final = done.hop >= last_hop[routes]
            if final.any():
                cohort = done.cohort[final]
                parcels = done.parcels[final]
                age = hour + 1 - plan.cohort_hour[cohort]
                deliveries.append((cohort, parcels, age))
                delivered_per_hour[hour] += float(parcels.sum())
                if trace:
                    count = len(cohort)
                    _record(
                        records,
                        record_parcels,
                        (
                            cohort,
                            np.full(count, node),
                            done.arrived[final],
                            np.full(count, hour),
                            np.full(count, -1),
                            np.full(count, -1),
                        ),
                        parcels,
                        trace_cohorts,
                    )
            onward = ~final
            if onward.any():
                cohort, hop = done.cohort[onward], done.hop[onward]
                next_lane = plan.route_lanes[routes[onward], hop]
                parcels = done.parcels[onward]
                since = done.arrived[onward] if trace else _UNTRACED
                stamp = np.full(len(cohort), hour) if trace else _UNTRACED
                if next_lane[0] == next_lane[-1] and (next_lane == next_lane[0]).all():
                    groups: list[tuple[int, IntArray | None]] = [(int(next_lane[0]), None)]
                else:  # several lanes out: group the fractions by lane, order kept
                    lane_order = np.argsort(next_lane, kind="stable")
                    cuts = np.flatnonzero(np.diff(next_lane[lane_order])) + 1
                    groups = [(int(next_lane[g[0]]), g) for g in np.split(lane_order, cuts)]
                for lane, group in groups:
                    if group is None:
                        batch = _Batch(cohort, hop, parcels, hour + 1, since, stamp)
                    else:
                        batch = _Batch(
                            cohort[group],
                            hop[group],
                            parcels[group],
                            hour + 1,
                            since[group] if trace else _UNTRACED,
                            stamp[group] if trace else _UNTRACED,
                        )
                    total = batch.total
                    buffers[lane].append(batch)
                    lane_buffer_total[lane] += total
                    buffer_total[node] += total

        backlog[:, hour] = queue_total + buffer_total
        queued[:, hour] = queue_total
        in_transit[hour] = moving
        if hour % 24 == 23:  # fold the day's deliveries into the totals, keeping memory flat
            _fold(deliveries, plan, delivered, delivered_hours, on_time)

    _fold(deliveries, plan, delivered, delivered_hours, on_time)
    if trace:  # what is still at a node at the end arrived there (and may be sorted)
        for node, queue in enumerate(queues):
            for batch in queue:
                count = len(batch.cohort)
                _record(
                    records,
                    record_parcels,
                    (
                        batch.cohort,
                        np.full(count, node),
                        batch.arrived,
                        np.full(count, -1),
                        np.full(count, STILL_THERE),
                        np.full(count, -1),
                    ),
                    batch.parcels,
                    trace_cohorts,
                )
        for lane, buffer in enumerate(buffers):
            for batch in buffer:
                count = len(batch.cohort)
                _record(
                    records,
                    record_parcels,
                    (
                        batch.cohort,
                        np.full(count, int(plan.lane_origin[lane])),
                        batch.arrived,
                        batch.sorted_at,
                        np.full(count, STILL_THERE),
                        np.full(count, lane),
                    ),
                    batch.parcels,
                    trace_cohorts,
                )
    run_trace = _trace(records, record_parcels) if trace else None
    return SimulationRun(
        plan,
        arrived,
        processed,
        backlog,
        queued,
        blocked,
        delivered,
        delivered_hours,
        on_time,
        delivered_per_hour,
        in_transit,
        run_trace,
    )


def _fold(
    deliveries: list[tuple[IntArray, FloatArray, IntArray]],
    plan: SimulationPlan,
    delivered: FloatArray,
    delivered_hours: FloatArray,
    on_time: FloatArray,
) -> None:
    """Add the collected deliveries to the per-cohort totals (in place) and clear the list."""
    if not deliveries:
        return
    cohorts = len(delivered)
    which = np.concatenate([d[0] for d in deliveries])
    amount = np.concatenate([d[1] for d in deliveries])
    hours_taken = np.concatenate([d[2] for d in deliveries])
    delivered += np.bincount(which, amount, minlength=cohorts)
    delivered_hours += np.bincount(which, amount * hours_taken, minlength=cohorts)
    late = hours_taken > plan.cohort_time_limit[which]
    on_time += np.bincount(which, np.where(late, 0.0, amount), minlength=cohorts)
    deliveries.clear()


def _merge(batches: list[_Batch], hour: int) -> _Batch:
    if len(batches) == 1:
        return batches[0]
    return _Batch(
        np.concatenate([b.cohort for b in batches]),
        np.concatenate([b.hop for b in batches]),
        np.concatenate([b.parcels for b in batches]),
        hour,
        np.concatenate([b.arrived for b in batches])
        if batches[0].arrived is not _UNTRACED
        else _UNTRACED,
        np.concatenate([b.sorted_at for b in batches])
        if batches[0].sorted_at is not _UNTRACED
        else _UNTRACED,
        sum(b.total for b in batches),
    )


def _take(queue: deque[_Batch], amount: float, *, ready_before: int) -> _Batch | None:
    """Remove up to ``amount`` parcels from the front of ``queue`` (batches whose ``since`` is
    before ``ready_before``); a partly taken batch gives each cohort the same proportion."""
    taken: list[_Batch] = []
    remaining = amount
    while queue and remaining > EPSILON and queue[0].since < ready_before:
        head = queue[0]
        total = head.total
        if total <= remaining + EPSILON:
            taken.append(queue.popleft())
            remaining -= total
        else:
            share = remaining / total
            part = head.parcels * share
            head.parcels = head.parcels - part
            head.total = total - remaining
            taken.append(
                _Batch(
                    head.cohort, head.hop, part, head.since, head.arrived, head.sorted_at, remaining
                )
            )
            remaining = 0.0
    if not taken:
        return None
    return _merge(taken, taken[0].since)


def _record(
    records: list[tuple[IntArray, ...]],
    record_parcels: list[FloatArray],
    record: tuple[IntArray, ...],
    parcels: FloatArray,
    chosen: npt.NDArray[np.bool_] | None,
) -> None:
    """Keep one trace record, only the chosen cohorts' fractions when a sample is asked for."""
    if chosen is not None:
        keep = chosen[record[0]]
        if not keep.any():
            return
        record = tuple(column[keep] for column in record)
        parcels = parcels[keep]
    records.append(record)
    record_parcels.append(parcels)


def _trace(records: list[tuple[IntArray, ...]], parcels: list[FloatArray]) -> Trace:
    if not records:
        empty = np.zeros(0, dtype=np.int64)
        return Trace(empty, empty, empty, empty, empty, empty, np.zeros(0))
    cohort, node, arrived, sorted_hour, departed, lane = (
        np.concatenate([record[index] for record in records]) for index in range(6)
    )
    return Trace(cohort, node, arrived, sorted_hour, departed, lane, np.concatenate(parcels))


def conservation_gap(run: SimulationRun) -> float:
    """Accepted − (delivered + still at nodes + in transit): zero when nothing is lost."""
    accepted = float(run.plan.cohort_parcels.sum())
    at_nodes = float(run.backlog[:, -1].sum())
    return accepted - float(run.delivered.sum()) - at_nodes - run.in_transit_at_end

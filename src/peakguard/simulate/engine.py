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
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from peakguard.simulate.batches import EPSILON, UNTRACED, Batch, merge, take
from peakguard.simulate.plan import FloatArray, IntArray, SimulationPlan, StoragePolicy


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


HOURS_A_DAY = 24
"""How often a run tells its ``progress`` how far it got: once a simulated day."""
STILL_THERE = -2
"""``departed_hour`` of a traced fraction still at its node when the run ends (−1: delivered)."""


class _Tracer:
    """The trace records of a run, kept for the chosen cohorts only when a sample is asked for."""

    __slots__ = ("chosen", "parcels", "records")

    def __init__(self, chosen: npt.NDArray[np.bool_] | None) -> None:
        self.chosen = chosen
        self.records: list[tuple[IntArray, ...]] = []
        self.parcels: list[FloatArray] = []

    def record(self, record: tuple[IntArray, ...], parcels: FloatArray) -> None:
        """Keep one record: (cohort, node, arrived, sorted, departed, lane) per fraction."""
        if self.chosen is not None:
            keep = self.chosen[record[0]]
            if not keep.any():
                return
            record = tuple(column[keep] for column in record)
            parcels = parcels[keep]
        self.records.append(record)
        self.parcels.append(parcels)

    def trace(self) -> Trace:
        """The records kept, as one trace."""
        if not self.records:
            empty = np.zeros(0, dtype=np.int64)
            return Trace(empty, empty, empty, empty, empty, empty, np.zeros(0))
        cohort, node, arrived, sorted_hour, departed, lane = (
            np.concatenate([record[index] for record in self.records]) for index in range(6)
        )
        return Trace(
            cohort, node, arrived, sorted_hour, departed, lane, np.concatenate(self.parcels)
        )


@dataclass(slots=True)
class _RunState:
    """Where every parcel of a run is, and the series recorded so far.

    A parcel is in a node's ``queues`` (arrived, not yet sorted), in a lane's ``buffers``
    (sorted at the lane's origin, waiting for it to leave), in ``transit`` (on a lane, keyed by
    the hour it arrives), or delivered (``deliveries`` until folded into the per-cohort totals).
    """

    queues: list[deque[Batch]]
    """[node] batches waiting to be sorted, oldest first."""
    buffers: list[deque[Batch]]
    """[lane] sorted batches waiting for the lane's next departure, oldest first."""
    transit: dict[int, list[tuple[int, Batch]]]
    """arrival hour → (node it arrives at, batch) for batches on lanes."""
    queue_total: FloatArray
    """[node] parcels in the node's queue."""
    buffer_total: FloatArray
    """[node] parcels sorted at the node and waiting to leave, all lanes out."""
    lane_buffer_total: FloatArray
    """[lane] parcels waiting for the lane."""
    reserved: FloatArray
    """[node] parcels on lanes bound for the node (storage a ``block`` policy keeps for them)."""
    moving: float
    """Parcels on lanes, all lanes."""
    deliveries: list[tuple[IntArray, FloatArray, IntArray]]
    """(cohorts, parcels, hours taken) delivered since the last fold."""
    tracer: _Tracer | None
    # The series the run returns, as documented on SimulationRun.
    arrived: FloatArray
    processed: FloatArray
    backlog: FloatArray
    queued: FloatArray
    blocked: FloatArray
    delivered_per_hour: FloatArray
    in_transit: FloatArray
    delivered: FloatArray
    delivered_hours: FloatArray
    on_time: FloatArray

    @classmethod
    def start(cls, plan: SimulationPlan, tracer: _Tracer | None) -> _RunState:
        """Empty queues and zero series for ``plan``."""
        nodes, hours = plan.sorting_capacity.shape
        lanes = len(plan.lane_origin)
        cohorts = len(plan.cohort_parcels)
        return cls(
            queues=[deque() for _ in range(nodes)],
            buffers=[deque() for _ in range(lanes)],
            transit={},
            queue_total=np.zeros(nodes),
            buffer_total=np.zeros(nodes),
            lane_buffer_total=np.zeros(lanes),
            reserved=np.zeros(nodes),
            moving=0.0,
            deliveries=[],
            tracer=tracer,
            arrived=np.zeros((nodes, hours)),
            processed=np.zeros((nodes, hours)),
            backlog=np.zeros((nodes, hours)),
            queued=np.zeros((nodes, hours)),
            blocked=np.zeros((nodes, hours)),
            delivered_per_hour=np.zeros(hours),
            in_transit=np.zeros(hours),
            delivered=np.zeros(cohorts),
            delivered_hours=np.zeros(cohorts),
            on_time=np.zeros(cohorts),
        )

    def run(self, plan: SimulationPlan) -> SimulationRun:
        """The finished run (call after the last hour)."""
        return SimulationRun(
            plan,
            self.arrived,
            self.processed,
            self.backlog,
            self.queued,
            self.blocked,
            self.delivered,
            self.delivered_hours,
            self.on_time,
            self.delivered_per_hour,
            self.in_transit,
            self.tracer.trace() if self.tracer is not None else None,
        )


@dataclass(frozen=True, slots=True)
class _Intake:
    """The cohorts accepted in each hour: ``order[starts[hour]:starts[hour + 1]]``."""

    order: IntArray
    starts: IntArray

    @classmethod
    def of(cls, plan: SimulationPlan) -> _Intake:
        hours = plan.sorting_capacity.shape[1]
        order = np.argsort(plan.cohort_hour, kind="stable")
        starts = np.searchsorted(plan.cohort_hour[order], np.arange(hours + 1))
        return cls(order, starts)

    def accepted_in(self, hour: int) -> IntArray:
        return self.order[self.starts[hour] : self.starts[hour + 1]]


def simulate_plan(
    plan: SimulationPlan,
    *,
    trace: bool = False,
    trace_cohorts: npt.NDArray[np.bool_] | None = None,
    progress: Callable[[float], None] | None = None,
) -> SimulationRun:
    """Run a compiled plan hour by hour. Deterministic: the same plan gives the same run.

    ``trace`` records every fraction's hours at every node; ``trace_cohorts`` (one flag per
    cohort) records only those cohorts' — a cluster sample of parcels whose scan events a season
    too large to trace whole can still produce (the run itself is the same either way).
    ``progress`` is told the share of hours done at the end of every simulated day."""
    tracer = _Tracer(trace_cohorts) if trace or trace_cohorts is not None else None
    state = _RunState.start(plan, tracer)
    intake = _Intake.of(plan)
    last_hop = plan.route_length - 1
    hours = plan.sorting_capacity.shape[1]
    for hour in range(hours):
        _join(state, plan, hour, intake.accepted_in(hour))
        _depart(state, plan, hour)
        _sort(state, plan, hour, last_hop)
        _record_backlog(state, plan, hour)
        if progress is not None and (hour % HOURS_A_DAY == HOURS_A_DAY - 1 or hour == hours - 1):
            progress((hour + 1) / hours)
    _fold(state, plan)
    if tracer is not None:
        _trace_what_is_left(state, plan, tracer)
    return state.run(plan)


def _join(state: _RunState, plan: SimulationPlan, hour: int, accepted: IntArray) -> None:
    """Step 1: parcels arriving from lanes, then the cohorts ``accepted`` at their origins,
    join each node's queue as one batch stamped with the hour."""
    joining: dict[int, list[Batch]] = {}
    reserved = state.reserved
    for node, batch in state.transit.pop(hour, []):
        reserved[node] -= batch.total
        state.moving -= batch.total
        joining.setdefault(node, []).append(batch)
    if len(accepted):
        traced = state.tracer is not None
        origins = plan.cohort_origin[accepted]
        for node in np.unique(origins).tolist():
            chosen = accepted[origins == node]
            joining.setdefault(node, []).append(
                Batch(
                    chosen,
                    np.zeros(len(chosen), dtype=np.int64),
                    plan.cohort_parcels[chosen].copy(),
                    hour,
                    np.full(len(chosen), hour) if traced else UNTRACED,
                    np.full(len(chosen), -1) if traced else UNTRACED,
                )
            )
    for node, batches in joining.items():
        batch = merge(batches, hour)
        total = batch.total
        state.queues[node].append(batch)
        state.queue_total[node] += total
        state.arrived[node, hour] += total
        reserved[node] = max(reserved[node], 0.0)


def _depart(state: _RunState, plan: SimulationPlan, hour: int) -> None:
    """Step 2: the lanes leaving in the hour carry up to their capacity (or the room at a
    closed or, under ``block``, full node) from the parcels sorted earlier, oldest first."""
    if hour not in plan.departures:
        return
    departing, capacities = plan.departures[hour]
    for lane, capacity in zip(departing.tolist(), capacities.tolist(), strict=True):
        if state.lane_buffer_total[lane] <= EPSILON:
            continue
        origin = int(plan.lane_origin[lane])
        if not plan.accepting[origin, hour]:
            continue  # a closed node dispatches nothing
        target = int(plan.lane_destination[lane])
        room = _room(state, plan, hour, lane, target, capacity)
        if room <= EPSILON:
            continue
        moved = take(state.buffers[lane], room, ready_before=hour + 1)
        if moved is not None:
            _send(state, plan, hour, lane, moved)


def _room(
    state: _RunState, plan: SimulationPlan, hour: int, lane: int, target: int, capacity: float
) -> float:
    """What a departure of ``lane`` can carry to ``target``; what it cannot, of what waits for
    it, is recorded as blocked at the target."""
    room = capacity
    if not plan.accepting[target, hour]:
        room = 0.0
    elif plan.policy is StoragePolicy.block:
        free = (
            plan.storage_capacity[target] - state.queue_total[target] - state.buffer_total[target]
        )
        room = min(room, max(0.0, free - state.reserved[target]))
    wanted = min(state.lane_buffer_total[lane], capacity)
    if room < wanted:
        state.blocked[target, hour] += wanted - room
    return room


def _send(state: _RunState, plan: SimulationPlan, hour: int, lane: int, moved: Batch) -> None:
    """Put the batch ``moved`` taken from ``lane``'s buffer on the lane, due at its next node."""
    amount = moved.total
    origin = int(plan.lane_origin[lane])
    target = int(plan.lane_destination[lane])
    state.lane_buffer_total[lane] -= amount
    state.buffer_total[origin] -= amount
    arrival = hour + int(plan.lane_transit_hours[lane])
    moved.hop = moved.hop + 1
    moved.since = arrival
    if state.tracer is not None:
        count = len(moved.cohort)
        state.tracer.record(
            (
                moved.cohort,
                np.full(count, origin),
                moved.arrived,
                moved.sorted_at,
                np.full(count, hour),
                np.full(count, lane),
            ),
            moved.parcels,
        )
        moved.arrived = np.full(count, arrival)
        moved.sorted_at = np.full(count, -1)
    state.reserved[target] += amount
    state.moving += amount
    state.transit.setdefault(arrival, []).append((target, moved))


def _sort(state: _RunState, plan: SimulationPlan, hour: int, last_hop: IntArray) -> None:
    """Step 3: each open node sorts up to its capacity, oldest batch first; parcels at their
    destination are delivered, the rest wait for the next lane on their route."""
    capacity_now = np.where(plan.accepting[:, hour], plan.sorting_capacity[:, hour], 0.0)
    working = np.flatnonzero((state.queue_total > EPSILON) & (capacity_now > EPSILON))
    for node, capacity in zip(working.tolist(), capacity_now[working].tolist(), strict=True):
        done = take(state.queues[node], capacity, ready_before=hour + 1)
        if done is None:
            continue
        amount = done.total
        state.queue_total[node] -= amount
        state.processed[node, hour] += amount
        routes = plan.cohort_route[done.cohort]
        final = done.hop >= last_hop[routes]
        if final.any():
            _deliver(state, plan, hour, node, done, final)
        onward = ~final
        if onward.any():
            _wait_for_lanes(state, plan, hour, node, done, onward, routes)


def _deliver(
    state: _RunState,
    plan: SimulationPlan,
    hour: int,
    node: int,
    done: Batch,
    final: npt.NDArray[np.bool_],
) -> None:
    """The ``final`` fractions of ``done``, sorted at their destination, are delivered at the
    end of the hour."""
    cohort = done.cohort[final]
    parcels = done.parcels[final]
    age = hour + 1 - plan.cohort_hour[cohort]
    state.deliveries.append((cohort, parcels, age))
    state.delivered_per_hour[hour] += float(parcels.sum())
    if state.tracer is not None:
        count = len(cohort)
        state.tracer.record(
            (
                cohort,
                np.full(count, node),
                done.arrived[final],
                np.full(count, hour),
                np.full(count, -1),
                np.full(count, -1),
            ),
            parcels,
        )


def _wait_for_lanes(
    state: _RunState,
    plan: SimulationPlan,
    hour: int,
    node: int,
    done: Batch,
    onward: npt.NDArray[np.bool_],
    routes: IntArray,
) -> None:
    """The ``onward`` fractions of ``done`` join the buffers of the next lanes on their routes,
    ready to leave from the next hour."""
    traced = state.tracer is not None
    cohort, hop = done.cohort[onward], done.hop[onward]
    next_lane = plan.route_lanes[routes[onward], hop]
    parcels = done.parcels[onward]
    since = done.arrived[onward] if traced else UNTRACED
    stamp = np.full(len(cohort), hour) if traced else UNTRACED
    for lane, group in _by_lane(next_lane):
        if group is None:
            batch = Batch(cohort, hop, parcels, hour + 1, since, stamp)
        else:
            batch = Batch(
                cohort[group],
                hop[group],
                parcels[group],
                hour + 1,
                since[group] if traced else UNTRACED,
                stamp[group] if traced else UNTRACED,
            )
        total = batch.total
        state.buffers[lane].append(batch)
        state.lane_buffer_total[lane] += total
        state.buffer_total[node] += total


def _by_lane(next_lane: IntArray) -> list[tuple[int, IntArray | None]]:
    """(lane, positions) groups of fractions bound for each lane, order kept within a group;
    ``None`` positions: every fraction (the common case of a single lane out)."""
    if next_lane[0] == next_lane[-1] and (next_lane == next_lane[0]).all():
        return [(int(next_lane[0]), None)]
    lane_order = np.argsort(next_lane, kind="stable")
    cuts = np.flatnonzero(np.diff(next_lane[lane_order])) + 1
    return [(int(next_lane[group[0]]), group) for group in np.split(lane_order, cuts)]


def _record_backlog(state: _RunState, plan: SimulationPlan, hour: int) -> None:
    """Step 4: the hour's backlog (queued + sorted and waiting to leave) and parcels on lanes;
    at the end of each day, the day's deliveries fold into the totals (keeping memory flat)."""
    state.backlog[:, hour] = state.queue_total + state.buffer_total
    state.queued[:, hour] = state.queue_total
    state.in_transit[hour] = state.moving
    if hour % 24 == 23:
        _fold(state, plan)


def _fold(state: _RunState, plan: SimulationPlan) -> None:
    """Add the collected deliveries to the per-cohort totals (in place) and clear the list."""
    deliveries = state.deliveries
    if not deliveries:
        return
    cohorts = len(state.delivered)
    which = np.concatenate([d[0] for d in deliveries])
    amount = np.concatenate([d[1] for d in deliveries])
    hours_taken = np.concatenate([d[2] for d in deliveries])
    state.delivered += np.bincount(which, amount, minlength=cohorts)
    state.delivered_hours += np.bincount(which, amount * hours_taken, minlength=cohorts)
    late = hours_taken > plan.cohort_time_limit[which]
    state.on_time += np.bincount(which, np.where(late, 0.0, amount), minlength=cohorts)
    deliveries.clear()


def _trace_what_is_left(state: _RunState, plan: SimulationPlan, tracer: _Tracer) -> None:
    """Trace what is still at a node when the run ends: it arrived there (and may be sorted)."""
    for node, queue in enumerate(state.queues):
        for batch in queue:
            count = len(batch.cohort)
            tracer.record(
                (
                    batch.cohort,
                    np.full(count, node),
                    batch.arrived,
                    np.full(count, -1),
                    np.full(count, STILL_THERE),
                    np.full(count, -1),
                ),
                batch.parcels,
            )
    for lane, buffer in enumerate(state.buffers):
        for batch in buffer:
            count = len(batch.cohort)
            tracer.record(
                (
                    batch.cohort,
                    np.full(count, int(plan.lane_origin[lane])),
                    batch.arrived,
                    batch.sorted_at,
                    np.full(count, STILL_THERE),
                    np.full(count, lane),
                ),
                batch.parcels,
            )


def conservation_gap(run: SimulationRun) -> float:
    """Accepted − (delivered + still at nodes + in transit): zero when nothing is lost."""
    accepted = float(run.plan.cohort_parcels.sum())
    at_nodes = float(run.backlog[:, -1].sum())
    return accepted - float(run.delivered.sum()) - at_nodes - run.in_transit_at_end

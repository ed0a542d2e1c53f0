"""The reference engine: an hourly, fluid, FIFO simulation of parcels, written plainly in Python.

:func:`peakguard.simulate.engine.simulate_plan` runs the compiled engine
(:mod:`peakguard.simulate.compiled_engine`); this one is the specification it is checked
against (``tests/unit/simulate/test_kernel.py`` holds the two equal on random networks and
plans) and the baseline the benchmarks measure it by. It keeps queues and lane buffers as
deques of NumPy batches per node and lane, one Python iteration per busy node-hour and per
departure: easy to read, and slow at national scale.

It steps through the hour :mod:`peakguard.simulate.engine` describes. Because batches keep
their order, the time every fraction of every cohort spent at every node is known, and is
recorded when ``trace`` is on.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from peakguard.simulate.batches import EPSILON, UNTRACED, Batch, merge, take
from peakguard.simulate.blocking import (
    Outflow,
    fullest_first,
    gate,
    project_holding,
    room_on_arrival,
)
from peakguard.simulate.plan import FloatArray, IntArray, SimulationPlan, StoragePolicy
from peakguard.simulate.run_state import (
    HOURS_A_DAY,
    STILL_THERE,
    RunState,
    SimulationRun,
    Trace,
    Tracer,
    at_gate,
    capture,
)
from peakguard.simulate.state import SimulationState, resume_plan

__all__ = [
    "HOURS_A_DAY",
    "STILL_THERE",
    "SimulationRun",
    "SimulationState",
    "Trace",
    "simulate_plan",
]


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
    start: SimulationState | None = None,
    snapshot_at: int | None = None,
) -> SimulationRun:
    """The reference engine's run of ``plan``, one Python step per hour: the arguments and the
    result are :func:`peakguard.simulate.engine.simulate_plan`'s, and so are the answers (the
    compiled engine is tested against this one)."""
    tracer = Tracer(trace_cohorts) if trace or trace_cohorts is not None else None
    first, delivered_before = 0, 0.0
    if start is None:
        state = RunState.start(plan, tracer)
    else:
        first, delivered_before = start.hour, start.delivered_before
        if not 0 <= first <= plan.hours:
            raise ValueError(f"the state's hour {first} is outside the plan's 0 to {plan.hours}")
        if tracer is not None and tracer.chosen is not None:
            tracer.chosen = _chosen_after(tracer.chosen, plan, start)
        plan, base = resume_plan(plan, start)
        state = RunState.resume(plan, start, base, tracer)
    hours = plan.sorting_capacity.shape[1]
    if snapshot_at is not None and not first <= snapshot_at <= hours:
        raise ValueError(f"snapshot_at must be an hour from {first} to {hours}")
    intake = _Intake.of(plan)
    outflow = Outflow.of(plan) if plan.policy is StoragePolicy.block else None
    last_hop = plan.route_length - 1
    taken: SimulationState | None = None
    for hour in range(first, hours):
        if hour == snapshot_at:
            taken = capture(state, plan, hour, delivered_before + _delivered(state, first, hour))
        _depart(state, plan, hour, outflow)
        _join(state, plan, hour, intake.accepted_in(hour))
        _sort(state, plan, hour, last_hop)
        _record_backlog(state, plan, hour)
        if progress is not None and (hour % HOURS_A_DAY == HOURS_A_DAY - 1 or hour == hours - 1):
            progress((hour + 1) / hours)
    if snapshot_at == hours:
        taken = capture(state, plan, hours, delivered_before + _delivered(state, first, hours))
    _fold(state, plan)
    if tracer is not None:
        _trace_what_is_left(state, plan, tracer)
    return state.run(plan, taken)


def _delivered(state: RunState, first: int, hour: int) -> float:
    """Parcels delivered in hours ``first`` to ``hour`` − 1 of this run."""
    return float(state.delivered_per_hour[first:hour].sum())


def _chosen_after(
    chosen: npt.NDArray[np.bool_], plan: SimulationPlan, start: SimulationState
) -> npt.NDArray[np.bool_]:
    """Trace flags over the plan a run from ``start`` works on: the plan's cohorts accepted
    from the state's hour on keep theirs, the state's cohorts are all traced."""
    future = chosen[plan.cohort_hour >= start.hour]
    return np.concatenate([future, np.ones(len(start.cohorts.parcels), dtype=bool)])


def _join(state: RunState, plan: SimulationPlan, hour: int, accepted: IntArray) -> None:
    """Step 2: parcels arriving from lanes, then the cohorts ``accepted`` at their origins,
    join each node's queue as one batch stamped with the hour (under ``block``, only what the
    node has room for of what arrives; the rest waits at its gate for the next hour)."""
    joining: dict[int, list[Batch]] = {}
    ring = state.incoming.shape[1]
    state.incoming[:, hour % ring] = 0.0
    for node, batch in state.transit.pop(hour, []):
        joining.setdefault(node, []).append(batch)
    if plan.policy is StoragePolicy.block:
        refused: list[tuple[IntArray, FloatArray]] = []
        for node, batches in joining.items():
            joining[node] = _through_the_gate(state, plan, hour, node, batches, refused)
        if refused:
            _record_gate(state, hour, refused)
    state.moving -= sum(batch.total for batches in joining.values() for batch in batches)
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
        if not batches:
            continue
        batch = merge(batches, hour)
        total = batch.total
        state.queues[node].append(batch)
        state.queue_total[node] += total
        state.arrived[node, hour] += total


def _through_the_gate(
    state: RunState,
    plan: SimulationPlan,
    hour: int,
    node: int,
    batches: list[Batch],
    refused: list[tuple[IntArray, FloatArray]],
) -> list[Batch]:
    """What of the ``batches`` arriving at ``node`` it has room for (all of it, but for a
    projection the node's own departures did not bear out); the rest, each cohort in the same
    proportion, stays on the lane and arrives again in the next hour, first in line (and is
    added to ``refused`` by the lane it came by)."""
    arriving = merge(batches, hour)
    room = gate(
        float(plan.storage_capacity[node]),
        float(state.queue_total[node]),
        float(state.buffer_total[node]),
        arriving.total,
    )
    if room >= arriving.total - EPSILON:
        return batches
    line = deque([arriving])
    taken = take(line, room, ready_before=hour + 1) if room > EPSILON else None
    rest = line[0]
    rest.since = hour + 1
    refused.append((plan.route_lanes[plan.cohort_route[rest.cohort], rest.hop - 1], rest.parcels))
    if state.tracer is not None:
        rest.arrived = np.full(len(rest.cohort), hour + 1)
    state.transit.setdefault(hour + 1, []).insert(0, (node, rest))
    state.incoming[node, (hour + 1) % state.incoming.shape[1]] += rest.total
    state.blocked[node, hour] += rest.total
    return [] if taken is None else [taken]


def _record_gate(state: RunState, hour: int, refused: list[tuple[IntArray, FloatArray]]) -> None:
    """One :class:`LaneBlocks` row per lane whose parcels were ``refused`` at a gate in the
    hour, lanes in order, after the hour's short departures."""
    lanes, at = np.unique(np.concatenate([lane for lane, _ in refused]), return_inverse=True)
    parcels = np.bincount(at, np.concatenate([amount for _, amount in refused]), len(lanes))
    coded = at_gate(lanes.astype(np.int64))
    for lane, amount in zip(coded.tolist(), parcels.tolist(), strict=True):
        if amount > 0.0:
            state.blocked_hour.append(hour)
            state.blocked_lane.append(lane)
            state.blocked_parcels.append(amount)


def _depart(state: RunState, plan: SimulationPlan, hour: int, outflow: Outflow | None) -> None:
    """Step 1: the lanes leaving in the hour carry up to their capacity (nothing to a closed
    node; under ``block``, what the target has room for on arrival) from the parcels sorted
    earlier, oldest first."""
    if hour not in plan.departures:
        return
    departing, capacities = plan.departures[hour]
    holding = (
        None
        if outflow is None
        else project_holding(
            state.queue_total,
            state.lane_buffer_total,
            state.buffer_total,
            state.incoming,
            outflow,
            hour,
        )
    )
    if holding is not None:
        departing, capacities = fullest_first(
            plan.lane_origin,
            plan.storage_capacity,
            state.queue_total,
            state.buffer_total,
            departing,
            capacities,
        )
    for lane, capacity in zip(departing.tolist(), capacities.tolist(), strict=True):
        if state.lane_buffer_total[lane] <= EPSILON:
            continue
        origin = int(plan.lane_origin[lane])
        if not plan.accepting[origin, hour]:
            continue  # a closed node dispatches nothing
        target = int(plan.lane_destination[lane])
        room = _room(state, plan, hour, lane, capacity, holding)
        if room <= EPSILON:
            continue
        moved = take(state.buffers[lane], room, ready_before=hour + 1)
        if moved is not None:
            _send(state, plan, hour, lane, moved)
            if holding is not None:
                holding[target, int(plan.lane_transit_hours[lane]) :] += moved.total


def _room(
    state: RunState,
    plan: SimulationPlan,
    hour: int,
    lane: int,
    capacity: float,
    holding: FloatArray | None,
) -> float:
    """What a departure of ``lane`` can carry: its capacity, nothing to a closed target, and
    under ``block`` (``holding`` projected) no more than the target has room for on arrival.
    What it cannot carry, of what waits for it, is recorded as blocked at the target (and,
    when for want of room, against the lane)."""
    target = int(plan.lane_destination[lane])
    wanted = min(float(state.lane_buffer_total[lane]), capacity)
    if not plan.accepting[target, hour]:
        state.blocked[target, hour] += wanted
        return 0.0
    if holding is None:
        return capacity
    room = room_on_arrival(
        holding,
        float(plan.storage_capacity[target]),
        target,
        int(plan.lane_transit_hours[lane]),
    )
    if room < wanted - EPSILON:
        state.blocked[target, hour] += wanted - room
        state.blocked_hour.append(hour)
        state.blocked_lane.append(lane)
        state.blocked_parcels.append(wanted - room)
    return min(room, capacity)


def _send(state: RunState, plan: SimulationPlan, hour: int, lane: int, moved: Batch) -> None:
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
    state.incoming[target, arrival % state.incoming.shape[1]] += amount
    state.moving += amount
    state.transit.setdefault(arrival, []).append((target, moved))


def _sort(state: RunState, plan: SimulationPlan, hour: int, last_hop: IntArray) -> None:
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
    state: RunState,
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
    state: RunState,
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


def _record_backlog(state: RunState, plan: SimulationPlan, hour: int) -> None:
    """Step 4: the hour's backlog (queued + sorted and waiting to leave) and parcels on lanes;
    at the end of each day, the day's deliveries fold into the totals (keeping memory flat)."""
    state.backlog[:, hour] = state.queue_total + state.buffer_total
    state.queued[:, hour] = state.queue_total
    state.in_transit[hour] = state.moving
    if hour % 24 == 23:
        _fold(state, plan)


def _fold(state: RunState, plan: SimulationPlan) -> None:
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


def _trace_what_is_left(state: RunState, plan: SimulationPlan, tracer: Tracer) -> None:
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

"""A run in progress: where every parcel is, the series recorded so far, and the run's output.

:class:`RunState` is what the engine carries from hour to hour. :func:`capture` writes it
down as a :class:`~peakguard.simulate.state.SimulationState` at the start of an hour, and
:meth:`RunState.resume` rebuilds it from one, so a run can stop at an hour and another start
there (see :mod:`peakguard.simulate.state`).
"""

from __future__ import annotations

from array import array
from collections import deque
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from peakguard.simulate.batches import UNTRACED, Batch
from peakguard.simulate.blocking import ring_size
from peakguard.simulate.plan import BoolArray, FloatArray, IntArray, SimulationPlan
from peakguard.simulate.state import Fractions, SimulationState, StateCohorts


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
class LaneBlocks:
    """Parcels held back for want of room at their lane's target (the ``block`` policy; a
    closed target is not counted here): ``parcels[i]`` waited at the origin of ``lane[i]`` when
    it left in ``hour[i]`` — or, where ``at_gate[i]``, came by ``lane[i]`` and were refused at
    its target's gate in ``hour[i]`` (a projection the target's own departures did not bear
    out), waiting on the lane for the next hour. One row per short departure and per lane
    refused at a gate in an hour, so the record stays small unless storage is short: it is
    what says which hubs wait for room at which."""

    hour: IntArray
    lane: IntArray
    parcels: FloatArray
    at_gate: BoolArray | None = None
    """None: no refusal at a gate recorded."""

    @classmethod
    def empty(cls) -> LaneBlocks:
        none = np.zeros(0, dtype=np.int64)
        return cls(none, none, np.zeros(0), np.zeros(0, dtype=bool))

    @classmethod
    def of(cls, hour: IntArray, coded_lane: IntArray, parcels: FloatArray) -> LaneBlocks:
        """The rows as the engines record them: a refusal at a gate has its lane coded as
        ``at_gate(lane)`` (negative), a short departure its lane."""
        gate = coded_lane < 0
        lane = np.where(gate, at_gate(coded_lane), coded_lane).astype(np.int64)
        return cls(hour.astype(np.int64), lane, parcels.astype(np.float64), gate)


def at_gate(lane: IntArray) -> IntArray:
    """The code of a refusal at the gate of ``lane``'s target, −1 − lane (its own inverse), so
    that both engines keep one row layout for both kinds of :class:`LaneBlocks` rows."""
    return -1 - lane


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
    """[node, hour] parcels refused by the node: a departure to it could not carry them because
    it was closed or (``block``) had no room for them on arrival, or they arrived and waited at
    its gate because it was full (recorded at the receiving node)."""
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
    state: SimulationState | None = None
    """Where every parcel was at the start of the hour ``simulate_plan`` was asked to
    ``snapshot_at`` (None when it was not asked): a state a run can start from."""
    lane_blocks: LaneBlocks = field(default_factory=LaneBlocks.empty)
    """The departures short for room at their target, lane by lane (``block`` policy)."""

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


class Tracer:
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
class RunState:
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
    incoming: FloatArray
    """[node, hour of arrival modulo the ring] parcels on lanes bound for the node (what the
    ``block`` policy's projection counts on; see :mod:`peakguard.simulate.blocking`)."""
    moving: float
    """Parcels on lanes, all lanes."""
    deliveries: list[tuple[IntArray, FloatArray, IntArray]]
    """(cohorts, parcels, hours taken) delivered since the last fold."""
    tracer: Tracer | None
    blocked_hour: array[int]
    blocked_lane: array[int]
    blocked_parcels: array[float]
    """The :class:`LaneBlocks` rows so far (compact: one row per short departure and per lane
    refused at a gate in an hour, the latter's lane coded by :func:`at_gate`)."""
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
    def start(cls, plan: SimulationPlan, tracer: Tracer | None) -> RunState:
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
            incoming=np.zeros((nodes, ring_size(plan))),
            moving=0.0,
            deliveries=[],
            tracer=tracer,
            blocked_hour=array("q"),
            blocked_lane=array("q"),
            blocked_parcels=array("d"),
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

    @classmethod
    def resume(
        cls, plan: SimulationPlan, state: SimulationState, base: int, tracer: Tracer | None
    ) -> RunState:
        """The run at the start of ``state.hour``, over ``plan`` as
        :func:`~peakguard.simulate.state.resume_plan` made it (the state's cohorts from
        ``base`` on); the series before the hour are zeros."""
        run = cls.start(plan, tracer)
        traced = tracer is not None
        for node, batch in _batches(state.queued, base, traced):
            run.queues[node].append(batch)
        for lane, batch in _batches(state.waiting, base, traced):
            run.buffers[lane].append(batch)
        for node, batch in _batches(state.on_lanes, base, traced):
            run.transit.setdefault(batch.since, []).append((node, batch))
        nodes, lanes = len(run.queues), len(run.buffers)
        run.queue_total = state.queued.by_place(nodes)
        run.lane_buffer_total = state.waiting.by_place(lanes)
        np.add.at(run.buffer_total, plan.lane_origin, run.lane_buffer_total)
        _on_the_road(run.incoming, state.on_lanes)
        run.moving = state.on_lanes.total
        return run

    def run(self, plan: SimulationPlan, state: SimulationState | None = None) -> SimulationRun:
        """The finished run (call after the last hour), with the ``state`` taken on the way."""
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
            state,
            LaneBlocks.of(
                np.array(self.blocked_hour, dtype=np.int64),
                np.array(self.blocked_lane, dtype=np.int64),
                np.array(self.blocked_parcels, dtype=np.float64),
            ),
        )


def _on_the_road(incoming: FloatArray, on_lanes: Fractions) -> None:
    """Add the parcels ``on_lanes`` to ``incoming`` by the node and hour they arrive."""
    batches = len(on_lanes.place)
    batch = np.repeat(np.arange(batches), np.diff(on_lanes.starts))
    batch_parcels = np.bincount(batch, on_lanes.parcels, minlength=batches)
    ring = incoming.shape[1]
    np.add.at(incoming, (on_lanes.place, on_lanes.hour % ring), batch_parcels)


def _batches(fractions: Fractions, base: int, traced: bool) -> list[tuple[int, Batch]]:
    """The batches of ``fractions`` (cohorts shifted by ``base``) with their places, in order."""
    starts = fractions.starts.tolist()
    cohort = fractions.cohort + base
    batches: list[tuple[int, Batch]] = []
    for index, (place, hour) in enumerate(
        zip(fractions.place.tolist(), fractions.hour.tolist(), strict=True)
    ):
        rows = slice(starts[index], starts[index + 1])
        batch = Batch(
            cohort[rows],
            fractions.hop[rows],
            fractions.parcels[rows].copy(),
            hour,
            fractions.arrived[rows] if traced else UNTRACED,
            fractions.sorted_at[rows] if traced else UNTRACED,
        )
        batches.append((place, batch))
    return batches


def capture(
    run: RunState, plan: SimulationPlan, hour: int, delivered_before: float
) -> SimulationState:
    """Where every parcel of ``run`` is at the start of ``hour`` (call before the hour's step).

    Untraced runs do not keep the hours a fraction arrived at and was sorted at its node; the
    state then has them from the batch: queued and on lanes, arrived when the batch joined
    (arrives); waiting for a lane, arrived and sorted the hour before it could leave."""
    queued = [(node, batch) for node, queue in enumerate(run.queues) for batch in queue]
    waiting = [(lane, batch) for lane, buffer in enumerate(run.buffers) for batch in buffer]
    on_lanes = [(node, batch) for moving in run.transit.values() for node, batch in moving]
    every = [batch.cohort for _, batch in [*queued, *waiting, *on_lanes]]
    used = np.unique(np.concatenate(every)) if every else np.zeros(0, dtype=np.int64)
    fractions = (
        _fractions(queued, used, sorted_offset=None),
        _fractions(waiting, used, arrived_offset=-1, sorted_offset=-1),
        _fractions(on_lanes, used, sorted_offset=None),
    )
    parcels = np.zeros(len(used))
    for part in fractions:
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
    return SimulationState(hour, plan.node_ids, cohorts, *fractions, delivered_before)


def _fractions(
    entries: list[tuple[int, Batch]],
    used: IntArray,
    *,
    arrived_offset: int = 0,
    sorted_offset: int | None,
) -> Fractions:
    """``entries`` as a fraction table over the cohorts ``used`` (sorted cohort numbers)."""
    if not entries:
        return Fractions.empty()
    batches = [batch for _, batch in entries]
    sizes = np.array([len(batch.cohort) for batch in batches], dtype=np.int64)
    since = np.array([batch.since for batch in batches], dtype=np.int64)
    arrived, sorted_at = [], []
    for batch, stamp in zip(batches, since.tolist(), strict=True):
        count = len(batch.cohort)
        traced = len(batch.arrived) == count and len(batch.sorted_at) == count
        arrived.append(batch.arrived if traced else np.full(count, stamp + arrived_offset))
        default = -1 if sorted_offset is None else stamp + sorted_offset
        sorted_at.append(batch.sorted_at if traced else np.full(count, default))
    return Fractions(
        place=np.array([place for place, _ in entries], dtype=np.int64),
        hour=since,
        starts=np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64),
        cohort=np.searchsorted(used, np.concatenate([batch.cohort for batch in batches])),
        hop=np.concatenate([batch.hop for batch in batches]).astype(np.int64),
        parcels=np.concatenate([batch.parcels for batch in batches]).astype(np.float64),
        arrived=np.concatenate(arrived).astype(np.int64),
        sorted_at=np.concatenate(sorted_at).astype(np.int64),
    )


def conservation_gap(run: SimulationRun) -> float:
    """Accepted − (delivered + still at nodes + in transit): zero when nothing is lost."""
    accepted = float(run.plan.cohort_parcels.sum())
    at_nodes = float(run.backlog[:, -1].sum())
    return accepted - float(run.delivered.sum()) - at_nodes - run.in_transit_at_end

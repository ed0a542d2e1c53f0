"""Gridlock (全网瘫痪): hubs full and refusing each other, found in a run's record of refusals.

Under the ``block`` policy a departure that leaves parcels behind because its target has no
room for them is recorded lane by lane (:class:`~peakguard.simulate.run_state.LaneBlocks`);
the lane's origin then *waits for room at* its target until the lane's next departure (or, for
parcels refused at the target's gate, where the run records them, for the hour). In any hour
these waits make a directed graph over the nodes. A cycle in it — A waits for room at B while
B, directly or through others, waits for room at A — is gridlock: each hub's parcels are for
hubs with no room for them, and room at each can only come from the others. This is the
state digraph Ciw keeps to detect deadlock (``ciw.deadlock_detector.StateDigraphMethod``: an
edge from a server whose customer is blocked to the servers of the node it waits for); Ciw
calls the network deadlocked when the digraph has a *knot*, a strongly connected set no edge
leaves. Here every strongly connected set of two or more nodes is reported, since in a fluid
network hubs that refuse each other back parcels up even while some of their lanes still
move; :attr:`Gridlock.knot` says whether it was a knot in some hour (nothing in it waited for
room anywhere else), Ciw's deadlock.

Consecutive hours whose cycles share a node are one :class:`Gridlock`: which hubs, which waits
for which (and how many parcels at most were held back), from which hour to which.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import connected_components

from peakguard.simulate.plan import BoolArray, FloatArray, IntArray, SimulationPlan
from peakguard.simulate.run_state import LaneBlocks, SimulationRun


@dataclass(frozen=True)
class Wait:
    """``hub`` held parcels back for want of room at ``waits_for`` (node ids)."""

    hub: str
    waits_for: str
    parcels: float
    """The most parcels held back at once, all of ``hub``'s lanes to ``waits_for``."""


@dataclass(frozen=True)
class Gridlock:
    """Hubs refusing each other's parcels from ``start_hour`` until ``end_hour``."""

    hubs: tuple[str, ...]
    """Node ids, in the network's order."""
    waits: tuple[Wait, ...]
    """Who waited for room at whom among the ``hubs``, most parcels first."""
    start_hour: int
    end_hour: int
    """The first hour it no longer held (the run's length when it held to the end)."""
    to_the_end: bool
    """It still held in the run's last hour."""
    knot: bool
    """In some hour none of the ``hubs`` waited for room at a node outside them (Ciw's
    deadlock): nothing but the ``hubs`` themselves could make room."""

    @property
    def hours(self) -> int:
        return self.end_hour - self.start_hour


NOTICEABLE = 0.5
"""Parcels held back below which a lane-block row is not a wait: less than half a parcel is the
projection's rounding (on the national network, refusals at gates of a few ten-millionths of a
parcel), and would join hubs into gridlocks that hold nothing back."""


def find_gridlocks(run: SimulationRun) -> list[Gridlock]:
    """The run's gridlocks, earliest first (none when nothing noticeable was refused for want of
    room)."""
    blocks = run.lane_blocks
    kept = blocks.parcels >= NOTICEABLE
    if not kept.all():
        gate = None if blocks.at_gate is None else blocks.at_gate[kept]
        blocks = LaneBlocks(blocks.hour[kept], blocks.lane[kept], blocks.parcels[kept], gate)
    at_gate = blocks.at_gate
    if not len(blocks.lane):
        return []
    plan = run.plan
    until = _waits_until(plan, blocks.hour, blocks.lane, at_gate)
    waiting = until - blocks.hour
    row = np.repeat(np.arange(len(blocks.lane)), waiting)
    hour = np.repeat(blocks.hour, waiting) + (
        np.arange(len(row)) - np.repeat(np.cumsum(waiting) - waiting, waiting)
    )
    order = np.argsort(hour, kind="stable")
    row, hour = row[order], hour[order]
    hours, starts = np.unique(hour, return_index=True)
    bounds = np.append(starts, len(row))
    origin = plan.lane_origin[blocks.lane]
    target = plan.lane_destination[blocks.lane]
    episodes: list[_Episode] = []
    open_now: list[_Episode] = []
    for index, now in enumerate(hours.tolist()):
        rows = row[bounds[index] : bounds[index + 1]]
        cycles = _cycles(origin[rows], target[rows], blocks.parcels[rows])
        open_now = _carry_on(open_now, cycles, now, episodes)
    return [episode.gridlock(plan) for episode in sorted(episodes, key=lambda e: e.start)]


def _waits_until(
    plan: SimulationPlan, hour: IntArray, lane: IntArray, at_gate: BoolArray | None
) -> IntArray:
    """The hour each short departure's wait ends: its lane's next departure (the run's end
    when there is none); a refusal at the gate lasts its hour."""
    span = plan.hours + 1
    keys = [lanes * span + at for at, (lanes, _capacity) in plan.departures.items()]
    schedule = np.sort(np.concatenate(keys)) if keys else np.zeros(0, dtype=np.int64)
    after = np.searchsorted(schedule, lane * span + hour, side="right")
    found = np.minimum(after, max(len(schedule) - 1, 0))
    same_lane = (after < len(schedule)) & (schedule[found] // span == lane)
    until = np.where(same_lane, schedule[found] % span, plan.hours).astype(np.int64)
    if at_gate is not None:
        until = np.where(at_gate, hour + 1, until)
    return np.maximum(until, hour + 1)


@dataclass(frozen=True)
class _Cycle:
    """One strongly connected set of an hour's waits-for graph."""

    members: frozenset[int]
    waits: dict[tuple[int, int], float]
    knot: bool


def _cycles(origin: IntArray, target: IntArray, parcels: FloatArray) -> list[_Cycle]:
    """The strongly connected sets of two or more nodes of the graph ``origin → target``."""
    nodes, local = np.unique(np.concatenate([origin, target]), return_inverse=True)
    tail, head = local[: len(origin)], local[len(origin) :]
    graph = csr_matrix((np.ones(len(tail)), (tail, head)), shape=(len(nodes), len(nodes)))
    _count, label = connected_components(graph, directed=True, connection="strong")
    sizes = np.bincount(label)
    cycles = []
    for component in np.flatnonzero(sizes >= 2).tolist():
        inside_tail = label[tail] == component
        inside = inside_tail & (label[head] == component)
        waits: dict[tuple[int, int], float] = {}
        for a, b, amount in zip(
            origin[inside].tolist(), target[inside].tolist(), parcels[inside].tolist(), strict=True
        ):
            waits[(a, b)] = waits.get((a, b), 0.0) + amount
        members = frozenset(nodes[label == component].tolist())
        cycles.append(_Cycle(members, waits, knot=not (inside_tail & ~inside).any()))
    return cycles


@dataclass
class _Episode:
    """A gridlock being followed hour by hour."""

    start: int
    last: int
    members: set[int]
    waits: dict[tuple[int, int], float] = field(default_factory=dict)
    knot: bool = False

    def take(self, cycle: _Cycle, now: int) -> None:
        self.last = now
        self.members |= cycle.members
        self.knot = self.knot or cycle.knot
        for pair, amount in cycle.waits.items():
            self.waits[pair] = max(self.waits.get(pair, 0.0), amount)

    def gridlock(self, plan: SimulationPlan) -> Gridlock:
        ids = plan.node_ids
        waits = sorted(self.waits.items(), key=lambda item: (-item[1], item[0]))
        end = self.last + 1
        return Gridlock(
            hubs=tuple(ids[node] for node in sorted(self.members)),
            waits=tuple(Wait(ids[a], ids[b], amount) for (a, b), amount in waits),
            start_hour=self.start,
            end_hour=min(end, plan.hours),
            to_the_end=end >= plan.hours,
            knot=self.knot,
        )


def _carry_on(
    open_now: list[_Episode], cycles: list[_Cycle], now: int, episodes: list[_Episode]
) -> list[_Episode]:
    """Extend the episodes of the hour before that share a node with a cycle of ``now``, start
    new ones for the other cycles; return the episodes open at ``now``."""
    going = [episode for episode in open_now if episode.last == now - 1]
    still: list[_Episode] = []
    for cycle in cycles:
        joined = [episode for episode in going + still if episode.members & cycle.members]
        if not joined:
            episode = _Episode(now, now, set())
            episodes.append(episode)
        else:
            episode = joined[0]
            for other in joined[1:]:
                episode.members |= other.members
                episode.start = min(episode.start, other.start)
                episode.knot = episode.knot or other.knot
                for pair, amount in other.waits.items():
                    episode.waits[pair] = max(episode.waits.get(pair, 0.0), amount)
                episodes.remove(other)
                if other in going:
                    going.remove(other)
                if other in still:
                    still.remove(other)
            if episode in going:
                going.remove(episode)
        episode.take(cycle, now)
        if episode not in still:
            still.append(episode)
    return still

"""A simulation state built from what is observed: parcels waiting at nodes and on lanes.

The operations desk knows, at the start of an hour, what each node holds (from scans and the
carriers' daily reports) and what is on the road; :func:`state_from_observation` turns that into
a :class:`~peakguard.simulate.state.SimulationState` so the simulator projects the next hours
from it (``simulate_plan(plan, start=state)``) rather than from an empty network. A desk that
only knows a node's total backlog splits it over destinations with :func:`waiting_by_share`.

What an observation does not tell, and how it is filled in:

- when a waiting parcel was accepted: taken as the hour before the state's (delivery times and
  the on-time share of these parcels count from then, so they come out shorter than they were);
- how far it is sorted: every waiting parcel is unsorted, queued at its node since the hour
  before (a node's sorted parcels waiting for a lane are sorted again, one hour of capacity's
  worth too pessimistic at most);
- its route on: the route the plan sends most parcels on through that node to that
  destination, or, where the plan sends none, the fastest path over the plan's lanes;
- its time limit: that route's parcels' (the fastest path: the longest limit of the plan's
  parcels for that destination, or none).
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from peakguard.errors import InvalidInputError, Problem
from peakguard.i18n import _
from peakguard.simulate.plan import FloatArray, IntArray, SimulationPlan
from peakguard.simulate.state import Fractions, SimulationState, StateCohorts

Parcels = Mapping[str, float]
"""destination node id → parcels."""


@dataclass(frozen=True)
class _Entry:
    """One observed group of parcels: at (or arriving at) ``node``, bound for ``destination``."""

    place: int
    """Node (waiting) or the node the lane arrives at (on lanes)."""
    node: int
    destination: int
    parcels: float
    hour: int
    """Waiting: hour it joined the queue; on lanes: hour it arrives."""
    origin: int
    """Where the observation has it now (the lane's origin for parcels on lanes)."""
    kind: str = "queued"
    """``queued`` (not sorted), ``ready`` (sorted, waiting for its next lane) or ``moving``."""


def state_from_observation(
    plan: SimulationPlan,
    hour: int,
    waiting: Mapping[str, Parcels],
    in_transit: Mapping[str, Sequence[tuple[int, Parcels]]] | None = None,
    *,
    ready: Mapping[str, Parcels] | None = None,
) -> SimulationState:
    """The state at the start of ``hour`` from observed parcels, for ``simulate_plan(start=)``.

    ``waiting``: node id → destination node id → parcels at the node, not yet sorted (taken as
    arrived in the hour before). ``in_transit``: lane id → (hour it arrives, destination →
    parcels) for each vehicle on the lane; an arrival hour already past arrives in ``hour``.
    ``ready`` (optional, as ``waiting``): parcels sorted at the node and waiting for the next
    lane on their route, which they can take from ``hour`` (counted in ``waiting`` instead,
    they would be sorted again and leave an hour later).
    What an observation leaves unknown is filled in as the module says (acceptance hour: the
    hour before; route: the plan's busiest through the node; the order parcels of different
    hours queue in at a node: one batch).
    Unknown node or lane ids, negative or missing counts and destinations no lane reaches are
    refused with an :class:`~peakguard.errors.InvalidInputError` locating each one."""
    problems: list[Problem] = []
    if not 0 <= hour <= plan.hours:
        problems.append(Problem("hour", _("give an hour from 0 to {hours}", hours=plan.hours)))
    entries = _waiting_entries(plan, hour, waiting, problems)
    entries += _waiting_entries(plan, hour, ready or {}, problems, kind="ready")
    entries += _transit_entries(plan, hour, in_transit or {}, problems)
    routes = _RouteFinder(plan)
    found = [routes.find(entry.node, entry.destination) for entry, _where in entries]
    for (_entry, where), route in zip(entries, found, strict=True):
        if route is None:
            problems.append(Problem(where, _("no lane path leads from this node there")))
    if problems:
        raise InvalidInputError(_("the observed state has mistakes"), problems)
    return _state(plan, hour, [entry for entry, _where in entries], found, routes)


def waiting_by_share(
    plan: SimulationPlan, backlog: Mapping[str, float], *, hours: tuple[int, int] | None = None
) -> dict[str, dict[str, float]]:
    """Each node's total ``backlog`` split over destinations as the plan sends parcels through it.

    An approximation for a desk that knows only "hub X holds 40,000 parcels": the backlog's
    destinations are taken in proportion to the plan's parcels routed through the node (from
    their origin to their destination, the node included), over the cohorts accepted in
    ``hours`` = (first, last + 1) when given, else the whole plan. The result is what
    :func:`state_from_observation` takes as ``waiting``. A node the plan sends nothing through,
    an unknown node id or a negative count is refused with its location."""
    position = {node_id: index for index, node_id in enumerate(plan.node_ids)}
    problems: list[Problem] = []
    wanted: dict[str, tuple[int, float]] = {}
    for node_id, parcels in backlog.items():
        where = f"backlog.{node_id}"
        if node_id not in position:
            problems.append(Problem(where, _("no node with this id in the network")))
        elif not _is_count(parcels):
            problems.append(Problem(where, _("give a number of parcels, zero or more")))
        else:
            wanted[node_id] = (position[node_id], float(parcels))
    shares = _shares_through(plan, [node for node, _parcels in wanted.values()], hours)
    split: dict[str, dict[str, float]] = {}
    for node_id, (node, parcels) in wanted.items():
        share = shares.get(node)
        if parcels > 0 and share is None:
            problems.append(
                Problem(
                    f"backlog.{node_id}",
                    _(
                        "the plan sends no parcels through this node: "
                        "give its backlog per destination"
                    ),
                )
            )
            continue
        if share is None:
            split[node_id] = {}
            continue
        destinations, weights = share
        split[node_id] = {
            plan.node_ids[destination]: parcels * weight
            for destination, weight in zip(destinations.tolist(), weights.tolist(), strict=True)
        }
    if problems:
        raise InvalidInputError(_("the observed backlog has mistakes"), problems)
    return split


def _is_count(value: object) -> bool:
    return isinstance(value, int | float) and math.isfinite(value) and value >= 0


def _shares_through(
    plan: SimulationPlan, nodes: list[int], hours: tuple[int, int] | None
) -> dict[int, tuple[IntArray, FloatArray]]:
    """node → (destinations, share of the plan's parcels through it bound for each)."""
    chosen = np.ones(len(plan.cohort_hour), dtype=bool)
    if hours is not None:
        chosen = (plan.cohort_hour >= hours[0]) & (plan.cohort_hour < hours[1])
    weight = np.bincount(
        plan.cohort_route[chosen], plan.cohort_parcels[chosen], minlength=len(plan.route_length)
    )
    route_nodes = plan.route_nodes
    if not len(route_nodes):
        return {}
    final = route_nodes[np.arange(len(route_nodes)), plan.route_length - 1]
    size = len(plan.node_ids)
    on_route = route_nodes >= 0
    rows = np.nonzero(on_route)[0]
    keys = route_nodes[on_route] * size + final[rows]
    totals = np.bincount(keys, weight[rows], minlength=size * size).reshape(size, size)
    shares: dict[int, tuple[IntArray, FloatArray]] = {}
    for node in set(nodes):
        row = totals[node]
        total = float(row.sum())
        if total > 0:
            destinations = np.flatnonzero(row > 0)
            shares[node] = (destinations, row[destinations] / total)
    return shares


def _waiting_entries(
    plan: SimulationPlan,
    hour: int,
    waiting: Mapping[str, Parcels],
    problems: list[Problem],
    *,
    kind: str = "queued",
) -> list[tuple[_Entry, str]]:
    """The parcels at nodes (``waiting`` or ``ready``) as entries, with their locations."""
    position = {node_id: index for index, node_id in enumerate(plan.node_ids)}
    entries: list[tuple[_Entry, str]] = []
    name = "waiting" if kind == "queued" else kind
    for node_id, parcels_for in waiting.items():
        where = f"{name}.{node_id}"
        if node_id not in position:
            problems.append(Problem(where, _("no node with this id in the network")))
            continue
        node = position[node_id]
        for destination, parcels, here in _destinations(position, parcels_for, where, problems):
            entry = _Entry(node, node, destination, parcels, hour - 1, node, kind)
            entries.append((entry, here))
    return entries


def _transit_entries(
    plan: SimulationPlan,
    hour: int,
    in_transit: Mapping[str, Sequence[tuple[int, Parcels]]],
    problems: list[Problem],
) -> list[tuple[_Entry, str]]:
    """The parcels on lanes as entries (arriving no earlier than ``hour``), with locations."""
    lane_position = {lane_id: index for index, lane_id in enumerate(plan.lane_ids)}
    position = {node_id: index for index, node_id in enumerate(plan.node_ids)}
    entries: list[tuple[_Entry, str]] = []
    for lane_id, vehicles in in_transit.items():
        if lane_id not in lane_position:
            problems.append(
                Problem(f"in_transit.{lane_id}", _("no lane with this id in the network"))
            )
            continue
        lane = lane_position[lane_id]
        target, origin = int(plan.lane_destination[lane]), int(plan.lane_origin[lane])
        for index, (arrival, parcels_for) in enumerate(vehicles):
            where = f"in_transit.{lane_id}[{index}]"
            if not isinstance(arrival, int) or isinstance(arrival, bool):
                problems.append(Problem(where, _("give the hour it arrives as a whole number")))
                continue
            for destination, parcels, here in _destinations(position, parcels_for, where, problems):
                entry = _Entry(
                    target, target, destination, parcels, max(arrival, hour), origin, "moving"
                )
                entries.append((entry, here))
    return entries


def _destinations(
    position: Mapping[str, int], parcels_for: Parcels, where: str, problems: list[Problem]
) -> list[tuple[int, float, str]]:
    """(destination position, parcels, location) of the positive counts; problems noted."""
    found: list[tuple[int, float, str]] = []
    for destination_id, parcels in parcels_for.items():
        here = f"{where}.{destination_id}"
        if destination_id not in position:
            problems.append(Problem(here, _("no node with this id in the network")))
        elif not _is_count(parcels):
            problems.append(Problem(here, _("give a number of parcels, zero or more")))
        elif parcels > 0:
            found.append((position[destination_id], float(parcels), here))
    return found


class _RouteFinder:
    """Where parcels at a node bound for a destination go on: (route row, hop)."""

    def __init__(self, plan: SimulationPlan) -> None:
        self.plan = plan
        size = len(plan.node_ids)
        self.size = size
        routes = len(plan.route_length)
        weight = np.bincount(plan.cohort_route, plan.cohort_parcels, minlength=routes)
        self.limit = np.full(routes, math.inf)
        self.limit[plan.cohort_route] = plan.cohort_time_limit
        on_route = plan.route_nodes >= 0
        rows, hops = np.nonzero(on_route)
        final = plan.route_nodes[np.arange(routes), plan.route_length - 1]
        keys = plan.route_nodes[rows, hops] * size + final[rows]
        # Heaviest route first within each key, then the first key of each run.
        order = np.lexsort((-weight[rows], keys))
        keys, rows, hops = keys[order], rows[order], hops[order]
        first = np.ones(len(keys), dtype=bool)
        first[1:] = keys[1:] != keys[:-1]
        self.keys, self.rows, self.hops = keys[first], rows[first], hops[first]
        self.extra: list[list[int]] = []
        """Fastest paths over the lanes, for pairs no plan route serves (node lists)."""
        self.extra_limit: list[float] = []
        self._paths: dict[int, dict[int, list[int]]] = {}
        self._lanes_out: dict[int, list[tuple[int, float]]] | None = None

    def find(self, node: int, destination: int) -> tuple[int, int] | None:
        """(route row, hop), rows past the plan's being :attr:`extra`; None if unreachable."""
        key = node * self.size + destination
        at = int(np.searchsorted(self.keys, key))
        if at < len(self.keys) and self.keys[at] == key:
            return int(self.rows[at]), int(self.hops[at])
        path = self._fastest(node).get(destination)
        if path is None:
            return None
        self.extra.append(path)
        limits = self.plan.cohort_time_limit[self.plan.cohort_destination == destination]
        self.extra_limit.append(float(limits.max()) if len(limits) else math.inf)
        return len(self.plan.route_length) + len(self.extra) - 1, 0

    def time_limit(self, row: int) -> float:
        routes = len(self.plan.route_length)
        return float(self.limit[row]) if row < routes else self.extra_limit[row - routes]

    def _fastest(self, source: int) -> dict[int, list[int]]:
        """destination → the fastest node path from ``source`` over the plan's lanes."""
        if source in self._paths:
            return self._paths[source]
        if self._lanes_out is None:
            self._lanes_out = {}
            plan = self.plan
            for origin, target, hours in zip(
                plan.lane_origin.tolist(),
                plan.lane_destination.tolist(),
                plan.lane_transit_hours.tolist(),
                strict=True,
            ):
                self._lanes_out.setdefault(origin, []).append((target, float(hours)))
        best: dict[int, float] = {source: 0.0}
        previous: dict[int, int] = {}
        frontier = [(0.0, source)]
        while frontier:
            hours, node = heapq.heappop(frontier)
            if hours > best[node]:
                continue
            for target, transit in self._lanes_out.get(node, []):
                arrival = hours + transit
                if arrival < best.get(target, math.inf):
                    best[target], previous[target] = arrival, node
                    heapq.heappush(frontier, (arrival, target))
        paths: dict[int, list[int]] = {}
        for target in best:
            path = [target]
            while path[-1] != source:
                path.append(previous[path[-1]])
            paths[target] = path[::-1]
        self._paths[source] = paths
        return paths

    def extra_routes(self) -> tuple[IntArray, IntArray, IntArray]:
        """The fastest paths as route rows: nodes, lanes (the fastest between two nodes)."""
        plan = self.plan
        width = max((len(path) for path in self.extra), default=1)
        nodes = np.full((len(self.extra), width), -1, dtype=np.int64)
        lanes = np.full((len(self.extra), width), -1, dtype=np.int64)
        for index, path in enumerate(self.extra):
            nodes[index, : len(path)] = path
            for hop in range(len(path) - 1):
                between = np.flatnonzero(
                    (plan.lane_origin == path[hop]) & (plan.lane_destination == path[hop + 1])
                )
                lanes[index, hop] = int(between[np.argmin(plan.lane_transit_hours[between])])
        length = np.array([len(path) for path in self.extra], dtype=np.int64)
        return nodes, lanes, length


def _state(
    plan: SimulationPlan,
    hour: int,
    entries: list[_Entry],
    found: list[tuple[int, int] | None],
    routes: _RouteFinder,
) -> SimulationState:
    """One cohort per entry, in batches: the waiting ones at each node, the ready ones for
    each lane, those on lanes by node and hour of arrival (each in the order given)."""
    located = [(entry, route) for entry, route in zip(entries, found, strict=True) if route]
    count = len(located)
    extra_nodes, extra_lanes, extra_length = routes.extra_routes()
    width = max(plan.route_nodes.shape[1], extra_nodes.shape[1])
    cohorts = StateCohorts(
        origin=np.array([entry.origin for entry, _route in located], dtype=np.int64),
        destination=np.array([entry.destination for entry, _route in located], dtype=np.int64),
        hour=np.full(count, hour - 1, dtype=np.int64),
        time_limit=np.array([routes.time_limit(row) for _entry, (row, _hop) in located]),
        parcels=np.array([entry.parcels for entry, _route in located], dtype=np.float64),
        route=np.array([row for _entry, (row, _hop) in located], dtype=np.int64),
        route_nodes=_stack(plan.route_nodes, extra_nodes, width),
        route_lanes=_stack(plan.route_lanes, extra_lanes, width),
        route_length=np.concatenate([plan.route_length, extra_length]),
    )
    hops = np.array([hop for _entry, (_row, hop) in located], dtype=np.int64)
    queued, waiting, moving = _placed(located, cohorts.route_lanes, hour)
    return SimulationState(
        hour,
        plan.node_ids,
        cohorts,
        _batches(queued, hops, cohorts.parcels, sorted_before=False),
        _batches(waiting, hops, cohorts.parcels, sorted_before=True),
        _batches(moving, hops, cohorts.parcels, sorted_before=False),
    )


Placed = list[tuple[int, int, int, int]]
"""(entry, place, hour stamp of its batch, hour it arrived at its node)."""


def _placed(
    located: list[tuple[_Entry, tuple[int, int]]], route_lanes: IntArray, hour: int
) -> tuple[Placed, Placed, Placed]:
    """The entries queued (at their node since the hour before), waiting for a lane (ready
    from ``hour``; those already at their destination are queued instead) and on lanes."""
    queued: Placed = []
    waiting: Placed = []
    moving: Placed = []
    for index, (entry, (row, hop)) in enumerate(located):
        if entry.kind == "moving":
            moving.append((index, entry.place, entry.hour, entry.hour))
            continue
        lane = int(route_lanes[row, hop])
        if entry.kind == "ready" and lane >= 0:
            waiting.append((index, lane, hour, hour - 1))
        else:
            queued.append((index, entry.place, hour - 1, hour - 1))
    return queued, waiting, moving


def _batches(
    placed: Placed, hops: IntArray, parcels: FloatArray, *, sorted_before: bool
) -> Fractions:
    """The ``placed`` entries, one batch per (place, hour), batches in order of first entry;
    ``sorted_before``: sorted in the hour they arrived at their node (ready for a lane)."""
    groups: dict[tuple[int, int], list[tuple[int, int]]] = {}
    for index, place, stamp, came in placed:
        groups.setdefault((place, stamp), []).append((index, came))
    if not groups:
        return Fractions.empty()
    rows = np.array([index for members in groups.values() for index, _ in members], dtype=np.int64)
    arrived = np.array([hour for members in groups.values() for _, hour in members], dtype=np.int64)
    sizes = [len(members) for members in groups.values()]
    return Fractions(
        place=np.array([place for place, _hour in groups], dtype=np.int64),
        hour=np.array([stamp for _place, stamp in groups], dtype=np.int64),
        starts=np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64),
        cohort=rows,
        hop=hops[rows],
        parcels=parcels[rows],
        arrived=arrived,
        sorted_at=arrived if sorted_before else np.full(len(rows), -1, dtype=np.int64),
    )


def _stack(plan_rows: IntArray, extra_rows: IntArray, width: int) -> IntArray:
    """The plan's route rows then the extra ones, padded with -1 to ``width``."""
    table = np.full((len(plan_rows) + len(extra_rows), width), -1, dtype=np.int64)
    table[: len(plan_rows), : plan_rows.shape[1]] = plan_rows
    table[len(plan_rows) :, : extra_rows.shape[1]] = extra_rows
    return table


@dataclass(frozen=True)
class Observation:
    """What a desk counts at the start of an hour, in :func:`state_from_observation`'s terms."""

    waiting: dict[str, dict[str, float]]
    """node id → destination id → parcels not yet sorted."""
    ready: dict[str, dict[str, float]]
    """node id → destination id → parcels sorted, waiting for their next lane."""
    in_transit: dict[str, list[tuple[int, dict[str, float]]]]
    """lane id → (hour it arrives, destination id → parcels) per batch on the lane."""


def observe(plan: SimulationPlan, state: SimulationState) -> Observation:
    """A state's parcels counted as a desk counts them: per node and destination (sorted or
    not) and per lane vehicle — what an observation of a run at the state's hour would say.

    ``state_from_observation(plan, state.hour, o.waiting, o.in_transit, ready=o.ready)`` is
    then the state as the desk knows it (acceptance hours, routes and queue order lost)."""
    ids, cohorts = plan.node_ids, state.cohorts
    waiting: dict[str, dict[str, float]] = {}
    ready: dict[str, dict[str, float]] = {}
    at_node = np.repeat(state.queued.place, np.diff(state.queued.starts))
    for node, cohort, parcels in zip(
        at_node.tolist(), state.queued.cohort.tolist(), state.queued.parcels.tolist(), strict=True
    ):
        _count(waiting, ids[node], ids[int(cohorts.destination[cohort])], parcels)
    lane = np.repeat(state.waiting.place, np.diff(state.waiting.starts))
    for node, cohort, parcels in zip(
        plan.lane_origin[lane].tolist(),
        state.waiting.cohort.tolist(),
        state.waiting.parcels.tolist(),
        strict=True,
    ):
        _count(ready, ids[node], ids[int(cohorts.destination[cohort])], parcels)
    in_transit: dict[str, list[tuple[int, dict[str, float]]]] = {}
    moving = state.on_lanes
    for batch, arrival in enumerate(moving.hour.tolist()):
        for row in range(int(moving.starts[batch]), int(moving.starts[batch + 1])):
            cohort, hop = int(moving.cohort[row]), int(moving.hop[row])
            on = int(cohorts.route_lanes[cohorts.route[cohort], hop - 1])
            destination = ids[int(cohorts.destination[cohort])]
            in_transit.setdefault(plan.lane_ids[on], []).append(
                (arrival, {destination: float(moving.parcels[row])})
            )
    return Observation(waiting, ready, in_transit)


def _count(table: dict[str, dict[str, float]], node: str, destination: str, parcels: float) -> None:
    counts = table.setdefault(node, {})
    counts[destination] = counts.get(destination, 0.0) + parcels

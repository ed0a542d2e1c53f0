"""The fluid engine against a parcel-by-parcel SimPy model of the same small networks.

Run it from the repository root (it is not part of the test run)::

    .venv/bin/python benchmarks/simpy_reference.py --repeats 5 --scales 1,10

Two cases, each at several scales (demand and every finite capacity × scale, so the fluid
dynamics are the same up to the factor, while SimPy has that many times more parcels):

* ``tandem``: the test suite's chain ``O → H1 → H2 → S`` (hubs sorting 100 and 80 an hour,
  one-hour lanes every hour), 150 parcels an hour for 10 hours, 40 hours simulated;
* ``tree``: three outlets feeding hubs A and B, which feed hub C (two shifts) over lanes with
  capacities, transit times of 2.5 and 1.2 hours and departures every 3 and 2 hours; C sends to
  three stations delivering 08:00–20:00 over hourly lanes of 100 parcels; up to nine cohorts
  an hour for 12 hours, 72 hours simulated.

The SimPy model moves individual parcels, each a process, through the engine's hourly
semantics: in hour h, parcels arriving from lanes and parcels taken on join the node's queue at
h + 0.0; lanes depart at h + 0.1 carrying up to their capacity from the parcels sorted in earlier
hours, oldest first; the node's sorter takes up to its capacity for the hour and sorts the
parcels one by one between h + 0.2 and h + 0.9 (one event each); a parcel sorted at its
destination is delivered at the end of the hour. The backlog (parcels at the node: queued or
sorted and waiting for their lane) is sampled at h + 0.95. Parcels that became ready in the same
hour are interchangeable to the engine, which takes the same proportion of each cohort when it
takes only part of them; the SimPy model takes them in an interleaved order that gives each
cohort the nearest whole-parcel share (``--fifo`` takes them in arrival order instead).
"""

from __future__ import annotations

import argparse
import itertools
import math
import statistics
import time
from collections.abc import Callable, Generator, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import simpy
from simpy.events import NORMAL, EventPriority

from peakguard.domain.network import Carrier, Lane, Network, Node, NodeKind, Shift
from peakguard.domain.routing import RoutingTable, derive_routing
from peakguard.simulate.engine import SimulationRun, simulate_plan
from peakguard.simulate.plan import Demand, StoragePolicy, compile_plan, hour_of_departure

BIG = 10**9
EVERY_HOUR = [f"{hour:02d}:00" for hour in range(24)]
SORT_START = 0.2
SORT_SPAN = 0.7
DEPART = 0.1
SAMPLE = 0.95
TOLERANCE = 0.01
"""Relative tolerance for the mean delivery time and the peak and time-average backlogs."""


# -- the cases ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class SmallCase:
    name: str
    network: Network
    demand: Demand
    hours: int
    scale: int


def _node(node_id: str, kind: str, shifts: Sequence[tuple[int, int, int]]) -> Node:
    return Node(
        id=node_id,
        name=node_id,
        kind=NodeKind(kind),
        region="510100",
        carrier="ZTO",
        shifts=[
            Shift(name=f"shift {i}", start_hour=s, end_hour=e, sorting_capacity_per_hour=c)
            for i, (s, e, c) in enumerate(shifts)
        ],
        storage_capacity=BIG,
        staff=1,
        vehicles=1,
        floor_area_m2=1.0,
        longitude=104.0,
        latitude=30.6,
    )


def _lane(
    origin: str, destination: str, hours: float, capacity: int, departures: Sequence[str]
) -> Lane:
    return Lane(
        id=f"{origin}-{destination}",
        origin=origin,
        destination=destination,
        mode="road",
        transit_hours=hours,
        departure_times=list(departures),
        capacity_per_departure=capacity,
    )


def _network(name: str, nodes: list[Node], lanes: list[Lane]) -> Network:
    return Network(
        name=name, carriers=[Carrier(code="ZTO", name="中通快递")], nodes=nodes, lanes=lanes
    )


def _demand(rows: list[tuple[int, int, int, float]]) -> Demand:
    origin, destination, hour, parcels = zip(*rows, strict=True)
    return Demand(
        np.array(origin, dtype=np.int64),
        np.array(destination, dtype=np.int64),
        np.array(hour, dtype=np.int64),
        np.array(parcels, dtype=np.float64),
    )


def tandem_case(scale: int = 1) -> SmallCase:
    """The test suite's chain([100, 80]): 150 parcels an hour for 10 hours, 40 hours."""
    always = [(0, 24, BIG)]
    nodes = [
        _node("O", "outlet", always),
        _node("H1", "hub", [(0, 24, 100 * scale)]),
        _node("H2", "hub", [(0, 24, 80 * scale)]),
        _node("S", "station", always),
    ]
    names = [node.id for node in nodes]
    lanes = [_lane(a, b, 1.0, BIG, EVERY_HOUR) for a, b in itertools.pairwise(names)]
    demand = _demand([(0, 3, hour, 150.0 * scale) for hour in range(10)])
    return SmallCase("tandem", _network("tandem", nodes, lanes), demand, 40, scale)


def tree_case(scale: int = 1) -> SmallCase:
    """Three outlets → hubs A, B → hub C → three stations, with lane capacities and schedules."""
    always = [(0, 24, BIG)]
    nodes = [
        _node("O1", "outlet", always),
        _node("O2", "outlet", always),
        _node("O3", "outlet", always),
        _node("A", "hub", [(0, 24, 220 * scale)]),
        _node("B", "hub", [(0, 24, 150 * scale)]),
        _node("C", "hub", [(6, 24, 320 * scale), (0, 6, 200 * scale)]),
        *[_node(f"S{k}", "station", [(8, 20, 150 * scale)]) for k in (1, 2, 3)],
    ]
    every_3 = [f"{hour:02d}:00" for hour in range(0, 24, 3)]
    every_2 = [f"{hour:02d}:00" for hour in range(0, 24, 2)]
    lanes = [
        _lane("O1", "A", 1.0, BIG, EVERY_HOUR),
        _lane("O2", "A", 1.0, BIG, EVERY_HOUR),
        _lane("O3", "B", 1.0, BIG, EVERY_HOUR),
        _lane("A", "C", 2.5, 700 * scale, every_3),
        _lane("B", "C", 1.2, 300 * scale, every_2),
        *[_lane("C", f"S{k}", 0.8, 100 * scale, EVERY_HOUR) for k in (1, 2, 3)],
    ]
    rows: list[tuple[int, int, int, float]] = []
    for hour in range(12):
        first = (60, 40, 30) if hour % 2 == 0 else (30, 50, 20)
        third = (40, 40, 40) if hour < 8 else (0, 0, 0)
        for origin, volumes in ((0, first), (1, (20, 30, 50)), (2, third)):
            for station, volume in enumerate(volumes):
                if volume:
                    rows.append((origin, 6 + station, hour, float(volume * scale)))
    return SmallCase("tree", _network("tree", nodes, lanes), _demand(rows), 72, scale)


# -- the engine side ----------------------------------------------------------------------------


def capacity_by_hour(network: Network, hours: int) -> np.ndarray:
    daily = np.array([node.sorting_capacity_by_hour() for node in network.nodes], dtype=float)
    return np.tile(daily, (1, hours // 24 + 1))[:, :hours].copy()


def run_engine(case: SmallCase, routing: RoutingTable) -> SimulationRun:
    """compile_plan + simulate_plan, trace off (what is timed)."""
    nodes, lanes = len(case.network.nodes), len(case.network.lanes)
    plan = compile_plan(
        case.network,
        routing,
        case.demand,
        hours=case.hours,
        sorting_capacity=capacity_by_hour(case.network, case.hours),
        accepting=np.ones((nodes, case.hours), dtype=bool),
        lane_capacity_factor=np.ones((lanes, case.hours)),
        policy=StoragePolicy.block,
    )
    return simulate_plan(plan, trace=False)


# -- the SimPy side -----------------------------------------------------------------------------


class _Parcel:
    __slots__ = ("arrived", "cohort", "created", "event", "lanes", "route", "sorted_hour")

    def __init__(self, cohort: int, created: int, route: tuple[int, ...], lanes: tuple[int, ...]):
        self.cohort = cohort
        self.created = created
        self.route = route
        self.lanes = lanes
        self.arrived = created
        self.sorted_hour = -1
        self.event: simpy.Event | None = None


@dataclass
class SimPyResult:
    backlog: np.ndarray
    """[node, hour] parcels at the node at h + 0.95 (queued + sorted and waiting to leave)."""
    delivered: int = 0
    delivery_hours: float = 0.0
    events: int = 0
    parcels: int = 0
    extra: dict[str, Any] = field(default_factory=dict)


def _hour(now: float) -> int:
    return math.floor(now + 1e-6)


def _interleave(items: list[_Parcel], group: Callable[[_Parcel], tuple[int, ...]]) -> None:
    """Order ``items`` by their group's first field (an hour), then spread each group's parcels
    evenly: taking the first n gives every group of that hour its proportional share."""
    sizes: dict[tuple[int, ...], int] = {}
    for parcel in items:
        key = group(parcel)
        sizes[key] = sizes.get(key, 0) + 1
    seen: dict[tuple[int, ...], int] = {}
    keyed: list[tuple[int, float, int, _Parcel]] = []
    for index, parcel in enumerate(items):
        key = group(parcel)
        rank = seen.get(key, 0)
        seen[key] = rank + 1
        keyed.append((key[0], (rank + 0.5) / sizes[key], index, parcel))
    keyed.sort(key=lambda entry: entry[:3])
    items[:] = [entry[3] for entry in keyed]


class _CountingEnvironment(simpy.Environment):
    """Counts the events SimPy schedules (timeouts, process steps, succeeded events)."""

    scheduled = 0

    def schedule(
        self, event: simpy.Event, priority: EventPriority = NORMAL, delay: float = 0
    ) -> None:
        self.scheduled += 1
        super().schedule(event, priority, delay)


class SimPyModel:
    """The case as a SimPy environment: one process per parcel, per sorter and per lane."""

    def __init__(
        self,
        case: SmallCase,
        routing: RoutingTable,
        *,
        interleave: bool = True,
        count_events: bool = False,
    ):
        self.env = _CountingEnvironment() if count_events else simpy.Environment()
        self.case = case
        self.interleave = interleave
        network = case.network
        nodes = len(network.nodes)
        position = routing.position
        self.capacity = capacity_by_hour(network, case.hours).astype(np.int64).tolist()
        lane_of = {
            (position[lane.origin], position[lane.destination]): index
            for index, lane in enumerate(network.lanes)
        }
        self.transit = [max(1, math.ceil(lane.transit_hours - 1e-9)) for lane in network.lanes]
        self.lane_origin = [position[lane.origin] for lane in network.lanes]
        self.queues: list[list[_Parcel]] = [[] for _ in range(nodes)]
        self.buffers: list[list[_Parcel]] = [[] for _ in network.lanes]
        self.present = [0] * nodes
        self.result = SimPyResult(backlog=np.zeros((nodes, case.hours)))
        demand = case.demand
        self.routes: list[tuple[tuple[int, ...], tuple[int, ...]]] = []
        for origin, destination in zip(
            demand.origin.tolist(), demand.destination.tolist(), strict=True
        ):
            path = routing.path(routing.node_ids[origin], routing.node_ids[destination])
            if path is None:
                raise ValueError("unroutable pair in a small case")
            route = tuple(position[node] for node in path)
            lanes = tuple(lane_of[(a, b)] for a, b in itertools.pairwise(route))
            self.routes.append((route, lanes))
        self.env.process(self._source())
        for node in range(nodes):
            self.env.process(self._sorter(node))
        for index, lane in enumerate(network.lanes):
            starts = sorted(hour_of_departure(clock) for clock in lane.departure_times)
            schedule = [h for day in range(0, case.hours, 24) for h in (day + s for s in starts)]
            hours = [h for h in schedule if h < case.hours]
            self.env.process(self._lane(index, lane.capacity_per_departure, hours))
        self.env.process(self._monitor())

    def run(self) -> SimPyResult:
        self.env.run(until=self.case.hours)
        if isinstance(self.env, _CountingEnvironment):
            self.result.events = self.env.scheduled
        return self.result

    def _source(self) -> Generator[simpy.Event, Any, None]:
        """Parcels taken on: each a process, started at the hour they are accepted."""
        demand = self.case.demand
        order = np.argsort(demand.hour, kind="stable").tolist()
        for row in order:
            hour = int(demand.hour[row])
            if hour >= self.case.hours:
                continue
            if self.env.now < hour:
                yield self.env.timeout(hour - self.env.now)
            route, lanes = self.routes[row]
            for _ in range(round(float(demand.parcels[row]))):
                parcel = _Parcel(row, hour, route, lanes)
                self.env.process(self._life(parcel))
                self.result.parcels += 1

    def _life(self, parcel: _Parcel) -> Generator[simpy.Event, Any, None]:
        env = self.env
        last = len(parcel.route) - 1
        for hop, node in enumerate(parcel.route):
            parcel.arrived = _hour(env.now)
            parcel.event = env.event()
            self.queues[node].append(parcel)
            self.present[node] += 1
            sorted_hour = yield parcel.event
            if hop == last:
                self.present[node] -= 1
                self.result.delivered += 1
                self.result.delivery_hours += sorted_hour + 1 - parcel.created
                return
            lane = parcel.lanes[hop]
            parcel.event = env.event()
            self.buffers[lane].append(parcel)
            departed = yield parcel.event
            yield env.timeout(departed + self.transit[lane] - env.now)

    def _sorter(self, node: int) -> Generator[simpy.Event, Any, None]:
        env = self.env
        queue = self.queues[node]
        capacities = self.capacity[node]
        yield env.timeout(SORT_START)
        while (hour := _hour(env.now)) < self.case.hours:
            capacity = capacities[hour]
            if capacity > 0 and queue:
                if self.interleave:
                    _interleave(queue, lambda p: (p.arrived, p.cohort))
                count = min(capacity, len(queue))
                taken = queue[:count]
                del queue[:count]
                step = SORT_SPAN / count
                for parcel in taken:
                    yield env.timeout(step)
                    parcel.sorted_hour = hour
                    event = parcel.event
                    assert event is not None
                    event.succeed(hour)
            yield env.timeout(hour + 1 + SORT_START - env.now)

    def _lane(
        self, lane: int, capacity: int, hours: list[int]
    ) -> Generator[simpy.Event, Any, None]:
        env = self.env
        buffer = self.buffers[lane]
        origin = self.lane_origin[lane]
        for hour in hours:
            yield env.timeout(hour + DEPART - env.now)
            if not buffer:
                continue
            if self.interleave:
                _interleave(buffer, lambda p: (p.sorted_hour, p.cohort, p.arrived))
            count = min(capacity, len(buffer))
            for parcel in buffer[:count]:
                event = parcel.event
                assert event is not None
                event.succeed(hour)
            del buffer[:count]
            self.present[origin] -= count

    def _monitor(self) -> Generator[simpy.Event, Any, None]:
        backlog = self.result.backlog
        for hour in range(self.case.hours):
            yield self.env.timeout(hour + SAMPLE - self.env.now)
            backlog[:, hour] = self.present


# -- comparison and timing ----------------------------------------------------------------------


@dataclass(frozen=True)
class Comparison:
    case: str
    scale: int
    parcels: int
    rows: list[tuple[str, float, float]]
    """(metric, engine, SimPy)."""
    engine_seconds: list[float]
    simpy_seconds: list[float]
    events: int


def _rows(
    case: SmallCase, engine: SimulationRun, reference: SimPyResult
) -> list[tuple[str, float, float]]:
    delivered = float(engine.delivered.sum())
    rows = [
        ("delivered", delivered, float(reference.delivered)),
        (
            "mean delivery time, h",
            float(engine.delivered_hours.sum()) / delivered,
            reference.delivery_hours / max(1, reference.delivered),
        ),
    ]
    for index, node in enumerate(case.network.nodes):
        if node.kind is not NodeKind.hub:
            continue
        rows.append(
            (
                f"peak backlog {node.id}",
                float(engine.backlog[index].max()),
                float(reference.backlog[index].max()),
            )
        )
        rows.append(
            (
                f"time-average backlog {node.id}",
                float(engine.backlog[index].mean()),
                float(reference.backlog[index].mean()),
            )
        )
    station = [i for i, node in enumerate(case.network.nodes) if node.kind is NodeKind.station]
    rows.append(
        (
            "time-average backlog, stations",
            float(engine.backlog[station].mean()),
            float(reference.backlog[station].mean()),
        )
    )
    return rows


def compare(case: SmallCase, repeats: int, *, interleave: bool = True) -> Comparison:
    """Run both ``repeats`` times, alternating, timing each; compare the last runs. SimPy's
    events are counted in one more, untimed run (counting slows it)."""
    routing = derive_routing(case.network)
    engine_seconds: list[float] = []
    simpy_seconds: list[float] = []
    # Untimed: the compiled engine's first call in a process loads its machine code (or, with an
    # empty Numba cache, compiles it); that is not the cost of a run.
    run_engine(case, routing)
    for _ in range(repeats):
        start = time.perf_counter()
        engine = run_engine(case, routing)
        engine_seconds.append(time.perf_counter() - start)
        start = time.perf_counter()
        reference = SimPyModel(case, routing, interleave=interleave).run()
        simpy_seconds.append(time.perf_counter() - start)
    counted = SimPyModel(case, routing, interleave=interleave, count_events=True).run()
    return Comparison(
        case.name,
        case.scale,
        reference.parcels,
        _rows(case, engine, reference),
        engine_seconds,
        simpy_seconds,
        counted.events,
    )


def _relative(engine: float, reference: float) -> float:
    return abs(engine - reference) / max(abs(reference), 1e-12)


def report(comparisons: list[Comparison]) -> str:
    lines: list[str] = []
    for comparison in comparisons:
        lines += [
            f"### {comparison.case} ×{comparison.scale} ({comparison.parcels:,} parcels)",
            "",
            "| metric | engine | SimPy | relative difference |",
            "| --- | ---: | ---: | ---: |",
        ]
        for metric, engine, reference in comparison.rows:
            difference = _relative(engine, reference)
            lines.append(f"| {metric} | {engine:,.3f} | {reference:,.3f} | {difference:.2e} |")
        worst = max(_relative(e, r) for _m, e, r in comparison.rows)
        verdict = "within" if worst <= TOLERANCE else "OUTSIDE"
        lines += [
            "",
            f"Largest relative difference {worst:.2e}: {verdict} the {TOLERANCE:.0%} tolerance.",
            "",
        ]
    lines += [
        "| case | parcels | SimPy events | engine median s | SimPy median s | SimPy ÷ engine "
        "| runs |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for comparison in comparisons:
        engine = statistics.median(comparison.engine_seconds)
        reference = statistics.median(comparison.simpy_seconds)
        lines.append(
            f"| {comparison.case} ×{comparison.scale} | {comparison.parcels:,} | "
            f"{comparison.events:,} | {engine:.4f} | {reference:.4f} | {reference / engine:.1f} | "
            f"{len(comparison.engine_seconds)} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--scales", default="1,10", help="comma-separated scale factors")
    parser.add_argument("--fifo", action="store_true", help="SimPy takes same-hour parcels FIFO")
    args = parser.parse_args(argv)
    scales = [int(item) for item in args.scales.split(",")]
    comparisons = [
        compare(build(scale), args.repeats, interleave=not args.fifo)
        for build in (tandem_case, tree_case)
        for scale in scales
    ]
    print(report(comparisons))


if __name__ == "__main__":
    main()

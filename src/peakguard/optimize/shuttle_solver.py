"""One leg of the shuttles as a vehicle-routing problem, solved with PyVRP (see
docs/decisions/0015-pyvrp-for-shuttles.md).

The leg is plain integers — metres, seconds, sets, kilograms — so a test can hand the same
problem to an exact solver. Locations ``0 … len(depots) - 1`` are the depots (the bases the
vehicles start from, reload at and come back to), the clients follow in order. Every client is
optional with a prize far above any route's length, so the solver serves all it can and the
ones it cannot reach within their hours are reported, never silently late: a route with time
warp or excess load is dropped whole and its clients are unserved.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from itertools import pairwise

from pyvrp import Model, ScheduledActivity
from pyvrp.exceptions import PenaltyBoundWarning
from pyvrp.stop import MaxIterations, MaxRuntime, MultipleCriteria

UNLIMITED = 10**9
"""A capacity that never binds (a vehicle without a weight limit)."""
PRIZE = 10**9
"""A client's prize: a billion metres, more than any day's driving, so serving wins."""
SMALL_LEG = 10
"""Legs of at most this many reachable stops are searched :data:`SMALL_LEG_SEARCHES` times,
from ``seed`` on, and the best kept: a search takes ~0.05 s there, and one can miss the
optimum (a 3-stop leg with a stop at the depot's own address: 22.1 km from seeds 1, 2 and 4
after 3,000–10,000 iterations; 21.05 km, the optimum, from seeds 3 and 5, or after 20,000)."""
SMALL_LEG_SEARCHES = 4


@dataclass(frozen=True)
class LegClient:
    """A stop to serve: ``sets`` and ``kg`` to leave, between ``opens`` and ``closes``
    (seconds after midnight; the visit must start by ``closes``), ``service`` seconds there."""

    sets: int
    kg: int
    opens: int
    closes: int
    service: int


@dataclass(frozen=True)
class LegVehicle:
    """A vehicle based at depot ``depot``; ``capacity_kg`` 0 is no weight limit; working from
    ``start`` to ``end`` (seconds after midnight), at most ``max_trips`` trips."""

    depot: int
    capacity_sets: int
    capacity_kg: int
    max_trips: int
    start: int
    end: int


@dataclass(frozen=True)
class LegProblem:
    """Depots, clients, vehicles, and the (depots + clients) square matrices of metres and
    seconds; ``load_seconds`` is spent at the depot before each trip."""

    depots: int
    clients: tuple[LegClient, ...]
    vehicles: tuple[LegVehicle, ...]
    distance: tuple[tuple[int, ...], ...]
    duration: tuple[tuple[int, ...], ...]
    load_seconds: int = 0


@dataclass(frozen=True)
class LegVisit:
    client: int
    arrives: int
    departs: int


@dataclass(frozen=True)
class LegTrip:
    loads: int
    leaves: int
    returns: int
    distance: int
    visits: tuple[LegVisit, ...]


@dataclass(frozen=True)
class LegRoute:
    vehicle: int
    trips: tuple[LegTrip, ...]


@dataclass(frozen=True)
class LegSolution:
    routes: tuple[LegRoute, ...]
    unserved: tuple[int, ...]

    @property
    def distance(self) -> int:
        """Metres driven in all."""
        return sum(trip.distance for route in self.routes for trip in route.trips)


def solve_leg(problem: LegProblem, *, iterations: int, seconds: float, seed: int) -> LegSolution:
    """The leg's routes: PyVRP's best solution after ``iterations`` (or ``seconds``) — the
    best of several searches on a small leg (:data:`SMALL_LEG`)."""
    reachable = [index for index in range(len(problem.clients)) if _reachable(problem, index)]
    if not reachable:
        return LegSolution((), tuple(range(len(problem.clients))))
    model = Model()
    locations = [model.add_location(index, 0) for index in range(len(problem.distance))]
    depots = [
        model.add_depot(locations[index], service_duration=problem.load_seconds)
        for index in range(problem.depots)
    ]
    for vehicle in problem.vehicles:
        base = depots[vehicle.depot]
        model.add_vehicle_type(
            1,
            capacity=[vehicle.capacity_sets, vehicle.capacity_kg or UNLIMITED],
            start_depot=base,
            end_depot=base,
            tw_early=vehicle.start,
            tw_late=vehicle.end,
            reload_depots=[base],
            max_reloads=vehicle.max_trips - 1,
        )
    for offset in reachable:
        client = problem.clients[offset]
        model.add_client(
            locations[problem.depots + offset],
            delivery=[client.sets, client.kg],
            service_duration=client.service,
            tw_early=client.opens,
            tw_late=client.closes,
            required=False,
            prize=PRIZE,
        )
    for frm, row in enumerate(problem.distance):
        for to, metres in enumerate(row):
            model.add_edge(
                locations[frm], locations[to], distance=metres, duration=problem.duration[frm][to]
            )
    searches = SMALL_LEG_SEARCHES if len(reachable) <= SMALL_LEG else 1
    seeds = range(seed, seed + searches)
    found = [_search(problem, model, reachable, iterations, seconds, each) for each in seeds]
    return min(found, key=lambda solution: (len(solution.unserved), solution.distance))


def _search(
    problem: LegProblem,
    model: Model,
    reachable: list[int],
    iterations: int,
    seconds: float,
    seed: int,
) -> LegSolution:
    stop = MultipleCriteria([MaxIterations(iterations), MaxRuntime(seconds)])
    with warnings.catch_warnings():
        # A client no vehicle can reach in time makes the search say it struggles to be
        # feasible; such clients are reported unserved below, so the warning adds nothing.
        warnings.simplefilter("ignore", PenaltyBoundWarning)
        result = model.solve(stop, seed=seed, collect_stats=False, display=False)
    routes = []
    served: set[int] = set()
    for route in result.best.routes():
        if not route.is_feasible():
            continue
        kind = route.vehicle_type()
        routes.append(LegRoute(kind, _trips(problem, kind, route.schedule(), reachable)))
        served.update(visit.client for trip in routes[-1].trips for visit in trip.visits)
    unserved = tuple(index for index in range(len(problem.clients)) if index not in served)
    return LegSolution(tuple(sorted(routes, key=lambda r: r.vehicle)), unserved)


def _reachable(problem: LegProblem, client: int) -> bool:
    """Whether some vehicle could serve ``client`` alone on a trip of its own."""
    wanted = problem.clients[client]
    where = problem.depots + client
    for vehicle in problem.vehicles:
        arrives = vehicle.start + problem.load_seconds + problem.duration[vehicle.depot][where]
        back = max(arrives, wanted.opens) + wanted.service + problem.duration[where][vehicle.depot]
        fits = wanted.sets <= vehicle.capacity_sets and (
            not vehicle.capacity_kg or wanted.kg <= vehicle.capacity_kg
        )
        if fits and arrives <= wanted.closes and back <= vehicle.end:
            return True
    return False


def _trips(
    problem: LegProblem, vehicle: int, schedule: list[ScheduledActivity], clients: list[int]
) -> tuple[LegTrip, ...]:
    """The route's schedule cut at its depot visits into trips (an empty trip is left out);
    ``clients`` maps the model's client numbers back to the problem's."""
    base = problem.vehicles[vehicle].depot
    trips: list[LegTrip] = []
    loads = leaves = 0
    visits: list[LegVisit] = []
    for activity in schedule:
        start, end = int(activity.start_time), int(activity.end_time)
        if not activity.is_depot():
            visits.append(LegVisit(clients[int(activity.idx)], start, end))
            continue
        if visits:
            trips.append(_trip(problem, base, loads, leaves, visits))
        loads, leaves, visits = start, end, []
    return tuple(trips)


def _trip(
    problem: LegProblem, base: int, loads: int, leaves: int, visits: list[LegVisit]
) -> LegTrip:
    path = [base, *(problem.depots + visit.client for visit in visits), base]
    metres = sum(problem.distance[a][b] for a, b in pairwise(path))
    returns = visits[-1].departs + problem.duration[path[-2]][base]
    return LegTrip(loads, leaves, returns, metres, tuple(visits))

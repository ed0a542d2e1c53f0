"""PyVRP against an exact enumeration: on small single-vehicle legs with capacities, time
windows and several trips, its distance equals the optimum (within 0.1 %)."""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from itertools import permutations

from hypothesis import assume, example, given, settings
from hypothesis import strategies as st

from peakguard.optimize.shuttle_solver import LegClient, LegProblem, LegVehicle, solve_leg

HOUR = 3600
LOAD = 600
SERVICE = 300


def splits(order: Sequence[int], trips: int) -> Iterator[list[Sequence[int]]]:
    """Every way to cut ``order`` into at most ``trips`` consecutive non-empty trips."""
    if len(order) == 0:
        yield []
        return
    if trips == 0:
        return
    for cut in range(1, len(order) + 1):
        for rest in splits(order[cut:], trips - 1):
            yield [order[:cut], *rest]


def day_cost(problem: LegProblem, trips: list[Sequence[int]]) -> int | None:
    """Metres of the vehicle's day (trips in order), or None when a load, an hour or the end of
    the working day is broken. Loading (``load_seconds``) precedes every trip; waiting for a
    point to open is allowed."""
    vehicle = problem.vehicles[0]
    clock, metres = vehicle.start, 0
    for trip in trips:
        if sum(problem.clients[c].sets for c in trip) > vehicle.capacity_sets:
            return None
        clock += problem.load_seconds
        here = 0
        for client in trip:
            there = problem.depots + client
            clock += problem.duration[here][there]
            metres += problem.distance[here][there]
            if clock > problem.clients[client].closes:
                return None
            clock = max(clock, problem.clients[client].opens) + problem.clients[client].service
            here = there
        clock += problem.duration[here][0]
        metres += problem.distance[here][0]
    return metres if clock <= vehicle.end else None


def optimum(problem: LegProblem) -> int | None:
    """The least metres serving every client, by enumerating every order and every cut."""
    best: int | None = None
    trips = problem.vehicles[0].max_trips
    for order in permutations(range(len(problem.clients))):
        for cut in splits(order, trips):
            cost = day_cost(problem, cut)
            if cost is not None and (best is None or cost < best):
                best = cost
    return best


@st.composite
def legs(draw: st.DrawFn) -> LegProblem:
    """One depot at the origin, 3–6 points within 20 km, one vehicle of 6–10 sets, 1–3 trips,
    hours opening in the first four hours and lasting 1–8 hours, a 12-hour day."""
    count = draw(st.integers(3, 6))
    spots = [(0, 0)] + [
        (draw(st.integers(-20, 20)), draw(st.integers(-20, 20))) for _ in range(count)
    ]
    metres = tuple(tuple(round(math.dist(a, b) * 1000) for b in spots) for a in spots)
    seconds = tuple(tuple(round(m * 0.12) for m in row) for row in metres)  # 30 km/h
    clients = []
    for _ in range(count):
        opens = draw(st.integers(0, 4)) * HOUR
        lasts = draw(st.integers(1, 8)) * HOUR
        clients.append(LegClient(draw(st.integers(1, 5)), 0, opens, opens + lasts, SERVICE))
    vehicle = LegVehicle(0, draw(st.integers(6, 10)), 0, draw(st.integers(1, 3)), 0, 12 * HOUR)
    return LegProblem(1, tuple(clients), (vehicle,), metres, seconds, LOAD)


AT_THE_DEPOT = LegProblem(
    1,
    (
        LegClient(1, 0, 0, 3 * HOUR, SERVICE),
        LegClient(1, 0, 2 * HOUR, 3 * HOUR, SERVICE),
        LegClient(5, 0, 0, 3 * HOUR, SERVICE),
    ),
    (LegVehicle(0, 6, 0, 2, 0, 12 * HOUR),),
    ((0, 10050, 0, 1000), (10050, 0, 10050, 10000), (0, 10050, 0, 1000), (1000, 10000, 1000, 0)),
    ((0, 1206, 0, 120), (1206, 0, 1206, 1200), (0, 1206, 0, 120), (120, 1200, 120, 0)),
    LOAD,
)
"""Hypothesis's find: a stop at the depot's own address, where one search from seed 1 ended
at 22,100 m against the enumerated 21,050 m."""


@settings(max_examples=10, deadline=None)
@given(legs())
@example(AT_THE_DEPOT)
def test_pyvrp_finds_the_enumerated_optimum(problem: LegProblem) -> None:
    """When every point can be served, PyVRP serves them all within 0.1 % of the optimum."""
    best = optimum(problem)
    assume(best is not None)
    assert best is not None
    solution = solve_leg(problem, iterations=5000, seconds=10.0, seed=1)
    assert solution.unserved == ()
    assert best <= solution.distance <= best * 1.001


def test_the_enumeration_itself_on_the_line_case() -> None:
    """The enumeration finds 12 km for points 1–4 km out on a line, 5 sets each, 10 per trip
    (the hand-worked case of test_shuttles.py), and no plan in one trip."""
    spots = [0, 1, 2, 3, 4]
    metres = tuple(tuple(abs(a - b) * 1000 for b in spots) for a in spots)
    clients = tuple(LegClient(5, 0, 0, 12 * HOUR, 0) for _ in range(4))
    two = LegProblem(1, clients, (LegVehicle(0, 10, 0, 2, 0, 12 * HOUR),), metres, metres)
    one = LegProblem(1, clients, (LegVehicle(0, 10, 0, 1, 0, 12 * HOUR),), metres, metres)
    assert optimum(two) == 12_000
    assert optimum(one) is None

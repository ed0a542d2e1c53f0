"""No stop of pickup (不得擅自停收): the least each origin must pick up on each day.

A plan may hold parcels back, but it may not leave an outlet that the platforms released
parcels at with no pickup that day: that is a stop of pickup, which the rules allow only
under an approved closure. Each origin's quota on each day it has releases therefore has a
floor, ``pickup_floor`` × a basis (``pickup_floor_basis``): its normal day's pickups
(``normal_day``) or the parcels released that day (``released``), never more than what was
released that day. On a day the origin is closed (a closure of the scenario covers one of
its pickup rounds) the floor is zero.

Some plan always meets the floors (pick each release's share on its own day), and none is
forced to delay: picking everything on its release day meets them too. The floor is a hard
bound; capacity is not: when the floors leave no plan inside capacity, the least-overflow
plan and its shortfalls say so. A day without new releases has no floor (a limit: parcels
held from earlier days could then wait a day with no pickup).
"""

from __future__ import annotations

import numpy as np

from peakguard.optimize.loads import LoadBasis
from peakguard.optimize.problem import PlanningProblem
from peakguard.optimize.releases import StaggerParameters
from peakguard.simulate.plan import FloatArray


def pickup_floors(
    problem: PlanningProblem, basis: LoadBasis, settings: StaggerParameters
) -> FloatArray:
    """[quota column] the least the origin must pick up that day."""
    floors = np.zeros(len(basis.quota_origin))
    if settings.pickup_floor <= 0:
        return floors
    released = np.bincount(
        basis.quota_of_release,
        weights=np.array([item.parcels for item in basis.releases], dtype=float),
        minlength=len(floors),
    )
    normal = problem.normal_volumes[basis.quota_origin]
    share = normal if settings.pickup_floor_basis == "normal_day" else released
    floors = np.minimum(settings.pickup_floor * share, released)
    for origin, base in basis.quota_base.items():
        for day in _closed_days(problem, origin):
            column = base + day - basis.first_plan_day
            if 0 <= column - base < len(basis.plan_days):
                floors[column] = 0.0
    return np.asarray(floors, dtype=np.float64)


def _closed_days(problem: PlanningProblem, origin: int) -> set[int]:
    """Days (from the scenario's start) a closure of the origin covers one of its pickup
    rounds."""
    scenario = problem.scenario
    node = problem.network.nodes[origin].id
    rounds = list(scenario.demand.pickup_hours)
    days: set[int] = set()
    for closure in scenario.closures:
        if closure.node != node:
            continue
        first, end = scenario.hour_of(closure.start), scenario.hour_of(closure.end)
        for day in range(max(first, 0) // 24, (end + 23) // 24 + 1):
            if any(first <= 24 * day + hour < end for hour in rounds):
                days.add(day)
    return days

"""The baseline a carrier would write by hand: earliest deadline first, day by day.

``greedy_pickups(problem, releases)`` walks the planning days in order. Each day it
takes the releases still waiting (released by then, not yet picked up in full), earliest
``latest_day`` first, and picks up as much of each as fits: the most that keeps every capacity
row its quota loads within its limit. On a release's latest day the rest is picked up whatever
it does to the rows (overflow). It uses the staggering program's own load model
(:func:`peakguard.optimize.loads.build_load_model`: the same rows, margins, background and
free-flow profiles), with storage checked at every hour, as the program's plan is in the end,
and returns the same :class:`PickupPlan`, so the two compare directly
(``benchmarks/plan_national.py``).

What it does not do, and the program does: look ahead. A release picked up early because it
fits today may take the room a release due today needs tomorrow, and it never holds back a
release to leave room for one with less slack.
"""

from __future__ import annotations

import time

import numpy as np
from scipy.sparse import csc_array

from peakguard.optimize.loads import build_load_model, load_basis
from peakguard.optimize.problem import PlanningProblem
from peakguard.optimize.releases import OrderRelease, StaggerParameters
from peakguard.optimize.stagger import PickupPlan, SolveStatistics, _result
from peakguard.optimize.stagger_program import ProgramLayout
from peakguard.simulate.plan import FloatArray


def greedy_pickups(
    problem: PlanningProblem,
    releases: list[OrderRelease],
    *,
    parameters: StaggerParameters | None = None,
) -> PickupPlan:
    """Earliest-deadline-first pickups, as much as fits each day, the rest on the latest day."""
    settings = parameters or StaggerParameters()
    started = time.perf_counter()
    basis = load_basis(problem, releases, settings)
    every_hour = np.ones(basis.background_backlog.shape, dtype=bool)
    model = build_load_model(basis, problem, settings, extra_checked=every_hour)
    matrix = csc_array(model.quota_load_matrix())
    matrix.sort_indices()
    build_seconds = time.perf_counter() - started

    started = time.perf_counter()
    count = len(model.releases)
    pickup_count = len(model.pickup_release)
    # Each release's window: its pickup columns are consecutive days from its release day.
    first_pickup = np.zeros(count, dtype=np.int64)
    window = np.bincount(model.pickup_release, minlength=count).astype(np.int64)
    first_pickup[1:] = np.cumsum(window)[:-1]
    release_day = model.pickup_day[first_pickup] if pickup_count else np.zeros(0, np.int64)
    latest_day = release_day + window - 1
    remaining = np.array([release.parcels for release in model.releases], dtype=float)
    load: FloatArray = model.row_background.astype(np.float64, copy=True)
    limit = model.row_limit
    indptr, indices, data = matrix.indptr, matrix.indices, matrix.data
    taken = np.zeros(pickup_count)
    # Releases in deadline order (then release day, then input order); each day takes the
    # waiting ones in that order.
    order = np.lexsort((np.arange(count), release_day, latest_day))
    first_day = int(model.quota_day.min()) if len(model.quota_day) else 0
    for today in range(first_day, int(latest_day.max(initial=first_day - 1)) + 1):
        waiting = order[(release_day[order] <= today) & (remaining[order] > 0)]
        for index in waiting.tolist():
            column = int(model.pickup_quota[first_pickup[index] + today - release_day[index]])
            rows = indices[indptr[column] : indptr[column + 1]]
            per_parcel = data[indptr[column] : indptr[column + 1]]
            if today >= latest_day[index]:
                amount = float(remaining[index])
            else:
                loading = per_parcel > 0
                room = (limit[rows[loading]] - load[rows[loading]]) / per_parcel[loading]
                fits = float(room.min()) if len(room) else np.inf
                amount = min(float(remaining[index]), max(fits, 0.0))
            if amount <= 0:
                continue
            load[rows] += amount * per_parcel
            remaining[index] -= amount
            taken[first_pickup[index] + today - release_day[index]] += amount
    quota_count = len(model.quota_origin)
    capacity_rows = len(model.row_limit)
    values = np.zeros(pickup_count + quota_count + capacity_rows + 2)
    values[:pickup_count] = taken
    values[pickup_count : pickup_count + quota_count] = np.bincount(
        model.pickup_quota, weights=taken, minlength=quota_count
    )
    layout = ProgramLayout(
        pickup=np.arange(pickup_count),
        quota=pickup_count + np.arange(quota_count),
        slack=pickup_count + quota_count + np.arange(capacity_rows),
        worst_carrier=pickup_count + quota_count + capacity_rows,
        worst_origin=pickup_count + quota_count + capacity_rows + 1,
    )
    statistics = SolveStatistics(
        rows=capacity_rows,
        columns=quota_count,
        nonzeros=int(matrix.nnz),
        build_seconds=build_seconds,
        solve_seconds=time.perf_counter() - started,
        iterations=0,
    )
    # The baseline keeps no pickup floor: it is the benchmark's yardstick of quality only.
    floors = np.zeros(quota_count)
    return _result(
        problem.network, problem.scenario, model, layout, values, settings, statistics, floors
    )

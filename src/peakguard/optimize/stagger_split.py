"""The aggregated plan split back to outlets and releases (decision 0028).

:mod:`.stagger_aggregate` decides ``Q[k, d]``, the parcels each load key (a group of alike
origins, or an origin alone) picks up each day. This module decides, for every release, how
many of its parcels are picked up on each day of its window, such that

- each key's pickups on each day add up to ``Q[k, d]`` (so every row past the origins carries
  exactly the aggregate's load);
- every release is picked up in full within its window;
- every origin picks up at least its floor on each day it has one (no stop of pickup);
- the rows of each grouped origin's own node (its sorting, the parcels waiting for its
  shuttle), which the aggregate does not hold, are overloaded as little as can be (phase A);
- and then the worst origin's mean delay within each key is least (phase B): the total delay
  is the aggregate's whatever the split, so what is left to choose is who bears it.

The program is block-diagonal (keys share no row) and has no dense rows: HiGHS solves it
in a fraction of the aggregate's time.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.sparse import coo_array, csr_array, hstack, vstack

from peakguard.optimize.highs import INFINITY, LinearProgram, Solver
from peakguard.optimize.loads import LoadModel
from peakguard.optimize.releases import StaggerParameters
from peakguard.optimize.stagger_aggregate import (
    Keys,
    aggregate_keys,
    aggregate_rows,
    solve_aggregate,
)
from peakguard.simulate.plan import BoolArray, FloatArray

MATCH = 1e-9
"""Relative slack on ``Σ x = Q[k, d]``: the aggregate's answer is exact to HiGHS's
tolerances, not to the last bit (each key's days are first scaled to add up to its
releases exactly)."""


@dataclass(frozen=True)
class SplitResult:
    pickups: FloatArray
    """[pickup column] parcels of each release picked up on each day."""
    own_overflow: float
    """Parcels over the limits of grouped origins' own rows (summed over rows)."""
    seconds: float
    iterations: int


def split_to_releases(
    model: LoadModel,
    keys: Keys,
    quantities: FloatArray,
    floors: FloatArray,
    own: BoolArray,
    settings: StaggerParameters,
) -> SplitResult:
    """Every release's pickups per day, matching the aggregate's ``quantities`` [key, day]
    (``own`` [model row]: the rows left to the split)."""
    x_count = len(model.pickup_release)
    quota_count = len(model.quota_origin)
    pick = csr_array(
        coo_array(
            (np.ones(x_count), (model.pickup_quota, np.arange(x_count))),
            shape=(quota_count, x_count),
        )
    )
    amounts = np.array([release.parcels for release in model.releases], dtype=float)
    quantities = _exact_totals(keys, quantities, amounts)
    own_matrix, own_limit = _own_rows(model, keys, quantities, own, amounts)
    own_count = own_matrix.shape[0]
    origins = quota_count // keys.days
    fairness = _fairness(model, keys, amounts, own_count, x_count)
    columns = x_count + own_count + keys.count
    blocks = [
        # Every release in full, within its window.
        (_widen(_release_matrix(model, x_count), columns), amounts, amounts),
        # Each key's pickups each day are the aggregate's.
        (
            _widen(_key_matrix(keys, quota_count) @ pick, columns),
            quantities - MATCH * np.maximum(quantities, 1.0),
            quantities + MATCH * np.maximum(quantities, 1.0),
        ),
        # Floors, where an origin has one.
        (
            _widen(pick[floors > 0], columns),
            floors[floors > 0],
            np.full(int((floors > 0).sum()), INFINITY),
        ),
        # The origins' own rows, with an overflow slack each.
        (
            hstack([own_matrix @ pick, -_eye(own_count), _zeros(own_count, keys.count)]),
            np.full(own_count, -INFINITY),
            own_limit,
        ),
        # Each origin's mean delay <= its key's worst.
        (fairness, np.full(origins, -INFINITY), np.zeros(origins)),
    ]
    matrix = csr_array(vstack([block[0] for block in blocks]))
    program = LinearProgram(
        cost=np.zeros(columns),
        matrix=matrix,
        row_lower=np.concatenate([block[1] for block in blocks]),
        row_upper=np.concatenate([block[2] for block in blocks]),
        column_lower=np.zeros(columns),
        column_upper=np.full(columns, INFINITY),
    )
    return _solve(program, x_count, own_count, keys.count, settings)


def _solve(
    program: LinearProgram,
    x_count: int,
    own_count: int,
    key_count: int,
    settings: StaggerParameters,
) -> SplitResult:
    """Phase A: least overflow at the own rows; phase B: that held, the least worst delay in
    each key."""
    solver = Solver(program, time_limit_seconds=settings.time_limit_seconds)
    slack = x_count + np.arange(own_count)
    seconds, iterations, overflow = 0.0, 0, 0.0
    if own_count:
        cost = np.zeros(program.shape[1])
        cost[slack] = 1.0
        solver.set_cost(cost)
        first = solver.solve()
        seconds, iterations = first.seconds, first.iterations
        allowed = first.values[slack]
        overflow = float(allowed.sum())
        solver.bound_columns(slack, allowed + 1e-6 * np.maximum(allowed, 1.0) + 1e-3)
        solver.use_simplex("primal")
    cost = np.zeros(program.shape[1])
    cost[x_count + own_count :] = 1.0
    solver.set_cost(cost)
    second = solver.solve()
    return SplitResult(
        pickups=np.maximum(second.values[:x_count], 0.0),
        own_overflow=overflow,
        seconds=seconds + second.seconds,
        iterations=iterations + second.iterations,
    )


def _exact_totals(keys: Keys, quantities: FloatArray, amounts: FloatArray) -> FloatArray:
    """``quantities`` with each key's days scaled to add up to its releases' parcels."""
    per_key = quantities.reshape(keys.count, keys.days)
    wanted = np.bincount(keys.of_release, weights=amounts, minlength=keys.count)
    have = per_key.sum(axis=1)
    scale = np.where(have > 0, wanted / np.where(have > 0, have, 1.0), 1.0)
    return np.asarray((per_key * scale[:, None]).ravel(), dtype=np.float64)


def _own_rows(
    model: LoadModel, keys: Keys, quantities: FloatArray, own: BoolArray, amounts: FloatArray
) -> tuple[csr_array, FloatArray]:
    """[own row, quota column] the own rows some plan could overload, and each one's limit
    less its background and the load the aggregate's columns put on it."""
    quota_count = len(model.quota_origin)
    target = keys.of_load_column[model.entry_quota]
    on_own = own[model.entry_row]
    member = on_own & (target < 0)
    fixed = np.bincount(
        model.entry_row[on_own & (target >= 0)],
        weights=model.entry_value[on_own & (target >= 0)]
        * quantities[target[on_own & (target >= 0)]],
        minlength=len(model.row_limit),
    )
    matrix = csr_array(
        coo_array(
            (model.entry_value[member], (model.entry_row[member], model.entry_quota[member])),
            shape=(len(model.row_limit), quota_count),
        )
    )
    most = np.bincount(
        model.pickup_quota, weights=amounts[model.pickup_release], minlength=quota_count
    )
    limit = model.row_limit - model.row_background - fixed
    bindable = np.flatnonzero(own & (matrix @ most > limit - 1e-6))
    return csr_array(matrix[bindable]), limit[bindable]


def _release_matrix(model: LoadModel, x_count: int) -> csr_array:
    return csr_array(
        coo_array(
            (np.ones(x_count), (model.pickup_release, np.arange(x_count))),
            shape=(len(model.releases), x_count),
        )
    )


def _key_matrix(keys: Keys, quota_count: int) -> csr_array:
    """[aggregate column, quota column] 1 where the quota adds to it."""
    return csr_array(
        coo_array(
            (np.ones(quota_count), (keys.of_quota, np.arange(quota_count))),
            shape=(keys.count * keys.days, quota_count),
        )
    )


def _fairness(
    model: LoadModel, keys: Keys, amounts: FloatArray, own_count: int, x_count: int
) -> csr_array:
    """Rows: each origin's mean delay (days) less its key's worst, <= 0."""
    origins = len(model.quota_origin) // keys.days
    origin_of_pickup = model.pickup_quota // keys.days
    parcels = np.bincount(model.quota_of_release // keys.days, weights=amounts, minlength=origins)
    weight = np.where(parcels > 0, 1.0 / np.maximum(parcels, 1e-12), 0.0)
    delays = csr_array(
        coo_array(
            (
                model.pickup_delay_days * weight[origin_of_pickup],
                (origin_of_pickup, np.arange(x_count)),
            ),
            shape=(origins, x_count),
        )
    )
    key_of_origin = keys.of_quota[:: keys.days] // keys.days
    worst = csr_array(
        coo_array(
            (-np.ones(origins), (np.arange(origins), key_of_origin)),
            shape=(origins, keys.count),
        )
    )
    return csr_array(hstack([delays, _zeros(origins, own_count), worst]))


def _widen(matrix: csr_array, columns: int) -> csr_array:
    """``matrix`` over the pickup columns, padded with empty columns to ``columns``."""
    rows, width = matrix.shape
    return csr_array(hstack([matrix, _zeros(rows, columns - width)]))


def _eye(count: int) -> csr_array:
    return csr_array(
        coo_array((np.ones(count), (np.arange(count), np.arange(count))), shape=(count, count))
    )


def _zeros(rows: int, columns: int) -> csr_array:
    return csr_array((rows, columns))


@dataclass(frozen=True)
class AggregatedPlan:
    pickups: FloatArray
    rows: int
    columns: int
    nonzeros: int
    seconds: float
    iterations: int
    capacity_rows: int
    own_overflow: float


def plan_aggregated(
    model: LoadModel, floors: FloatArray, settings: StaggerParameters
) -> AggregatedPlan:
    """The aggregate program solved (:func:`.stagger_aggregate.solve_aggregate`), then split
    back to every release's pickups per day."""
    keys = aggregate_keys(model)
    aggregate = solve_aggregate(model, keys, floors, settings)
    own = aggregate_rows(model, keys).own
    split = split_to_releases(model, keys, aggregate.quantities, floors, own, settings)
    return AggregatedPlan(
        pickups=split.pickups,
        rows=aggregate.rows,
        columns=aggregate.columns,
        nonzeros=aggregate.nonzeros,
        seconds=aggregate.seconds + split.seconds,
        iterations=aggregate.iterations + split.iterations,
        capacity_rows=aggregate.capacity_rows,
        own_overflow=split.own_overflow,
    )

"""The staggering plan decided a day at a time over rolling windows, for national scale.

At national scale the whole program is too big for the simplex: 2,034 outlets × 16 days give
339 group columns a day, each loading ~3,000 capacity rows, and the dual simplex pays a pass
over all ~8 M entries at each of its tens of thousands of iterations (no optimum in 300 s).
Its cost grows much faster than the days it spans, and most of its iterations go to the
release and quota columns (one per release and day, one per outlet and day) rather than to
the loads. So each window here is small twice over:

- **Days.** A window spans ``rolling_days`` plan days from day ``a``; only day ``a`` is kept,
  and the next window starts a day later. Loads of earlier days are what was kept; loads of
  days after the window are their floors (the least they must pick up).
- **Columns.** One column per load unit and day — a group of outlets that load the network
  alike (:mod:`.stagger_groups`), or an outlet of its own — and the unit's cumulative pickups
  bounded by what its outlets have released (above) and what their deadlines and floors force
  (below; each outlet's floors carried forward, a necessary bound). Parcels left at the end of
  the window are picked up by later windows.

Both phases are solved as for the whole program: least overflow, then the least delay with
each row's overflow held. The delay is the parcel-days not yet picked up at the end of each
day, which depends only on the unit's cumulative pickups. The kept day is then split to the
unit's outlets: each gets its least (what is due that day, at least its floor) plus the same
share of what it could add — always possible, since the least of that one day is exact — and
an outlet's pickups go to its releases earliest deadline first. The fairness terms of the
whole program (worst carrier's and origin's mean delay) are not in the windows; the split
treats a unit's outlets alike.

A heuristic, not the optimum: ``benchmarks/plan_national.py`` measures it against the whole
program where that finishes (total delay; nodes over a limit) — decision 0033.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.sparse import coo_array, csc_array, vstack

from peakguard.optimize.highs import INFINITY, LinearProgram, Solver
from peakguard.optimize.loads import LoadModel
from peakguard.optimize.releases import StaggerParameters
from peakguard.simulate.plan import FloatArray, IntArray

LEFT_OVER = 0.5
"""Parcels: less than half a parcel left of a release is nothing left."""
SCALE = 1e-3
"""Parcels are solved in thousands (national loads reach 10⁸ parcels, and HiGHS's
tolerances are absolute)."""


@dataclass(frozen=True)
class Units:
    """The load units: every quota column's unit and the load column it loads through."""

    of_quota: IntArray
    """[quota column] the unit (0 .. count - 1)."""
    load_column: IntArray
    """[quota column] the load column its parcels load the network through (the group's
    column that day, or its own)."""
    count: int


@dataclass(frozen=True)
class WindowStatistics:
    rows: int
    columns: int
    nonzeros: int
    solve_seconds: float
    iterations: int


def load_units(model: LoadModel) -> Units:
    """Each quota column's unit: its group's, or its origin's own."""
    group = model.columns.group_quota
    load_column = np.where(group >= 0, group, np.arange(len(group)))
    first = int(model.quota_day.min()) if len(model.quota_day) else 0
    key = load_column - (model.quota_day - first)
    keys, unit = np.unique(key, return_inverse=True)
    return Units(of_quota=unit.astype(np.int64), load_column=load_column, count=len(keys))


def plan_by_windows(
    model: LoadModel, floors: FloatArray, settings: StaggerParameters
) -> tuple[FloatArray, WindowStatistics]:
    """[pickup column] the parcels picked up of each release on each day, deciding one day
    at a time with the next ``settings.rolling_days - 1`` in view."""
    units = load_units(model)
    state = _release_state(model)
    picked = np.zeros(len(model.pickup_release))
    committed = np.zeros(len(model.quota_origin))
    days = np.unique(model.quota_day).tolist()
    sizes = (0, 0, 0)
    seconds, iterations = 0.0, 0
    for first in days:
        window = [day for day in days if first <= day < first + settings.rolling_days]
        bounds = _unit_bounds(model, units, state, floors, window)
        program, columns = _window_program(model, units, bounds, committed, floors, window)
        total, values = _two_phases(program, columns, settings)
        seconds += total[0]
        iterations += int(total[1])
        sizes = max(sizes, (*program.shape, int(program.matrix.nnz)))
        quota = _split(model, units, state, floors, first, values[: columns.count] / SCALE)
        committed[quota.columns] = quota.values
        _pick(model, state, quota, first, picked)
    return picked, WindowStatistics(*sizes, seconds, iterations)


@dataclass
class _Releases:
    """The releases as windows go by: what is left of each, and where its columns are."""

    left: FloatArray
    release_day: IntArray
    latest_day: IntArray
    slot: IntArray
    """[release] its origin's place among the planned origins (quota column ÷ plan days)."""
    first_pickup: IntArray
    """[release] its pickup column on its release day (the next days' follow)."""
    first_plan_day: int
    plan_days: int


def _release_state(model: LoadModel) -> _Releases:
    count = len(model.releases)
    release_day = np.full(count, np.iinfo(np.int64).max, dtype=np.int64)
    np.minimum.at(release_day, model.pickup_release, model.pickup_day)
    latest_day = np.full(count, -1, dtype=np.int64)
    np.maximum.at(latest_day, model.pickup_release, model.pickup_day)
    first_plan_day = int(model.quota_day.min())
    plan_days = int(model.quota_day.max()) - first_plan_day + 1
    slot = (model.quota_of_release - (release_day - first_plan_day)) // plan_days
    return _Releases(
        left=np.array([release.parcels for release in model.releases], dtype=float),
        release_day=release_day,
        latest_day=latest_day,
        slot=slot.astype(np.int64),
        first_pickup=np.searchsorted(model.pickup_release, np.arange(count)).astype(np.int64),
        first_plan_day=first_plan_day,
        plan_days=plan_days,
    )


@dataclass(frozen=True)
class _Outlets:
    """Each planned origin's figures on one day."""

    available: FloatArray
    """Parcels left that were released by that day."""
    due: FloatArray
    """Parcels left whose last day is that day or earlier."""
    floor: FloatArray


def _outlets_on(state: _Releases, floors: FloatArray, day: int) -> _Outlets:
    slots = len(floors) // state.plan_days
    out = state.release_day <= day
    available = np.bincount(state.slot[out], weights=state.left[out], minlength=slots)
    late = state.latest_day <= day
    due = np.bincount(state.slot[late], weights=state.left[late], minlength=slots)
    floor = floors[np.arange(slots) * state.plan_days + day - state.first_plan_day]
    return _Outlets(available, due, np.minimum(floor, available))


@dataclass(frozen=True)
class _Bounds:
    """[unit, window day] each unit's cumulative pickups from the window's first day: least,
    most; and its floor each day. ``share`` [slot, window day]: an outlet's part of its
    unit's parcels available that day (its own rows' load is its unit's column × share)."""

    least: FloatArray
    most: FloatArray
    floor: FloatArray
    share: FloatArray


def _unit_bounds(
    model: LoadModel, units: Units, state: _Releases, floors: FloatArray, window: list[int]
) -> _Bounds:
    slots = len(floors) // state.plan_days
    unit = units.of_quota[np.arange(slots) * state.plan_days]
    least_outlet = np.zeros(slots)
    shape = (units.count, len(window))
    least, most, floor = np.zeros(shape), np.zeros(shape), np.zeros(shape)
    share = np.zeros((slots, len(window)))
    for index, day in enumerate(window):
        outlets = _outlets_on(state, floors, day)
        least_outlet = np.maximum(least_outlet + outlets.floor, outlets.due)
        least_outlet = np.minimum(least_outlet, outlets.available)
        least[:, index] = np.bincount(unit, weights=least_outlet, minlength=units.count)
        most[:, index] = np.bincount(unit, weights=outlets.available, minlength=units.count)
        floor[:, index] = np.bincount(unit, weights=outlets.floor, minlength=units.count)
        total = most[unit, index]
        share[:, index] = np.where(total > 0, outlets.available / np.maximum(total, 1e-12), 0.0)
    return _Bounds(least, most, floor, share)


@dataclass(frozen=True)
class _Columns:
    """The window program's columns: Q [unit, window day] (``count`` of them, unit-major),
    then one overflow column per capacity row kept."""

    count: int
    days: int
    rows: IntArray
    """[program capacity row] the model's row."""


def _window_program(
    model: LoadModel,
    units: Units,
    bounds: _Bounds,
    committed: FloatArray,
    floors: FloatArray,
    window: list[int],
) -> tuple[LinearProgram, _Columns]:
    """Capacity rows (loads of the units' columns - overflow <= limit - background), then
    each unit's cumulative pickups between its least and most."""
    entries = _window_entries(model, units, bounds, window)
    background = _background(model, committed, floors, window)
    most_daily = np.diff(np.concatenate([np.zeros((units.count, 1)), bounds.most], axis=1))
    reach = np.bincount(
        entries.row,
        weights=entries.value * most_daily.ravel()[entries.column],
        minlength=len(model.row_limit),
    )
    kept = (reach > 0) & (background + reach > model.row_limit - 1e-6)
    rows = np.flatnonzero(kept)
    row_index = np.full(len(model.row_limit), -1, dtype=np.int64)
    row_index[rows] = np.arange(len(rows))
    chosen = kept[entries.row]
    count = units.count * len(window)
    capacity = coo_array(
        (
            np.concatenate([entries.value[chosen], -np.ones(len(rows))]),
            (
                np.concatenate([row_index[entries.row[chosen]], np.arange(len(rows))]),
                np.concatenate([entries.column[chosen], count + np.arange(len(rows))]),
            ),
        ),
        shape=(len(rows), count + len(rows)),
    )
    days = len(window)
    lower_triangle = np.broadcast_to(np.tri(days, dtype=bool), (units.count, days, days))
    unit, day, earlier = np.nonzero(lower_triangle)
    cumulative = coo_array(
        (np.ones(len(unit)), (unit * days + day, unit * days + earlier)),
        shape=(count, count + len(rows)),
    )
    limit = (model.row_limit - background)[rows]
    program = LinearProgram(
        cost=np.zeros(count + len(rows)),
        matrix=csc_array(vstack([capacity, cumulative])),
        row_lower=np.concatenate([np.full(len(rows), -INFINITY), SCALE * bounds.least.ravel()]),
        row_upper=np.concatenate([SCALE * limit, SCALE * bounds.most.ravel()]),
        column_lower=np.concatenate([SCALE * bounds.floor.ravel(), np.zeros(len(rows))]),
        column_upper=np.full(count + len(rows), INFINITY),
    )
    return program, _Columns(count, days, rows)


@dataclass(frozen=True)
class _Entries:
    row: IntArray
    column: IntArray
    """[entry] the window column Q (unit, window day)."""
    value: FloatArray


def _window_entries(model: LoadModel, units: Units, bounds: _Bounds, window: list[int]) -> _Entries:
    """The load entries of the window's days on its columns: a group's column as it is, an
    outlet's own rows through its share of its unit."""
    days = len(window)
    quota_count = len(model.quota_origin)
    first_plan_day = int(model.quota_day.min())
    plan_days = quota_count and (int(model.quota_day.max()) - first_plan_day + 1)
    target = np.full(model.columns.count, -1, dtype=np.int64)
    weight = np.zeros(model.columns.count)
    for index, day in enumerate(window):
        quota = np.flatnonzero(model.quota_day == day)
        column = units.of_quota[quota] * days + index
        own = units.load_column[quota] == quota
        target[units.load_column[quota]] = column
        weight[units.load_column[quota]] = 1.0
        members = quota[~own]
        target[members] = column[~own]
        weight[members] = bounds.share[members // plan_days, index]
    chosen = target[model.entry_quota] >= 0
    return _Entries(
        row=model.entry_row[chosen],
        column=target[model.entry_quota[chosen]],
        value=model.entry_value[chosen] * weight[model.entry_quota[chosen]],
    )


def _background(
    model: LoadModel, committed: FloatArray, floors: FloatArray, window: list[int]
) -> FloatArray:
    """[row] the load the window does not decide: the model's background, the quotas kept
    on earlier days, the floors of the days after the window."""
    fixed = np.where(model.quota_day < window[0], committed, 0.0)
    fixed = np.where(model.quota_day > window[-1], floors, fixed)
    return model.row_loads(fixed)


def _two_phases(
    program: LinearProgram, columns: _Columns, settings: StaggerParameters
) -> tuple[tuple[float, int], FloatArray]:
    """Least overflow (dual simplex), then least delay with each row's overflow held
    (primal simplex on from the first basis: only the costs change)."""
    solver = Solver(program, time_limit_seconds=settings.time_limit_seconds)
    overflow = np.flatnonzero(np.arange(program.shape[1]) >= columns.count)
    cost = np.zeros(program.shape[1])
    cost[overflow] = 1.0
    solver.set_cost(cost)
    solver.use_simplex("dual")
    first = solver.solve()
    allowed = first.values[overflow]
    solver.bound_columns(overflow, allowed + 1e-6 * np.maximum(allowed, 1.0) + 1e-6)
    # Delay: parcel-days not yet picked up at the end of each window day, i.e. minus each
    # day's cumulative pickups; a parcel picked up on window day j saves (days - j) of them.
    delay = np.zeros(program.shape[1])
    delay[: columns.count] = -np.tile(
        columns.days - np.arange(columns.days), columns.count // columns.days
    )
    solver.set_cost(delay)
    solver.use_simplex("primal")
    second = solver.solve()
    return (first.seconds + second.seconds, first.iterations + second.iterations), second.values


@dataclass(frozen=True)
class _Quotas:
    columns: IntArray
    """Quota columns (origin, the kept day)."""
    values: FloatArray


def _split(
    model: LoadModel,
    units: Units,
    state: _Releases,
    floors: FloatArray,
    day: int,
    unit_pickups: FloatArray,
) -> _Quotas:
    """The kept day's unit pickups [unit × window day, the first day's every ``days``-th]
    split to the unit's outlets: each its least (what is due, at least its floor) plus the
    same share of what it could add."""
    outlets = _outlets_on(state, floors, day)
    slots = len(outlets.available)
    columns = np.arange(slots) * state.plan_days + day - state.first_plan_day
    unit = units.of_quota[columns]
    least = np.maximum(outlets.floor, outlets.due)
    room = outlets.available - least
    total = unit_pickups.reshape(units.count, -1)[:, 0]
    unit_least = np.bincount(unit, weights=least, minlength=units.count)
    unit_room = np.bincount(unit, weights=room, minlength=units.count)
    extra = np.clip(total - unit_least, 0.0, unit_room)
    share = np.where(unit_room > 0, extra / np.maximum(unit_room, 1e-12), 0.0)
    return _Quotas(columns, least + share[unit] * room)


def _pick(
    model: LoadModel, state: _Releases, quotas: _Quotas, day: int, picked: FloatArray
) -> None:
    """Each outlet's quota taken from its releases out by ``day``, earliest deadline first."""
    out = np.flatnonzero((state.release_day <= day) & (state.left > 0))
    order = out[np.lexsort((state.release_day[out], state.latest_day[out], state.slot[out]))]
    slot = state.slot[order]
    taken_before = np.cumsum(state.left[order]) - state.left[order]
    start_of_slot = np.searchsorted(slot, slot)
    before = taken_before - taken_before[start_of_slot]
    quota = np.zeros(len(state.left) and int(state.slot.max()) + 1)
    quota[quotas.columns // state.plan_days] = quotas.values
    take = np.clip(quota[slot] - before, 0.0, state.left[order])
    picked[state.first_pickup[order] + day - state.release_day[order]] += take
    state.left[order] -= take

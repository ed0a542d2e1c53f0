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
  (below; each outlet's floors carried forward, a necessary bound).
- **The day after.** The window also holds the day after it, with no release of its own in
  view and everything the window leaves landing on it, loading the units' own first hubs: so
  leaving parcels for later costs what they load (without it they cost a window nothing, and
  fall due together on the last days: national overflow 493 M against 256 M parcels).
- **Rows.** The capacity rows start with those release-day pickups would load past 1.5 × their
  limit; every row a solution goes over is added and the program solved again from its basis,
  until none is: then it is the optimum with every row.

Least overflow and least delay are one objective (a parcel over a limit weighs
:data:`OVERFLOW_WEIGHT` parcel-days). The delay is the parcel-days not yet picked up at the
end of each day, which depends only on the unit's cumulative pickups. The kept day is then
split to the unit's outlets: each gets its least (what is due that day, at least its floor)
plus the same share of what it could add — always possible, since the least of that one day
is exact — and an outlet's pickups go to its releases earliest deadline first. The fairness
terms of the whole program (worst carrier's and origin's mean delay) are not in the windows;
the split treats a unit's outlets alike.

A heuristic, not the optimum: ``benchmarks/plan_national.py`` measures it against the whole
program where that finishes (total delay; nodes over a limit) — decision 0033.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.sparse import coo_array, csc_array, csr_array, vstack

from peakguard.optimize.highs import INFINITY, LinearProgram, Solution, Solver
from peakguard.optimize.loads import LoadModel
from peakguard.optimize.releases import StaggerParameters
from peakguard.simulate.plan import BoolArray, FloatArray, IntArray

SCALE = 1e-3
"""Parcels are solved in thousands (national loads reach 10⁸ parcels, and HiGHS's
tolerances are absolute)."""
START_SHARE = 1.5
"""A window's program starts with the capacity rows loaded past this share of their limit
if every release were picked up on its day; the others join when a solution goes over them."""
OVERFLOW_WEIGHT = 1e5
"""Parcel-days of delay a parcel over a limit weighs: more than the delay any parcel of
overflow could be traded for (a parcel loads a row by at least ~10⁻³ of itself, and a window
saves at most ``rolling_days`` days a parcel), so overflow comes first."""
AHEAD_ENTRY = 0.1
"""Parcels of load per parcel: the day after a window loads its rows from this up (a unit's
own first hub's shifts); from 0.1 or 0.25 up alike on the national case (256 or 254 M
parcels over; from 0.5 up there are no entries)."""
ROW_TOLERANCE = 1e-4
"""Thousands of parcels: a solution over a row left out by less is not over it."""


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


@dataclass(frozen=True)
class _Loads:
    """The model's load entries sorted by their column's day: a window takes a slice."""

    row: IntArray
    column: IntArray
    value: FloatArray
    day_start: dict[int, int]
    day_end: dict[int, int]
    rows: int

    def of_day(self, day: int, values: FloatArray) -> FloatArray:
        """[model row] the load of one day's load columns under ``values`` [load column]."""
        span = slice(self.day_start[day], self.day_end[day])
        load = np.bincount(
            self.row[span],
            weights=self.value[span] * values[self.column[span]],
            minlength=self.rows,
        )
        return np.asarray(load, dtype=np.float64)


def _sorted_loads(model: LoadModel) -> _Loads:
    quota_count = len(model.quota_origin)
    column_day = np.zeros(model.columns.count, dtype=np.int64)
    column_day[:quota_count] = model.quota_day
    member = np.flatnonzero(model.columns.group_quota >= 0)
    column_day[model.columns.group_quota[member]] = model.quota_day[member]
    # Days fit 16 bits, for which numpy's stable sort is a radix sort.
    entry_day = column_day[model.entry_quota].astype(np.int16)
    order = np.argsort(entry_day, kind="stable")
    days = np.unique(model.quota_day)
    starts = np.searchsorted(entry_day[order], days, side="left")
    ends = np.searchsorted(entry_day[order], days, side="right")
    return _Loads(
        row=model.entry_row[order],
        column=model.entry_quota[order],
        value=model.entry_value[order],
        day_start=dict(zip(days.tolist(), starts.tolist(), strict=True)),
        day_end=dict(zip(days.tolist(), ends.tolist(), strict=True)),
        rows=len(model.row_limit),
    )


def plan_by_windows(
    model: LoadModel, floors: FloatArray, settings: StaggerParameters
) -> tuple[FloatArray, WindowStatistics]:
    """[pickup column] the parcels picked up of each release on each day, deciding one day
    at a time with the next ``settings.rolling_days - 1`` in view."""
    units = load_units(model)
    loads = _sorted_loads(model)
    floor_load_after = _floor_loads_after(model, loads, floors)
    kept_load = np.zeros(len(model.row_limit))
    state = _release_state(model)
    picked = np.zeros(len(model.pickup_release))
    committed = np.zeros(len(model.quota_origin))
    days = np.unique(model.quota_day).tolist()
    sizes = (0, 0, 0)
    seconds, iterations = 0.0, 0
    for first in days:
        window = [day for day in days if first <= day < first + settings.rolling_days]
        background = model.row_background + kept_load + floor_load_after[window[-1]]
        if window[-1] + 1 in floor_load_after:
            window.append(window[-1] + 1)  # the day after, where what is left lands
        bounds = _unit_bounds(units, state, floors, window)
        ahead = len(window) > settings.rolling_days
        if ahead:
            _left_for_the_day_after(bounds)
        window_program = _window_program(
            model, loads, units, bounds, background, window, ahead, state.plan_days
        )
        total, values = _solve_window(window_program, settings)
        seconds += total[0]
        iterations += int(total[1])
        program = window_program.program
        sizes = max(sizes, (*program.shape, int(program.matrix.nnz)), key=lambda size: size[2])
        quota = _split(units, state, floors, first, values[: window_program.count] / SCALE)
        committed[quota.columns] = quota.values
        kept_load += loads.of_day(
            first, model.columns.expand(committed * (model.quota_day == first))
        )
        _pick(state, quota, first, picked)
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
    late = state.latest_day <= day
    available = _sums(state.slot[out], state.left[out], slots)
    due = _sums(state.slot[late], state.left[late], slots)
    floor = floors[np.arange(slots) * state.plan_days + day - state.first_plan_day]
    return _Outlets(available, due, np.minimum(floor, available))


def _sums(keys: IntArray, weights: FloatArray, count: int) -> FloatArray:
    return np.asarray(np.bincount(keys, weights=weights, minlength=count), dtype=np.float64)


@dataclass(frozen=True)
class _Bounds:
    """[unit, window day] each unit's cumulative pickups from the window's first day: least,
    most; and its floor each day. ``share`` [slot, window day]: an outlet's part of its
    unit's parcels available that day (its own rows' load is its unit's column × share)."""

    least: FloatArray
    most: FloatArray
    floor: FloatArray
    share: FloatArray


def _unit_bounds(units: Units, state: _Releases, floors: FloatArray, window: list[int]) -> _Bounds:
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


def _left_for_the_day_after(bounds: _Bounds) -> None:
    """The window's last day is the day after it: no release of its own in view (its floors
    are background), and everything still left is picked up on it — what the window leaves
    loads the next days, and leaving it must cost what it loads (without this day, parcels
    left for later cost a window nothing and fall due together on the last days)."""
    bounds.most[:, -1] = bounds.most[:, -2]
    bounds.least[:, -1] = bounds.most[:, -2]
    bounds.floor[:, -1] = 0.0


@dataclass(frozen=True)
class _Window:
    """A window's program: columns Q [unit, window day] (``count`` of them, unit-major), then
    one overflow column per capacity row some plan could overload (``rows``, the model's).
    The program starts with the cumulative rows and the capacity rows likely to bind;
    ``capacity`` holds every such row (load of the Q columns - its overflow <= ``limit``), to
    be added when a solution goes over it."""

    program: LinearProgram
    count: int
    days: int
    rows: IntArray
    capacity: csr_array
    limit: FloatArray
    initial: IntArray
    """[program capacity row] the rows the program starts with (places in ``rows``)."""


def _window_program(
    model: LoadModel,
    loads: _Loads,
    units: Units,
    bounds: _Bounds,
    background: FloatArray,
    window: list[int],
    ahead: bool,
    plan_days: int,
) -> _Window:
    """``background`` [model row]: the load the window does not decide (the model's own, the
    days kept so far, the floors of the days after the window); ``ahead``: the window's last
    day is the day after it (:func:`_left_for_the_day_after`); ``plan_days``: quota columns
    an origin has (its columns ÷ this is its place among the origins)."""
    entries = _window_entries(model, loads, units, bounds, window, ahead, plan_days)
    # The most a unit can pick up on a window day: all it has out, less the least it must
    # have picked up before; the rows that even that cannot overload are left out.
    least_before = np.concatenate([np.zeros((units.count, 1)), bounds.least[:, :-1]], axis=1)
    most_in_a_day = np.maximum(bounds.most - least_before, bounds.floor).ravel()
    reach = _row_loads(entries, most_in_a_day, len(model.row_limit))
    kept = (reach > 0) & (background + reach > model.row_limit - 1e-6)
    rows = np.flatnonzero(kept)
    row_index = np.full(len(model.row_limit), -1, dtype=np.int64)
    row_index[rows] = np.arange(len(rows))
    chosen = kept[entries.row]
    count = units.count * len(window)
    capacity = csr_array(
        coo_array(
            (
                np.concatenate([entries.value[chosen], -np.ones(len(rows))]),
                (
                    np.concatenate([row_index[entries.row[chosen]], np.arange(len(rows))]),
                    np.concatenate([entries.column[chosen], count + np.arange(len(rows))]),
                ),
            ),
            shape=(len(rows), count + len(rows)),
        )
    )
    limit = SCALE * (model.row_limit - background)[rows]
    # Likely to bind: the rows near their limit if every unit picked up on release days.
    released = np.diff(np.concatenate([np.zeros((units.count, 1)), bounds.most], axis=1))
    likely = _row_loads(entries, released.ravel(), len(model.row_limit))[rows]
    initial = np.flatnonzero(SCALE * likely > START_SHARE * limit)
    days = len(window)
    lower_triangle = np.broadcast_to(np.tri(days, dtype=bool), (units.count, days, days))
    unit, day, earlier = np.nonzero(lower_triangle)
    cumulative = coo_array(
        (np.ones(len(unit)), (unit * days + day, unit * days + earlier)),
        shape=(count, count + len(rows)),
    )
    program = LinearProgram(
        cost=np.zeros(count + len(rows)),
        matrix=csc_array(vstack([cumulative, capacity[initial]])),
        row_lower=np.concatenate([SCALE * bounds.least.ravel(), np.full(len(initial), -INFINITY)]),
        row_upper=np.concatenate([SCALE * bounds.most.ravel(), limit[initial]]),
        column_lower=np.concatenate([SCALE * bounds.floor.ravel(), np.zeros(len(rows))]),
        # Implied by the cumulative rows, but bounding the pickup columns lets the dual
        # simplex start dual feasible (their costs are negative): ~10 % fewer iterations.
        column_upper=np.concatenate([SCALE * most_in_a_day, np.full(len(rows), INFINITY)]),
    )
    return _Window(program, count, days, rows, capacity, limit, initial)


def _row_loads(entries: _Entries, values: FloatArray, rows: int) -> FloatArray:
    """[model row] the load of the window's entries under ``values`` [window column]."""
    loads = np.bincount(entries.row, weights=entries.value * values[entries.column], minlength=rows)
    return np.asarray(loads, dtype=np.float64)


@dataclass(frozen=True)
class _Entries:
    row: IntArray
    column: IntArray
    """[entry] the window column Q (unit, window day)."""
    value: FloatArray


def _window_entries(
    model: LoadModel,
    loads: _Loads,
    units: Units,
    bounds: _Bounds,
    window: list[int],
    ahead: bool,
    plan_days: int,
) -> _Entries:
    """The load entries of the window's days on its columns: a group's column as it is, an
    outlet's own rows through its share of its unit."""
    days = len(window)
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
    span = slice(loads.day_start[window[0]], loads.day_end[window[-1]])
    column = target[loads.column[span]]
    value = loads.value[span] * weight[loads.column[span]]
    # The day after the window loads only where its parcels weigh most (each unit's own
    # first hub): enough to price what the window leaves, at a fraction of the entries.
    kept = (column % days != days - 1) | (value >= AHEAD_ENTRY) if ahead else slice(None)
    return _Entries(row=loads.row[span][kept], column=column[kept], value=value[kept])


def _floor_loads_after(
    model: LoadModel, loads: _Loads, floors: FloatArray
) -> dict[int, FloatArray]:
    """day → [model row] the load of every later day's floors."""
    values = model.columns.expand(floors)
    after: dict[int, FloatArray] = {}
    total = np.zeros(loads.rows)
    for day in sorted(loads.day_start, reverse=True):
        after[day] = total.copy()
        total += loads.of_day(day, values)
    return after


def _solve_window(
    window: _Window, settings: StaggerParameters
) -> tuple[tuple[float, int], FloatArray]:
    """Least overflow, then least delay — as one program whose costs weigh a parcel over a
    limit as :data:`OVERFLOW_WEIGHT` parcel-days of delay (measured on the national case: as
    little overflow as two phases, in half the time) — by the dual simplex, followed by the
    capacity rows its solution went over, added, and solved again from the basis, until it
    goes over none: then it is the optimum with every row."""
    program = window.program
    solver = Solver(program, time_limit_seconds=settings.time_limit_seconds)
    cost = np.zeros(program.shape[1])
    cost[window.count :] = OVERFLOW_WEIGHT
    # Delay: parcel-days not yet picked up at the end of each window day, i.e. minus each
    # day's cumulative pickups; a parcel picked up on window day j saves (days - j) of them.
    saved = window.days - np.arange(window.days)
    cost[: window.count] = -np.tile(saved, window.count // window.days)
    solver.set_cost(cost)
    # Dantzig's pricing, unscaled: the program is in thousands of parcels already, and its
    # dense capacity rows make steepest-edge weights and rescaling dear (national, 3-day
    # windows: HiGHS 18 s against 48 s with its defaults, the same plan; decision 0034).
    solver.use_simplex("dual", pricing="dantzig", scaled=False)
    present = np.zeros(len(window.rows), dtype=bool)
    present[window.initial] = True
    solution, seconds, iterations = _solve_with_rows(solver, window, present)
    return (seconds, iterations), solution.values


def _solve_with_rows(
    solver: Solver, window: _Window, present: BoolArray
) -> tuple[Solution, float, int]:
    """Solve; add the capacity rows the solution goes over; again, until none."""
    seconds, iterations = 0.0, 0
    unit_loads = window.capacity[:, : window.count]
    while True:
        solution = solver.solve()
        seconds += solution.seconds
        iterations += solution.iterations
        load = unit_loads @ solution.values[: window.count]
        over = ~present & (load > window.limit + ROW_TOLERANCE)
        if not over.any():
            return solution, seconds, iterations
        added = np.flatnonzero(over)
        present[added] = True
        solver.add_rows(np.full(len(added), -INFINITY), window.limit[added], window.capacity[added])


@dataclass(frozen=True)
class _Quotas:
    columns: IntArray
    """Quota columns (origin, the kept day)."""
    values: FloatArray


def _split(
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


def _pick(state: _Releases, quotas: _Quotas, day: int, picked: FloatArray) -> None:
    """Each outlet's quota taken from its releases out by ``day``: those due that day whole
    (the split gives each outlet at least what is due), then the rest earliest deadline
    first. Taking the due ones whole by rule, not through the running sums below, matters:
    those sums lose their last bits (a cumsum less its value at the outlet's start), which
    left specks of due releases with no day left to pick them up."""
    out = np.flatnonzero((state.release_day <= day) & (state.left > 0))
    order = out[np.lexsort((state.release_day[out], state.latest_day[out], state.slot[out]))]
    slot = state.slot[order]
    left = state.left[order]
    due = state.latest_day[order] <= day
    quota = np.zeros(len(state.left) and int(state.slot.max()) + 1)
    quota[quotas.columns // state.plan_days] = quotas.values
    room = np.maximum(quota - np.bincount(slot, weights=left * due, minlength=len(quota)), 0.0)
    rest = np.where(due, 0.0, left)
    taken_before = np.cumsum(rest) - rest
    before = taken_before - taken_before[np.searchsorted(slot, slot)]
    take = np.where(due, left, np.clip(room[slot] - before, 0.0, rest))
    picked[state.first_pickup[order] + day - state.release_day[order]] += take
    state.left[order] -= take

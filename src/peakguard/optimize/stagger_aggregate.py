"""Staggering at national scale: one column per load key and day, rows as the plan needs them.

The ``grouped`` program (:mod:`.stagger_groups`) still has a pickup column per release and
day, a quota column per origin and day and every capacity row a plan could overload: at
national scale (2,034 outlets × 16 days) its phase 1 does not finish in minutes. The
``aggregated`` formulation (decision 0028) solves a smaller program first and splits its
answer back to the outlets and releases afterwards:

- **columns** ``Q[k, d]``: the parcels picked up on day ``d`` by the origins of load key
  ``k`` (a group of alike origins, or an origin alone), the overflow slack of each capacity
  row in the program, and the worst carrier's and worst key's mean delay;
- **cumulative bounds** in place of the releases: for every key and day ``t``, the parcels
  picked up by ``t`` are at least those whose window ends by ``t`` (and at least the sum of
  the members' floors carried forward, :func:`least_by_day`) and at most those released by
  ``t``; all of them by the last day. When the key's windows are *agreeable* (a release made
  later never ends earlier), earliest-deadline-first realises every such ``Q`` release by
  release; keys whose windows are not get a row for every interval of days too (Hall's
  condition for interval windows);
- the **delay** is ``Σ d · Q[k, d]`` less the releases' own days, linear in ``Q``;
- **capacity rows as the plan needs them**: the program starts with the rows over or near
  their limit when everything is picked up on its release day; after each solve the load of
  every row outside the program is counted, those over are added and the dual simplex goes on
  from its basis. Phase 2 holds each row's overflow at its phase-1 value, as the full program
  does; a row first found over in phase 2 joins held at zero (its value in phase 1's plan).

Rows of a grouped origin's own node (its sorting, the parcels waiting for its shuttle) are
not in this program: they depend on how a group's pickups are split among its members, which
:mod:`.stagger_split` decides.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.sparse import coo_array, csr_array, vstack

from peakguard.optimize.highs import INFINITY, LinearProgram, Solution, Solver
from peakguard.optimize.loads import LoadModel
from peakguard.optimize.releases import StaggerParameters
from peakguard.simulate.plan import BoolArray, FloatArray, IntArray

START_SHARE = 1.0
"""A row loaded past this share of its limit with everything picked up on its release day
starts in the program."""
OVER = 0.1
"""Parcels: a row outside the program loaded more than this over its limit joins it."""
ROUNDS = 60
"""Solves of each phase at most; each adds the rows the last plan put over."""


@dataclass(frozen=True)
class Keys:
    """The aggregate's columns: ``Q[k, j]`` is column ``k * days + j`` (``j`` days from the
    first plan day)."""

    count: int
    days: int
    of_load_column: IntArray
    """[load column] the aggregate column it equals, or -1 (a grouped origin's own column)."""
    of_quota: IntArray
    """[quota column] the aggregate column it adds to."""
    of_release: IntArray
    """[release] its key."""
    release_first: IntArray
    release_last: IntArray
    """[release] first and last pickup day of its window (days from the first plan day)."""


def aggregate_keys(model: LoadModel) -> Keys:
    """Keys: every group of alike origins, then every origin alone, in the load columns'
    order."""
    quota_count = len(model.quota_origin)
    days = int(np.unique(model.quota_day).size)
    group_count = (model.columns.count - quota_count) // days
    member = model.columns.group_quota >= 0
    lone = ~member.reshape(-1, days)[:, 0]
    lone_key = group_count + np.cumsum(lone) - 1
    day_of_quota = np.arange(quota_count) % days
    of_quota = np.where(
        member,
        model.columns.group_quota - quota_count,
        np.repeat(lone_key, days) * days + day_of_quota,
    )
    of_load_column = np.concatenate([np.where(member, -1, of_quota), np.arange(group_count * days)])
    first_day = int(model.quota_day.min())
    starts = np.full(len(model.releases), np.iinfo(np.int64).max)
    ends = np.full(len(model.releases), -1)
    np.minimum.at(starts, model.pickup_release, model.pickup_day - first_day)
    np.maximum.at(ends, model.pickup_release, model.pickup_day - first_day)
    return Keys(
        count=group_count + int(lone.sum()),
        days=days,
        of_load_column=of_load_column.astype(np.int64),
        of_quota=of_quota.astype(np.int64),
        of_release=of_quota[model.quota_of_release] // days,
        release_first=starts,
        release_last=ends,
    )


@dataclass(frozen=True)
class AggregateRows:
    """The capacity rows as the aggregate sees them, each load ``matrix @ Q`` against
    ``limit``: every row free of grouped origins' own columns, then, for each group, the sum
    over its members of each of their own rows (a member's own profile is its
    representative's, so the sum reads the group's column)."""

    rows: IntArray
    """[aggregate row] the model's row, or -1 for a sum of members' own rows."""
    matrix: csr_array
    limit: FloatArray
    """Limit less background load."""
    own: BoolArray
    """[model row] the row holds a grouped origin's own column (its own node's row, left to
    the split, and summed over the members here)."""


def aggregate_rows(model: LoadModel, keys: Keys) -> AggregateRows:
    """The model's capacity rows in the aggregate's columns."""
    target = keys.of_load_column[model.entry_quota]
    own = np.zeros(len(model.row_limit), dtype=bool)
    own[model.entry_row[target < 0]] = True
    rows = np.flatnonzero(~own)
    renumbered = np.cumsum(~own) - 1
    kept = ~own[model.entry_row]
    shared = coo_array(
        (model.entry_value[kept], (renumbered[model.entry_row[kept]], target[kept])),
        shape=(len(rows), keys.count * keys.days),
    )
    summed, summed_limit = _summed_own_rows(model, keys, own, target)
    limit = (model.row_limit - model.row_background)[rows]
    return AggregateRows(
        rows=np.concatenate([rows, np.full(summed.shape[0], -1)]),
        matrix=csr_array(vstack([shared, summed])),
        limit=np.concatenate([limit, summed_limit]),
        own=own,
    )


def _summed_own_rows(
    model: LoadModel, keys: Keys, own: BoolArray, target: IntArray
) -> tuple[csr_array, FloatArray]:
    """For every group and every own row its members all have (same kind, start and hours),
    the sum of the members' rows: ``Σ_d a_d Q[g, d] <= Σ (limit − background)``. A necessary
    condition of the members' own rows, and sufficient when the split can share each day's
    pickups among them in proportion to their limits."""
    foreign = np.zeros(len(model.row_limit), dtype=bool)
    foreign[model.entry_row[target >= 0]] = True
    pure = own & ~foreign
    entry = pure[model.entry_row]
    if not entry.any():
        return csr_array((0, keys.count * keys.days)), np.zeros(0)
    row_key = np.full(len(model.row_limit), -1)
    row_key[model.entry_row[entry]] = keys.of_quota[model.entry_quota[entry]] // keys.days
    chosen = np.flatnonzero(pure)
    kind = np.asarray(model.row_kind[chosen] == "storage", dtype=np.int64)
    pattern_of = np.stack(
        [row_key[chosen], kind, model.row_start[chosen], model.row_hours[chosen]], axis=1
    )
    patterns, pattern = np.unique(pattern_of, axis=0, return_inverse=True)
    pattern = pattern.ravel()
    members = np.bincount(keys.of_quota[:: keys.days] // keys.days, minlength=keys.count)
    count = np.bincount(pattern, minlength=len(patterns))
    whole = count == members[patterns[:, 0]]
    number = np.full(len(model.row_limit), -1)
    number[chosen] = np.where(whole[pattern], np.cumsum(whole)[pattern] - 1, -1)
    use = entry & (number[model.entry_row] >= 0)
    matrix = coo_array(
        (
            model.entry_value[use] / count[pattern][np.searchsorted(chosen, model.entry_row[use])],
            (number[model.entry_row[use]], keys.of_quota[model.entry_quota[use]]),
        ),
        shape=(int(whole.sum()), keys.count * keys.days),
    )
    spare = (model.row_limit - model.row_background)[chosen]
    limit = np.bincount(pattern, weights=spare, minlength=len(patterns))[whole]
    return csr_array(matrix), np.asarray(limit, dtype=np.float64)


@dataclass(frozen=True)
class Bounds:
    """[key, day] what the key's origins must have picked up by each day, at least and at
    most, and the least each day (the members' floors)."""

    least_by: FloatArray
    most_by: FloatArray
    floor: FloatArray


def key_bounds(model: LoadModel, keys: Keys, floors: FloatArray) -> Bounds:
    """Cumulative bounds of every key: its releases' parcels due and released by each day,
    the lower one raised to the members' floors carried forward (:func:`least_by_day`)."""
    amounts = np.array([release.parcels for release in model.releases], dtype=float)
    origins = len(model.quota_origin) // keys.days
    origin_of_release = model.quota_of_release // keys.days
    due = np.zeros((origins, keys.days))
    released = np.zeros((keys.count, keys.days))
    np.add.at(due, (origin_of_release, keys.release_last), amounts)
    np.add.at(released, (keys.of_release, keys.release_first), amounts)
    least_origin = least_by_day(np.cumsum(due, axis=1), floors.reshape(origins, keys.days))
    key_of_origin = keys.of_quota[:: keys.days] // keys.days
    least = np.zeros((keys.count, keys.days))
    floor = np.zeros((keys.count, keys.days))
    np.add.at(least, key_of_origin, least_origin)
    np.add.at(floor, key_of_origin, floors.reshape(origins, keys.days))
    return Bounds(least_by=least, most_by=np.cumsum(released, axis=1), floor=floor)


def least_by_day(due_by: FloatArray, floors: FloatArray) -> FloatArray:
    """[origin, day] the least an origin can have picked up by each day: what is due by then,
    and never less than the day before plus the day's floor."""
    least = np.zeros_like(due_by)
    carried = np.zeros(due_by.shape[0])
    for day in range(due_by.shape[1]):
        carried = np.maximum(due_by[:, day], carried + floors[:, day])
        least[:, day] = carried
    return least


@dataclass(frozen=True)
class AggregateResult:
    quantities: FloatArray
    """[aggregate column] parcels of each key picked up each day."""
    rows: int
    columns: int
    nonzeros: int
    capacity_rows: int
    seconds: float
    iterations: int
    solves: int


def solve_aggregate(
    model: LoadModel, keys: Keys, floors: FloatArray, settings: StaggerParameters
) -> AggregateResult:
    """Phase 1 (least overflow) then phase 2 (least delay, each row's overflow held), each
    adding the capacity rows its plan puts over until none is."""
    capacity = aggregate_rows(model, keys)
    bounds = key_bounds(model, keys, floors)
    base = _base_program(model, keys, bounds, settings)
    solver = Solver(base.program, time_limit_seconds=settings.time_limit_seconds)
    lazy = _LazyRows(solver, capacity)
    unplanned = np.bincount(
        keys.of_quota, weights=model.unplanned_quotas(), minlength=keys.count * keys.days
    )
    start = capacity.matrix @ unplanned > START_SHARE * capacity.limit
    lazy.add(np.flatnonzero(start), held=None)
    # The first solve by interior point (crossover to a vertex): the aggregate's columns are
    # dense (each group loads rows at nearly every hub) and the simplex needs tens of
    # thousands of iterations from a cold start; later ones by the dual simplex from its basis.
    solver.use("ipm")
    first = lazy.solve_until_inside(held=None)
    allowed = first.values[lazy.slack_columns]
    lazy.hold(allowed + 1e-6 * np.maximum(allowed, 1.0) + 1e-3)
    solver.set_cost(np.concatenate([base.delay_cost, np.zeros(len(lazy.slack_columns))]))
    # Only the costs changed: phase 1's optimal basis stays feasible, the primal simplex
    # goes on from it; rows added later leave it dual feasible, for the dual simplex.
    solver.use_simplex("primal")
    second = lazy.solve_until_inside(held=1e-3)
    quantities = second.values[: keys.count * keys.days]
    return AggregateResult(
        quantities=np.maximum(quantities, 0.0),
        rows=int(solver.highs.getNumRow()),
        columns=int(solver.highs.getNumCol()),
        nonzeros=int(solver.highs.getNumNz()),
        capacity_rows=len(lazy.program_rows),
        seconds=lazy.seconds,
        iterations=lazy.iterations,
        solves=lazy.solves,
    )


class _LazyRows:
    """The capacity rows of a solver's program, added as its plans put them over."""

    def __init__(self, solver: Solver, capacity: AggregateRows) -> None:
        self.solver = solver
        self.capacity = capacity
        self.inside = np.zeros(len(capacity.rows), dtype=bool)
        self.program_rows: list[int] = []
        self.slack_columns = np.zeros(0, dtype=np.int64)
        self.seconds = 0.0
        self.iterations = 0
        self.solves = 0

    def add(self, rows: IntArray, held: float | None) -> None:
        """Rows (aggregate numbering) with their overflow slack columns: free in phase 1
        (cost 1), held at ``held`` in phase 2."""
        if not len(rows):
            return
        count = len(rows)
        first = self.solver.columns
        upper = np.full(count, INFINITY if held is None else held)
        cost = np.ones(count) if held is None else np.zeros(count)
        self.solver.add_columns(cost, np.zeros(count), upper)
        part = self.capacity.matrix[rows]
        slack = csr_array(
            coo_array(
                (-np.ones(count), (np.arange(count), first + np.arange(count))),
                shape=(count, self.solver.columns),
            )
        )
        entries = csr_array(
            (part.data, part.indices, part.indptr), shape=(count, self.solver.columns)
        )
        self.solver.add_rows(np.full(count, -INFINITY), self.capacity.limit[rows], entries + slack)
        self.inside[rows] = True
        self.program_rows.extend(rows.tolist())
        self.slack_columns = np.concatenate([self.slack_columns, first + np.arange(count)])

    def hold(self, upper: FloatArray) -> None:
        self.solver.bound_columns(self.slack_columns, upper)

    def solve_until_inside(self, held: float | None) -> Solution:
        """Solve; add every row outside the program the plan puts over; again, until none."""
        for _round in range(ROUNDS):
            solution = self.solver.solve()
            self.seconds += solution.seconds
            self.iterations += solution.iterations
            self.solves += 1
            quantities = solution.values[: self.capacity.matrix.shape[1]]
            load = self.capacity.matrix @ quantities
            over = np.flatnonzero(~self.inside & (load > self.capacity.limit + OVER))
            if not len(over):
                return solution
            self.add(over, held)
            # From the last basis: the rows added leave it dual feasible. (On the national
            # instance the second round, 1,090 rows, took the dual simplex 117 s; the
            # interior point from scratch, with its crossover, 332 s.)
            self.solver.use_simplex("dual")
        return solution


@dataclass(frozen=True)
class _Base:
    program: LinearProgram
    """With no costs: phase 1's are the slacks', added with the capacity rows."""
    delay_cost: FloatArray


def _base_program(
    model: LoadModel, keys: Keys, bounds: Bounds, settings: StaggerParameters
) -> _Base:
    """Columns Q (key, day) | worst carrier | worst key; rows: each key's cumulative bounds,
    Hall's interval rows where its windows are not agreeable, and the fairness rows. Phase
    2's costs: the day of each Q (the delay, less a constant) and the fairness terms."""
    size = keys.count * keys.days
    worst_carrier, worst_key = size, size + 1
    amounts = np.array([release.parcels for release in model.releases], dtype=float)
    blocks = [_cumulative_rows(keys, bounds), _interval_rows(keys, amounts)]
    blocks += _fairness_rows(model, keys, amounts, worst_carrier, worst_key)
    matrix, lower, upper = _stack(blocks, size + 2)
    total = float(amounts.sum())
    cost = np.zeros(size + 2)
    cost[:size] = np.tile(np.arange(keys.days, dtype=float), keys.count)
    cost[worst_carrier] = settings.carrier_fairness * total
    cost[worst_key] = settings.origin_fairness * total
    column_lower = np.concatenate([bounds.floor.ravel(), np.zeros(2)])
    program = LinearProgram(
        cost=np.zeros(size + 2),
        matrix=matrix,
        row_lower=lower,
        row_upper=upper,
        column_lower=column_lower,
        column_upper=np.full(size + 2, INFINITY),
    )
    return _Base(program, cost)


_Block = tuple[IntArray, IntArray, FloatArray, FloatArray, FloatArray]
"""(row, column, value) entries numbered from 0 within the block, and its rows' bounds."""


def _cumulative_rows(keys: Keys, bounds: Bounds) -> _Block:
    """least_by[k, t] <= Σ_{d<=t} Q[k, d] <= most_by[k, t]; equal on the last day."""
    days = keys.days
    t, d = np.nonzero(np.tril(np.ones((days, days), dtype=bool)))
    key = np.repeat(np.arange(keys.count), len(t))
    rows = key * days + np.tile(t, keys.count)
    columns = key * days + np.tile(d, keys.count)
    lower = bounds.least_by.ravel().copy()
    upper = bounds.most_by.ravel().copy()
    last = np.arange(keys.count) * days + days - 1
    lower[last] = upper[last]
    return rows, columns, np.ones(len(rows)), lower, upper


def _interval_rows(keys: Keys, amounts: FloatArray) -> _Block:
    """For a key whose windows are not agreeable: Σ_{d in [s, t]} Q[k, d] >= the parcels of
    its releases whose whole window lies in [s, t], every inner interval."""
    order = np.lexsort((keys.release_last, keys.release_first, keys.of_release))
    key, last = keys.of_release[order], keys.release_last[order]
    backwards = (key[1:] == key[:-1]) & (last[1:] < last[:-1])
    awkward = np.unique(key[1:][backwards])
    entries: list[tuple[int, int, int, float]] = []
    for k in awkward.tolist():
        mine = keys.of_release == k
        first_days, last_days, parcels = (
            keys.release_first[mine],
            keys.release_last[mine],
            amounts[mine],
        )
        for s in range(1, keys.days):
            for t in range(s, keys.days - 1):
                inside = float(parcels[(first_days >= s) & (last_days <= t)].sum())
                if inside > 0:
                    entries.append((k, s, t, inside))
    rows, columns, lower = [], [], []
    for number, (k, s, t, inside) in enumerate(entries):
        rows += [number] * (t - s + 1)
        columns += [k * keys.days + d for d in range(s, t + 1)]
        lower.append(inside)
    return (
        np.array(rows, dtype=np.int64),
        np.array(columns, dtype=np.int64),
        np.ones(len(rows)),
        np.array(lower, dtype=float),
        np.full(len(lower), INFINITY),
    )


def _fairness_rows(
    model: LoadModel, keys: Keys, amounts: FloatArray, worst_carrier: int, worst_key: int
) -> list[_Block]:
    """Mean delay of each carrier and of each key <= the worst one: (Σ d Q − Σ a p) / P."""
    start = keys.release_first.astype(float)
    key_carrier = np.zeros(keys.count, dtype=np.int64)
    key_carrier[keys.of_release] = model.release_carrier
    blocks: list[_Block] = []
    for label_of_key, worst in ((key_carrier, worst_carrier), (np.arange(keys.count), worst_key)):
        labels = int(label_of_key.max()) + 1 if keys.count else 0
        label_of_release = label_of_key[keys.of_release]
        parcels = np.bincount(label_of_release, weights=amounts, minlength=labels)
        weights = np.where(parcels > 0, 1.0 / np.maximum(parcels, 1e-12), 0.0)
        own_days = np.bincount(label_of_release, weights=amounts * start, minlength=labels)
        column = np.arange(keys.count * keys.days)
        label = label_of_key[column // keys.days]
        blocks.append(
            (
                np.concatenate([label, np.arange(labels)]).astype(np.int64),
                np.concatenate([column, np.full(labels, worst)]).astype(np.int64),
                np.concatenate([(column % keys.days) * weights[label], -np.ones(labels)]),
                np.full(labels, -INFINITY),
                np.asarray(own_days * weights, dtype=np.float64),
            )
        )
    return blocks


def _stack(blocks: list[_Block], columns: int) -> tuple[csr_array, FloatArray, FloatArray]:
    rows, cols, values, lower, upper = [], [], [], [], []
    count = 0
    for row, column, value, low, high in blocks:
        rows.append(row + count)
        cols.append(column)
        values.append(value)
        lower.append(low)
        upper.append(high)
        count += len(low)
    matrix = coo_array(
        (np.concatenate(values), (np.concatenate(rows), np.concatenate(cols))),
        shape=(count, columns),
    )
    return csr_array(matrix), np.concatenate(lower), np.concatenate(upper)

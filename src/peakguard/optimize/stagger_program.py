"""The staggering program's matrix: its columns, its rows and their bounds.

:func:`build_program` turns a :class:`~peakguard.optimize.loads.LoadModel` into the linear
program :mod:`.stagger` solves in two phases. Columns: x (release, day) | q (origin, day) |
Q (group, day) | s (capacity row) | Zc | Zo; the formulation is written out in
docs/explanation/staggering.md.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np
from scipy.sparse import coo_array, csc_array

from peakguard.optimize.highs import INFINITY, LinearProgram
from peakguard.optimize.loads import LoadModel
from peakguard.optimize.releases import StaggerParameters
from peakguard.simulate.plan import BoolArray, FloatArray, IntArray


@dataclass(frozen=True)
class ProgramLayout:
    pickup: IntArray
    """Columns x[r, d]: parcels of release pickup_release[k] picked up on pickup_day[k]."""
    quota: IntArray
    slack: IntArray
    worst_carrier: int
    worst_origin: int
    group: IntArray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    """Columns Q (group, day): the sum of the group's quotas that day."""
    capacity_row: IntArray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    """[program capacity row] the model's row it holds (the program's first rows; the rows
    no plan can overload are left out)."""


def build_program(
    model: LoadModel,
    settings: StaggerParameters,
    floors: FloatArray,
    keep: BoolArray | None = None,
) -> tuple[LinearProgram, ProgramLayout]:
    """Columns: x (release, day) | q (origin, day) | Q (group, day) | s (capacity row) | Zc |
    Zo; each q at least its floor. Capacity rows no plan can push over their limit are left
    out (exact: their slack would be zero whatever the plan), except those ``keep`` [model
    row] holds: a warm start's basis has a status for them, and a row left out of it would
    leave the basis with a basic variable too many to repair."""
    amounts = np.array([release.parcels for release in model.releases], dtype=float)
    bindable = _bindable(model, amounts)
    if keep is not None:
        bindable |= keep
    layout = replace(
        program_layout(model, int(bindable.sum())), capacity_row=np.flatnonzero(bindable)
    )
    columns = layout.worst_origin + 1
    delay = model.pickup_delay_days.astype(float)
    rows = _Rows()
    _capacity_rows(rows, model, layout, bindable)
    _quota_rows(rows, model, layout)
    _group_rows(rows, model, layout)
    _release_rows(rows, model, layout, amounts)
    _fairness_rows(rows, model, layout, amounts, delay)
    matrix = csc_array(
        coo_array(
            (
                np.concatenate(rows.values),
                (np.concatenate(rows.rows), np.concatenate(rows.columns)),
            ),
            shape=(rows.count, columns),
        )
    )
    total = float(amounts.sum())
    cost = np.zeros(columns)
    cost[layout.pickup] = delay
    cost[layout.worst_carrier] = settings.carrier_fairness * total
    cost[layout.worst_origin] = settings.origin_fairness * total
    column_lower = np.zeros(columns)
    column_lower[layout.quota] = floors
    program = LinearProgram(
        cost=cost,
        matrix=matrix,
        row_lower=np.concatenate(rows.lower),
        row_upper=np.concatenate(rows.upper),
        column_lower=column_lower,
        column_upper=np.full(columns, INFINITY),
    )
    return program, layout


def _bindable(model: LoadModel, amounts: FloatArray) -> BoolArray:
    """[capacity row] some plan could load it past its limit: its background plus, from
    every quota column, the most that column could carry (every release that may be picked
    up that day, in full). A row nobody can overload needs no place in the program."""
    most = np.bincount(
        model.pickup_quota, weights=amounts[model.pickup_release], minlength=len(model.quota_origin)
    )
    reachable = model.row_loads(np.asarray(most, dtype=np.float64))
    return np.asarray(reachable > model.row_limit - 1e-6, dtype=bool)


def program_layout(model: LoadModel, capacity_rows: int | None = None) -> ProgramLayout:
    """The columns x (release, day) | q (origin, day) | Q (group, day) | s (capacity row in
    the program) | Zc | Zo."""
    x_count = len(model.pickup_release)
    q_count = len(model.quota_origin)
    g_count = model.columns.count - q_count
    if capacity_rows is None:
        capacity_rows = len(model.row_limit)
    worst_carrier = x_count + q_count + g_count + capacity_rows
    return ProgramLayout(
        pickup=np.arange(x_count),
        quota=x_count + np.arange(q_count),
        group=x_count + q_count + np.arange(g_count),
        slack=x_count + q_count + g_count + np.arange(capacity_rows),
        worst_carrier=worst_carrier,
        worst_origin=worst_carrier + 1,
    )


@dataclass
class _Rows:
    """The program's rows, added block by block: their entries (row, column, value) and
    bounds. ``count`` is the rows so far; a block's rows are numbered from 0 within it."""

    rows: list[IntArray] = field(default_factory=list)
    columns: list[IntArray] = field(default_factory=list)
    values: list[FloatArray] = field(default_factory=list)
    lower: list[FloatArray] = field(default_factory=list)
    upper: list[FloatArray] = field(default_factory=list)
    count: int = 0

    def add_block(
        self,
        entries: list[tuple[IntArray, IntArray, FloatArray]],
        lower: FloatArray,
        upper: FloatArray,
    ) -> None:
        for row, column, value in entries:
            self.rows.append(self.count + row)
            self.columns.append(column)
            self.values.append(value)
        self.lower.append(lower)
        self.upper.append(upper)
        self.count += len(lower)


def _capacity_rows(
    rows: _Rows, model: LoadModel, layout: ProgramLayout, bindable: BoolArray
) -> None:
    """Capacity: load of the quotas - slack <= limit - background load, for the rows some
    plan could overload."""
    capacity_rows = int(bindable.sum())
    renumbered = np.cumsum(bindable) - 1
    kept = bindable[model.entry_row]
    load_column = np.concatenate([layout.quota, layout.group])
    rows.add_block(
        [
            (
                renumbered[model.entry_row[kept]],
                load_column[model.entry_quota[kept]],
                model.entry_value[kept],
            ),
            (np.arange(capacity_rows), layout.slack, -np.ones(capacity_rows)),
        ],
        np.full(capacity_rows, -INFINITY),
        (model.row_limit - model.row_background)[bindable],
    )


def _quota_rows(rows: _Rows, model: LoadModel, layout: ProgramLayout) -> None:
    """Quota definition: sum of the pickups at an origin on a day - q = 0."""
    q_count = len(model.quota_origin)
    rows.add_block(
        [
            (model.pickup_quota, layout.pickup, np.ones(len(layout.pickup))),
            (np.arange(q_count), layout.quota, -np.ones(q_count)),
        ],
        np.zeros(q_count),
        np.zeros(q_count),
    )


def _group_rows(rows: _Rows, model: LoadModel, layout: ProgramLayout) -> None:
    """Group column definition: the sum of the members' quotas on a day - Q = 0."""
    group_count = len(layout.group)
    if not group_count:
        return
    q_count = len(model.quota_origin)
    member = np.flatnonzero(model.columns.group_quota >= 0)
    rows.add_block(
        [
            (
                model.columns.group_quota[member] - q_count,
                layout.quota[member],
                np.ones(len(member)),
            ),
            (np.arange(group_count), layout.group, -np.ones(group_count)),
        ],
        np.zeros(group_count),
        np.zeros(group_count),
    )


def _release_rows(
    rows: _Rows, model: LoadModel, layout: ProgramLayout, amounts: FloatArray
) -> None:
    """Every release is picked up in full within its window."""
    rows.add_block(
        [(model.pickup_release, layout.pickup, np.ones(len(layout.pickup)))], amounts, amounts
    )


def _fairness_rows(
    rows: _Rows, model: LoadModel, layout: ProgramLayout, amounts: FloatArray, delay: FloatArray
) -> None:
    """Fairness: mean delay of each carrier and each origin <= the worst one."""
    for group, worst in (
        (model.release_carrier, layout.worst_carrier),
        (model.release_origin, layout.worst_origin),
    ):
        labels, group_of_release = np.unique(group, return_inverse=True)
        totals = np.bincount(group_of_release, weights=amounts, minlength=len(labels))
        weights = np.where(totals > 0, 1.0 / np.maximum(totals, 1e-12), 0.0)
        group_of_pickup = group_of_release[model.pickup_release]
        rows.add_block(
            [
                (group_of_pickup, layout.pickup, delay * weights[group_of_pickup]),
                (np.arange(len(labels)), np.full(len(labels), worst), -np.ones(len(labels))),
            ],
            np.full(len(labels), -INFINITY),
            np.zeros(len(labels)),
        )

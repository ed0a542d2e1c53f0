"""What one staggering plan on a load basis leaves for the next plan on the same basis.

The assurance loop (:mod:`.assurance`) plans the same releases again and again: after each
round of reserves, and after each check by simulation lowers some storage limits. Each of
those programs has the same columns for the pickups and quotas and nearly the same capacity
rows, only some limits moved. Two things carry over:

- the **storage hours found over** at hours the program did not check: every later plan on
  the basis gets them as rows from the start instead of finding them again in a round of its
  own (they are capacity rows of the real problem, so adding them early changes no optimum);
- **phase 1's optimal basis**, mapped row by row onto the next program (a capacity row is
  known by its node, kind, start and hours): the dual simplex goes on from it, the limits that
  moved being the only infeasibilities left, instead of a cold start from presolve.

Rows new to the program enter basic (their own slack in the basis), and their overflow
columns at zero; rows no longer in it drop out. HiGHS completes or repairs the mapped basis
(an "alien" basis), so it need not have exactly one basic variable per row.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from peakguard.optimize.highs import AT_LOWER, BASIC, StatusArray
from peakguard.optimize.loads import LoadModel
from peakguard.optimize.stagger_program import ProgramLayout
from peakguard.simulate.plan import BoolArray, FloatArray, IntArray

FAR = 3.0
"""A new program's overflow under the last plan's quotas this many times the last least
overflow (or less than its share) starts cold. On the demo, the warm starts that needed as
many iterations as a cold one came where the least overflow moved 75× (reserves: 7.09 M →
0.095 M parcels) or 36× (a recalibration: 0.093 M → 3.36 M); the quick ones (17–3,700
iterations) where it moved 1.0–1.8×."""


@dataclass(frozen=True)
class Vertex:
    """Phase 1's optimal basis of one program, with the capacity row each of its first rows
    holds."""

    columns: StatusArray
    rows: StatusArray
    capacity_keys: IntArray
    """[program capacity row] its key (:func:`row_keys`)."""
    fixed_columns: int
    """Pickup, quota and group columns: the same in every program on the basis."""
    quotas: FloatArray
    """[quota column] its solution's quotas."""
    overflow: float
    """Its least overflow (phase 1's objective), parcels."""


@dataclass
class PlanningMemory:
    """Carried by a caller from plan to plan on one load basis (and updated by each)."""

    checked: BoolArray | None = None
    """[node, hour] storage hours held as rows though no model row checks them."""
    vertex: Vertex | None = None
    """The last phase 1's optimal basis."""


def row_keys(model: LoadModel, rows: IntArray) -> IntArray:
    """A number naming each of the model's ``rows`` by node, start hour, hours and kind, the
    same in every model on the basis."""
    storage = np.asarray(model.row_kind[rows] == "storage", dtype=np.int64)
    node = model.row_node[rows].astype(np.int64)
    start = model.row_start[rows].astype(np.int64)
    hours = model.row_hours[rows].astype(np.int64)
    return np.asarray(((node << 20 | start) << 10 | hours) << 1 | storage, dtype=np.int64)


def vertex_of(
    columns: StatusArray,
    rows: StatusArray,
    model: LoadModel,
    layout: ProgramLayout,
    values: FloatArray,
    overflow: float,
) -> Vertex:
    """A solved program's basis (and its solution ``values`` with ``overflow``), keyed for
    :func:`mapped_onto`."""
    return Vertex(
        columns=columns,
        rows=rows,
        capacity_keys=row_keys(model, layout.capacity_row),
        fixed_columns=len(layout.pickup) + len(layout.quota) + len(layout.group),
        quotas=values[layout.quota],
        overflow=overflow,
    )


def near_enough(vertex: Vertex, model: LoadModel) -> bool:
    """Whether a warm start from ``vertex`` is likely quicker than a cold one on ``model``:
    its quotas overflow the new limits by about as much as they did the old (within
    ``FAR`` times either way). When reserves or a recalibration move the overflow by orders
    of magnitude, every row that changed sides is a dual simplex iteration to undo, as many
    as a cold start from presolve takes (decision 0025)."""
    load = model.row_loads(vertex.quotas)
    now = float(np.maximum(load - model.row_limit, 0.0).sum())
    before = max(vertex.overflow, 1.0)
    return before / FAR <= max(now, 1.0) <= before * FAR


def held_rows(memory: PlanningMemory, model: LoadModel) -> BoolArray | None:
    """[model row] the capacity rows the last phase 1's basis holds: a program built on from
    it keeps them (rows only ever join the program, so the mapped basis has one basic
    variable per row without repair); None when the memory holds no basis."""
    if memory.vertex is None:
        return None
    keys = row_keys(model, np.arange(len(model.row_limit)))
    return np.isin(keys, memory.vertex.capacity_keys)


def mapped_onto(
    vertex: Vertex, model: LoadModel, layout: ProgramLayout, shape: tuple[int, int]
) -> tuple[StatusArray, StatusArray] | None:
    """``vertex`` as a starting basis of the program ``(model, layout)`` with ``shape``
    (rows, columns); None when their columns or other rows differ (another basis)."""
    fixed = len(layout.pickup) + len(layout.quota) + len(layout.group)
    before = len(vertex.capacity_keys)
    capacity = len(layout.capacity_row)
    other_rows = len(vertex.rows) - before
    other_columns = len(vertex.columns) - vertex.fixed_columns - before
    if (fixed, other_rows, other_columns) != (
        vertex.fixed_columns,
        shape[0] - capacity,
        shape[1] - fixed - capacity,
    ):
        return None
    keys = row_keys(model, layout.capacity_row)
    order = np.argsort(vertex.capacity_keys, kind="stable")
    place = np.minimum(np.searchsorted(vertex.capacity_keys[order], keys), max(before - 1, 0))
    previous = order[place] if before else np.zeros(capacity, dtype=np.int64)
    found = vertex.capacity_keys[previous] == keys if before else np.zeros(capacity, dtype=bool)
    columns = np.full(shape[1], AT_LOWER, dtype=np.int8)
    columns[:fixed] = vertex.columns[:fixed]
    columns[fixed : fixed + capacity] = np.where(found, vertex.columns[fixed + previous], AT_LOWER)
    columns[fixed + capacity :] = vertex.columns[fixed + before :]
    rows = np.empty(shape[0], dtype=np.int8)
    rows[:capacity] = np.where(found, vertex.rows[previous], BASIC)
    rows[capacity:] = vertex.rows[before:]
    return columns, rows

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


@dataclass
class PlanningMemory:
    """Carried by a caller from plan to plan on one load basis (and updated by each)."""

    checked: BoolArray | None = None
    """[node, hour] storage hours held as rows though no model row checks them."""
    vertex: Vertex | None = None
    """The last phase 1's optimal basis."""
    delay_vertex: Vertex | None = None
    """The last phase 2's optimal basis."""
    pickups: FloatArray | None = None
    """[pickup column] the last plan's parcels of each release picked up on each day."""
    quotas: FloatArray | None = None
    """[quota column] the last phase 1's quotas."""
    overflow: float = 0.0
    """The last phase 1's least overflow, parcels."""


FAR = 3.0
"""A new program on which the last phase 1's quotas overflow this many times the last least
overflow (or less than its share) starts cold. On the demo the warm starts that ran into their
iteration cap came where the least overflow moved 35-75× (a round of reserves, a
recalibration); the quick ones where it moved 1.0-1.8× (decision 0025)."""


def near_enough(memory: PlanningMemory, model: LoadModel) -> bool:
    """Whether a warm start from ``memory`` is likely quicker than a cold one on ``model``:
    the last phase 1's quotas overflow the new limits by about as much as they did the old
    (within ``FAR`` times either way). When reserves or a recalibration move the overflow by
    orders of magnitude, every row that changed sides is a simplex iteration to undo, as
    many as a cold start from presolve takes (decision 0025)."""
    if memory.quotas is None or len(memory.quotas) != len(model.quota_origin):
        return False
    load = model.row_loads(memory.quotas)
    now = max(float(np.maximum(load - model.row_limit, 0.0).sum()), 1.0)
    before = max(memory.overflow, 1.0)
    return before / FAR <= now <= before * FAR


STAY = 1e-3
"""Parcel-days: what phase 2 charges a parcel for being picked up on a day the last plan on
the basis picked up none of its release. Far below any real difference (a day's delay is 1),
far above HiGHS's tolerances (1e-7): among equally good plans it keeps the last one's days."""


def staying_cost(memory: PlanningMemory, count: int) -> FloatArray:
    """[pickup column] :data:`STAY` where the last plan on the basis picked up nothing, zero
    where it picked up parcels (zero everywhere before a first plan, or for another basis's
    columns).

    Which of several equally good plans HiGHS returns depends on where its simplex starts
    (a warm or a cold basis, the rows a program holds); the assurance loop simulates each
    plan and re-plans, and a re-plan that moved parcels without need moves the queues the
    simulator found too (decision 0026). With this cost a re-plan moves pickups only where
    the changed limits make it worth a day's delay of a thousandth of a parcel."""
    last = memory.pickups
    if last is None or len(last) != count:
        return np.zeros(count)
    return np.where(last > 1e-6, 0.0, STAY)


def row_keys(model: LoadModel, rows: IntArray) -> IntArray:
    """A number naming each of the model's ``rows`` by node, start hour, hours and kind, the
    same in every model on the basis."""
    storage = np.asarray(model.row_kind[rows] == "storage", dtype=np.int64)
    node = model.row_node[rows].astype(np.int64)
    start = model.row_start[rows].astype(np.int64)
    hours = model.row_hours[rows].astype(np.int64)
    return np.asarray(((node << 20 | start) << 10 | hours) << 1 | storage, dtype=np.int64)


def vertex_of(
    columns: StatusArray, rows: StatusArray, model: LoadModel, layout: ProgramLayout
) -> Vertex:
    """A solved program's basis, keyed for :func:`mapped_onto`."""
    return Vertex(
        columns=columns,
        rows=rows,
        capacity_keys=row_keys(model, layout.capacity_row),
        fixed_columns=len(layout.pickup) + len(layout.quota) + len(layout.group),
    )


def held_rows(memory: PlanningMemory, model: LoadModel) -> BoolArray | None:
    """[model row] the capacity rows the last phase 1's basis holds: a program built on from
    it keeps them (rows only ever join the program, so the mapped basis has one basic
    variable per row without repair); None when the memory holds no basis."""
    if memory.vertex is None:
        return None
    keys = row_keys(model, np.arange(len(model.row_limit)))
    return np.asarray(np.isin(keys, memory.vertex.capacity_keys), dtype=bool)


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

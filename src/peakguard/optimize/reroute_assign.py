"""Which backup takes which unit: a small mixed-integer program solved by HiGHS.

Columns: ``x[k]`` (binary) sends option k's unit through its backup; ``r[u]`` (binary) leaves
unit u unabsorbed; ``y[b]`` (binary) uses backup b. Rows::

    sum_k∈u x[k] + r[u] = 1                          every unit goes to one backup, or none
    sum_k∈b parcels[u(k)] x[k] - usable[b] y[b] <= 0  a backup takes at most its usable spare
    x[k] - y[b(k)] <= 0                              (implied by the row above; tightens it)
    sum_b y[b] <= max_backups

Phase 1 leaves the fewest parcels unabsorbed (min sum parcels[u] r[u]); phase 2 holds that
and minimises the parcel-weighted cost of the options (added transit hours, the automation
weight for a manual backup, and the spare weight × the share of usable spare the unit takes).
``usable[b]`` is ``max_spare_share`` × the backup's spare capacity over the window.
"""

from __future__ import annotations

from dataclasses import dataclass

import highspy
import numpy as np
from scipy.sparse import coo_array, csc_array

from peakguard.optimize.highs import INFINITY, LinearProgram, Solver
from peakguard.optimize.reroute_parameters import RerouteParameters
from peakguard.optimize.reroute_traffic import BackupCandidate, Option, Unit
from peakguard.simulate.plan import FloatArray, IntArray


def option_cost_per_parcel(
    option: Option, unit: Unit, candidate: BackupCandidate, settings: RerouteParameters
) -> float:
    """Hours per parcel the objective charges for sending ``unit`` through the option's backup."""
    usable = settings.max_spare_share * candidate.spare
    manual = 0.0 if candidate.automated_sorter else settings.automation_weight_hours
    return option.added_hours + manual + settings.spare_weight_hours * unit.parcels / usable


def assign_units(
    units: tuple[Unit, ...],
    candidates: list[BackupCandidate],
    options: list[Option],
    settings: RerouteParameters,
) -> list[Option | None]:
    """The option chosen for each unit, or None where no backup can take it."""
    if not units or not options:
        return [None] * len(units)
    layout = _layout(units, candidates, options, settings)
    solver = Solver(_program(layout, settings), time_limit_seconds=settings.time_limit_seconds)
    integer = np.full(layout.columns, highspy.HighsVarType.kInteger.value, dtype=np.uint8)
    solver.highs.changeColsIntegrality(
        layout.columns, np.arange(layout.columns, dtype=np.int32), integer
    )
    solver.highs.setOptionValue("mip_rel_gap", 1e-6)
    first = solver.solve()
    # Phase 2: no more parcels unabsorbed than the least possible, at the least cost.
    parcels = layout.parcels
    left = float(first.values[layout.unabsorbed] @ parcels)
    solver.add_row(
        -INFINITY, left + 1e-6 * max(1.0, float(parcels.sum())), layout.unabsorbed, parcels
    )
    cost = np.zeros(layout.columns)
    cost[layout.option] = [
        units[option.unit].parcels
        * option_cost_per_parcel(option, units[option.unit], candidates[option.backup], settings)
        for option in options
    ]
    solver.set_cost(cost)
    second = solver.solve()
    chosen: list[Option | None] = [None] * len(units)
    for index in np.flatnonzero(second.values[layout.option] > 0.5).tolist():
        option = options[index]
        chosen[option.unit] = option
    return chosen


@dataclass(frozen=True)
class _Layout:
    """The program's columns and the figures its rows are made of."""

    option: IntArray
    """Columns x[k]: option k's unit goes through its backup."""
    unabsorbed: IntArray
    """Columns r[u]: unit u is left unabsorbed."""
    backup: IntArray
    """Columns y[b]: backup b is used."""
    columns: int
    parcels: FloatArray
    """Parcels of each unit."""
    option_unit: IntArray
    option_backup: IntArray
    """Each option's backup, as its position among the backups used."""
    usable: FloatArray
    """Spare capacity each backup used may give (max_spare_share × its spare)."""


def _layout(
    units: tuple[Unit, ...],
    candidates: list[BackupCandidate],
    options: list[Option],
    settings: RerouteParameters,
) -> _Layout:
    """Columns: x (option) | r (unit) | y (backup used)."""
    used = sorted({option.backup for option in options})
    backup_column = {backup: index for index, backup in enumerate(used)}
    count_x, count_r, count_y = len(options), len(units), len(used)
    return _Layout(
        option=np.arange(count_x),
        unabsorbed=count_x + np.arange(count_r),
        backup=count_x + count_r + np.array([backup_column[b] for b in used], dtype=np.int64),
        columns=count_x + count_r + count_y,
        parcels=np.array([unit.parcels for unit in units]),
        option_unit=np.array([option.unit for option in options], dtype=np.int64),
        option_backup=np.array(
            [backup_column[option.backup] for option in options], dtype=np.int64
        ),
        usable=np.array([settings.max_spare_share * candidates[b].spare for b in used]),
    )


def _program(layout: _Layout, settings: RerouteParameters) -> LinearProgram:
    """The rows in the module's docstring, costing phase 1's unabsorbed parcels."""
    x, r, y = layout.option, layout.unabsorbed, layout.backup
    count_x, count_r, count_y = len(x), len(r), len(y)
    rows: list[IntArray] = []
    cols: list[IntArray] = []
    vals: list[FloatArray] = []
    lower: list[FloatArray] = []
    upper: list[FloatArray] = []
    offset = 0
    # Every unit to one backup, or left unabsorbed.
    rows += [layout.option_unit, np.arange(count_r)]
    cols += [x, r]
    vals += [np.ones(count_x), np.ones(count_r)]
    lower.append(np.ones(count_r))
    upper.append(np.ones(count_r))
    offset += count_r
    # Usable spare capacity of each backup.
    rows += [offset + layout.option_backup, offset + np.arange(count_y)]
    cols += [x, y]
    vals += [layout.parcels[layout.option_unit], -layout.usable]
    lower.append(np.full(count_y, -INFINITY))
    upper.append(np.zeros(count_y))
    offset += count_y
    # An option only through a backup in use.
    rows += [offset + np.arange(count_x), offset + np.arange(count_x)]
    cols += [x, y[layout.option_backup]]
    vals += [np.ones(count_x), -np.ones(count_x)]
    lower.append(np.full(count_x, -INFINITY))
    upper.append(np.zeros(count_x))
    offset += count_x
    # At most max_backups backups.
    rows.append(np.full(count_y, offset))
    cols.append(y)
    vals.append(np.ones(count_y))
    lower.append(np.array([-INFINITY]))
    upper.append(np.array([float(settings.max_backups)]))
    offset += 1

    matrix = csc_array(
        coo_array(
            (np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))),
            shape=(offset, layout.columns),
        )
    )
    unabsorbed_cost = np.zeros(layout.columns)
    unabsorbed_cost[r] = layout.parcels
    return LinearProgram(
        cost=unabsorbed_cost,
        matrix=matrix,
        row_lower=np.concatenate(lower),
        row_upper=np.concatenate(upper),
        column_lower=np.zeros(layout.columns),
        column_upper=np.ones(layout.columns),
    )

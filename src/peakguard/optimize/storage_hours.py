"""Free-flow storage at every hour of every node under a plan's quotas.

The program checks storage only at each node's fullest hours (and those a plan has put over
before); after each solve the planner counts, from the same profiles, what every node holds at
every hour under the plan's quotas, and adds a row where a node is over its limit at an hour the
program did not hold (``stagger._unchecked_violations``).
"""

from __future__ import annotations

import numpy as np
from scipy.sparse import csr_array

from peakguard.optimize.loads import LoadBasis, first_load_columns
from peakguard.simulate.keys import distinct
from peakguard.simulate.plan import FloatArray


def storage_at_every_hour(basis: LoadBasis, quotas: FloatArray) -> FloatArray:
    """[node, hour] parcels at each node under ``quotas``, by the profiles (free flow).

    The profiles' entries that share a node and an hour offset are summed over their load keys
    first (a sparse product with each key's quota on each plan day), so the work and the
    temporaries of each plan day are one per (node, offset), not one per entry."""
    profiles = basis.profiles
    nodes, hours = basis.background_backlog.shape
    if not len(profiles.storage_node):
        return np.array(basis.background_backlog, dtype=np.float64)
    quotas = basis.columns.expand(quotas)
    days = basis.plan_days - basis.first_plan_day
    first_column, entry_key = distinct(
        first_load_columns(basis.columns.column_base, profiles.storage_origin), len(quotas)
    )
    low = int(profiles.storage_offset.min())
    span = int(profiles.storage_offset.max()) - low + 1
    cells, entry_cell = distinct(
        profiles.storage_node * span + (profiles.storage_offset - low), nodes * span
    )
    per_key = csr_array(
        (profiles.storage_value, (entry_cell, entry_key)), shape=(len(cells), len(first_column))
    )
    at_cell = per_key @ quotas[first_column[:, None] + days[None, :]]
    absolute = 24 * basis.plan_days[None, :] + (cells % span + low)[:, None]
    inside = absolute < hours
    cell = (cells // span * hours)[:, None] + absolute
    load = np.bincount(cell[inside], weights=at_cell[inside], minlength=nodes * hours)
    return np.asarray(load.reshape(nodes, hours) + basis.background_backlog, dtype=np.float64)

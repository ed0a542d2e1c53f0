"""The check of storage at the hours the program does not hold (``storage_at_every_hour``)
counts what the program's own storage rows count, at every hour of every node."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from peakguard.optimize.loads import build_load_model, load_basis
from peakguard.optimize.problem import compile_problem
from peakguard.optimize.releases import StaggerParameters
from peakguard.optimize.storage_hours import storage_at_every_hour

from .conftest import release, scenario
from .test_stagger_warm import late_trunk


@settings(max_examples=25, deadline=None)
@given(st.integers(min_value=0, max_value=2**31 - 1))
def test_every_hour_counts_what_the_rows_count(seed: int) -> None:
    """Two outlets' releases over three days on outlet → hub → station, any quotas: the load
    the check finds at each (node, hour) equals the load of the program's storage row for
    that node and hour when every hour of every node is a row (the rows' loads come from the
    load matrix, built separately from the same profiles)."""
    problem = compile_problem(
        late_trunk(), scenario(3, drain_days=1, demand={"pickup_hours": list(range(8, 18))})
    )
    releases = [release("O2", 3000, 1, 3), release("O1", 1500, 1, 2)]
    parameters = StaggerParameters()
    basis = load_basis(problem, releases, parameters)
    every_hour = np.ones(basis.background_backlog.shape, dtype=bool)
    model = build_load_model(basis, problem, parameters, extra_checked=every_hour)
    quotas = np.random.default_rng(seed).uniform(0, 2000, len(model.quota_origin))

    found = storage_at_every_hour(basis, quotas)

    rows = np.flatnonzero(model.row_kind == "storage")
    loads = model.row_loads(quotas)[rows]
    assert len(rows) == int(basis.touched.sum()) * basis.hours
    assert found[model.row_node[rows], model.row_start[rows]] == pytest.approx(loads, rel=1e-12)
    untouched = ~basis.touched
    assert np.array_equal(found[untouched], basis.background_backlog[untouched])

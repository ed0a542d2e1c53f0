"""A plan whose columns are read-only runs on the kernel compiled for writeable ones: Numba
types read-only arrays apart, and a second kernel would be compiled (and cached) on a user's
first run of such a plan — the demo's first run spent 45 s and 0.7 GB on it."""

from __future__ import annotations

import dataclasses

import numpy as np

from peakguard.simulate.compiled_engine import simulate_compiled
from peakguard.simulate.kernel import run_hours
from peakguard.simulate.plan import StoragePolicy
from peakguard.simulate.warm import tiny_plan


def _read_only(values: np.ndarray) -> np.ndarray:
    frozen = values.copy()
    frozen.flags.writeable = False
    return frozen


def test_read_only_columns_reuse_the_compiled_kernel_and_give_the_same_run() -> None:
    plan = tiny_plan(StoragePolicy.block)
    writeable = simulate_compiled(plan)
    kernels = len(run_hours.signatures)
    frozen = dataclasses.replace(
        plan,
        cohort_origin=_read_only(plan.cohort_origin),
        cohort_hour=_read_only(plan.cohort_hour),
        cohort_parcels=_read_only(plan.cohort_parcels),
        sorting_capacity=_read_only(plan.sorting_capacity),
        accepting=_read_only(plan.accepting),
        route_lanes=_read_only(plan.route_lanes),
    )
    run = simulate_compiled(frozen)
    assert len(run_hours.signatures) == kernels
    assert run.delivered.sum() > 0
    for name in ("processed", "backlog", "delivered", "delivered_hours", "delivered_on_time"):
        assert np.array_equal(getattr(run, name), getattr(writeable, name)), name
    assert not frozen.cohort_hour.flags.writeable  # the caller's arrays are left as they were
